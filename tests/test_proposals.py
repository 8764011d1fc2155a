"""Matching by the scheme team: applications, proposals with two answers, and their jobs."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from requests_app import tasks, workflow
from requests_app.availability import places_taken
from requests_app.models import (
    ApplicationState,
    MatchApplication,
    MentoringRequest,
    Partnership,
    PartnershipState,
    RequestState,
    Transition,
)
from scheme.models import MatchingMode, SchemeSettings

LONDON = ZoneInfo("Europe/London")
MONDAY_9AM = datetime.datetime(2026, 11, 23, 9, 0, tzinfo=LONDON)
pytestmark = pytest.mark.django_db

WISHES = workflow.Wishes(
    aims="To plan my move into health protection",
    help_areas="Interview practice and confidence",
    preferred_mode="video",
    availability="Tuesday afternoons",
    mentor_wishes="Someone who has changed field",
    avoid="My line manager's team",
)


def set_mode(mode: str) -> None:
    scheme = SchemeSettings.load()
    scheme.matching_mode = mode
    scheme.save()


@pytest.fixture
def proposing(db):
    set_mode(MatchingMode.ADMIN_PROPOSES)


@pytest.fixture
def application(proposing, mentee, committed):
    with time_machine.travel(MONDAY_9AM, tick=False), committed():
        made = workflow.apply_to_be_matched(mentee=mentee, wishes=WISHES)
    mail.outbox.clear()
    return made


@pytest.fixture
def proposal(application, mentor, scheme_admin, committed):
    with time_machine.travel(MONDAY_9AM + datetime.timedelta(hours=1), tick=False), committed():
        made = workflow.propose_match(
            application_id=application.pk,
            mentor_id=mentor.mentor_profile.pk,
            admin_user=scheme_admin,
        )
    mail.outbox.clear()
    return made


def at(year, month, day, hour=9, minute=0, second=0):
    return time_machine.travel(
        datetime.datetime(year, month, day, hour, minute, second, tzinfo=LONDON), tick=False
    )


def to(address: str) -> list:
    return [m for m in mail.outbox if m.to == [address]]


# --- Applying ---------------------------------------------------------------------------


def test_mentees_cannot_apply_where_they_choose_their_mentor(mentee):
    with pytest.raises(workflow.WorkflowError, match="choose a mentor from the register"):
        workflow.apply_to_be_matched(mentee=mentee, wishes=WISHES)

    assert not MatchApplication.objects.exists()


@pytest.mark.parametrize("mode", [MatchingMode.ADMIN_PROPOSES, MatchingMode.BOTH])
def test_a_mentee_applies_once_and_the_scheme_team_is_told(mode, mentee, committed):
    set_mode(mode)
    with committed():
        application = workflow.apply_to_be_matched(mentee=mentee, wishes=WISHES)

    assert application.state == ApplicationState.WAITING
    assert application.aims == WISHES.aims
    (team,) = to(SchemeSettings.load().inbox_email)
    assert f"/admin/requests_app/matchapplication/{application.pk}/change/" in team.body
    assert Transition.objects.get(application=application).to_state == "waiting"
    with pytest.raises(workflow.WorkflowError, match="applied already"):
        workflow.apply_to_be_matched(mentee=mentee, wishes=WISHES)


def test_an_application_needs_its_aims(proposing, mentee):
    with pytest.raises(workflow.WorkflowError, match="what you would like"):
        workflow.apply_to_be_matched(mentee=mentee, wishes=workflow.Wishes(aims="  "))


def test_the_application_can_change_until_matched_and_be_withdrawn(application, mentee):
    changed = workflow.change_application(
        application_id=application.pk,
        mentee=mentee,
        wishes=workflow.Wishes(aims="Leadership in a new role", preferred_mode="phone"),
    )
    assert (changed.aims, changed.preferred_mode) == ("Leadership in a new role", "phone")

    workflow.withdraw_application(application_id=application.pk, mentee=mentee)

    application.refresh_from_db()
    assert application.state == ApplicationState.WITHDRAWN
    with pytest.raises(workflow.WorkflowError, match="withdrew"):
        workflow.change_application(application_id=application.pk, mentee=mentee, wishes=WISHES)


def test_someone_else_cannot_change_an_application(application, other_mentee):
    with pytest.raises(workflow.WorkflowError, match="does not exist"):
        workflow.withdraw_application(application_id=application.pk, mentee=other_mentee)


# --- Proposing ----------------------------------------------------------------------------


def test_a_proposal_is_sent_to_both_with_what_the_other_shared(
    application, mentor, mentee, scheme_admin, committed
):
    with committed():
        proposal = workflow.propose_match(
            application_id=application.pk,
            mentor_id=mentor.mentor_profile.pk,
            admin_user=scheme_admin,
        )

    assert proposal.state == RequestState.PENDING
    assert proposal.application_id == application.pk
    assert proposal.proposed_by == scheme_admin
    application.refresh_from_db()
    assert application.state == ApplicationState.PROPOSED
    (to_mentor,) = to(mentor.email)
    (to_mentee,) = to(mentee.email)
    assert WISHES.aims in to_mentor.body
    assert WISHES.help_areas in to_mentor.body
    assert WISHES.avoid not in to_mentor.body  # for the scheme team only
    assert mentor.mentor_profile.full_name in to_mentee.subject
    assert f"/proposals/{proposal.pk}/" in to_mentee.body
    assert [t.reason for t in Transition.objects.filter(request=proposal)] == [
        "Proposed by the scheme team"
    ]


def test_a_proposal_holds_the_mentors_place(proposal, mentor, other_mentee, scheme_admin):
    profile = mentor.mentor_profile
    profile.capacity = 1
    profile.save()
    assert places_taken(profile) == 1
    set_mode(MatchingMode.BOTH)

    # A mentee's own request cannot be sent for the place the proposal holds...
    with pytest.raises(workflow.WorkflowError, match="no space"):
        workflow.send_request(mentee=other_mentee, mentor_id=profile.pk)
    # ...nor another proposal.
    other = workflow.apply_to_be_matched(mentee=other_mentee, wishes=WISHES)
    with pytest.raises(workflow.WorkflowError, match="no space"):
        workflow.propose_match(
            application_id=other.pk, mentor_id=profile.pk, admin_user=scheme_admin
        )


def test_a_request_sent_before_the_proposal_cannot_then_be_accepted_into_its_place(
    application, mentor, other_mentee, scheme_admin
):
    set_mode(MatchingMode.BOTH)
    profile = mentor.mentor_profile
    profile.capacity = 1
    profile.save()
    request = workflow.send_request(mentee=other_mentee, mentor_id=profile.pk)
    workflow.propose_match(
        application_id=application.pk, mentor_id=profile.pk, admin_user=scheme_admin
    )

    with pytest.raises(workflow.WorkflowError, match="at capacity"):
        workflow.accept_request(request_id=request.pk, mentor_user=mentor)


def test_only_a_waiting_application_gets_a_proposal(proposal, other_mentor, scheme_admin):
    with pytest.raises(workflow.WorkflowError, match="not waiting"):
        workflow.propose_match(
            application_id=proposal.application_id,
            mentor_id=other_mentor.mentor_profile.pk,
            admin_user=scheme_admin,
        )


def test_the_mentor_cannot_answer_a_proposal_as_if_it_were_a_request(proposal, mentor):
    with pytest.raises(workflow.WorkflowError):
        workflow.accept_request(request_id=proposal.pk, mentor_user=mentor)
    with pytest.raises(workflow.WorkflowError):
        workflow.reject_request(request_id=proposal.pk, mentor_user=mentor, reason="other")


# --- Two answers --------------------------------------------------------------------------


def test_when_both_go_ahead_the_partnership_starts(proposal, mentee, mentor, committed):
    with committed():
        workflow.answer_proposal(request_id=proposal.pk, user=mentor, go_ahead=True)
    assert mail.outbox == []  # nothing happens until the other side answers
    proposal.refresh_from_db()
    assert proposal.state == RequestState.PENDING
    assert proposal.mentor_agreed_at is not None

    with committed():
        workflow.answer_proposal(request_id=proposal.pk, user=mentee, go_ahead=True)

    proposal.refresh_from_db()
    assert proposal.state == RequestState.ACCEPTED
    partnership = Partnership.objects.get(request=proposal)
    assert partnership.state == PartnershipState.AGREEMENT_PENDING
    assert (partnership.mentee, partnership.mentor) == (mentee, mentor.mentor_profile)
    assert proposal.application.state == ApplicationState.MATCHED
    assert sorted(m.to[0] for m in mail.outbox) == sorted([mentee.email, mentor.email])
    assert all("agreed to go ahead" in m.subject for m in mail.outbox)
    with pytest.raises(workflow.WorkflowError, match="answered already"):
        workflow.answer_proposal(request_id=proposal.pk, user=mentor, go_ahead=False, reason="aims")


def test_saying_yes_twice_is_refused(proposal, mentee):
    workflow.answer_proposal(request_id=proposal.pk, user=mentee, go_ahead=True)
    with pytest.raises(workflow.WorkflowError, match="waiting for the other side"):
        workflow.answer_proposal(request_id=proposal.pk, user=mentee, go_ahead=True)


@pytest.mark.parametrize("who", ["mentee", "mentor"])
def test_one_not_this_time_puts_the_application_back_without_blame(
    who, proposal, mentee, mentor, scheme_admin, committed
):
    people = {"mentee": mentee, "mentor": mentor}
    other = "mentor" if who == "mentee" else "mentee"
    workflow.answer_proposal(request_id=proposal.pk, user=people[other], go_ahead=True)
    with committed():
        workflow.answer_proposal(
            request_id=proposal.pk, user=people[who], go_ahead=False, reason="know_each_other"
        )

    proposal.refresh_from_db()
    assert proposal.state == RequestState.REJECTED
    assert proposal.answered_by == people[who]
    application = MatchApplication.objects.get(pk=proposal.application_id)
    assert application.state == ApplicationState.WAITING
    reason = "We know each other or work closely together"
    for person in (mentee, mentor):
        (email,) = to(person.email)
        assert "will not go ahead" in email.subject
        assert reason not in email.body
        assert f"The {who}" not in email.body
    (team,) = to(SchemeSettings.load().inbox_email)
    assert reason in team.body
    assert f"The {who} said" in team.body
    # That mentor is not proposed to this mentee again.
    with pytest.raises(workflow.WorkflowError, match="proposed to this mentee before"):
        workflow.propose_match(
            application_id=application.pk,
            mentor_id=mentor.mentor_profile.pk,
            admin_user=scheme_admin,
        )


def test_not_this_time_needs_a_reason_from_the_list(proposal, mentee):
    with pytest.raises(workflow.WorkflowError, match="reason"):
        workflow.answer_proposal(request_id=proposal.pk, user=mentee, go_ahead=False)
    with pytest.raises(workflow.WorkflowError, match="reason"):
        workflow.answer_proposal(
            request_id=proposal.pk, user=mentee, go_ahead=False, reason="at_capacity"
        )


def test_nobody_else_can_answer_a_proposal(proposal, other_mentee, other_mentor):
    for user in (other_mentee, other_mentor):
        with pytest.raises(workflow.WorkflowError, match="does not exist"):
            workflow.answer_proposal(request_id=proposal.pk, user=user, go_ahead=True)


def test_withdrawing_the_application_closes_its_proposal(proposal, mentee, mentor, committed):
    with committed():
        workflow.withdraw_application(application_id=proposal.application_id, mentee=mentee)

    proposal.refresh_from_db()
    assert proposal.state == RequestState.WITHDRAWN
    (email,) = mail.outbox
    assert email.to == [mentor.email]
    assert "will not go ahead" in email.subject
    assert places_taken(mentor.mentor_profile) == 0


def test_the_scheme_team_cancelling_a_proposal_puts_the_application_back(
    proposal, scheme_admin, committed
):
    with committed():
        workflow.cancel_request(
            request_id=proposal.pk, admin_user=scheme_admin, reason="Mentor is unwell"
        )

    assert MatchApplication.objects.get().state == ApplicationState.WAITING


# --- Reminder and expiry ----------------------------------------------------------------


def test_each_side_that_has_not_answered_is_reminded_once(proposal, mentee, mentor, committed):
    # Proposed Monday 23 November at 10:00: due by the end of Monday 30 November.
    workflow.answer_proposal(request_id=proposal.pk, user=mentor, go_ahead=True)
    with at(2026, 11, 26, 8), committed():
        assert tasks.remind_mentors() == 1
    with at(2026, 11, 27, 8), committed():
        assert tasks.remind_mentors() == 0

    (email,) = mail.outbox
    assert email.to == [mentee.email]
    assert "Reminder" in email.subject
    assert "Monday 30 November" in email.body


def test_both_sides_are_reminded_when_neither_has_answered(proposal, mentee, mentor, committed):
    with at(2026, 11, 26, 8), committed():
        tasks.remind_mentors()

    assert sorted(m.to[0] for m in mail.outbox) == sorted([mentee.email, mentor.email])


def test_a_proposal_past_its_deadline_expires_once_and_the_application_waits_again(
    proposal, mentee, mentor, scheme_admin, committed
):
    with at(2026, 11, 30, 23, 59, 59), committed():
        assert tasks.expire_overdue_requests() == 0
    with at(2026, 12, 1, 0, 0, 1), committed():
        assert tasks.expire_overdue_requests() == 1
    with at(2026, 12, 1, 0, 15), committed():
        assert tasks.expire_overdue_requests() == 0

    proposal.refresh_from_db()
    assert proposal.state == RequestState.EXPIRED
    application = MatchApplication.objects.get()
    assert application.state == ApplicationState.WAITING
    assert list(
        Transition.objects.filter(application=application).values_list("to_state", flat=True)
    ) == ["waiting", "proposed", "waiting"]
    inbox = SchemeSettings.load().inbox_email
    assert sorted(m.to[0] for m in mail.outbox) == sorted([mentee.email, mentor.email, inbox])
    assert all("suggested match" in m.subject or "Proposal" in m.subject for m in mail.outbox)
    assert "back with the scheme team" in to(mentee.email)[0].body
    assert places_taken(mentor.mentor_profile) == 0


def test_requests_and_proposals_expiring_together_get_their_own_emails(
    proposal, other_mentee, other_mentor, committed
):
    set_mode(MatchingMode.BOTH)
    with time_machine.travel(MONDAY_9AM, tick=False):
        workflow.send_request(mentee=other_mentee, mentor_id=other_mentor.mentor_profile.pk)
    with at(2026, 12, 1, 0, 0, 1), committed():
        assert tasks.expire_overdue_requests() == 2

    (request_email,) = to(other_mentee.email)
    assert "not answered in time" in request_email.subject
    assert MentoringRequest.objects.filter(state="expired").count() == 2


# --- Pages --------------------------------------------------------------------------------


def test_a_mentee_applies_through_the_page(proposing, client, mentee, committed):
    client.force_login(mentee)
    assert "Apply to be matched" in client.get(reverse("dashboard")).content.decode()

    page = client.get(reverse("requests:apply"))
    assert page.status_code == 200
    with committed():
        response = client.post(
            reverse("requests:apply"),
            {"aims": "To lead a screening programme", "preferred_mode": "phone"},
            follow=True,
        )

    assert "your application is with the scheme team" in response.content.decode()
    assert MatchApplication.objects.get().preferred_mode == "phone"


def test_the_application_form_says_what_is_missing(proposing, client, mentee):
    client.force_login(mentee)
    response = client.post(reverse("requests:apply"), {"aims": ""})

    assert response.status_code == 200
    assert "Say what you would like from mentoring" in response.content.decode()
    assert not MatchApplication.objects.exists()


def test_the_application_page_is_closed_where_mentees_choose(client, mentee):
    client.force_login(mentee)
    response = client.get(reverse("requests:apply"))

    assert response.status_code == 404
    assert "choose your own peer mentor" in response.content.decode()


def test_both_answer_through_the_proposal_page(proposal, client, mentee, mentor, committed):
    url = reverse("requests:proposal", args=[proposal.pk])
    client.force_login(mentor)
    page = client.get(url).content.decode()
    assert WISHES.aims in page
    assert WISHES.avoid not in page
    assert mentee.email in page  # to arrange the informal conversation
    missing = client.post(url, {"answer": "not_now"})
    assert "Choose the reason that fits best" in missing.content.decode()
    client.post(url, {"answer": "go_ahead"})

    client.force_login(mentee)
    assert mentor.mentor_profile.full_name in client.get(reverse("dashboard")).content.decode()
    with committed():
        response = client.post(url, {"answer": "go_ahead"})

    partnership = Partnership.objects.get(request=proposal)
    assert response.url == reverse("requests:partnership_agreement", args=[partnership.pk])


def test_the_proposal_page_is_for_its_two_people_only(proposal, client, other_mentee, mentee):
    client.force_login(other_mentee)
    assert client.get(reverse("requests:proposal", args=[proposal.pk])).status_code == 404
    client.force_login(mentee)
    detail = client.get(reverse("requests:mentee_detail", args=[proposal.pk]))
    assert detail.url == reverse("requests:proposal", args=[proposal.pk])


def test_a_declined_proposal_page_blames_nobody(proposal, client, mentee, mentor):
    workflow.answer_proposal(request_id=proposal.pk, user=mentor, go_ahead=False, reason="times")
    client.force_login(mentee)
    page = client.get(reverse("requests:proposal", args=[proposal.pk])).content.decode()

    assert "will not go ahead" in page
    assert "availability" not in page.lower().split("will not go ahead")[1][:300]


def test_after_ending_early_the_mentee_is_sent_back_to_apply(proposing, client, mentee, mentor):
    from tests.test_partnerships import make_partnership

    partnership = make_partnership(mentee, mentor)
    client.force_login(mentee)
    end_page = client.get(reverse("requests:partnership_end", args=[partnership.pk]))
    assert "apply to be matched again straight away" in end_page.content.decode()

    response = client.post(
        reverse("requests:partnership_end", args=[partnership.pk]),
        {"reason": "circumstances", "note": ""},
        follow=True,
    )

    page = response.content.decode()
    assert "You can apply to be matched again whenever you are ready." in page
    assert "choose another mentor" not in page.lower()
    dashboard = client.get(reverse("dashboard")).content.decode()
    assert "Apply to be matched again" in dashboard
    assert "Choose another mentor" not in dashboard


def test_in_both_modes_an_accepted_own_request_takes_the_application_off_the_queue(
    mentee, mentor, committed
):
    set_mode(MatchingMode.BOTH)
    application = workflow.apply_to_be_matched(mentee=mentee, wishes=WISHES)
    request = workflow.send_request(mentee=mentee, mentor_id=mentor.mentor_profile.pk)

    workflow.accept_request(request_id=request.pk, mentor_user=mentor)

    application.refresh_from_db()
    assert application.state == ApplicationState.MATCHED
    assert list(
        Transition.objects.filter(application=application).values_list("to_state", "reason")
    ) == [("waiting", ""), ("matched", "Matched by their own request")]
    assert not MatchApplication.objects.waiting().exists()


def test_no_waiting_list_place_is_offered_while_only_the_scheme_team_matches(
    proposing, mentee, mentor, committed
):
    from requests_app.models import WaitingListEntry

    entry = WaitingListEntry.objects.create(mentee=mentee, mentor=mentor.mentor_profile)

    with committed():
        assert workflow.offer_free_places() == 0

    entry.refresh_from_db()
    assert not entry.is_offered
    assert mail.outbox == []
    set_mode(MatchingMode.BOTH)
    with committed():
        assert workflow.offer_free_places() == 1
