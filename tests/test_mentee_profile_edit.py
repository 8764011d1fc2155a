"""A mentee changes what they told us at sign-up: the same questions, the same checks."""

import datetime
import re

import pytest
import time_machine
from django.urls import reverse
from playwright.sync_api import expect

from accounts.models import MenteeProfile, TrainingStatus
from scheme.models import SchemeProfile
from scheme.services import apply_profile
from tests.axe import assert_no_axe_violations
from tests.factories import GradeFactory, SchoolFactory, TrustFactory
from tests.test_mentor_profile import log_in

pytestmark = pytest.mark.django_db

EDIT = "/mentee/profile/edit/"
NOON_10_MARCH_2026 = datetime.datetime(2026, 3, 10, 12, tzinfo=datetime.UTC)


@pytest.fixture
def reference(db):
    return {
        "grade": GradeFactory(name="ST4"),
        "school": SchoolFactory(name="School of Surgery"),
        "trust": TrustFactory(name="Leeds Teaching Hospitals NHS Trust", region="North"),
    }


def change(reference, situation="out", day="", month="", year="", **changes) -> dict:
    return {
        "situation": situation,
        "absence_form_completed_on_day": day,
        "absence_form_completed_on_month": month,
        "absence_form_completed_on_year": year,
        "first_name": "Ngozi",
        "last_name": "Okafor-Smith",
        "pronouns": "she/her",
        "grade": reference["grade"].pk,
        "school": reference["school"].pk,
        "trust": reference["trust"].pk,
        **changes,
    }


def snapshot(user) -> tuple:
    profile = MenteeProfile.objects.select_related("user").get(user=user)
    return (
        profile.user.first_name,
        profile.user.last_name,
        profile.training_status,
        profile.absence_form_completed_on,
        profile.grade_id,
        profile.school_id,
        profile.trust_id,
        profile.pronouns,
    )


def test_url_name():
    assert reverse("mentee_profile_edit") == EDIT


def test_the_dashboard_links_a_mentee_to_their_details(client, mentee):
    client.force_login(mentee)

    assert f'href="{EDIT}"' in client.get("/dashboard/").content.decode()


def test_the_page_shows_the_profile_as_it_is(client, mentee):
    profile = mentee.mentee_profile
    profile.training_status = TrainingStatus.PLANNING
    profile.absence_form_completed_on = datetime.date(2026, 2, 3)
    profile.save()
    client.force_login(mentee)

    page = client.get(EDIT).content.decode()

    assert 'value="planning" checked' in page
    assert 'name="absence_form_completed_on_year" type="text" value="2026"' in page
    assert f'<option value="{profile.grade_id}" selected' in page
    assert f'<option value="{profile.trust_id}" selected' in page


@time_machine.travel(NOON_10_MARCH_2026, tick=False)
def test_a_mentee_changes_their_training_status_dates_and_details(client, mentee, reference):
    client.force_login(mentee)

    response = client.post(EDIT, change(reference, "planning", "2", "3", "2026"))

    assert response.status_code == 302
    assert response["Location"] == "/dashboard/"
    assert snapshot(mentee) == (
        "Ngozi",
        "Okafor-Smith",
        TrainingStatus.PLANNING,
        datetime.date(2026, 3, 2),
        reference["grade"].pk,
        reference["school"].pk,
        reference["trust"].pk,
        "she/her",
    )
    assert "Your details have been updated" in client.get("/dashboard/").content.decode()


def test_going_back_to_out_of_training_drops_the_absence_form_date(client, mentee, reference):
    profile = mentee.mentee_profile
    profile.training_status = TrainingStatus.PLANNING
    profile.absence_form_completed_on = datetime.date(2026, 2, 3)
    profile.save()
    client.force_login(mentee)

    client.post(EDIT, change(reference, "out", "2", "3", "2026"))

    profile.refresh_from_db()
    assert (profile.training_status, profile.absence_form_completed_on) == (
        TrainingStatus.OUT_OF_TRAINING,
        None,
    )


@pytest.mark.parametrize(
    ("situation", "message"),
    [
        ("planning_no_form", "once your absence planning form is completed"),
        ("neither", "Peer mentoring is for doctors in training who are out of training now"),
    ],
)
def test_an_answer_sign_up_turns_away_changes_nothing_and_says_why(
    client, mentee, reference, situation, message
):
    before = snapshot(mentee)
    client.force_login(mentee)

    response = client.post(EDIT, change(reference, situation))

    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page
    assert message in page
    assert "We have not changed your details" in page
    assert "mailto:" in page  # who to ask
    assert snapshot(mentee) == before


@time_machine.travel(NOON_10_MARCH_2026, tick=False)
@pytest.mark.parametrize(
    ("date", "message"),
    [
        (("", "", ""), "Enter the date you completed your absence planning form."),
        (("11", "3", "2026"), "must be today or in the past"),
        (("31", "2", "2026"), "Enter a real date"),
    ],
)
def test_planning_time_out_needs_the_same_absence_form_date_as_sign_up(
    client, mentee, reference, date, message
):
    before = snapshot(mentee)
    client.force_login(mentee)

    response = client.post(EDIT, change(reference, "planning", *date))

    assert response.status_code == 200
    assert message in response.content.decode()
    assert snapshot(mentee) == before


@pytest.mark.parametrize(
    ("field", "message"),
    [
        ("situation", "Select the answer that describes you."),
        ("first_name", "Enter your first name."),
        ("grade", "Choose your grade."),
        ("school", "Choose your school."),
        ("trust", "Choose your trust."),
    ],
)
def test_each_required_answer_is_asked_for(client, mentee, reference, field, message):
    before = snapshot(mentee)
    client.force_login(mentee)

    response = client.post(EDIT, change(reference, **{field: ""}))

    assert response.status_code == 200
    assert message in response.content.decode()
    assert snapshot(mentee) == before


def test_the_privacy_consent_is_not_asked_again_and_stands(client, mentee, reference):
    consent = mentee.mentee_profile.privacy_consent_at
    client.force_login(mentee)

    assert "privacy_consent" not in client.get(EDIT).content.decode()
    client.post(EDIT, change(reference))

    mentee.mentee_profile.refresh_from_db()
    assert mentee.mentee_profile.privacy_consent_at == consent


def test_a_public_health_mentee_answers_the_public_health_questions(client, mentee, scheme_admin):
    apply_profile(key=SchemeProfile.PUBLIC_HEALTH, by=scheme_admin)
    profile = mentee.mentee_profile
    profile.training_status = ""
    profile.save()
    client.force_login(mentee)
    data = {
        "situation": "public_health",
        "first_name": "Ngozi",
        "last_name": "Okafor",
        "pronouns": "",
        "organisation": "UKHSA",
        "area_of_work": "Health protection",
        "nation": "wales",
    }

    assert client.post(EDIT, data).status_code == 302
    profile.refresh_from_db()
    assert (profile.organisation, profile.area_of_work, profile.nation) == (
        "UKHSA",
        "Health protection",
        "wales",
    )

    response = client.post(EDIT, {**data, "situation": "neither", "organisation": "Elsewhere"})
    assert "This scheme is for people working in public health in the UK" in (
        response.content.decode()
    )
    profile.refresh_from_db()
    assert profile.organisation == "UKHSA"


def test_only_a_mentee_has_details_to_change(client, mentor, reference):
    client.force_login(mentor)

    assert client.get(EDIT).status_code == 403
    assert client.post(EDIT, change(reference)).status_code == 403


def test_a_mentee_changes_only_their_own_profile(client, mentee, other_mentee, reference):
    """The page has no id to change: whoever posts changes their own profile, never another's."""
    others = snapshot(other_mentee)
    client.force_login(mentee)

    client.post(EDIT, change(reference, user=other_mentee.pk, pk=other_mentee.pk))

    assert snapshot(other_mentee) == others
    assert snapshot(mentee)[1] == "Okafor-Smith"


def test_anonymous_visitors_log_in_first(client, db):
    response = client.get(EDIT)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_only_get_and_post(client, mentee):
    client.force_login(mentee)

    assert client.put(EDIT).status_code == 405


# --- In a browser ---------------------------------------------------------------------------


@pytest.mark.browser
def test_the_page_works_in_a_browser_with_and_without_errors_and_reflows(page, mentee):
    log_in(page, mentee)
    page.get_by_role("link", name="Your details").click()
    expect(page).to_have_url(re.compile(r"/mentee/profile/edit/$"))
    assert_no_axe_violations(page)

    page.get_by_label("None of these").check()
    page.get_by_role("button", name="Save your details").click()
    expect(page).to_have_title(re.compile(r"^Error: "))
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("We have not changed your details")
    assert_no_axe_violations(page)

    page.set_viewport_size({"width": 320, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 320

    page.get_by_label("I am out of training now").check()
    page.get_by_label("Last name").fill("Okafor")
    page.get_by_role("button", name="Save your details").click()
    expect(page).to_have_url(re.compile(r"/dashboard/$"))
    expect(page.get_by_text("Your details have been updated")).to_be_visible()
    assert MenteeProfile.objects.get(user=mentee).user.last_name == "Okafor"
