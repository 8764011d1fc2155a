"""The public pages about the scheme under each profile: a public health network's visitors
read about peers across public health, not doctors returning to training."""

import html
import re

import pytest
from django.urls import reverse

from scheme.models import SchemeProfile, SchemeSettings, SchemeText
from scheme.profiles import PROFILE_TEXT_SLUGS, PUBLIC_HEALTH
from scheme.services import apply_profile
from scheme.texts import DEFAULT_TEXTS, ensure_default_texts

pytestmark = pytest.mark.django_db

# Each page, its text, and a sentence only the public health wording has (figures filled
# from settings the test sets after applying the profile: 5 meetings, 7 months, 3 working
# days, 36 hours).
PAGES = {
    "/about/peer-mentoring/": (
        "peer-mentoring",
        "Your mentor is a peer from another part of public health",
    ),
    "/about/who-can-have-a-mentor/": (
        "who-can-have-a-mentor",
        "You can have a peer mentor if you work in public health in England, Scotland, "
        "Wales or Northern Ireland",
    ),
    "/about/confidentiality/": (
        "confidentiality",
        "Your mentor has no part in your line management or appraisal",
    ),
    "/about/questions/": (
        "questions",
        "each of you says within 3 working days whether you would like to go ahead",
    ),
    "/become-a-mentor/": (
        "becoming-a-mentor",
        "Peer mentors are people working in public health, in any organisation across "
        "England, Scotland, Wales and Northern Ireland",
    ),
    "/get-help-now/": (
        "get-help",
        "contact someone now, wherever in the UK you are",
    ),
}
# What each page says with the scheme's figures in it.
FIGURES = {
    "/about/peer-mentoring/": ["up to 5 of them, within 7 months"],
    "/about/who-can-have-a-mentor/": ["Up to 5 meetings with your mentor, within 7 months"],
    "/about/questions/": ["Up to 5, within 7 months", "at least 36 hours"],
    "/become-a-mentor/": [
        "each of you says within 3 working days whether",
        "up to 5 times within 7 months",
    ],
}
# Wording that belongs to a scheme for doctors returning to training.
TRAINEE_WORDING = re.compile(
    r"doctors? in training|return(ing)? to training|out of training|training programme"
    r"|training pathway|deanery|trainee|time away from training|absence planning",
    re.IGNORECASE,
)
# Each page's links to the other public pages, which must keep working.
LINKS = {
    "/about/peer-mentoring/": ["/about/confidentiality/", "/get-help-now/"],
    "/about/confidentiality/": ["/get-help-now/"],
    "/about/questions/": [
        "/about/confidentiality/",
        "/get-help-now/",
        "/about/privacy/",
        "/become-a-mentor/",
    ],
    "/become-a-mentor/": ["/about/ethical-framework/"],
}


def main_of(response) -> str:
    """The page's main content, unescaped, without the header and footer every page has."""
    content = response.content.decode()
    return html.unescape(content[content.index("<main") : content.index("</main>")])


@pytest.fixture
def public_health(scheme_admin):
    SchemeText.objects.all().delete()
    ensure_default_texts()  # the rows admins edit, in the default wording
    apply_profile(key=SchemeProfile.PUBLIC_HEALTH, by=scheme_admin)
    scheme = SchemeSettings.load()
    scheme.sessions_per_partnership = 5
    scheme.partnership_months = 7
    scheme.response_working_days = 3
    scheme.cancellation_notice_hours = 36
    scheme.save()
    return scheme


@pytest.mark.parametrize("url", PAGES)
def test_a_public_health_scheme_shows_its_own_wording_of_each_page(public_health, client, url):
    slug, sentence = PAGES[url]

    response = client.get(url)

    assert response.status_code == 200
    main = main_of(response)
    assert f"<h1>{PUBLIC_HEALTH.texts[slug].title}</h1>" in main
    assert sentence in main
    assert TRAINEE_WORDING.findall(main) == []
    for words in FIGURES.get(url, []):
        assert words in main
    assert "{" not in main
    assert "}" not in main


@pytest.mark.parametrize("url", LINKS)
def test_the_public_health_pages_link_to_pages_that_exist(public_health, client, url):
    main = main_of(client.get(url))

    assert PAGES[url][1] in main  # the public health wording
    for link in LINKS[url]:
        assert f'href="{link}"' in main
        assert client.get(link).status_code == 200, link


def test_every_page_slug_differs_by_profile():
    for slug, _ in PAGES.values():
        assert slug in PROFILE_TEXT_SLUGS
        assert PUBLIC_HEALTH.texts[slug].body != DEFAULT_TEXTS[slug].body


def test_the_public_health_becoming_a_mentor_page_names_the_bio_the_scheme_asks(
    public_health, client
):
    main = main_of(client.get("/become-a-mentor/"))

    assert "your name, organisation and the UK nation you work in" in main
    assert "your areas of expertise" in main
    assert "specialty school" not in main


def test_applying_supportt_back_restores_the_default_wording(public_health, client, scheme_admin):
    for url, (_, sentence) in PAGES.items():
        assert sentence in main_of(client.get(url))

    apply_profile(key=SchemeProfile.SUPPORTT, by=scheme_admin)

    for url, (slug, sentence) in PAGES.items():
        stored = SchemeText.objects.get(slug=slug)
        assert (stored.title, stored.body) == (DEFAULT_TEXTS[slug].title, DEFAULT_TEXTS[slug].body)
        main = main_of(client.get(url))
        assert f"<h1>{DEFAULT_TEXTS[slug].title}</h1>" in main
        assert sentence not in main
    assert "another doctor in training" in main_of(client.get("/about/peer-mentoring/"))


@pytest.fixture
def admin_client_for_scheme(client, scheme_admin, settings):
    settings.ADMIN_REQUIRE_MFA = False
    client.force_login(scheme_admin)
    return client


def test_applying_a_profile_replaces_wording_the_team_edited_after_warning(
    admin_client_for_scheme, client
):
    """As for every text a profile words: the review page warns that the team's changes
    will be lost, and applying puts the profile's wording in their place. Texts no profile
    words (the accessibility statement) keep the team's wording."""
    SchemeText.objects.all().delete()
    ensure_default_texts()
    edits = {
        "confidentiality": "Our confidentiality rules",
        "accessibility": "Our own accessibility statement",
    }
    for slug, title in edits.items():
        pk = SchemeText.objects.get(slug=slug).pk
        edited = admin_client_for_scheme.post(
            reverse("admin:scheme_schemetext_change", args=[pk]),
            {"title": title, "body": "Written by the team."},
        )
        assert edited.status_code == 302

    review = admin_client_for_scheme.get(
        reverse("admin:scheme_schemesettings_apply_profile"), {"profile": "public_health"}
    ).content.decode()
    assert "<li>Our confidentiality rules</li>" in review
    assert "<li>Our own accessibility statement</li>" not in review
    assert "will be lost" in review

    applied = admin_client_for_scheme.post(
        reverse("admin:scheme_schemesettings_apply_profile"), {"profile": "public_health"}
    )
    assert applied.status_code == 302

    client.logout()
    confidentiality = main_of(client.get("/about/confidentiality/"))
    assert "Written by the team." not in confidentiality
    assert "Your mentor has no part in your line management or appraisal" in confidentiality
    accessibility = main_of(client.get("/about/accessibility/"))
    assert "<h1>Our own accessibility statement</h1>" in accessibility
    assert "Written by the team." in accessibility
