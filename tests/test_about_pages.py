"""The public pages about the scheme: what peer mentoring is, who can have a mentor, the
ethical framework, confidentiality, becoming a mentor, questions and answers, and where
to get help now. Their texts are the scheme team's to edit; figures come from settings."""

import datetime
import html
import re
import zoneinfo

import pytest
import time_machine
from django.urls import reverse

from scheme import framework
from scheme.models import HelpContact, SchemeSettings, SchemeText
from scheme.texts import DEFAULT_TEXTS
from tests.test_partnerships import make_partnership

pytestmark = pytest.mark.django_db

LONDON = zoneinfo.ZoneInfo("Europe/London")
INBOX = "returners.team@example.nhs.uk"

# Each new page: its address, and the scheme text it shows.
PAGES = {
    "/about/peer-mentoring/": "peer-mentoring",
    "/about/who-can-have-a-mentor/": "who-can-have-a-mentor",
    "/about/ethical-framework/": framework.SLUG,
    "/about/confidentiality/": "confidentiality",
    "/about/questions/": "questions",
    "/become-a-mentor/": "becoming-a-mentor",
    "/get-help-now/": "get-help",
}


def card_headings(content: str) -> list[str]:
    """The names of the help page's contacts, in the order shown."""
    return [
        html.unescape(name)
        for name in re.findall(r'class="nhsuk-card__heading"\s*>\s*([^<]+?)\s*</h3>', content)
    ]


def set_scheme(**values) -> SchemeSettings:
    scheme = SchemeSettings.load()
    for name, value in values.items():
        setattr(scheme, name, value)
    scheme.save()
    return scheme


@pytest.fixture(autouse=True)
def _no_texts_stored():
    """The default wording, whatever rows the migrations left."""
    SchemeText.objects.all().delete()


@pytest.mark.parametrize("url", PAGES)
def test_each_page_is_public_and_shows_its_default_text(client, url):
    response = client.get(url)

    assert response.status_code == 200
    content = response.content.decode()
    title = DEFAULT_TEXTS[PAGES[url]].title
    assert f"<h1>{title}</h1>" in content
    assert f"<title>{title} – " in content


def test_the_public_framework_is_the_text_mentors_confirm(client):
    """One wording: the framework module's, which mentors confirm, not a copy."""
    assert DEFAULT_TEXTS[framework.SLUG].body == framework.BODY

    content = client.get("/about/ethical-framework/").content.decode()

    assert "You are trained and supported." in content


@pytest.mark.parametrize("url", PAGES)
def test_wording_edited_in_admin_replaces_ours(client, url):
    slug = PAGES[url]
    SchemeText.objects.create(
        slug=slug, title="Our own heading", body="## Our own part\n\nWritten by the team."
    )

    content = client.get(url).content.decode()

    assert "<h1>Our own heading</h1>" in content
    assert "Written by the team." in content
    assert f"<h1>{DEFAULT_TEXTS[slug].title}</h1>" not in content


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("/about/peer-mentoring/", ["up to 7 sessions, within 9 months"]),
        ("/about/who-can-have-a-mentor/", ["Up to 7 sessions with your mentor, within 9 months"]),
        (
            "/about/questions/",
            ["Up to 7, within 9 months", "within 3 working days", "at least 36 hours"],
        ),
        ("/become-a-mentor/", ["within 3 working days", "up to 7 sessions within 9 months"]),
    ],
)
def test_figures_come_from_the_scheme_settings(client, url, expected):
    set_scheme(
        sessions_per_partnership=7,
        partnership_months=9,
        response_working_days=3,
        cancellation_notice_hours=36,
    )

    content = client.get(url).content.decode()

    for words in expected:
        assert words in content
    assert "{sessions}" not in content
    assert "{months}" not in content


# --- Where to get help now -------------------------------------------------------------


def test_the_help_page_starts_with_the_usual_services_and_the_scheme_inbox(client):
    set_scheme(inbox_email=INBOX)

    content = client.get("/get-help-now/").content.decode()

    assert card_headings(content) == [
        "NHS 111",
        "Samaritans",
        "NHS Practitioner Health",
        "The scheme team",
    ]
    for phone in ("111", "116 123", "0300 0303 300"):
        assert f'href="tel:{phone.replace(" ", "")}">{phone}</a>' in content
    assert f'href="mailto:{INBOX}"' in content
    assert "999" in content
    # Each website link says whose it is (to screen readers), never "Samaritans's".
    assert "'s website" not in content
    assert 'Website<span class="nhsuk-u-visually-hidden"> of Samaritans</span>' in content


@pytest.fixture
def admin_client_for_scheme(client, scheme_admin, settings):
    settings.ADMIN_REQUIRE_MFA = False
    client.force_login(scheme_admin)
    return client


def test_help_contacts_edited_in_admin_show_on_the_help_page(admin_client_for_scheme, client):
    samaritans = HelpContact.objects.get(name="Samaritans")

    added = admin_client_for_scheme.post(
        reverse("admin:scheme_helpcontact_add"),
        {
            "name": "Doctors' Support Network",
            "description": "Peer support for doctors with mental health concerns.",
            "phone": "",
            "web_address": "https://www.dsn.org.uk/",
            "position": "1",
        },
    )
    changed = admin_client_for_scheme.post(
        reverse("admin:scheme_helpcontact_change", args=[samaritans.pk]),
        {
            "name": "Samaritans",
            "description": "Talk to someone now, day or night.",
            "phone": "116 123",
            "web_address": "",
            "position": "2",
        },
    )
    assert (added.status_code, changed.status_code) == (302, 302)

    client.logout()
    content = client.get("/get-help-now/").content.decode()

    assert 'href="https://www.dsn.org.uk/"' in content
    assert "Talk to someone now, day or night." in content
    assert "https://www.samaritans.org/" not in content
    # In the order the team set, the scheme's own inbox last.
    assert card_headings(content) == [
        "Doctors' Support Network",
        "Samaritans",
        "NHS 111",
        "NHS Practitioner Health",
        "The scheme team",
    ]


def test_a_contact_needs_a_phone_number_or_a_website(admin_client_for_scheme):
    response = admin_client_for_scheme.post(
        reverse("admin:scheme_helpcontact_add"),
        {"name": "Nowhere", "description": "No way to reach it.", "position": "0"},
    )

    assert response.status_code == 200
    assert not HelpContact.objects.filter(name="Nowhere").exists()


@pytest.mark.parametrize("side", ["mentee", "mentor"])
def test_every_partnership_page_says_where_to_get_help(client, mentee, mentor, side):
    partnership = make_partnership(mentee, mentor)
    client.force_login(mentee if side == "mentee" else mentor)

    detail = client.get(reverse("requests:partnership", args=[partnership.pk]))
    end = client.get(reverse("requests:partnership_end", args=[partnership.pk]))

    assert (detail.status_code, end.status_code) == (200, 200)
    assert '<h2 id="safety">Worried about someone\'s safety?</h2>' in detail.content.decode()
    for page in (detail, end):
        content = page.content.decode()
        assert "Worried about someone's safety?" in content
        assert f'href="{reverse("help_now")}"' in content


# --- Becoming a mentor and the bio form ---------------------------------------------


def at_london(year, month, day, hour=12):
    return time_machine.travel(datetime.datetime(year, month, day, hour, tzinfo=LONDON), tick=False)


@pytest.mark.parametrize(
    ("deadline", "today", "is_open"),
    [
        (None, datetime.date(2026, 7, 1), True),
        (datetime.date(2026, 6, 30), datetime.date(2026, 6, 30), True),
        (datetime.date(2026, 6, 30), datetime.date(2026, 7, 1), False),
    ],
    ids=["no deadline", "deadline day", "day after the deadline"],
)
def test_the_bio_form_says_closed_only_once_the_deadline_has_passed(
    client, deadline, today, is_open
):
    set_scheme(bio_submission_deadline=deadline, inbox_email=INBOX)

    with at_london(today.year, today.month, today.day):
        about = client.get("/become-a-mentor/").content.decode()
        form = client.get(reverse("submit_bio")).content.decode()

    form_link = f'href="{reverse("submit_bio")}"'
    if is_open:
        assert "Send us your peer mentor bio" in form
        assert "closed" not in form
        assert form_link in about
        assert "closed" not in about
    else:
        assert "The bio form is closed" in form
        assert "Tuesday 30 June 2026" in form
        assert form_link not in about
        assert "The bio form closed after Tuesday 30 June 2026." in about
        assert f'href="mailto:{INBOX}"' in about


def test_the_pages_give_the_deadline_while_the_form_is_open(client):
    set_scheme(bio_submission_deadline=datetime.date(2026, 6, 30))

    with at_london(2026, 6, 1):
        about = client.get("/become-a-mentor/").content.decode()
        form = client.get(reverse("submit_bio")).content.decode()

    assert "The bio form is open until the end of Tuesday 30 June 2026." in about
    assert "The form is open until the end of Tuesday 30 June 2026." in form
    # The form points back to what to write.
    assert f'href="{reverse("become_a_mentor")}"' in form


def test_with_no_deadline_the_pages_say_there_is_no_closing_date(client):
    set_scheme(bio_submission_deadline=None)

    about = client.get("/become-a-mentor/").content.decode()

    assert "There is no closing date at the moment." in about
    assert "what you would want to see if you were the one choosing" in about


@pytest.mark.parametrize("required", [True, False])
def test_the_page_asks_for_training_first_only_where_the_scheme_requires_it(client, required):
    set_scheme(bio_submission_deadline=None, training_required_to_publish=required)

    about = client.get("/become-a-mentor/").content.decode()

    assert ("If you have finished the peer mentor training" in about) is required
    assert ("publishes it once your training is recorded" in about) is required


# --- Links ---------------------------------------------------------------------------


def test_every_page_footer_and_the_home_page_link_each_new_page(client):
    home = client.get("/").content.decode()
    footer = home[home.index("<footer") :]
    main = home[: home.index("<footer")]

    for url in PAGES:
        assert f'href="{url}"' in footer, url
        assert f'href="{url}"' in main, url
