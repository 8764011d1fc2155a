"""Waiting lists: joining a full mentor's list, places offered in turn, kept, used or lapsed."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils.html import escape

from register.models import MentorProfile, MentorStatus
from requests_app import workflow
from requests_app.availability import mentor_availability
from requests_app.models import (
    PartnershipState,
    RequestState,
    WaitingListEntry,
    WaitingOutcome,
)
from tests.factories import (
    MenteeFactory,
    MentoringRequestFactory,
    PartnershipFactory,
    SchemeAdminFactory,
)

LONDON = ZoneInfo("Europe/London")
# A Monday: five working days on is Monday 30 November, end of day.
MONDAY = datetime.datetime(2026, 11, 23, 10, 0, tzinfo=LONDON)
OFFER_DEADLINE = datetime.datetime(2026, 11, 30, 23, 59, 59, tzinfo=LONDON)
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _emails_go_after_commit(committed):
    global after_commit
    after_commit = committed


def join(mentee, profile) -> WaitingListEntry:
    return workflow.join_waiting_list(mentee=mentee, mentor_id=profile.pk)


def emails_to(user) -> list[str]:
    return [m.subject for m in mail.outbox if m.to == [user.email]]


def end_the_partnership(profile) -> None:
    partnership = profile.partnerships.get(state=PartnershipState.ACTIVE)
    with after_commit():
        workflow.end_partnership_early(
            partnership_id=partnership.pk, user=profile.user, reason="other"
        )


# --- Joining and leaving ------------------------------------------------------------


def test_mentees_join_a_full_mentors_list_in_the_order_they_came(full_mentor, mentee, other_mentee):
    first = join(mentee, full_mentor)
    second = join(other_mentee, full_mentor)

    assert workflow.position_in_line(first) == 1
    assert workflow.position_in_line(second) == 2
    assert not first.is_offered


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("has_space", "This mentor has space now: send them a request instead."),
        ("paused", "This mentor has paused taking requests. Their waiting list is closed too."),
        ("no_capacity", "not taking new mentees at the moment. Their waiting list is closed too."),
        ("retired", "This mentor is not on the register at the moment."),
        ("twice", "You are already on this mentor's waiting list."),
        ("has_a_mentor", "You already have a mentor."),
        ("unverified", "Confirm your email address before joining a waiting list"),
    ],
)
def test_joining_is_refused_with_the_reason(full_mentor, mentee, other_mentor, change, message):
    if change == "has_space":
        full_mentor.capacity = 2
    elif change == "paused":
        full_mentor.is_paused = True
    elif change == "no_capacity":
        full_mentor.capacity = 0
    elif change == "retired":
        full_mentor.status = MentorStatus.RETIRED
    elif change == "twice":
        join(mentee, full_mentor)
    elif change == "has_a_mentor":
        PartnershipFactory(
            request__mentee=mentee,
            request__mentor=other_mentor.mentor_profile,
            state=PartnershipState.ACTIVE,
        )
    elif change == "unverified":
        mentee.emailaddress_set.update(verified=False)
    full_mentor.save()

    with pytest.raises(workflow.WorkflowError, match=message):
        join(mentee, full_mentor)

    assert WaitingListEntry.objects.filter(mentee=mentee).count() == (change == "twice")


def test_a_mentee_leaves_and_the_others_move_up(full_mentor, mentee, other_mentee):
    first = join(mentee, full_mentor)
    second = join(other_mentee, full_mentor)

    workflow.leave_waiting_list(entry_id=first.pk, mentee=mentee)

    first.refresh_from_db()
    assert first.outcome == WaitingOutcome.LEFT
    assert workflow.position_in_line(second) == 1
    with pytest.raises(workflow.WorkflowError, match="no longer on this waiting list"):
        workflow.leave_waiting_list(entry_id=first.pk, mentee=mentee)
    with pytest.raises(workflow.WorkflowError, match="no longer on this waiting list"):
        workflow.leave_waiting_list(entry_id=second.pk, mentee=mentee)  # not theirs


# --- Places offered in turn -------------------------------------------------------------


def test_when_a_place_frees_the_first_in_line_is_emailed_and_the_place_is_kept(
    full_mentor, mentee, other_mentee
):
    first, second = join(mentee, full_mentor), join(other_mentee, full_mentor)
    stranger = MenteeFactory(verified=True)

    with time_machine.travel(MONDAY, tick=False):
        end_the_partnership(full_mentor)

    first.refresh_from_db()
    assert first.is_offered
    assert first.offer_expires_at == OFFER_DEADLINE
    assert emails_to(mentee) == [f"A place with {full_mentor.full_name} is free for you"]
    offer = next(m for m in mail.outbox if m.to == [mentee.email])
    assert "until the end of Monday 30 November" in offer.body
    assert reverse("mentor_profile", args=[full_mentor.pk]) in offer.body
    assert emails_to(other_mentee) == []
    # Kept: nobody else may take it, the one it is kept for may.
    assert not mentor_availability(full_mentor, for_mentee=stranger).taking_requests
    with pytest.raises(workflow.WorkflowError, match="no space"):
        workflow.send_request(mentee=stranger, mentor_id=full_mentor.pk)
    assert mentor_availability(full_mentor, for_mentee=mentee).taking_requests
    second.refresh_from_db()
    assert not second.is_offered


def test_the_request_keeps_the_place_until_the_mentor_answers(full_mentor, mentee, other_mentee):
    first, second = join(mentee, full_mentor), join(other_mentee, full_mentor)
    end_the_partnership(full_mentor)

    with after_commit():
        request = workflow.send_request(mentee=mentee, mentor_id=full_mentor.pk)
    first.refresh_from_db()
    assert (first.outcome, first.request) == (WaitingOutcome.REQUESTED, request)
    assert workflow.offer_free_places() == 0
    assert not mentor_availability(full_mentor, for_mentee=other_mentee).taking_requests

    with after_commit():
        workflow.reject_request(request_id=request.pk, mentor_user=full_mentor.user, reason="other")

    second.refresh_from_db()
    assert second.is_offered
    assert emails_to(other_mentee) == [f"A place with {full_mentor.full_name} is free for you"]


def test_an_offer_not_used_in_time_lapses_and_the_next_in_line_is_told(
    full_mentor, mentee, other_mentee
):
    first, second = join(mentee, full_mentor), join(other_mentee, full_mentor)
    with time_machine.travel(MONDAY, tick=False):
        end_the_partnership(full_mentor)

    with time_machine.travel(OFFER_DEADLINE, tick=False), after_commit():
        assert workflow.offer_free_places() == 0  # still in time, to the second
    with (
        time_machine.travel(OFFER_DEADLINE + datetime.timedelta(seconds=1), tick=False),
        after_commit(),
    ):
        assert workflow.offer_free_places() == 1

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.outcome == WaitingOutcome.LAPSED
    assert second.is_offered
    assert emails_to(mentee) == [
        f"A place with {full_mentor.full_name} is free for you",
        f"The place with {full_mentor.full_name} has gone to the next person",
    ]
    assert len(emails_to(other_mentee)) == 1


def test_the_offer_job_is_idempotent_and_catches_up(full_mentor, mentee, other_mentee):
    join(mentee, full_mentor)
    join(other_mentee, full_mentor)
    # A place freed while nothing ran: a second place on the mentor's capacity.
    full_mentor.capacity = 3
    full_mentor.save()

    with after_commit():
        assert workflow.offer_free_places() == 2
    with after_commit():
        assert workflow.offer_free_places() == 0

    assert len(mail.outbox) == 2
    assert WaitingListEntry.objects.offered().count() == 2


def test_the_scheduled_task_offers_places(full_mentor, mentee):
    from requests_app import tasks

    join(mentee, full_mentor)
    full_mentor.capacity = 2
    full_mentor.save()

    with after_commit():
        assert tasks.offer_waiting_list_places.delay().get() == 1

    assert emails_to(mentee) == [f"A place with {full_mentor.full_name} is free for you"]


def test_someone_with_a_mentor_now_is_passed_over_and_taken_off_every_list(
    full_mentor, mentee, other_mentee, other_mentor
):
    join(mentee, full_mentor)
    second = join(other_mentee, full_mentor)
    request = MentoringRequestFactory(mentee=mentee, mentor=other_mentor.mentor_profile)

    with after_commit():
        workflow.accept_request(request_id=request.pk, mentor_user=other_mentor)
    end_the_partnership(full_mentor)

    assert WaitingListEntry.objects.get(mentee=mentee).outcome == WaitingOutcome.MATCHED
    second.refresh_from_db()
    assert second.is_offered


def test_a_kept_place_goes_on_when_its_mentee_finds_another_mentor(
    full_mentor, mentee, other_mentee, other_mentor
):
    join(mentee, full_mentor)
    second = join(other_mentee, full_mentor)
    end_the_partnership(full_mentor)
    request = MentoringRequestFactory(mentee=mentee, mentor=other_mentor.mentor_profile)

    with after_commit():
        workflow.accept_request(request_id=request.pk, mentor_user=other_mentor)

    second.refresh_from_db()
    assert second.is_offered


def test_leaving_with_a_place_kept_passes_it_on(full_mentor, mentee, other_mentee):
    first, second = join(mentee, full_mentor), join(other_mentee, full_mentor)
    end_the_partnership(full_mentor)

    with after_commit():
        workflow.leave_waiting_list(entry_id=first.pk, mentee=mentee)

    second.refresh_from_db()
    assert second.is_offered


def test_no_place_is_offered_while_the_mentor_is_paused_and_one_is_when_they_resume(
    client, full_mentor, mentee
):
    join(mentee, full_mentor)
    full_mentor.is_paused = True
    full_mentor.save()
    end_the_partnership(full_mentor)
    assert WaitingListEntry.objects.offered().count() == 0

    client.force_login(full_mentor.user)
    with after_commit():
        client.post(reverse("my_bio_resume"))

    assert WaitingListEntry.objects.offered().count() == 1


def test_raising_capacity_offers_the_new_place(client, full_mentor, mentee):
    join(mentee, full_mentor)
    client.force_login(full_mentor.user)

    with after_commit():
        client.post(reverse("my_bio_capacity"), {"capacity": "2"})

    assert emails_to(mentee) == [f"A place with {full_mentor.full_name} is free for you"]


def test_a_pending_request_fills_a_free_place_before_anyone_is_told(full_mentor, mentee):
    join(mentee, full_mentor)
    MentoringRequestFactory(mentor=full_mentor, state=RequestState.PENDING)
    end_the_partnership(full_mentor)

    assert WaitingListEntry.objects.offered().count() == 0


def test_a_mentor_leaving_the_register_closes_their_list(full_mentor, mentee):
    join(mentee, full_mentor)
    full_mentor.status = MentorStatus.RETIRED
    full_mentor.save()

    with after_commit():
        workflow.offer_free_places()

    assert WaitingListEntry.objects.get(mentee=mentee).outcome == WaitingOutcome.CLOSED
    assert emails_to(mentee) == [f"{full_mentor.full_name} has left the register"]


# --- The pages --------------------------------------------------------------------------


def test_a_full_mentors_profile_offers_the_waiting_list_and_a_paused_ones_does_not(
    client, full_mentor, mentee
):
    client.force_login(mentee)
    url = reverse("mentor_profile", args=[full_mentor.pk])
    join_url = reverse("requests:waiting_list_join", args=[full_mentor.pk])

    page = client.get(url).content.decode()
    assert join_url in page
    assert "You can join the waiting list" in page
    assert reverse("requests:send", args=[full_mentor.pk]) not in page

    full_mentor.is_paused = True
    full_mentor.save()
    page = client.get(url).content.decode()
    assert join_url not in page


def test_joining_from_the_profile_shows_the_place_in_line_and_a_way_out(
    client, full_mentor, mentee, other_mentee
):
    join(other_mentee, full_mentor)
    client.force_login(mentee)

    response = client.post(
        reverse("requests:waiting_list_join", args=[full_mentor.pk]), follow=True
    )

    page = response.content.decode()
    assert "number 2 in line" in page
    entry = WaitingListEntry.objects.get(mentee=mentee)
    assert reverse("requests:waiting_list_leave", args=[entry.pk]) in page
    mine = client.get(reverse("requests:mine")).content.decode()
    assert "Number 2 in line" in mine


def test_joining_twice_from_the_page_says_why_and_changes_nothing(client, full_mentor, mentee):
    client.force_login(mentee)
    url = reverse("requests:waiting_list_join", args=[full_mentor.pk])
    client.post(url)

    response = client.post(url, follow=True)

    assert "You are already on this mentor&#39;s waiting list." in response.content.decode()
    assert WaitingListEntry.objects.filter(mentee=mentee).count() == 1


def test_leaving_from_the_requests_page_goes_back_there(client, full_mentor, mentee):
    entry = join(mentee, full_mentor)
    client.force_login(mentee)

    response = client.post(
        reverse("requests:waiting_list_leave", args=[entry.pk]), {"back": "requests"}
    )

    assert response["Location"] == reverse("requests:mine")
    entry.refresh_from_db()
    assert entry.outcome == WaitingOutcome.LEFT


def test_a_mentee_cannot_take_someone_else_off_a_list(client, full_mentor, mentee, other_mentee):
    entry = join(other_mentee, full_mentor)
    client.force_login(mentee)

    response = client.post(reverse("requests:waiting_list_leave", args=[entry.pk]))

    assert response.status_code == 404
    entry.refresh_from_db()
    assert entry.left_at is None


def test_the_offered_mentee_sees_until_when_the_place_is_kept(client, full_mentor, mentee):
    join(mentee, full_mentor)
    with time_machine.travel(MONDAY, tick=False):
        end_the_partnership(full_mentor)
    client.force_login(mentee)

    page = client.get(reverse("mentor_profile", args=[full_mentor.pk])).content.decode()

    assert "is being kept for you until <strong>Monday 30 November 2026</strong>" in page
    assert reverse("requests:send", args=[full_mentor.pk]) in page


def test_search_cards_say_a_full_mentors_list_is_open(client, full_mentor, mentee):
    client.force_login(mentee)

    page = client.get(reverse("mentor_search")).content.decode()

    assert "You can join their waiting list." in page


def test_admins_can_take_someone_off_a_list_and_the_place_goes_on(
    client, settings, full_mentor, mentee, other_mentee
):
    first, second = join(mentee, full_mentor), join(other_mentee, full_mentor)
    end_the_partnership(full_mentor)
    settings.ADMIN_REQUIRE_MFA = False
    client.force_login(SchemeAdminFactory())
    changelist = reverse("admin:requests_app_waitinglistentry_changelist")
    assert client.get(changelist).status_code == 200

    with after_commit():
        client.post(
            changelist,
            {"action": "remove_from_list", "_selected_action": [first.pk]},
        )

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.outcome == WaitingOutcome.REMOVED
    assert second.is_offered


def test_the_mentor_sees_how_many_wait_for_a_place(client, full_mentor, mentee, other_mentee):
    join(mentee, full_mentor)
    join(other_mentee, full_mentor)
    client.force_login(full_mentor.user)

    page = client.get(reverse("my_bio_capacity")).content.decode()

    assert "2 mentees are on your waiting list." in page
    assert mentee.email not in page


def test_the_dashboard_puts_a_kept_place_first(client, full_mentor, mentee):
    join(mentee, full_mentor)
    with time_machine.travel(MONDAY, tick=False):
        end_the_partnership(full_mentor)
    client.force_login(mentee)

    page = client.get(reverse("dashboard")).content.decode()

    name = escape(full_mentor.full_name)
    assert f"A place with {name} is free and kept for you until" in page
    assert reverse("requests:send", args=[full_mentor.pk]) in page


def test_retiring_a_mentor_in_admin_closes_their_list_at_once(full_mentor, mentee, scheme_admin):
    from register.services import retire_bios

    join(mentee, full_mentor)

    with after_commit():
        retire_bios(bios=[full_mentor.pk], by=scheme_admin)

    assert WaitingListEntry.objects.get(mentee=mentee).outcome == WaitingOutcome.CLOSED


@pytest.mark.parametrize("mentors", [2, 12])
def test_the_offer_job_takes_the_same_queries_for_few_mentors_or_many(
    mentors, django_assert_max_num_queries
):
    from tests.factories import MentorProfileFactory

    for _ in range(mentors):
        profile = MentorProfileFactory(capacity=1)
        PartnershipFactory(request__mentor=profile, state=PartnershipState.ACTIVE)
        for _ in range(3):
            join(MenteeFactory(verified=True), profile)
    MentorProfile.objects.update(capacity=2)  # one place more each, while nothing ran

    # The emails are written in the same transaction: one query to read the entries,
    # one INSERT for all of them, and the scheme's name for their footer (cached).
    with django_assert_max_num_queries(17):
        assert workflow.offer_free_places() == mentors
