"""The email outbox: written with the change, sent once, retried, failed, resent, purged."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.db import transaction

from mentoring.outbox import services as outbox
from mentoring.outbox import tasks as outbox_tasks
from mentoring.outbox.models import Email, EmailState
from requests_app import workflow
from requests_app.models import MentoringRequest
from scheme.models import SchemeSettings
from tests.email_backends import FlakyProviderBackend, received
from tests.factories import MenteeFactory, MentoringRequestFactory

LONDON = ZoneInfo("Europe/London")
START = datetime.datetime(2026, 12, 2, 9, 0, tzinfo=LONDON)
pytestmark = pytest.mark.django_db


def at(moment: datetime.datetime):
    return time_machine.travel(moment, tick=False)


class Rollback(Exception):
    pass


def test_a_change_rolled_back_leaves_no_email(mentee, mentor):
    queued = []

    def send_then_fail():
        with transaction.atomic():
            workflow.send_request(mentee=mentee, mentor_id=mentor.mentor_profile.pk)
            queued.append(Email.objects.filter(recipient=mentor.email).count())
            raise Rollback

    with pytest.raises(Rollback):
        send_then_fail()

    assert queued == [1]
    assert not MentoringRequest.objects.exists()
    assert not Email.objects.exists()


def test_an_email_whose_first_send_was_lost_goes_with_the_sweeper_once(mentee, mentor):
    # Tests never commit: the after-commit send does not happen, as when a worker
    # dies after the commit or the broker loses the message.
    workflow.send_request(mentee=mentee, mentor_id=mentor.mentor_profile.pk)
    assert mail.outbox == []
    assert Email.objects.get().state == EmailState.QUEUED

    assert outbox_tasks.send_emails() == 1
    assert outbox_tasks.send_emails() == 0

    assert [m.to for m in mail.outbox] == [[mentor.email]]
    email = Email.objects.get()
    assert email.state == EmailState.SENT
    assert email.attempts == 1
    assert mail.outbox[0].extra_headers["Message-ID"] == outbox.message_id(email)


def test_an_email_claimed_by_a_live_sender_is_not_sent_by_another(mentee, mentor):
    with at(START):
        workflow.send_request(mentee=mentee, mentor_id=mentor.mentor_profile.pk)
        # Another sender has claimed it and is still within its lease.
        Email.objects.update(
            state=EmailState.SENDING, claim="other", claimed_until=START + outbox.CLAIM_LEASE
        )
        assert outbox.send_owed() == 0
    with at(START + outbox.CLAIM_LEASE - datetime.timedelta(seconds=1)):
        assert outbox.send_owed() == 0
    # The other sender died: once its lease has run out the email goes, once.
    with at(START + outbox.CLAIM_LEASE + datetime.timedelta(seconds=1)):
        assert outbox.send_owed() == 1
        assert outbox.send_owed() == 0
    assert len(mail.outbox) == 1


@pytest.fixture
def flaky_provider(settings, tmp_path):
    settings.EMAIL_BACKEND = "tests.email_backends.FlakyProviderBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path)
    FlakyProviderBackend.calls = 0
    return FlakyProviderBackend


def test_provider_errors_are_retried_with_backoff_and_the_email_sent_once(
    flaky_provider, mentee, mentor, tmp_path
):
    flaky_provider.failures = 2
    with at(START):
        workflow.send_request(mentee=mentee, mentor_id=mentor.mentor_profile.pk)
        assert outbox.send_owed() == 0  # throttled: try 1
    email = Email.objects.get()
    assert (email.state, email.attempts) == (EmailState.QUEUED, 1)
    assert email.next_attempt_at == START + datetime.timedelta(minutes=1)
    assert email.last_error.startswith("AnymailAPIError: Maximum sending rate exceeded")

    with at(START + datetime.timedelta(seconds=59)):
        assert outbox.send_owed() == 0  # not due yet: no call to the provider
    assert flaky_provider.calls == 1
    with at(START + datetime.timedelta(minutes=1)):
        assert outbox.send_owed() == 0  # throttled again: try 2, next in 2 minutes
    with at(START + datetime.timedelta(minutes=3)):
        assert outbox.send_owed() == 1
        assert outbox.send_owed() == 0

    assert flaky_provider.calls == 3
    assert [m["to"] for m in received(tmp_path)] == [[mentor.email]]
    email.refresh_from_db()
    assert (email.state, email.attempts, email.last_error) == (EmailState.SENT, 3, "")


def test_after_the_last_try_an_email_is_failed_and_an_admin_can_send_it_again(
    flaky_provider, mentee, mentor, scheme_admin, client, settings, tmp_path
):
    flaky_provider.failures = outbox.MAX_ATTEMPTS
    moment = START
    with at(moment):
        workflow.send_request(mentee=mentee, mentor_id=mentor.mentor_profile.pk)
    for attempt in range(1, outbox.MAX_ATTEMPTS + 1):
        with at(moment):
            assert outbox.send_owed() == 0
        moment += outbox.retry_delay(attempt)
    email = Email.objects.get()
    assert (email.state, email.attempts) == (EmailState.FAILED, outbox.MAX_ATTEMPTS)
    with at(moment + datetime.timedelta(days=1)):
        assert outbox.send_owed() == 0  # failed emails wait for a person
    assert received(tmp_path) == []

    settings.ADMIN_REQUIRE_MFA = False
    client.force_login(scheme_admin)
    response = client.post(
        "/admin/outbox/email/",
        {"action": "send_again", "_selected_action": [email.pk]},
        follow=True,
    )
    assert "1 email(s) queued to be sent again." in response.text
    email.refresh_from_db()
    assert (email.state, email.attempts) == (EmailState.QUEUED, 0)
    assert outbox.send_owed() == 1
    assert [m["to"] for m in received(tmp_path)] == [[mentor.email]]


def test_admins_see_who_and_when_never_what_an_email_said(scheme_admin, client, settings, mentee):
    settings.ADMIN_REQUIRE_MFA = False
    outbox.queue_email(
        to=[mentee.email],
        subject="Your meeting on Friday was cancelled",
        body="Cancelled because I am not sleeping well",
        html="<p>Cancelled because I am not sleeping well</p>",
        kind="meeting_cancelled",
    )
    email = Email.objects.get()
    client.force_login(scheme_admin)

    for url in ("/admin/outbox/email/", f"/admin/outbox/email/{email.pk}/change/"):
        page = client.get(url).text
        assert mentee.email in page
        assert "meeting_cancelled" in page
        assert "not sleeping well" not in page
        assert "was cancelled" not in page
    assert client.get(f"/admin/outbox/email/{email.pk}/delete/").status_code == 403
    assert client.get("/admin/outbox/email/add/").status_code == 403


def test_the_text_of_old_emails_is_deleted_after_the_retention_period(mentee):
    scheme = SchemeSettings.load()
    scheme.email_retention_days = 30
    scheme.save()
    with at(START):
        outbox.queue_email(to=[mentee.email], subject="Old", body="Old text", kind="old")
    with at(START + datetime.timedelta(days=20)):
        outbox.queue_email(to=[mentee.email], subject="New", body="New text", kind="new")
        assert outbox.send_owed() == 2

    with at(START + datetime.timedelta(days=30, seconds=1)):
        assert workflow.purge_sent_email_content() == 1
        assert workflow.purge_sent_email_content() == 0

    old, new = Email.objects.order_by("pk")
    assert (old.subject, old.body, old.html, old.purged_at) == ("", "", "", old.purged_at)
    assert old.purged_at is not None
    assert (old.kind, old.recipient, old.state) == ("old", mentee.email, EmailState.SENT)
    assert (new.subject, new.body) == ("New", "New text")


def test_expiry_emails_are_rendered_from_the_request_when_sent(mentor):
    scheme = SchemeSettings.load()
    deadline = datetime.datetime(2026, 11, 30, 23, 59, 59, tzinfo=LONDON)
    requests = [
        MentoringRequestFactory(
            mentee=MenteeFactory(first_name=name),
            mentor=mentor.mentor_profile,
            response_deadline=deadline,
        )
        for name in ("Ada", "Bea")
    ]
    with at(START):
        assert workflow.expire_overdue_requests() == 2
        assert Email.objects.count() == 6
        assert Email.objects.filter(body="").count() == 6  # rendered when sent
        assert outbox.send_owed() == 6

    profile = mentor.mentor_profile
    by_recipient = {}
    for message in mail.outbox:
        by_recipient.setdefault(message.to[0], []).append(message)
    assert sorted(by_recipient) == sorted(
        [requests[0].mentee.email, requests[1].mentee.email, mentor.email, scheme.inbox_email]
    )
    ada = by_recipient[requests[0].mentee.email][0]
    assert ada.subject == f"Your request to {profile.full_name} was not answered in time"
    assert "Hello Ada," in ada.body
    assert "Monday 30 November" in ada.body
    team = sorted(by_recipient[scheme.inbox_email], key=lambda m: m.subject)
    assert team[0].body.startswith(
        f"Request #{requests[0].pk} to {profile.full_name} ({profile.email}) passed its "
        "deadline of Monday 30 November 2026 without an answer"
    )
    assert len(by_recipient[mentor.email]) == 2


def test_an_email_about_a_row_deleted_before_it_went_is_not_sent(mentor):
    MentoringRequestFactory(
        mentor=mentor.mentor_profile, response_deadline=START - datetime.timedelta(days=1)
    )
    with at(START):
        workflow.expire_overdue_requests()
        MentoringRequest.objects.all().delete()  # say, the mentee erased their account
        assert outbox.send_owed() == 0

    assert mail.outbox == []
    assert set(Email.objects.values_list("state", flat=True)) == {EmailState.CANCELLED}


def test_a_sender_about_to_lose_its_claim_hands_back_the_rest_of_its_batch(
    settings, tmp_path, mentee
):
    from tests.email_backends import SlowClockBackend

    settings.EMAIL_BACKEND = "tests.email_backends.SlowClockBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path)
    with at(START) as clock:
        SlowClockBackend.clock = clock
        SlowClockBackend.claim_left = []
        outbox.queue_email(
            to=["a@example.nhs.uk", "b@example.nhs.uk", "c@example.nhs.uk"],
            subject="Hello",
            body="Hello",
        )
        # Each send takes 9 minutes: after one, the claim (10 minutes, less a margin of
        # 2) is too short for the next, so the sender claims the rest again first.
        assert outbox.send_owed() == 3

    assert sorted(m["to"][0] for m in received(tmp_path)) == [
        "a@example.nhs.uk",
        "b@example.nhs.uk",
        "c@example.nhs.uk",
    ]
    assert list(Email.objects.values_list("state", "attempts")) == [(EmailState.SENT, 1)] * 3
    # Every message went while its sender's claim had the full lease left.
    assert SlowClockBackend.claim_left == [outbox.CLAIM_LEASE] * 3


def test_a_file_attached_as_bytes_arrives_byte_for_byte_beside_a_text_one(committed):
    spreadsheet = bytes(range(256)) * 4  # not text in any encoding

    with committed():
        outbox.queue_email(
            to=["team@example.nhs.uk"],
            subject="Figures",
            body="Attached.",
            attachments=[
                ("figures.xlsx", spreadsheet, "application/octet-stream"),
                ("meeting.ics", "BEGIN:VCALENDAR", "text/calendar"),
            ],
        )

    [message] = mail.outbox
    assert message.attachments == [
        ("figures.xlsx", spreadsheet, "application/octet-stream"),
        ("meeting.ics", "BEGIN:VCALENDAR", "text/calendar"),
    ]
