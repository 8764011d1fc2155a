"""The ethical framework under each profile: a public health network's mentors read and
confirm a framework for peers across public health, not for doctors returning to training;
applying SuppoRTT brings the default back, and the team can still edit it in admin."""

import html
import re

import pytest
from django.urls import reverse

from scheme import framework
from scheme.models import SchemeProfile, SchemeSettings, SchemeText
from scheme.profiles import PROFILE_TEXT_SLUGS, PUBLIC_HEALTH
from scheme.services import apply_profile
from scheme.texts import DEFAULT_TEXTS, ensure_default_texts, get_framework_text
from tests.factories import MentorProfileFactory

pytestmark = pytest.mark.django_db

PUBLIC_URL = "/about/ethical-framework/"
# Sentences only the public health wording has (the scheme's name filled from settings).
PUBLIC_HEALTH_SENTENCES = [
    "As a mentor in the UK Public Health Network mentoring scheme you agree",
    "perhaps in another organisation or another of the four UK nations",
    "You work more like a coach.",
    "take up any training the scheme offers if it helps you",
    "if what is shared raises a worry about someone's safety, you talk about getting the "
    "right help, together where you can",
    "follow data protection law (UK GDPR)",
]
# Wording that belongs to a scheme for doctors returning to training.
SUPPORTT_WORDING = re.compile(
    r"clinical|time away from training|return(ing)? to training|doctor|trainee"
    r"|out of training|deanery|completed the scheme's mentor training|supervision",
    re.IGNORECASE,
)
DEFAULT_SENTENCE = "You are trained and supported."


def main_of(response) -> str:
    """The page's main content, unescaped, without the header and footer every page has."""
    assert response.status_code == 200
    content = response.content.decode()
    return html.unescape(content[content.index("<main") : content.index("</main>")])


@pytest.fixture
def mentor_client(client):
    """A mentor with a login who has not yet confirmed the framework."""
    bio = MentorProfileFactory(with_login=True, email="peer.mentor@example.nhs.uk")
    bio.framework_confirmed_at = None
    bio.save()
    client.force_login(bio.user)
    return client


@pytest.fixture
def public_health(scheme_admin):
    SchemeText.objects.all().delete()
    ensure_default_texts()  # the rows admins edit, in the default wording
    return apply_profile(key=SchemeProfile.PUBLIC_HEALTH, by=scheme_admin)


def test_the_framework_is_a_text_each_profile_words():
    assert framework.SLUG in PROFILE_TEXT_SLUGS
    text = PUBLIC_HEALTH.texts[framework.SLUG]
    assert text.body != DEFAULT_TEXTS[framework.SLUG].body
    assert SUPPORTT_WORDING.findall(text.body) == []


def test_a_public_health_scheme_stores_and_reads_its_own_framework(public_health):
    stored = SchemeText.objects.get(slug=framework.SLUG)
    ph = PUBLIC_HEALTH.texts[framework.SLUG]
    assert (stored.title, stored.body) == (ph.title, ph.body)

    body = get_framework_text().body
    for sentence in PUBLIC_HEALTH_SENTENCES:
        assert sentence in body
    assert SUPPORTT_WORDING.findall(body) == []
    assert "{" not in body


@pytest.mark.parametrize("page", ["public", "confirm"])
def test_public_health_mentors_read_the_public_health_framework(
    public_health, client, request, page
):
    if page == "confirm":
        client = request.getfixturevalue("mentor_client")
    url = reverse("framework_confirm") if page == "confirm" else PUBLIC_URL

    main = main_of(client.get(url))

    assert f"<h1>{PUBLIC_HEALTH.texts[framework.SLUG].title}</h1>" in main
    for sentence in PUBLIC_HEALTH_SENTENCES:
        assert sentence in main
    assert DEFAULT_SENTENCE not in main
    assert SUPPORTT_WORDING.findall(main) == []


def test_a_public_health_mentor_confirms_the_framework_they_read(public_health, mentor_client):
    response = mentor_client.post(reverse("framework_confirm"))

    assert response.status_code == 302
    main = main_of(mentor_client.get(reverse("framework_confirm")))
    assert "You confirmed the framework on" in main
    assert PUBLIC_HEALTH_SENTENCES[0] in main


def test_applying_supportt_back_restores_the_default_framework(public_health, client, scheme_admin):
    assert PUBLIC_HEALTH_SENTENCES[0] in main_of(client.get(PUBLIC_URL))

    apply_profile(key=SchemeProfile.SUPPORTT, by=scheme_admin)

    stored = SchemeText.objects.get(slug=framework.SLUG)
    assert (stored.title, stored.body) == (framework.TITLE, framework.BODY)
    main = main_of(client.get(PUBLIC_URL))
    assert DEFAULT_SENTENCE in main
    assert "your clinical work" in main
    for sentence in PUBLIC_HEALTH_SENTENCES:
        assert sentence not in main


def test_without_a_stored_row_the_profiles_framework_is_shown(public_health):
    SchemeText.objects.filter(slug=framework.SLUG).delete()

    assert PUBLIC_HEALTH_SENTENCES[0] in get_framework_text().body


@pytest.fixture
def admin_client_for_scheme(client, scheme_admin, settings):
    settings.ADMIN_REQUIRE_MFA = False
    client.force_login(scheme_admin)
    return client


def test_the_framework_stays_a_scheme_text_the_team_edits(admin_client_for_scheme, client):
    SchemeText.objects.all().delete()
    ensure_default_texts()
    pk = SchemeText.objects.get(slug=framework.SLUG).pk
    edited = admin_client_for_scheme.post(
        reverse("admin:scheme_schemetext_change", args=[pk]),
        {"title": "Our own framework", "body": "Written by the team."},
    )
    assert edited.status_code == 302

    # The review page warns that the team's wording will be replaced, as for other texts.
    review = admin_client_for_scheme.get(
        reverse("admin:scheme_schemesettings_apply_profile"), {"profile": "public_health"}
    ).content.decode()
    assert "<li>Our own framework</li>" in review
    applied = admin_client_for_scheme.post(
        reverse("admin:scheme_schemesettings_apply_profile"), {"profile": "public_health"}
    )
    assert applied.status_code == 302

    # The same row, listed and editable in admin, now holds the public health wording.
    listing = admin_client_for_scheme.get(reverse("admin:scheme_schemetext_changelist"))
    assert PUBLIC_HEALTH.texts[framework.SLUG].title in listing.content.decode()
    assert SchemeText.objects.get(slug=framework.SLUG).pk == pk
    form = admin_client_for_scheme.get(reverse("admin:scheme_schemetext_change", args=[pk]))
    assert "You work more like a coach." in html.unescape(form.content.decode())
    rewritten = admin_client_for_scheme.post(
        reverse("admin:scheme_schemetext_change", args=[pk]),
        {"title": "Our network's framework", "body": "Written by the network's team."},
    )
    assert rewritten.status_code == 302

    client.logout()
    main = main_of(client.get(PUBLIC_URL))
    assert "<h1>Our network's framework</h1>" in main
    assert "Written by the network's team." in main
    assert SchemeSettings.load().profile == SchemeProfile.PUBLIC_HEALTH
