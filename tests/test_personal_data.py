"""Personal data: download it, delete the account, and the retention job.

The views need accounts/data_urls.py included in mentoring/urls.py.
"""

import datetime
import io
import json
import logging
import zipfile

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone

from accounts.models import DataEvent, MenteeProfile
from privacy.personal_data import (
    ERASED_EMAIL_DOMAIN,
    EXPORT_JSON_NAME,
    EXPORTED_MODELS,
    NOT_EXPORTED_MODELS,
    PersonalDataError,
    anonymise_inactive_accounts,
    erase_account,
    export_user_data,
)
from privacy.tasks import anonymise_inactive_accounts as retention_task
from register.models import MentorProfile, MentorStatus
from requests_app.models import (
    MentoringRequest,
    MentorNote,
    Partnership,
    PartnershipState,
    RequestState,
    Transition,
)
from scheme.models import SchemeSettings
from tests.factories import (
    TEST_PASSWORD,
    MeetingFactory,
    MenteeProfileFactory,
    MentoringRequestFactory,
    PartnershipFactory,
    UserFactory,
)
from tests.test_pages import give_photo, page_title, small_jpeg

LOGIN_URL = "/accounts/login/"
NOW = datetime.datetime(2027, 3, 10, 12, 0, tzinfo=datetime.UTC)


def unzip(content: bytes) -> tuple[dict, dict[str, bytes]]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    return json.loads(files.pop(EXPORT_JSON_NAME)), files


@pytest.fixture
def partnership(mentee, mentor):
    """An active partnership between the mentee and the mentor, with a meeting."""
    request = MentoringRequestFactory(
        mentee=mentee,
        mentor=mentor.mentor_profile,
        state=RequestState.ACCEPTED,
        message="Coming back after a year of illness",
        response_message="Happy to help",
    )
    partnership = PartnershipFactory(request=request, state=PartnershipState.ACTIVE)
    MeetingFactory(partnership=partnership)
    return partnership


def end(partnership: Partnership, *, note: str = "", at=None) -> None:
    """Set up an ended partnership (test data, as the factories do)."""
    Partnership.objects.filter(pk=partnership.pk).update(
        state=PartnershipState.COMPLETED,
        ended_at=at or timezone.now(),
        ended_by=partnership.mentee,
        end_note=note,
    )


# --- Export -------------------------------------------------------------------------


def test_mentee_export_holds_their_account_profile_requests_and_partnerships(mentee, partnership):
    data, files = unzip(export_user_data(mentee))

    assert data["account"]["email"] == mentee.email
    assert data["account"]["email_addresses"] == [
        {"email": mentee.email, "verified": True, "primary": True}
    ]
    assert data["mentee_profile"]["grade"] == "ST4"
    [sent] = data["requests_you_sent"]
    assert sent["message"] == "Coming back after a year of illness"
    assert sent["state"] == "accepted"
    [kept] = data["partnerships"]
    assert kept["state"] == "active"
    assert len(kept["meetings"]) == 1
    assert data["mentor_profile"] is None
    assert files == {}


def test_export_is_recorded_without_the_data(mentee):
    export_user_data(mentee)

    event = DataEvent.objects.get()
    assert (event.user, event.kind) == (mentee, DataEvent.Kind.EXPORTED)
    assert event.user_label == f"user #{mentee.pk}"


def test_mentor_export_holds_their_bio_and_photo_files(mentor):
    give_photo(mentor.mentor_profile)

    data, files = unzip(export_user_data(mentor))

    assert data["mentor_profile"]["email"] == mentor.email
    assert data["mentor_profile"]["virtual_platforms"] == ["Microsoft Teams"]
    assert "invitation_nonce" not in data["mentor_profile"]
    assert files == {"photos/photo.jpg": small_jpeg(), "photos/photo-small.jpg": small_jpeg()}
    assert sorted(data["mentor_profile"]["photo_files"]) == sorted(files)


def test_mentor_export_leaves_out_what_mentees_wrote(mentor, partnership):
    data, _ = unzip(export_user_data(mentor))

    [received] = data["requests_you_received"]
    assert received["response_message"] == "Happy to help"
    assert "Coming back after a year of illness" not in json.dumps(data)


def test_export_never_holds_mentor_notes(mentor, partnership):
    MentorNote.objects.create(partnership=partnership, ciphertext=b"gAAAAAsecret-ciphertext")

    _, files = unzip(export_user_data(mentor))
    content = export_user_data(mentor)

    assert b"secret-ciphertext" not in content
    assert all("note" not in name for name in files)


def test_every_model_about_a_person_is_exported_or_deliberately_left_out():
    """A new model that points to a person must be added to one of the two lists."""
    subjects = {
        get_user_model(),
        MentorProfile,
        MentoringRequest,
        Partnership,
    }
    about_people = {
        model._meta.label
        for app in ("accounts", "register", "requests_app")
        for model in apps.get_app_config(app).get_models()
        if model in subjects
        or any(
            field.is_relation and field.related_model in subjects
            for field in model._meta.get_fields()
            if field.concrete
        )
    }
    undecided = about_people - EXPORTED_MODELS - set(NOT_EXPORTED_MODELS)

    assert not undecided, (
        f"{sorted(undecided)} hold data about people: add each to EXPORTED_MODELS (and the "
        "export) or NOT_EXPORTED_MODELS (with the reason) in privacy/personal_data.py"
    )
    assert "requests_app.MentorNote" in NOT_EXPORTED_MODELS


# --- Erasure --------------------------------------------------------------------------


def test_erasing_a_mentee_keeps_dates_and_states_but_nothing_that_points_to_them(
    mentee, mentor, partnership, committed
):
    end(partnership, note="We did not get on")
    pending = MentoringRequestFactory(mentee=mentee, mentor=mentor.mentor_profile, message="Again")
    mentee_pk = mentee.pk

    with committed():
        erase_account(mentee)

    shell = get_user_model().objects.get(pk=mentee_pk)
    assert shell.email.endswith("@" + ERASED_EMAIL_DOMAIN)
    assert (shell.first_name, shell.last_name, shell.is_active) == ("", "", False)
    assert not shell.has_usable_password()
    assert not EmailAddress.objects.filter(user=shell).exists()
    assert not MenteeProfile.objects.filter(user=shell).exists()
    # The rows stay for the figures, without the mentee's words.
    kept = MentoringRequest.objects.get(pk=partnership.request.pk)
    assert (kept.state, kept.created_at, kept.message) == (
        RequestState.ACCEPTED,
        partnership.request.created_at,
        "",
    )
    ended = Partnership.objects.get(pk=partnership.pk)
    assert (ended.state, ended.end_note) == (PartnershipState.COMPLETED, "")
    assert ended.meetings.count() == 1
    # The pending request went through the workflow: withdrawn, recorded, mentor told.
    pending.refresh_from_db()
    assert (pending.state, pending.message) == (RequestState.WITHDRAWN, "")
    assert Transition.objects.filter(request=pending, to_state=RequestState.WITHDRAWN).exists()
    assert [m.to for m in mail.outbox] == [[mentor.email]]
    # Admins see that it happened and when, not who it was.
    event = DataEvent.objects.get(kind=DataEvent.Kind.ERASED)
    assert (event.user, event.user_label) == (None, f"user #{mentee_pk}")
    assert not DataEvent.objects.filter(user=shell).exists()


def test_erasing_a_mentor_empties_their_bio_deletes_photos_and_declines_their_requests(
    mentor, mentee, committed
):
    profile = mentor.mentor_profile
    profile.contact_phone = "07700 900123"
    profile.save()
    give_photo(profile)
    profile.refresh_from_db()
    photo_names = [profile.photo.name, profile.photo_thumbnail.name]
    waiting = MentoringRequestFactory(mentee=mentee, mentor=profile)
    done = PartnershipFactory(request__mentor=profile, state=PartnershipState.COMPLETED)
    MentorNote.objects.create(partnership=done, ciphertext=b"left over")

    with committed():
        erase_account(mentor)

    profile.refresh_from_db()
    assert profile.user is None
    assert profile.status == MentorStatus.RETIRED
    assert (profile.first_name, profile.contact_phone, profile.motivation) == ("Former", "", "")
    assert profile.email.endswith("@" + ERASED_EMAIL_DOMAIN)
    assert not profile.photo
    assert not any(default_storage.exists(name) for name in photo_names)
    assert not MentorNote.objects.exists()
    waiting.refresh_from_db()
    assert waiting.state == RequestState.REJECTED
    assert [m.to for m in mail.outbox] == [[mentee.email]]
    assert Partnership.objects.filter(pk=done.pk).exists()


@pytest.mark.parametrize("state", [PartnershipState.AGREEMENT_PENDING, PartnershipState.ACTIVE])
def test_a_mentor_with_an_open_partnership_must_end_it_first(mentor, state):
    PartnershipFactory(request__mentor=mentor.mentor_profile, state=state)

    with pytest.raises(PersonalDataError, match="End that partnership first"):
        erase_account(mentor)

    mentor.refresh_from_db()
    assert mentor.is_active
    assert not DataEvent.objects.exists()


def test_a_mentee_with_a_mentor_must_end_the_partnership_first(mentee, partnership):
    with pytest.raises(PersonalDataError, match="You have a mentor"):
        erase_account(mentee)

    assert get_user_model().objects.get(pk=mentee.pk).email == mentee.email


# --- Views -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["my_data", "delete_account"])
def test_data_pages_send_anonymous_visitors_to_log_in(client, db, name):
    response = client.get(reverse(name))

    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN_URL)


def test_download_needs_a_login(client, db):
    response = client.post(reverse("my_data_download"))

    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN_URL)
    assert not DataEvent.objects.exists()


def test_download_is_a_post(client, mentee):
    client.force_login(mentee)

    assert client.get(reverse("my_data_download")).status_code == 405
    assert not DataEvent.objects.exists()


@pytest.mark.parametrize("persona", ["mentee", "mentor", "scheme_admin"])
def test_everyone_logged_in_sees_the_your_data_page(client, db, request, persona):
    client.force_login(request.getfixturevalue(persona))

    response = client.get(reverse("my_data"))

    assert response.status_code == 200
    assert page_title(response).startswith("Your data")


def test_downloading_gives_a_zip_of_the_users_own_data(client, mentee, other_mentee):
    client.force_login(mentee)

    response = client.post(reverse("my_data_download"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith('attachment; filename="my-mentoring-data-')
    data, _ = unzip(response.content)
    assert data["account"]["email"] == mentee.email
    assert other_mentee.email not in response.content.decode("latin-1")
    assert DataEvent.objects.get().user == mentee


def test_deleting_needs_the_password(client, mentee):
    client.force_login(mentee)

    response = client.post(reverse("delete_account"), {"password": "wrong", "confirm": "on"})

    assert response.status_code == 200
    assert page_title(response).startswith("Error: ")
    assert "The password is not right" in response.content.decode()
    mentee.refresh_from_db()
    assert mentee.is_active


def test_deleting_needs_the_tick(client, mentee):
    client.force_login(mentee)

    response = client.post(reverse("delete_account"), {"password": TEST_PASSWORD})

    assert response.status_code == 200
    assert "Tick the box" in response.content.decode()
    mentee.refresh_from_db()
    assert mentee.is_active


def test_deleting_the_account_logs_out_and_removes_the_person(client, mentee):
    client.force_login(mentee)

    response = client.post(reverse("delete_account"), {"password": TEST_PASSWORD, "confirm": "on"})

    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert client.get(reverse("dashboard")).status_code == 302  # logged out
    shell = get_user_model().objects.get(pk=mentee.pk)
    assert not shell.is_active
    assert shell.email != mentee.email
    assert not client.login(username=mentee.email, password=TEST_PASSWORD)


def test_a_mentor_with_a_mentee_is_told_to_end_the_partnership_first(client, mentor, partnership):
    client.force_login(mentor)

    page = client.get(reverse("delete_account"))
    response = client.post(reverse("delete_account"), {"password": TEST_PASSWORD, "confirm": "on"})

    assert "End that partnership first" in page.content.decode()
    assert 'name="password"' not in page.content.decode()
    assert response.status_code == 200
    mentor.refresh_from_db()
    assert mentor.is_active
    assert MentorProfile.objects.get(user=mentor).status == MentorStatus.PUBLISHED


def test_scheme_team_members_cannot_delete_their_own_account(client, scheme_admin):
    client.force_login(scheme_admin)

    response = client.post(reverse("delete_account"), {"password": TEST_PASSWORD, "confirm": "on"})

    assert "Ask another admin" in response.content.decode()
    scheme_admin.refresh_from_db()
    assert scheme_admin.is_active


def test_admin_sees_who_exported_and_when_but_not_the_data(client, scheme_admin, mentee, settings):
    settings.ADMIN_REQUIRE_MFA = False
    export_user_data(mentee)
    client.force_login(scheme_admin)

    response = client.get(reverse("admin:accounts_dataevent_changelist"))

    assert response.status_code == 200
    content = response.content.decode()
    assert f"user #{mentee.pk}" in content
    assert "Exported their data" in content
    assert client.get(reverse("admin:accounts_dataevent_add")).status_code == 403


# --- Retention -----------------------------------------------------------------------------


def user_last_seen(months_ago: int, *, days: int = 0, logged_in: bool = True, **kwargs):
    seen = NOW - datetime.timedelta(days=round(months_ago * 30.44) + days)
    user = UserFactory(
        verified=True,
        date_joined=seen - datetime.timedelta(days=1) if logged_in else seen,
        last_login=seen if logged_in else None,
        **kwargs,
    )
    MenteeProfileFactory(user=user)
    return user


def erased(user) -> bool:
    return get_user_model().objects.get(pk=user.pk).email.endswith("@" + ERASED_EMAIL_DOMAIN)


@time_machine.travel(NOW, tick=False)
def test_retention_anonymises_accounts_inactive_beyond_the_setting(db):
    SchemeSettings.objects.update_or_create(pk=1, defaults={"data_retention_months": 24})
    gone = user_last_seen(24, days=2)
    never_logged_in = user_last_seen(25, logged_in=False)
    recent = user_last_seen(24, days=-2)
    staff = user_last_seen(30, is_staff=True)

    result = anonymise_inactive_accounts(NOW)

    assert (result.anonymised, result.skipped) == (2, 0)
    assert erased(gone)
    assert erased(never_logged_in)
    assert not erased(recent)
    assert not erased(staff)
    assert DataEvent.objects.filter(kind=DataEvent.Kind.ANONYMISED).count() == 2


@time_machine.travel(NOW, tick=False)
def test_retention_follows_the_schemes_own_period(db):
    SchemeSettings.objects.update_or_create(pk=1, defaults={"data_retention_months": 6})
    older = user_last_seen(6, days=2)
    newer = user_last_seen(6, days=-2)

    anonymise_inactive_accounts(NOW)

    assert erased(older)
    assert not erased(newer)


@time_machine.travel(NOW, tick=False)
def test_retention_deletes_old_mentee_free_text_and_keeps_recent_text(db, mentee, mentor):
    old = NOW - datetime.timedelta(days=760)
    old_request = MentoringRequestFactory(
        mentee=mentee,
        mentor=mentor.mentor_profile,
        state=RequestState.REJECTED,
        created_at=old,
        message="old words",
        response_message="old answer",
    )
    old_partnership = PartnershipFactory(request__mentee=mentee, request__created_at=old)
    end(old_partnership, note="old end note", at=old)
    recent_request = MentoringRequestFactory(mentee=mentee, message="recent words")

    result = anonymise_inactive_accounts(NOW)

    old_request.refresh_from_db()
    old_partnership.refresh_from_db()
    recent_request.refresh_from_db()
    assert (old_request.message, old_request.response_message) == ("", "")
    assert old_request.state == RequestState.REJECTED
    assert old_partnership.end_note == ""
    assert recent_request.message == "recent words"
    assert result.texts_cleared >= 3
    assert not erased(mentee)  # the mentee logged in recently (the factory's now)


@time_machine.travel(NOW, tick=False)
def test_retention_is_idempotent(db, caplog):
    user_last_seen(30)
    MentoringRequestFactory(created_at=NOW - datetime.timedelta(days=800), message="old")

    first = anonymise_inactive_accounts(NOW)
    events = DataEvent.objects.count()
    with caplog.at_level(logging.INFO, logger="privacy.personal_data"):
        second = anonymise_inactive_accounts(NOW)

    assert first.anonymised == 1
    assert first.texts_cleared >= 1
    assert (second.anonymised, second.skipped, second.texts_cleared) == (0, 0, 0)
    assert DataEvent.objects.count() == events
    assert "0 account(s) anonymised" in caplog.text


@time_machine.travel(NOW, tick=False)
def test_retention_skips_and_logs_an_account_with_an_open_partnership(db, caplog):
    user = user_last_seen(30)
    PartnershipFactory(request__mentee=user, state=PartnershipState.ACTIVE)

    with caplog.at_level(logging.WARNING, logger="privacy.personal_data"):
        result = anonymise_inactive_accounts(NOW)

    assert (result.anonymised, result.skipped) == (0, 1)
    assert not erased(user)
    assert f"user #{user.pk} not anonymised" in caplog.text


@time_machine.travel(NOW, tick=False)
def test_retention_task_runs_the_job(db):
    user = user_last_seen(30)

    retention_task.delay()

    assert erased(user)


def test_retention_photo_of_a_mentor_is_deleted(mentor, committed):
    profile = mentor.mentor_profile
    profile.photo.save("p.jpg", ContentFile(small_jpeg()))
    name = profile.photo.name
    get_user_model().objects.filter(pk=mentor.pk).update(
        last_login=timezone.now() - datetime.timedelta(days=1000)
    )

    with committed():
        anonymise_inactive_accounts(timezone.now())

    assert not default_storage.exists(name)
    assert MentorProfile.objects.get(pk=profile.pk).status == MentorStatus.RETIRED
