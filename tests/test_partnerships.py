"""Partnerships: the agreement, more sessions, ending early, completion, the pages and admin.

Meetings are in tests/test_meetings.py; feedback and notes in tests/test_feedback_and_notes.py.
The helpers at the top are shared by those files.
"""

import datetime
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from requests_app import tasks, workflow
from requests_app.availability import mentor_availability, mentor_load, places_taken
from requests_app.models import (
    EndReason,
    ExtensionRequest,
    ExtensionState,
    Feedback,
    FeedbackStage,
    Meeting,
    MeetingState,
    MentoringRequest,
    MentorNote,
    Partnership,
    PartnershipState,
    Transition,
)
from requests_app.partnership_summary import dashboard_context
from scheme import agreement_text
from scheme.models import SchemeSettings, SchemeText
from scheme.templatetags.scheme import scheme_name
from tests.factories import MeetingFactory, MenteeFactory, PartnershipFactory

LONDON = ZoneInfo("Europe/London")
START = datetime.datetime(2027, 1, 4, 9, 0, tzinfo=LONDON)  # a Monday
WINDOW_END = datetime.date(2027, 7, 4)  # 6 months on
pytestmark = pytest.mark.django_db


# --- Shared helpers ---------------------------------------------------------------


def moment(month: int, day: int, hour: int = 9, minute: int = 0, second: int = 0, year=2027):
    return datetime.datetime(year, month, day, hour, minute, second, tzinfo=LONDON)


def at(*args, **kwargs):
    return time_machine.travel(moment(*args, **kwargs), tick=False)


def make_partnership(mentee, mentor_user, *, active: bool = True, **extra) -> Partnership:
    """A partnership from 4 January 2027 to 4 July 2027 with 4 sessions; active by default,
    with both confirmations and the usual arrangements."""
    fields = {
        "request__mentee": mentee,
        "request__mentor": mentor_user.mentor_profile,
        "request__created_at": START - datetime.timedelta(days=2),
        "state": PartnershipState.ACTIVE if active else PartnershipState.AGREEMENT_PENDING,
        "started_at": START,
        "window_ends_on": WINDOW_END,
        "sessions_allowed": 4,
    }
    if active:
        fields |= {
            "mentee_confirmed_at": START,
            "mentor_confirmed_at": START,
            "usual_length_minutes": 60,
            "frequency": "Every 2 weeks",
            "usual_mode": "video",
        }
    return PartnershipFactory(**(fields | extra))


def add_meeting(partnership, starts_at, state=MeetingState.PLANNED, **extra) -> Meeting:
    if state == MeetingState.HELD:
        extra.setdefault("held_at", starts_at)
    if state == MeetingState.CANCELLED:
        extra.setdefault("cancelled_at", starts_at - datetime.timedelta(days=1))
    return MeetingFactory(partnership=partnership, starts_at=starts_at, state=state, **extra)


def hold(partnership, user, starts_at, *, now=None) -> Meeting:
    """A meeting planned for starts_at, then marked held by user when it has started."""
    meeting = add_meeting(partnership, starts_at)
    return workflow.mark_meeting_held(
        meeting_id=meeting.pk, user=user, now=now or starts_at + datetime.timedelta(hours=1)
    )


def arrangements(**changes) -> workflow.Arrangements:
    values = {
        "usual_length_minutes": 60,
        "frequency": "Every 2 weeks",
        "usual_mode": "video",
        "contact_boundaries": "Email, weekdays only",
    }
    return workflow.Arrangements(**(values | changes))


def recipients() -> list[str]:
    return sorted(address for message in mail.outbox for address in message.to)


def history(partnership) -> list[tuple[str, str, str]]:
    return list(
        Transition.objects.filter(partnership=partnership)
        .order_by("pk")
        .values_list("from_state", "to_state", "reason")
    )


@pytest.fixture
def pending(mentee, mentor):
    return make_partnership(mentee, mentor, active=False)


@pytest.fixture
def active(mentee, mentor):
    return make_partnership(mentee, mentor)


# --- The agreement ------------------------------------------------------------------


def test_the_first_confirmation_asks_the_other_side_and_the_second_starts_the_partnership(
    pending, mentee, mentor, committed
):
    with committed():
        workflow.confirm_agreement(
            partnership_id=pending.pk, user=mentee, arrangements=arrangements(), now=moment(1, 5)
        )

    pending.refresh_from_db()
    assert pending.state == PartnershipState.AGREEMENT_PENDING
    assert pending.mentee_confirmed_at == moment(1, 5)
    assert pending.usual_mode == "video"
    assert pending.contact_boundaries == "Email, weekdays only"
    assert [m.to for m in mail.outbox] == [[mentor.email]]
    assert "confirmed your mentoring agreement" in mail.outbox[0].subject
    assert f"/partnerships/{pending.pk}/" in mail.outbox[0].body
    mail.outbox.clear()

    with committed():
        workflow.confirm_agreement(
            partnership_id=pending.pk, user=mentor, arrangements=arrangements(), now=moment(1, 6)
        )

    pending.refresh_from_db()
    assert pending.state == PartnershipState.ACTIVE
    assert pending.mentee_confirmed_at == moment(1, 5)
    inbox = SchemeSettings.load().inbox_email
    assert recipients() == sorted([mentee.email, mentor.email, inbox])
    started = [m for m in mail.outbox if m.to != [inbox]]
    assert all("has started" in m.subject for m in started)
    # The signed agreement is kept and sent to the scheme inbox.
    (record_email,) = [m for m in mail.outbox if m.to == [inbox]]
    record = pending.agreement_record
    assert record.mentee_confirmed_at == moment(1, 5)
    assert record.mentor_confirmed_at == moment(1, 6)
    assert record.mentor_name == pending.mentor.full_name
    assert record.mentee_name in record_email.body
    assert record.text_version in record_email.body
    assert "5 January 2027" in record_email.body
    assert "6 January 2027" in record_email.body
    # Names and dates only: what the pair wrote stays in the record.
    assert "Every 2 weeks" in record.arrangements
    assert "Every 2 weeks" not in record_email.body
    assert "Email, weekdays only" not in record_email.body
    assert "Our mentoring agreement" in record.agreement_text
    assert history(pending)[-2:] == [
        ("agreement_pending", "agreement_pending", "The mentee confirmed the agreement"),
        ("agreement_pending", "active", "Both confirmed the agreement, the mentor last"),
    ]


def test_confirming_twice_is_refused(pending, mentee):
    workflow.confirm_agreement(partnership_id=pending.pk, user=mentee, arrangements=arrangements())

    with pytest.raises(workflow.WorkflowError, match="confirmed the agreement already"):
        workflow.confirm_agreement(
            partnership_id=pending.pk, user=mentee, arrangements=arrangements()
        )


def test_confirming_an_active_or_ended_partnership_is_refused(active, mentee, mentor):
    with pytest.raises(workflow.WorkflowError, match="both confirmed"):
        workflow.confirm_agreement(
            partnership_id=active.pk, user=mentee, arrangements=arrangements()
        )

    workflow.end_partnership_early(partnership_id=active.pk, user=mentor, reason="no_click")
    with pytest.raises(workflow.WorkflowError, match="has ended"):
        workflow.confirm_agreement(
            partnership_id=active.pk, user=mentee, arrangements=arrangements()
        )


def test_changing_the_arrangements_asks_the_side_who_confirmed_to_confirm_again(
    pending, mentee, mentor, committed
):
    workflow.confirm_agreement(partnership_id=pending.pk, user=mentee, arrangements=arrangements())

    with committed():
        workflow.confirm_agreement(
            partnership_id=pending.pk, user=mentor, arrangements=arrangements(frequency="Monthly")
        )

    pending.refresh_from_db()
    assert pending.state == PartnershipState.AGREEMENT_PENDING
    assert pending.mentee_confirmed_at is None
    assert pending.mentor_confirmed_at is not None
    assert pending.frequency == "Monthly"
    assert [m.to for m in mail.outbox] == [[mentee.email]]
    assert "changed arrangements" in mail.outbox[0].subject
    assert "confirm again" in history(pending)[-1][2]

    workflow.confirm_agreement(
        partnership_id=pending.pk, user=mentee, arrangements=arrangements(frequency="Monthly")
    )
    pending.refresh_from_db()
    assert pending.state == PartnershipState.ACTIVE


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"usual_mode": ""}, "how you will usually meet"),
        ({"usual_length_minutes": None}, "how long"),
        ({"frequency": "  "}, "how often"),
    ],
)
def test_the_agreement_needs_the_arrangements(pending, mentee, change, message):
    with pytest.raises(workflow.WorkflowError, match=message):
        workflow.confirm_agreement(
            partnership_id=pending.pk, user=mentee, arrangements=arrangements(**change)
        )
    pending.refresh_from_db()
    assert pending.mentee_confirmed_at is None


def test_only_the_two_people_can_confirm(pending, other_mentee, other_mentor):
    for outsider in (other_mentee, other_mentor):
        with pytest.raises(workflow.WorkflowError, match="does not exist"):
            workflow.confirm_agreement(
                partnership_id=pending.pk, user=outsider, arrangements=arrangements()
            )


def test_arrangements_changed_once_active_are_recorded_and_the_other_side_told(
    active, mentee, mentor, committed
):
    with committed():
        workflow.change_arrangements(
            partnership_id=active.pk, user=mentor, arrangements=arrangements(usual_mode="phone")
        )

    active.refresh_from_db()
    assert active.usual_mode == "phone"
    assert [m.to for m in mail.outbox] == [[mentee.email]]
    assert history(active)[-1] == ("active", "active", "The mentor changed the arrangements")


def test_arrangements_are_changed_through_the_agreement_while_it_is_pending(pending, mentee):
    with pytest.raises(workflow.WorkflowError, match="when you confirm the agreement"):
        workflow.change_arrangements(
            partnership_id=pending.pk, user=mentee, arrangements=arrangements()
        )


# --- More sessions --------------------------------------------------------------------


def test_more_sessions_can_be_asked_for_only_with_one_session_or_none_left(
    active, mentee, mentor, committed
):
    for day in (11, 18):
        hold(active, mentor, moment(1, day, 18))

    with pytest.raises(workflow.WorkflowError, match="one session or none left"):
        workflow.request_extension(partnership_id=active.pk, user=mentee, reason="Helpful")
    add_meeting(active, moment(2, 1, 18))  # 3 of 4 used: 1 left

    with committed():
        extension = workflow.request_extension(
            partnership_id=active.pk, user=mentee, reason="Going back on the wards in March"
        )

    assert extension.state == ExtensionState.PENDING
    assert extension.requested_by == mentee
    assert [m.to for m in mail.outbox] == [[SchemeSettings.load().inbox_email]]
    assert "Going back on the wards in March" in mail.outbox[0].body
    assert f"/admin/requests_app/extensionrequest/{extension.pk}/" in mail.outbox[0].body
    assert history(active)[-1] == ("active", "active", "The mentee asked for more sessions")
    with pytest.raises(workflow.WorkflowError, match="already asked"):
        workflow.request_extension(partnership_id=active.pk, user=mentor, reason="Again")


def test_asking_for_more_sessions_needs_a_reason_and_an_active_partnership(pending, mentee):
    with pytest.raises(workflow.WorkflowError, match="why"):
        workflow.request_extension(partnership_id=pending.pk, user=mentee, reason=" ")
    with pytest.raises(workflow.WorkflowError, match="once the partnership has started"):
        workflow.request_extension(partnership_id=pending.pk, user=mentee, reason="Please")


def test_approving_adds_the_extension_size_and_tells_both(
    active, mentee, mentor, scheme_admin, committed
):
    SchemeSettings.objects.filter(pk=SchemeSettings.load().pk).update(extension_sessions=3)
    extension = ExtensionRequest.objects.create(partnership=active, requested_by=mentee, reason="x")

    with committed():
        workflow.approve_extension(extension_id=extension.pk, admin_user=scheme_admin)

    active.refresh_from_db()
    extension.refresh_from_db()
    assert active.sessions_allowed == 7
    assert extension.state == ExtensionState.APPROVED
    assert extension.sessions_added == 3
    assert extension.decided_by == scheme_admin
    assert recipients() == sorted([mentee.email, mentor.email])
    assert all("You now have 7 in all" in m.body for m in mail.outbox)
    assert history(active)[-1] == ("active", "active", "More sessions approved: 3 added")
    with pytest.raises(workflow.WorkflowError, match="already been decided"):
        workflow.decline_extension(extension_id=extension.pk, admin_user=scheme_admin)


def test_declining_tells_both_and_changes_no_allowance(
    active, mentee, mentor, scheme_admin, committed
):
    extension = ExtensionRequest.objects.create(partnership=active, requested_by=mentee, reason="x")

    with committed():
        workflow.decline_extension(extension_id=extension.pk, admin_user=scheme_admin)

    active.refresh_from_db()
    assert active.sessions_allowed == 4
    assert active.state == PartnershipState.ACTIVE
    assert recipients() == sorted([mentee.email, mentor.email])
    with pytest.raises(workflow.WorkflowError, match="already been decided"):
        workflow.approve_extension(extension_id=extension.pk, admin_user=scheme_admin)


def test_with_more_sessions_asked_for_the_last_session_waits_for_the_answer(
    active, mentee, mentor, scheme_admin, committed
):
    for day in (11, 18, 25):
        hold(active, mentor, moment(1, day, 18))
    last = add_meeting(active, moment(2, 1, 18))
    extension = workflow.request_extension(partnership_id=active.pk, user=mentee, reason="More")

    workflow.mark_meeting_held(meeting_id=last.pk, user=mentee, now=moment(2, 1, 19))
    active.refresh_from_db()
    assert active.state == PartnershipState.ACTIVE
    assert workflow.complete_finished_partnerships(now=moment(2, 2)) == 0

    with committed():
        workflow.decline_extension(extension_id=extension.pk, admin_user=scheme_admin)

    active.refresh_from_db()
    assert active.state == PartnershipState.COMPLETED
    assert any("is complete" in m.subject for m in mail.outbox)


def test_more_sessions_cannot_be_decided_once_the_partnership_has_ended(
    active, mentee, mentor, scheme_admin
):
    extension = ExtensionRequest.objects.create(partnership=active, requested_by=mentee, reason="x")
    workflow.end_partnership_early(partnership_id=active.pk, user=mentor, reason="circumstances")

    extension.refresh_from_db()
    assert extension.state == ExtensionState.DECLINED  # closed with the partnership
    with pytest.raises(workflow.WorkflowError, match=r"already been decided|has ended"):
        workflow.approve_extension(extension_id=extension.pk, admin_user=scheme_admin)


def test_admins_approve_with_the_admin_action(client, settings, active, mentee, scheme_admin):
    settings.ADMIN_REQUIRE_MFA = False
    extension = ExtensionRequest.objects.create(partnership=active, requested_by=mentee, reason="x")
    client.force_login(scheme_admin)

    response = client.post(
        reverse("admin:requests_app_extensionrequest_changelist"),
        {"action": "approve_extensions", "_selected_action": [extension.pk]},
        follow=True,
    )

    assert b"Approved 1 request(s)" in response.content
    active.refresh_from_db()
    assert active.sessions_allowed == 8


def test_admins_decline_with_the_admin_action_and_a_second_decision_is_refused(
    client, settings, active, mentee, scheme_admin
):
    settings.ADMIN_REQUIRE_MFA = False
    extension = ExtensionRequest.objects.create(partnership=active, requested_by=mentee, reason="x")
    client.force_login(scheme_admin)
    url = reverse("admin:requests_app_extensionrequest_changelist")
    data = {"action": "decline_extensions", "_selected_action": [extension.pk]}

    client.post(url, data)
    response = client.post(url, {**data, "action": "approve_extensions"}, follow=True)

    extension.refresh_from_db()
    assert extension.state == ExtensionState.DECLINED
    assert b"already been decided" in response.content


# --- Ending early ---------------------------------------------------------------------


def test_ending_early_tells_the_other_side_without_the_note_and_the_team_with_it(
    active, mentee, mentor, committed
):
    future = add_meeting(active, moment(2, 1, 18))
    with committed():
        workflow.end_partnership_early(
            partnership_id=active.pk,
            user=mentee,
            reason=EndReason.NO_CLICK,
            note="We wanted different things from it",
            now=moment(1, 20),
        )

    active.refresh_from_db()
    future.refresh_from_db()
    assert active.state == PartnershipState.ENDED_EARLY
    assert active.ended_at == moment(1, 20)
    assert active.ended_by == mentee
    assert active.end_note == "We wanted different things from it"
    assert future.state == MeetingState.CANCELLED
    assert not future.cancelled_late
    mentor_mail = [m for m in mail.outbox if m.to == [mentor.email]]
    team_mail = [m for m in mail.outbox if m.to == [SchemeSettings.load().inbox_email]]
    assert [m.subject for m in mentor_mail if "ended" in m.subject] == [
        f"Your mentoring with {mentee.get_full_name()} has ended"
    ]
    assert all("different things" not in m.body for m in mentor_mail)
    assert all("click" not in m.body.lower() for m in mentor_mail)
    assert len(team_mail) == 1
    assert "different things" in team_mail[0].body
    assert "We don't click" in team_mail[0].body
    assert not any(m.to == [mentee.email] and "has ended" in m.subject for m in mail.outbox)
    assert ("active", "ended_early", "Ended by the mentee: We don't click") in history(active)


def test_ending_twice_is_refused(active, mentee, mentor):
    workflow.end_partnership_early(partnership_id=active.pk, user=mentee, reason="other")

    with pytest.raises(workflow.WorkflowError, match="already ended"):
        workflow.end_partnership_early(partnership_id=active.pk, user=mentor, reason="other")
    assert [t for f, t, _ in history(active) if f != t] == ["ended_early"]


def test_ending_needs_a_reason_from_the_list(active, mentee):
    with pytest.raises(workflow.WorkflowError, match="Choose why"):
        workflow.end_partnership_early(partnership_id=active.pk, user=mentee, reason="bored")
    active.refresh_from_db()
    assert active.state == PartnershipState.ACTIVE


def test_a_partnership_can_end_before_the_agreement_is_confirmed(pending, mentor):
    workflow.end_partnership_early(partnership_id=pending.pk, user=mentor, reason="circumstances")

    pending.refresh_from_db()
    assert pending.state == PartnershipState.ENDED_EARLY


def test_after_an_early_end_the_mentee_can_ask_another_mentor_straight_away(
    active, mentee, mentor, other_mentor
):
    with pytest.raises(workflow.WorkflowError, match="already have a mentor"):
        workflow.send_request(mentee=mentee, mentor_id=other_mentor.mentor_profile.pk)

    workflow.end_partnership_early(partnership_id=active.pk, user=mentee, reason="no_click")

    request = workflow.send_request(mentee=mentee, mentor_id=other_mentor.mentor_profile.pk)
    assert request.state == "pending"


@pytest.mark.parametrize("ending", ["early", "completed"])
def test_the_mentors_place_is_freed_however_the_partnership_ends(
    active, mentee, mentor, other_mentee, ending
):
    profile = mentor.mentor_profile
    profile.capacity = 1
    profile.save()
    assert not mentor_availability(profile).taking_requests

    if ending == "early":
        workflow.end_partnership_early(partnership_id=active.pk, user=mentor, reason="other")
    else:
        assert workflow.complete_finished_partnerships(now=moment(7, 5)) == 1

    assert mentor_load(profile) == 0
    assert places_taken(profile) == 0
    assert mentor_availability(profile).taking_requests
    workflow.send_request(mentee=other_mentee, mentor_id=profile.pk)


# --- Completion ---------------------------------------------------------------------------


def test_holding_the_last_allowed_session_completes_the_partnership(
    active, mentee, mentor, committed
):
    for day in (11, 18, 25):
        hold(active, mentor, moment(1, day, 18))

    with committed():
        hold(active, mentee, moment(2, 1, 18))

    active.refresh_from_db()
    assert active.state == PartnershipState.COMPLETED
    assert active.ended_by is None
    assert history(active)[-2][1:] == ("completed", "All 4 sessions held")
    completed_mail = [m for m in mail.outbox if "is complete" in m.subject]
    assert sorted(m.to[0] for m in completed_mail) == sorted([mentee.email, mentor.email])


def test_the_job_completes_a_partnership_only_once_its_window_has_passed(
    active, mentee, mentor, committed
):
    with at(7, 4, 23, 59, 59), committed():  # the last day of the window, UK time
        assert tasks.complete_finished_partnerships() == 0
    active.refresh_from_db()
    assert active.state == PartnershipState.ACTIVE

    with at(7, 5, 0, 0, 1), committed():
        assert tasks.complete_finished_partnerships.delay().get() == 1
    with at(7, 5, 1, 0, 0), committed():
        assert tasks.complete_finished_partnerships() == 0  # running again changes nothing

    active.refresh_from_db()
    assert active.state == PartnershipState.COMPLETED
    assert active.ended_at == moment(7, 5, 0, 0, 1)
    assert [t for f, t, _ in history(active) if f != t] == ["completed"]
    assert "The time window ended on 4 July 2027" in [r for _, _, r in history(active)]
    completed_mail = [m for m in mail.outbox if "is complete" in m.subject]
    assert sorted(m.to[0] for m in completed_mail) == sorted([mentee.email, mentor.email])


def test_the_job_catches_up_and_leaves_open_partnerships_in_their_window_alone(
    active, other_mentee, other_mentor
):
    late = make_partnership(other_mentee, other_mentor, window_ends_on=datetime.date(2027, 3, 1))
    never_confirmed = make_partnership(
        MenteeFactory(), other_mentor, active=False, window_ends_on=datetime.date(2027, 2, 1)
    )

    assert workflow.complete_finished_partnerships(now=moment(4, 1)) == 2  # weeks later

    states = dict(Partnership.objects.values_list("pk", "state"))
    assert states[active.pk] == PartnershipState.ACTIVE
    assert states[late.pk] == PartnershipState.COMPLETED
    assert states[never_confirmed.pk] == PartnershipState.COMPLETED
    assert history(never_confirmed)[0] == (
        "agreement_pending",
        "completed",
        "The time window ended on 1 February 2027",
    )


def test_the_job_completes_a_partnership_whose_sessions_are_all_held(active, mentor):
    for day in (11, 18, 25):
        hold(active, mentor, moment(1, day, 18))
    add_meeting(active, moment(2, 1, 18), state=MeetingState.HELD)  # recorded by another route

    assert workflow.complete_finished_partnerships(now=moment(2, 2)) == 1
    active.refresh_from_db()
    assert active.state == PartnershipState.COMPLETED
    assert history(active)[-1][2] == "End feedback asked for"


def completion_queries(mentor, how_many: int) -> int:
    """Queries the job makes to complete how_many partnerships, each with a note and a
    meeting still to come."""
    for _ in range(how_many):
        partnership = make_partnership(
            MenteeFactory(), mentor, window_ends_on=datetime.date(2027, 2, 1)
        )
        MentorNote.objects.create(partnership=partnership, ciphertext=b"x")
        add_meeting(partnership, moment(3, 1, 18))
    with CaptureQueriesContext(connection) as queries:
        assert workflow.complete_finished_partnerships(now=moment(2, 2)) == how_many
    return len(queries)


def test_completion_is_a_fixed_number_of_queries_however_many_partnerships(mentor):
    SchemeSettings.load()  # the first load creates the row: not part of the job's cost
    scheme_name()  # nor is reading the scheme's name for emails, once a minute
    few = completion_queries(mentor, 2)
    # 25 partnerships owe 50 emails of each kind: one INSERT each, within SQLite's
    # limit of parameters in one statement (beyond it Django splits the INSERT).
    many = completion_queries(mentor, 25)

    assert few == many <= 25
    assert not MentorNote.objects.exists()
    assert not Meeting.objects.filter(state=MeetingState.PLANNED).exists()


# --- Pages ------------------------------------------------------------------------------


def test_partnership_page_ladder(client, active, mentee, mentor, other_mentee, other_mentor):
    url = reverse("requests:partnership", args=[active.pk])

    assert client.get(url)["Location"].startswith(reverse("account_login"))
    for outsider in (other_mentee, other_mentor):
        client.force_login(outsider)
        assert client.get(url).status_code == 404
    for person in (mentee, mentor):
        with at(1, 10):  # logged in at that time: a session idles out after an hour
            client.force_login(person)
            response = client.get(url)
        assert response.status_code == 200
        assert b"0 of 4 sessions used, until 4 July 2027" in response.content


def test_scheme_admins_do_not_see_partnership_pages(client, active, scheme_admin):
    client.force_login(scheme_admin)

    assert client.get(reverse("requests:partnership", args=[active.pk])).status_code == 404
    assert client.get(reverse("requests:plan_meeting", args=[active.pk])).status_code == 404


def test_the_page_shows_each_side_the_others_contact_details(client, active, mentee, mentor):
    profile = mentor.mentor_profile
    profile.contact_phone = "07700 900789"
    profile.save()
    url = reverse("requests:partnership", args=[active.pk])

    client.force_login(mentee)
    assert b"07700 900789" in client.get(url).content
    client.force_login(mentor)
    assert mentee.email.encode() in client.get(url).content


def test_agreement_page_shows_the_scheme_text_and_confirms(client, pending, mentee, mentor):
    url = reverse("requests:partnership_agreement", args=[pending.pk])
    client.force_login(mentee)

    page = client.get(url)
    assert page.status_code == 200
    assert agreement_text.TITLE.encode() in page.content
    assert b"safety" in page.content

    response = client.post(
        url,
        {
            "usual_length_minutes": "45",
            "frequency": "Every 3 weeks",
            "usual_mode": "phone",
            "contact_boundaries": "Text first",
            "confirm": "on",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("requests:partnership", args=[pending.pk])
    pending.refresh_from_db()
    assert pending.mentee_confirmed_at is not None
    assert pending.usual_length_minutes == 45
    again = client.get(url).content
    assert b'name="confirm"' not in again  # nothing more to do
    assert b"You confirmed this agreement on" in again


def test_the_agreement_wording_is_the_admins_once_edited(client, pending, mentee):
    SchemeText.objects.update_or_create(
        slug="agreement",
        defaults={"title": "Our promises", "body": "## Confidential\n\n- **Always** kind"},
    )
    client.force_login(mentee)

    page = client.get(reverse("requests:partnership_agreement", args=[pending.pk]))

    assert b"Our promises" in page.content
    assert b"<strong>Always</strong> kind" in page.content
    assert agreement_text.TITLE.encode() not in page.content


def test_confirming_without_the_box_shows_the_error_summary(client, pending, mentee):
    client.force_login(mentee)

    response = client.post(reverse("requests:partnership_agreement", args=[pending.pk]), {})

    assert response.status_code == 200
    assert b"<title>Error:" in response.content
    assert b"Tick the box to confirm the agreement" in response.content
    pending.refresh_from_db()
    assert pending.mentee_confirmed_at is None


def test_outsiders_get_404_on_every_partnership_page_and_change_nothing(
    client, active, other_mentee
):
    client.force_login(other_mentee)
    for name in (
        "partnership_agreement",
        "partnership_arrangements",
        "partnership_extension",
        "partnership_end",
        "partnership_notes",
    ):
        url = reverse(f"requests:{name}", args=[active.pk])
        assert client.get(url).status_code == 404, name
        assert client.post(url, {"reason": "other", "confirm": "on"}).status_code == 404, name
    active.refresh_from_db()
    assert active.state == PartnershipState.ACTIVE


def test_ending_through_the_page(client, active, mentee):
    client.force_login(mentee)
    url = reverse("requests:partnership_end", args=[active.pk])

    assert client.post(url, {}).status_code == 200  # no reason: the form again
    response = client.post(url, {"reason": "circumstances", "note": "Moving abroad"})

    assert response.status_code == 302
    active.refresh_from_db()
    assert active.state == PartnershipState.ENDED_EARLY
    assert active.end_reason == "circumstances"
    page = client.get(response["Location"])
    assert b"choose another mentor" in page.content
    assert b"Moving abroad" not in page.content
    again = client.post(url, {"reason": "other"})
    assert b"already ended" in again.content


def test_the_other_side_never_sees_the_end_note(client, active, mentee, mentor):
    workflow.end_partnership_early(
        partnership_id=active.pk, user=mentee, reason="other", note="Private to the team"
    )
    client.force_login(mentor)

    for name in ("partnership", "partnership_end"):
        page = client.get(reverse(f"requests:{name}", args=[active.pk]))
        assert b"Private to the team" not in page.content


def test_asking_for_more_sessions_through_the_page(client, active, mentee, mentor):
    for day in (11, 18, 25):
        hold(active, mentor, moment(1, day, 18))
    url = reverse("requests:partnership_extension", args=[active.pk])
    with at(1, 26):
        client.force_login(mentee)
        detail = client.get(reverse("requests:partnership", args=[active.pk]))
    assert b"Ask for more sessions" in detail.content

    response = client.post(url, {"reason": "It has really helped"})

    assert response.status_code == 302
    assert ExtensionRequest.objects.get(partnership=active).reason == "It has really helped"
    assert b"The scheme team will email you both" in client.get(url).content


def test_arrangements_page_saves_changes(client, active, mentor):
    client.force_login(mentor)
    url = reverse("requests:partnership_arrangements", args=[active.pk])

    assert client.get(url).status_code == 200
    response = client.post(
        url, {"usual_length_minutes": "90", "frequency": "Monthly", "usual_mode": "face_to_face"}
    )

    assert response.status_code == 302
    active.refresh_from_db()
    assert (active.usual_length_minutes, active.usual_mode) == (90, "face_to_face")


def test_partnership_page_query_count_does_not_grow_with_meetings(
    client, active, mentee, mentor, django_assert_max_num_queries
):
    for day in (11, 18, 25):
        hold(active, mentor, moment(1, day, 18))
    add_meeting(active, moment(2, 8, 18), state=MeetingState.CANCELLED, cancelled_late=True)

    with at(2, 1):
        client.force_login(mentee)
        with django_assert_max_num_queries(14):
            response = client.get(reverse("requests:partnership", args=[active.pk]))
    assert b"3 of 4 sessions used" in response.content


# --- The dashboard -------------------------------------------------------------------------


def render_dashboard_part(user, now) -> str:
    request = RequestFactory().get("/dashboard/")
    request.user = user
    return render_to_string(
        "accounts/dashboard/_partnerships.jinja", dashboard_context(user, now=now), request
    )


def test_the_dashboard_says_what_each_side_needs_to_do_next(pending, mentee, mentor):
    html = render_dashboard_part(mentee, moment(1, 5))
    assert "Talk through and confirm your agreement" in html

    workflow.confirm_agreement(partnership_id=pending.pk, user=mentee, arrangements=arrangements())
    assert "Wait for" in render_dashboard_part(mentee, moment(1, 5))
    workflow.confirm_agreement(partnership_id=pending.pk, user=mentor, arrangements=arrangements())
    assert "Plan your next meeting" in render_dashboard_part(mentor, moment(1, 6))

    add_meeting(pending, moment(1, 11, 18))
    html = render_dashboard_part(mentor, moment(1, 10))
    assert "Monday 11 January 2027 at 18:00" in html  # the next meeting
    assert "Plan your next meeting" not in html
    html = render_dashboard_part(mentee, moment(1, 11, 20))
    assert "Say whether your meeting on 11 January took place" in html


def test_the_dashboard_lists_past_partnerships(active, mentee, mentor, other_mentor):
    workflow.end_partnership_early(partnership_id=active.pk, user=mentee, reason="no_click")
    second = make_partnership(mentee, other_mentor)

    html = render_dashboard_part(mentee, moment(1, 10))

    assert "Past partnerships" in html
    assert re.search(r"Mentored by [^<]+</a>\s*<span[^>]*> – ended early", html)
    assert f"/partnerships/{second.pk}/" in html


def test_the_dashboard_context_is_four_queries_whatever_the_past(
    mentee, mentor, other_mentor, django_assert_num_queries
):
    """Feedback due, the partnerships shown in full (none: so no meetings to read), and
    the past page's count and rows, each with its sessions held. The scheme's settings
    (who offers the next mentor) come from the cache."""
    for profile_user in (mentor, other_mentor):
        partnership = make_partnership(mentee, profile_user)
        add_meeting(partnership, moment(1, 11, 18), state=MeetingState.HELD)
        workflow.end_partnership_early(partnership_id=partnership.pk, user=mentee, reason="other")
    SchemeSettings.cached()

    with django_assert_num_queries(4):
        overview = dashboard_context(mentee, now=moment(2, 1))["partnerships_overview"]
        assert [s.held for s in overview["past"]] == [1, 1]


def test_past_partnerships_are_listed_a_page_at_a_time(client, mentor):
    """20 a page, newest first; one whose feedback is still due stays on every page."""
    profile = mentor.mentor_profile
    start = timezone.now() - datetime.timedelta(days=400)
    ended = [
        PartnershipFactory(
            request__mentor=profile,
            state=PartnershipState.COMPLETED,
            started_at=start + datetime.timedelta(days=n),
        )
        for n in range(25)
    ]
    oldest = ended[0]
    Feedback.objects.create(
        partnership=oldest, respondent=mentor, respondent_role="mentor", stage=FeedbackStage.END
    )
    client.force_login(mentor)

    def listed(query: str) -> list[int]:
        html = client.get(reverse("dashboard") + query).content.decode()
        return [int(pk) for pk in re.findall(r'href="/partnerships/(\d+)/"', html)]

    first, second = listed(""), listed("?past=2")
    newest_first = [p.pk for p in reversed(ended[1:])]
    assert first == [oldest.pk, *newest_first[:20]]
    assert second == [oldest.pk, *newest_first[20:]]
    html = client.get(reverse("dashboard")).content.decode()
    assert "Give your end feedback" in html
    assert 'href="?past=2"' in html


def test_a_mentor_with_two_mentees_sees_both(mentee, other_mentee, mentor):
    make_partnership(mentee, mentor)
    make_partnership(other_mentee, mentor, active=False)

    overview = dashboard_context(mentor, now=moment(1, 5))["partnerships_overview"]

    assert sorted(s.other_name for s in overview["current"]) == sorted(
        [mentee.get_full_name(), other_mentee.get_full_name()]
    )


# --- Admin -------------------------------------------------------------------------------


def test_admin_shows_dates_counts_and_states_but_nothing_said(
    client, settings, active, mentee, mentor, scheme_admin
):
    settings.ADMIN_REQUIRE_MFA = False
    from requests_app import notes

    for day in (11, 18):
        hold(active, mentor, moment(1, day, 18))
    cancelled = add_meeting(active, moment(1, 25, 18))
    workflow.cancel_meeting(
        meeting_id=cancelled.pk, user=mentee, reason="My child is unwell", now=moment(1, 25, 12)
    )
    workflow.change_arrangements(
        partnership_id=active.pk,
        user=mentee,
        arrangements=arrangements(contact_boundaries="Never after 8pm please"),
    )
    note = workflow.add_note(
        partnership_id=active.pk, mentor_user=mentor, text="Worried about rota"
    )
    ciphertext = bytes(note.ciphertext).decode()
    data_key = notes.unwrap(active.notes_key.wrapped_key)
    assert notes.decrypt(note.ciphertext, data_key) == "Worried about rota"
    client.force_login(scheme_admin)

    pages = [
        reverse("admin:requests_app_partnership_changelist"),
        reverse("admin:requests_app_partnership_change", args=[active.pk]),
        reverse("admin:requests_app_meeting_changelist"),
        reverse("admin:requests_app_meeting_change", args=[cancelled.pk]),
    ]
    html = ""
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        html += response.content.decode()

    assert "2 held, 0 planned of 4; 1 cancelled (1 late)" in html
    assert "4 Jul 2027" in html  # the window's end
    assert "Active" in html
    for secret in ("Worried about rota", ciphertext, "My child is unwell", "Never after 8pm"):
        assert secret not in html
    assert client.get("/admin/requests_app/mentornote/").status_code == 404


def test_mentor_notes_are_not_registered_in_admin():
    from django.contrib import admin

    assert MentorNote not in admin.site._registry
    assert MentoringRequest in admin.site._registry  # the registry is the real one
