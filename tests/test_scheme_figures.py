"""Figures on pages and in the scheme's texts come from the scheme settings."""

import re

import pytest
from django.urls import reverse
from django.utils import timezone

from requests_app.models import PartnershipState
from scheme.models import SchemeSettings, SchemeText
from scheme.texts import DEFAULT_TEXTS, ensure_default_texts, get_scheme_text
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


# --- Settings that something reads -------------------------------------------------------


def test_the_scheme_name_heads_the_home_page_and_signs_every_email(client, scheme, mentee):
    from mentoring.outbox.services import render

    scheme.scheme_name = "Returners peer support West"
    scheme.save()

    home = client.get(reverse("home")).content.decode()
    _, _, html = render(
        "mentor_invitation",
        {
            "first_name": "Sam",
            "link": "https://example.org/x",
            "expires_at": timezone.now(),
            "has_password": False,
        },
    )

    assert "Returners peer support West" in home
    assert "because you take part in Returners peer support West." in html


def test_the_scheme_inbox_starts_as_scheme_inbox_email(settings):
    settings.SCHEME_INBOX_EMAIL = "returners.team@example.nhs.uk"
    SchemeSettings.objects.all().delete()

    assert SchemeSettings.load().inbox_email == "returners.team@example.nhs.uk"


def test_admins_set_the_matching_mode_and_its_companions(rf, scheme_admin):
    from django.contrib import admin
    from django.contrib.admin.utils import flatten_fieldsets

    model_admin = admin.site._registry[SchemeSettings]
    request = rf.get("/")
    request.user = scheme_admin

    fields = flatten_fieldsets(model_admin.get_fieldsets(request, SchemeSettings.load()))

    for name in (
        "profile",
        "matching_mode",
        "register_open_to_mentees",
        "meetings_planned_by",
        "extensions_allowed",
    ):
        assert name in fields


def test_stored_texts_with_our_old_figures_name_the_settings_instead():
    import importlib

    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    name = ("requests_app", "0007_scheme_figures_and_inbox")
    migration = importlib.import_module("requests_app.migrations.0007_scheme_figures_and_inbox")
    # The models as that migration knew them (SchemeText was requests_app's then).
    apps = MigrationLoader(connection).project_state(name).apps
    SchemeText.objects.update_or_create(
        slug="how-it-works",
        defaults={
            "title": "How it works",
            "body": "3. Send them a request. They answer within 5 working days; if they "
            "cannot, you choose again.\n4. Then meet up to 4 times over 6 months.",
        },
    )
    SchemeText.objects.update_or_create(
        slug="contact", defaults={"title": "Contact", "body": "Our own words, 3 days."}
    )

    migration.name_the_settings(apps, None)

    assert get_scheme_text("how-it-works").body.endswith(
        "They answer within 5 working days; if they cannot, you choose again.\n"
        "4. Then meet up to 4 times over 6 months."
    )
    assert "{sessions}" in SchemeText.objects.get(slug="how-it-works").body
    assert SchemeText.objects.get(slug="contact").body == "Our own words, 3 days."
