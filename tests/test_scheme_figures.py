"""Figures on pages and in the scheme's texts come from the scheme settings."""

import re

import pytest
from django.urls import reverse

from register.texts import DEFAULT_TEXTS, ensure_default_texts, get_scheme_text
from requests_app.models import PartnershipState, SchemeSettings, SchemeText
from tests.factories import PartnershipFactory

pytestmark = pytest.mark.django_db

# A figure typed next to what a setting counts.
RULE_FIGURE = re.compile(
    r"\b\d+\s+(working day|day|session|time|month|year|hour|week)s?\b", re.IGNORECASE
)


@pytest.fixture
def scheme():
    ensure_default_texts()
    scheme = SchemeSettings.load()
    scheme.response_working_days = 8
    scheme.sessions_per_partnership = 7
    scheme.partnership_months = 9
    scheme.cancellation_notice_hours = 48
    scheme.data_retention_months = 36
    scheme.save()
    return scheme


@pytest.mark.parametrize("slug", DEFAULT_TEXTS)
def test_no_default_text_types_a_figure_a_setting_owns(slug):
    assert RULE_FIGURE.findall(DEFAULT_TEXTS[slug].body) == []


def test_the_home_page_states_the_schemes_own_figures(client, scheme):
    html = client.get(reverse("home")).content.decode()

    assert "answer within 8 working days" in html
    assert "up to 7 times over 9 months" in html
    assert "{" not in html.split("<main", 1)[1].split("</main>")[0]
    for seed_figure in ("5 working days", "4 times", "6 months"):
        assert seed_figure not in html


def test_the_privacy_notice_states_the_retention_setting(client, scheme):
    html = client.get(reverse("scheme_page", args=["privacy"])).content.decode()

    assert "not been used for 36 months" in html
    assert "2 years" not in html


def test_the_contact_page_promises_no_figure_a_setting_owns(client, scheme):
    html = client.get(reverse("scheme_page", args=["contact"])).content.decode()

    assert "5 working days" not in html


def test_the_agreement_states_the_notice_setting(client, scheme, mentee, mentor):
    partnership = PartnershipFactory(
        request__mentee=mentee,
        request__mentor=mentor.mentor_profile,
        state=PartnershipState.AGREEMENT_PENDING,
    )
    client.force_login(mentee)

    html = client.get(reverse("requests:partnership_agreement", args=[partnership.pk]))

    assert "at least 48 hours&#x27; notice" in html.content.decode()


def test_an_admin_edited_text_may_name_figures_and_keeps_other_braces(scheme):
    SchemeText.objects.filter(slug="contact").update(
        body="Ask within {answer_working_days} days about {something else} or {unknown}."
    )

    assert get_scheme_text("contact").body == (
        "Ask within 8 days about {something else} or {unknown}."
    )


def test_the_request_page_states_the_answer_setting(client, scheme, mentee, mentor):
    client.force_login(mentee)

    html = client.get(reverse("requests:send", args=[mentor.mentor_profile.pk])).content.decode()

    assert "answer within 8 working days" in html
    assert "5 working days" not in html
