"""Nobody left waiting: a mentee who never asks anyone is reminded once, and one still
without a mentor is asked once whether they still want one; "no" closes their search."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.db import IntegrityError, transaction
from django.urls import reverse

from accounts.models import MenteeProfile
from reports.figures import scheme_figures
from requests_app import tasks, workflow
from requests_app.models import (
    ApplicationState,
    MatchApplication,
    MenteeNudge,
    MentoringRequest,
    NudgeAnswer,
    NudgeKind,
    PartnershipState,
    RequestState,
    WaitingListEntry,
    WaitingOutcome,
)
from scheme.models import MatchingMode, SchemeSettings
from tests.factories import (
    MenteeProfileFactory,
    MentoringRequestFactory,
    MentorProfileFactory,
    PartnershipFactory,
    UserFactory,
    give_two_factor,
)
from tests.test_email_texts import blanks_in
from tests.test_scheme_report import tables_of

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
SIGNED_UP = datetime.datetime(2027, 1, 4, 9, 30, tzinfo=LONDON)
REMINDER_DAYS, CHECK_IN_DAYS = 14, 91


def day(n: int, hour: int = 9, minute: int = 30) -> datetime.datetime:
    """The UK day n days after sign-up (day 0), at that time."""
    date = SIGNED_UP.date() + datetime.timedelta(days=n)
    return datetime.datetime.combine(date, datetime.time(hour, minute), tzinfo=LONDON)


def at(moment: datetime.datetime):
    return time_machine.travel(moment, tick=False)


def signed_up(user, when: datetime.datetime = SIGNED_UP) -> None:
    MenteeProfile.objects.filter(user=user).update(created_at=when)


@pytest.fixture(autouse=True)
def scheme(db):
    scheme = SchemeSettings.load()
    scheme.mentee_reminder_days = REMINDER_DAYS
    scheme.mentee_check_in_days = CHECK_IN_DAYS
    scheme.save()
    return scheme


@pytest.fixture
def waiting(mentee):
    """The mentee, signed up on SIGNED_UP and never having asked anyone."""
    signed_up(mentee)
    return mentee


def sent_to(user, kind: str) -> list:
    template = {"reminder": "Finding a peer mentor", "check_in": "Do you still want"}[kind]
    return [m for m in mail.outbox if m.to == [user.email] and m.subject.startswith(template)]


# --- The reminder -----------------------------------------------------------------------


def test_the_reminder_goes_on_the_day_and_only_once(waiting, committed):
    with at(day(REMINDER_DAYS - 1, 23, 59)), committed():
        assert tasks.remind_mentees_without_request() == 0
    assert mail.outbox == []

    with at(day(REMINDER_DAYS, 0, 1)), committed():
        assert tasks.remind_mentees_without_request.delay().get() == 1
    with at(day(REMINDER_DAYS, 10, 20)), committed():
        assert tasks.remind_mentees_without_request() == 0  # the job run twice
    with at(day(REMINDER_DAYS + 1)), committed():
        assert tasks.remind_mentees_without_request() == 0

    [email] = mail.outbox
    assert email.to == [waiting.email]
    assert "4 January 2027" in email.body
    assert "/mentors/" in email.body  # how to search
    assert SchemeSettings.load().inbox_email in email.body  # how to ask the scheme team
    assert "/still-looking/?answer=stopped" in email.body  # how to say no more
    html = email.alternatives[0][0]
    assert "/still-looking/?answer=stopped" in html
    assert blanks_in(email) == []
    nudge = MenteeNudge.objects.get()
    assert (nudge.mentee, nudge.kind, nudge.sent_at) == (
        waiting,
        NudgeKind.REMINDER,
        day(REMINDER_DAYS, 0, 1),
    )


def test_where_the_scheme_proposes_the_reminder_says_how_to_apply(waiting, scheme, committed):
    scheme.matching_mode = MatchingMode.ADMIN_PROPOSES
    scheme.save()
    from django.core.cache import cache

    cache.clear()  # the emails' cached matching mode

    with at(day(REMINDER_DAYS)), committed():
        assert workflow.remind_mentees_without_request() == 1

    [email] = mail.outbox
    assert "/apply/" in email.body
    assert "/mentors/" not in email.body
    assert blanks_in(email) == []


def acted_by_request(mentee):
    MentoringRequestFactory(mentee=mentee, state=RequestState.WITHDRAWN)


def acted_by_application(mentee):
    MatchApplication.objects.create(
        mentee=mentee, aims="Support", state=ApplicationState.WITHDRAWN, created_at=day(1)
    )


def acted_by_waiting_list(mentee):
    WaitingListEntry.objects.create(mentee=mentee, mentor=MentorProfileFactory(), joined_at=day(2))


def acted_by_partnership(mentee):
    PartnershipFactory(request__mentee=mentee, state=PartnershipState.ENDED_EARLY)


def acted_by_answering(mentee):
    with at(day(3)):
        workflow.answer_check_in(mentee=mentee, still_looking=True)


def inactive(mentee):
    mentee.is_active = False
    mentee.save()


def anonymised(mentee):
    MenteeProfile.objects.filter(user=mentee).delete()
    inactive(mentee)


def address_not_confirmed(mentee):
    mentee.emailaddress_set.update(verified=False)


@pytest.mark.parametrize(
    "change",
    [
        acted_by_request,
        acted_by_application,
        acted_by_waiting_list,
        acted_by_partnership,
        acted_by_answering,
        inactive,
        anonymised,
        address_not_confirmed,
    ],
)
def test_no_reminder_for_someone_who_acted_or_left(waiting, other_mentee, change, committed):
    signed_up(other_mentee)
    change(waiting)

    with at(day(REMINDER_DAYS)), committed():
        assert workflow.remind_mentees_without_request() == 1

    assert [m.to for m in mail.outbox] == [[other_mentee.email]]


def test_no_reminder_when_the_setting_is_0(waiting, scheme, committed):
    scheme.mentee_reminder_days = 0
    scheme.save()

    with at(day(200)), committed():
        assert workflow.remind_mentees_without_request() == 0
    assert mail.outbox == []
    assert not MenteeNudge.objects.exists()


def test_a_mentee_due_both_is_only_asked_whether_they_still_want_a_mentor(waiting, committed):
    """A scheme turning the reminder on does not send both to those waiting longest."""
    with at(day(CHECK_IN_DAYS + 10)), committed():
        assert workflow.remind_mentees_without_request() == 0
        assert workflow.check_in_with_waiting_mentees() == 1
        assert workflow.remind_mentees_without_request() == 0

    assert len(sent_to(waiting, "check_in")) == 1
    assert sent_to(waiting, "reminder") == []


def test_the_reminder_job_is_a_fixed_number_of_queries(waiting, django_assert_max_num_queries):
    for _ in range(10):
        signed_up(MenteeProfileFactory(user=UserFactory(verified=True)).user)

    # The settings, the INSERT ... SELECT of who is due, reading them back, the settings
    # emails name, one INSERT of every email, and a savepoint and its release.
    with at(day(REMINDER_DAYS)), django_assert_max_num_queries(7):
        assert workflow.remind_mentees_without_request() == 11


def test_the_database_refuses_a_second_email_of_a_kind(waiting):
    MenteeNudge.objects.create(mentee=waiting, kind=NudgeKind.REMINDER, sent_at=day(14))

    with pytest.raises(IntegrityError), transaction.atomic():
        MenteeNudge.objects.create(mentee=waiting, kind=NudgeKind.REMINDER, sent_at=day(15))


# --- The check-in -----------------------------------------------------------------------


def test_the_check_in_goes_on_the_day_and_only_once(waiting, committed):
    MentoringRequestFactory(mentee=waiting, created_at=day(89))  # waiting for an answer

    with at(day(CHECK_IN_DAYS - 1, 23, 59)), committed():
        assert tasks.check_in_with_waiting_mentees() == 0
    with at(day(CHECK_IN_DAYS, 0, 1)), committed():
        assert tasks.check_in_with_waiting_mentees.delay().get() == 1
    with at(day(CHECK_IN_DAYS, 10, 15)), committed():
        assert tasks.check_in_with_waiting_mentees() == 0
    with at(day(CHECK_IN_DAYS + 1)), committed():
        assert tasks.check_in_with_waiting_mentees() == 0

    [email] = sent_to(waiting, "check_in")
    assert len(mail.outbox) == 1
    assert "/still-looking/?answer=keep_looking" in email.body
    assert "/still-looking/?answer=stopped" in email.body
    html = email.alternatives[0][0]
    assert "Yes, keep looking" in html
    assert "No, I no longer need a mentor" in html
    assert blanks_in(email) == []


@pytest.mark.parametrize("change", [acted_by_partnership, acted_by_answering, inactive, anonymised])
def test_no_check_in_for_someone_with_a_mentor_or_an_answer(waiting, other_mentee, change):
    signed_up(other_mentee)
    change(waiting)

    with at(day(CHECK_IN_DAYS)):
        assert workflow.check_in_with_waiting_mentees() == 1

    assert MenteeNudge.objects.check_ins().filter(sent_at__isnull=False).get().mentee == (
        other_mentee
    )


def test_no_check_in_when_the_setting_is_0(waiting, scheme):
    scheme.mentee_check_in_days = 0
    scheme.save()

    with at(day(400)):
        assert workflow.check_in_with_waiting_mentees() == 0


# --- Answering --------------------------------------------------------------------------


@pytest.fixture
def searching(waiting, scheme):
    """Where mentees choose and the scheme proposes too: a request waiting for an answer,
    two waiting lists (one with a place kept) and an application waiting for a match."""
    scheme.matching_mode = MatchingMode.BOTH
    scheme.save()
    request = MentoringRequestFactory(mentee=waiting, created_at=day(80))
    kept = WaitingListEntry.objects.create(
        mentee=waiting,
        mentor=MentorProfileFactory(),
        joined_at=day(20),
        offered_at=day(85),
        offer_expires_at=day(95),
    )
    in_line = WaitingListEntry.objects.create(
        mentee=waiting, mentor=MentorProfileFactory(), joined_at=day(30)
    )
    application = MatchApplication.objects.create(
        mentee=waiting, aims="Support", created_at=day(40)
    )
    return request, [kept, in_line], application


def test_answering_no_closes_the_search_politely(client, waiting, searching, committed):
    request, _entries, application = searching
    with at(day(CHECK_IN_DAYS + 2)), committed():
        client.force_login(waiting)
        page = client.get(reverse("requests:still_looking") + "?answer=stopped")
        assert page.status_code == 200
        assert "Do you still want a mentor?" in page.content.decode()
        response = client.post(reverse("requests:still_looking"), {"answer": "stopped"})
        confirmation = client.get(response.url).content.decode()

    assert response.status_code == 302
    assert response.url == reverse("requests:still_looking")
    request.refresh_from_db()
    application.refresh_from_db()
    assert request.state == RequestState.WITHDRAWN
    assert application.state == ApplicationState.WITHDRAWN
    assert [(e.outcome, e.left_at) for e in WaitingListEntry.objects.filter(mentee=waiting)] == [
        (WaitingOutcome.LEFT, day(CHECK_IN_DAYS + 2))
    ] * 2
    nudge = MenteeNudge.objects.get(mentee=waiting)
    assert (nudge.kind, nudge.answer, nudge.sent_at) == (
        NudgeKind.CHECK_IN,
        NudgeAnswer.STOPPED,
        None,  # answered from the page without having been asked
    )
    assert [m.to for m in mail.outbox] == [[request.mentor.email]]  # told of the withdrawal
    assert "Your search for a mentor is closed" in confirmation
    assert "If you want a mentor later" in confirmation
    assert reverse("mentor_search") in confirmation

    # Idempotent: saying it again changes nothing and emails nobody.
    with at(day(CHECK_IN_DAYS + 5)), committed():
        client.force_login(waiting)
        client.post(reverse("requests:still_looking"), {"answer": "stopped"})
    assert MenteeNudge.objects.get(mentee=waiting).answered_at == day(CHECK_IN_DAYS + 2)
    assert len(mail.outbox) == 1

    # No reminder or check-in follows.
    with at(day(CHECK_IN_DAYS + 10)):
        assert workflow.check_in_with_waiting_mentees() == 0
        assert workflow.remind_mentees_without_request() == 0


def test_after_answering_no_a_mentee_can_start_again(client, waiting, committed):
    workflow.answer_check_in(mentee=waiting, still_looking=False, now=day(100))
    client.force_login(waiting)
    assert "closed" in client.get(reverse("requests:still_looking")).content.decode()

    MentoringRequestFactory(mentee=waiting)

    page = client.get(reverse("requests:still_looking")).content.decode()
    assert "Do you still want a mentor?" in page  # no longer shown as closed


def test_answering_yes_keeps_everything_and_is_never_asked_again(client, waiting, searching):
    request, _entries, application = searching
    with at(day(CHECK_IN_DAYS + 2)):
        client.force_login(waiting)
        response = client.post(reverse("requests:still_looking"), {"answer": "keep_looking"})
        page = client.get(reverse("requests:still_looking")).content.decode()

    assert response.status_code == 302
    assert response.url == reverse("dashboard")
    nudge = MenteeNudge.objects.get(mentee=waiting)
    assert (nudge.answer, nudge.answered_at) == (NudgeAnswer.KEEP_LOOKING, day(93))
    assert MentoringRequest.objects.get(pk=request.pk).state == RequestState.PENDING
    assert WaitingListEntry.objects.active().filter(mentee=waiting).count() == 2
    assert MatchApplication.objects.get(pk=application.pk).state == ApplicationState.WAITING
    with at(day(CHECK_IN_DAYS * 3)):
        assert workflow.check_in_with_waiting_mentees() == 0
    assert "you told us you are still looking" in page


def test_a_check_in_sent_is_answered_on_its_row(waiting):
    with at(day(CHECK_IN_DAYS)):
        workflow.check_in_with_waiting_mentees()
    workflow.answer_check_in(mentee=waiting, still_looking=True, now=day(95))

    nudge = MenteeNudge.objects.get(mentee=waiting)
    assert (nudge.sent_at, nudge.answer, nudge.answered_at) == (
        day(CHECK_IN_DAYS),
        NudgeAnswer.KEEP_LOOKING,
        day(95),
    )


def test_another_mentee_cannot_answer_for_them(client, waiting, other_mentee, searching):
    request, _entries, application = searching
    client.force_login(other_mentee)

    client.post(reverse("requests:still_looking"), {"answer": "stopped"})

    assert MentoringRequest.objects.get(pk=request.pk).state == RequestState.PENDING
    assert WaitingListEntry.objects.active().filter(mentee=waiting).count() == 2
    assert MatchApplication.objects.get(pk=application.pk).state == ApplicationState.WAITING
    assert not MenteeNudge.objects.filter(mentee=waiting).exists()


def test_only_a_mentee_answers_and_only_by_post(client, waiting, mentor):
    url = reverse("requests:still_looking")
    assert client.get(url).status_code == 302  # to log in
    client.force_login(mentor)
    assert client.post(url, {"answer": "stopped"}).status_code == 403
    client.force_login(waiting)
    assert client.put(url).status_code == 405
    response = client.post(url, {"answer": "maybe"})
    assert response.status_code == 302
    assert not MenteeNudge.objects.exists()


def test_a_mentee_with_a_mentor_cannot_close_their_search_here(client, waiting):
    PartnershipFactory(request__mentee=waiting, state=PartnershipState.ACTIVE)
    client.force_login(waiting)

    response = client.post(reverse("requests:still_looking"), {"answer": "stopped"}, follow=True)

    assert "You have a mentor now" in response.content.decode()
    assert not MenteeNudge.objects.exists()


# --- The scheme's figures ---------------------------------------------------------------


def test_the_scheme_figures_say_where_the_reminded_and_asked_are(client, scheme_admin, waiting):
    others = [MenteeProfileFactory(user=UserFactory(verified=True)).user for _ in range(5)]
    for user in others:
        signed_up(user)
    with at(day(REMINDER_DAYS)):
        assert workflow.remind_mentees_without_request() == 6
    acted_by_request(others[0])  # asked for a mentor since
    acted_by_waiting_list(others[1])
    inactive(others[2])
    for user in others[3:]:
        signed_up(user, SIGNED_UP - datetime.timedelta(days=30))
    with at(day(CHECK_IN_DAYS - 30)):
        assert workflow.check_in_with_waiting_mentees() == 2
    workflow.answer_check_in(mentee=others[3], still_looking=True, now=day(62))
    workflow.answer_check_in(mentee=others[4], still_looking=False, now=day(63))
    give_two_factor(scheme_admin)
    client.force_login(scheme_admin)

    response = client.get(reverse("reports:dashboard"))

    assert tables_of(response)["nudges-table"][1:] == [
        ["Reminded, and not asked for a mentor since", "1"],  # the mentee only
        ["Asked whether they still want a mentor", "2"],
        ["Said yes, keep looking", "1"],
        ["Said they no longer need a mentor", "1"],
    ]
    # The same figures in the spreadsheet's figures sheet and the monthly summary.
    now_rows = [row for row in scheme_figures().as_rows() if row[0] == "Now"]
    assert now_rows[-4:] == [
        ("Now", "Mentees reminded, and not asked for a mentor since", 1),
        ("Now", "Mentees asked whether they still want a mentor", 2),
        ("Now", "Mentees who said yes, keep looking", 1),
        ("Now", "Mentees who said they no longer need a mentor", 1),
    ]


def test_the_dashboard_offers_to_close_the_search_until_the_mentee_has_a_mentor(client, waiting):
    client.force_login(waiting)
    link = f'href="{reverse("requests:still_looking")}"'

    assert link in client.get(reverse("dashboard")).content.decode()

    PartnershipFactory(request__mentee=waiting, state=PartnershipState.ACTIVE)
    assert link not in client.get(reverse("dashboard")).content.decode()
