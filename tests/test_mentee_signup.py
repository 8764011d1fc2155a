"""Becoming a mentee: eligibility first (no account for anyone who cannot take part),
then allauth's sign-up, then the profile that makes the mentee."""

import datetime

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from accounts.models import MenteeProfile, TrainingStatus, User
from accounts.signup import ELIGIBILITY_KEY
from requests_app.workflow import WorkflowError, send_request
from tests.factories import (
    GradeFactory,
    MentorProfileFactory,
    SchoolFactory,
    TrustFactory,
    UserFactory,
)

ELIGIBILITY = "/mentee/eligibility/"
NOT_ELIGIBLE = "/mentee/not-eligible/"
PROFILE = "/mentee/profile/"
SIGNUP = "/accounts/signup/"
LOGIN = "/accounts/login/"
NOON_10_MARCH_2026 = datetime.datetime(2026, 3, 10, 12, tzinfo=datetime.UTC)
PASSWORD = "a-Long-and-unusual-passphrase-42"


def answer(client, situation: str, day="", month="", year="", **extra):
    return client.post(
        ELIGIBILITY,
        {
            "situation": situation,
            "absence_form_completed_on_day": day,
            "absence_form_completed_on_month": month,
            "absence_form_completed_on_year": year,
            **extra,
        },
    )


def sign_up(client, email="new.trainee@example.nhs.uk"):
    return client.post(SIGNUP, {"email": email, "password1": PASSWORD, "password2": PASSWORD})


@pytest.fixture
def reference(db):
    return {
        "grade": GradeFactory(name="ST3"),
        "school": SchoolFactory(name="School of Paediatrics"),
        "trust": TrustFactory(name="Sheffield Children's NHS Foundation Trust", region="South"),
    }


def profile_data(reference, **changes) -> dict:
    return {
        "first_name": "Ngozi",
        "last_name": "Okafor",
        "pronouns": "she/her",
        "grade": reference["grade"].pk,
        "school": reference["school"].pk,
        "trust": reference["trust"].pk,
        "privacy_consent": "on",
        **changes,
    }


# --- URLs ------------------------------------------------------------------------------


def test_url_names():
    assert reverse("mentee_eligibility") == ELIGIBILITY
    assert reverse("mentee_not_eligible") == NOT_ELIGIBLE
    assert reverse("mentee_profile") == PROFILE


# --- The eligibility question --------------------------------------------------------------


def test_eligibility_page_is_public(client, db):
    response = client.get(ELIGIBILITY)

    assert response.status_code == 200
    assert "Check you can take part" in response.content.decode()


def test_eligibility_only_takes_get_and_post(client, db):
    assert client.put(ELIGIBILITY).status_code == 405
    assert client.post(NOT_ELIGIBLE).status_code == 405


def test_sign_up_sends_anyone_without_an_answer_to_the_question_first(
    client, db, django_capture_on_commit_callbacks
):
    assert client.get(SIGNUP)["Location"] == ELIGIBILITY

    with django_capture_on_commit_callbacks(execute=True):
        response = sign_up(client)

    assert response.status_code == 302
    assert response["Location"] == ELIGIBILITY
    assert not User.objects.exists()
    assert mail.outbox == []


def test_out_of_training_goes_on_to_sign_up(client, db):
    response = answer(client, "out")

    assert response["Location"] == reverse("account_signup")
    assert client.session[ELIGIBILITY_KEY] == {
        "training_status": TrainingStatus.OUT_OF_TRAINING,
        "absence_form_completed_on": None,
    }
    page = client.get(SIGNUP)
    assert page.status_code == 200
    assert f'<a href="{ELIGIBILITY}">Change your answer</a>' in page.content.decode()


@time_machine.travel(NOON_10_MARCH_2026, tick=False)
def test_planning_with_the_form_done_goes_on_with_its_date(client, db):
    response = answer(client, "planning", "3", "2", "2026")

    assert response["Location"] == reverse("account_signup")
    assert client.session[ELIGIBILITY_KEY] == {
        "training_status": TrainingStatus.PLANNING,
        "absence_form_completed_on": "2026-02-03",
    }


def test_no_answer_is_an_error(client, db):
    response = client.post(ELIGIBILITY, {})

    assert response.status_code == 200
    assert "Select the answer that describes you." in response.content.decode()
    assert ELIGIBILITY_KEY not in client.session


@pytest.mark.parametrize(
    ("day", "month", "year", "error"),
    [
        ("", "", "", "Enter the date you completed your absence planning form."),
        ("3", "", "2026", "The date must include a day, month and year."),
        ("31", "2", "2026", "Enter a real date"),
        ("x", "2", "2026", "Enter a real date"),
        ("11", "3", "2026", "must be today or in the past"),
    ],
)
@time_machine.travel(NOON_10_MARCH_2026, tick=False)
def test_planning_needs_a_real_date_that_is_not_in_the_future(client, db, day, month, year, error):
    response = answer(client, "planning", day, month, year)

    assert response.status_code == 200
    assert error in response.content.decode()
    assert ELIGIBILITY_KEY not in client.session


@time_machine.travel(NOON_10_MARCH_2026, tick=False)
def test_the_form_completed_today_is_fine(client, db):
    assert answer(client, "planning", "10", "3", "2026").status_code == 302


def test_a_date_given_with_another_answer_is_ignored(client, db):
    answer(client, "out", "1", "1", "2099")

    assert client.session[ELIGIBILITY_KEY]["absence_form_completed_on"] is None


@pytest.mark.parametrize(
    ("situation", "heading"),
    [
        ("planning_no_form", "Complete your absence planning form first"),
        ("neither", "Peer mentoring is not open to you at the moment"),
    ],
)
def test_someone_who_cannot_take_part_is_told_why_and_who_to_contact(
    client, db, situation, heading
):
    from scheme.models import SchemeSettings

    inbox = SchemeSettings.load().inbox_email

    response = answer(client, situation)
    page = client.get(NOT_ELIGIBLE)

    assert response["Location"] == NOT_ELIGIBLE
    html = page.content.decode()
    assert heading in html
    assert f'href="mailto:{inbox}"' in html
    assert "We have not created an account" in html
    # Nothing was made, and sign-up stays closed to them.
    assert not User.objects.exists()
    assert ELIGIBILITY_KEY not in client.session
    assert client.get(SIGNUP)["Location"] == ELIGIBILITY
    assert sign_up(client)["Location"] == ELIGIBILITY
    assert not User.objects.exists()


def test_a_later_ineligible_answer_replaces_an_eligible_one(client, db):
    answer(client, "out")
    answer(client, "neither")

    assert client.get(SIGNUP)["Location"] == ELIGIBILITY


def test_the_not_eligible_page_needs_an_answer(client, db):
    assert client.get(NOT_ELIGIBLE)["Location"] == ELIGIBILITY


def test_a_mentee_is_not_asked_again(client, mentee):
    client.force_login(mentee)

    assert client.get(ELIGIBILITY)["Location"] == reverse("dashboard")


# --- Sign-up ----------------------------------------------------------------------------------


def test_an_eligible_person_signs_up_and_is_sent_a_confirmation(
    client, db, django_capture_on_commit_callbacks
):
    answer(client, "out")

    with django_capture_on_commit_callbacks(execute=True):
        response = sign_up(client)

    assert response.status_code == 302
    user = User.objects.get(email="new.trainee@example.nhs.uk")
    assert not EmailAddress.objects.get(user=user).verified
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [user.email]
    # The mentee profile comes later, after the email address is confirmed.
    assert not MenteeProfile.objects.exists()


# --- The profile ------------------------------------------------------------------------------


def test_profile_sends_anonymous_visitors_to_log_in(client, db):
    response = client.get(PROFILE)

    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN}?next={PROFILE}"


def test_profile_needs_the_eligibility_answer_first(client, db):
    client.force_login(UserFactory(verified=True))

    assert client.get(PROFILE)["Location"] == ELIGIBILITY


def test_profile_needs_a_confirmed_email_address(client, db):
    client.force_login(UserFactory(verified=False))
    answer(client, "out")

    assert client.get(PROFILE)["Location"] == reverse("account_email")


def test_profile_is_not_for_someone_already_a_mentee(client, mentee, reference):
    client.force_login(mentee)

    response = client.post(PROFILE, profile_data(reference))

    assert response["Location"] == reverse("dashboard")
    assert MenteeProfile.objects.filter(user=mentee).count() == 1


def test_profile_only_takes_get_and_post(client, db):
    client.force_login(UserFactory(verified=True))

    assert client.put(PROFILE).status_code == 405


def test_profile_form_links_to_the_privacy_notice_and_recalls_the_answer(client, db, reference):
    client.force_login(UserFactory(verified=True, first_name="Ngozi"))
    answer(client, "out")

    response = client.get(PROFILE)
    html = response.content.decode()

    assert response.status_code == 200
    assert f'href="{reverse("scheme_page", args=["privacy"])}"' in html
    assert "You told us you are out of training now." in html
    assert 'value="Ngozi"' in html


def test_inactive_reference_data_is_not_offered(client, db, reference):
    retired = GradeFactory(name="SpR (old)", is_active=False)
    client.force_login(UserFactory(verified=True))
    answer(client, "out")

    html = client.get(PROFILE).content.decode()

    assert reference["grade"].name in html
    assert retired.name not in html


@pytest.mark.parametrize(
    ("missing", "error"),
    [
        ("privacy_consent", "Confirm that you have read the privacy notice"),
        ("first_name", "Enter your first name."),
        ("grade", "Choose your grade."),
        ("school", "Choose your school."),
        ("trust", "Choose your trust."),
    ],
)
def test_profile_needs_each_required_answer(client, db, reference, missing, error):
    client.force_login(UserFactory(verified=True))
    answer(client, "out")
    data = profile_data(reference)
    del data[missing]

    response = client.post(PROFILE, data)

    assert response.status_code == 200
    assert error in response.content.decode()
    assert not MenteeProfile.objects.exists()


@time_machine.travel(NOON_10_MARCH_2026, tick=False)
def test_profile_makes_the_mentee_with_the_eligibility_answer(client, db, reference):
    user = UserFactory(verified=True, first_name="", last_name="")
    client.force_login(user)
    answer(client, "planning", "1", "3", "2026")

    response = client.post(PROFILE, profile_data(reference))

    assert response["Location"] == reverse("mentor_search")
    profile = MenteeProfile.objects.get(user=user)
    assert profile.training_status == TrainingStatus.PLANNING
    assert profile.absence_form_completed_on == datetime.date(2026, 3, 1)
    assert (profile.grade, profile.school, profile.trust) == (
        reference["grade"],
        reference["school"],
        reference["trust"],
    )
    assert profile.pronouns == "she/her"
    assert profile.privacy_consent_at == NOON_10_MARCH_2026
    user.refresh_from_db()
    assert (user.first_name, user.last_name) == ("Ngozi", "Okafor")
    assert ELIGIBILITY_KEY not in client.session
    # And the new mentee can search the register.
    assert client.get(reverse("mentor_search")).status_code == 200


def test_a_mentor_can_become_a_mentee_too(client, mentor, reference):
    client.force_login(mentor)

    assert client.get(reverse("mentor_search")).status_code == 403
    assert answer(client, "out")["Location"] == PROFILE
    client.post(PROFILE, profile_data(reference))

    assert MenteeProfile.objects.get(user=mentor).training_status == TrainingStatus.OUT_OF_TRAINING
    assert client.get(reverse("mentor_search")).status_code == 200


def test_a_user_with_an_ineligible_answer_gets_no_profile(client, mentor, reference):
    client.force_login(mentor)
    answer(client, "neither")

    assert "We have not changed your account." in client.get(NOT_ELIGIBLE).content.decode()
    assert client.post(PROFILE, profile_data(reference))["Location"] == ELIGIBILITY
    assert not MenteeProfile.objects.exists()


def test_an_unconfirmed_mentee_cannot_send_a_request(db, reference):
    from tests.factories import MenteeProfileFactory

    unconfirmed = UserFactory(verified=False)
    MenteeProfileFactory(user=unconfirmed)
    mentor = MentorProfileFactory()

    with pytest.raises(WorkflowError, match="Confirm your email address"):
        send_request(mentee=unconfirmed, mentor_id=mentor.pk, message="Hello")


# --- The dashboard ----------------------------------------------------------------------------


def test_the_dashboard_sends_someone_new_to_finish_setting_up(client, db):
    client.force_login(UserFactory(verified=True))

    html = client.get(reverse("dashboard")).content.decode()

    assert "Finish setting up your account" in html
    assert f'href="{PROFILE}"' in html


def test_the_dashboard_sends_a_mentee_to_the_search(client, mentee):
    client.force_login(mentee)

    assert f'href="{reverse("mentor_search")}"' in client.get(reverse("dashboard")).content.decode()
