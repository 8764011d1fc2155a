"""Sending, answering and withdrawing requests: the rules, the pages and the emails."""

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from register.models import MentorStatus
from requests_app import workflow
from requests_app.models import (
    MentoringRequest,
    Partnership,
    PartnershipState,
    RequestState,
    Transition,
)
from tests.factories import (
    MenteeProfileFactory,
    MentoringRequestFactory,
    MentorProfileFactory,
    PartnershipFactory,
)

LONDON = ZoneInfo("Europe/London")
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _emails_go_after_commit(committed):
    global after_commit
    after_commit = committed


def send(mentee, mentor_user, **kwargs) -> MentoringRequest:
    with after_commit():
        return workflow.send_request(
            mentee=mentee, mentor_id=mentor_user.mentor_profile.pk, **kwargs
        )


# --- Sending --------------------------------------------------------------------


def test_a_request_made_on_a_saturday_evening_is_due_at_the_end_of_the_fifth_working_day(
    mentee, mentor
):
    with time_machine.travel(datetime.datetime(2026, 11, 28, 20, 0, tzinfo=LONDON), tick=False):
        request = send(mentee, mentor, message="Coming back after parental leave")

    assert request.state == RequestState.PENDING
    assert request.response_deadline == datetime.datetime(2026, 12, 4, 23, 59, 59, tzinfo=LONDON)
    assert Transition.objects.get(request=request).to_state == RequestState.PENDING
    assert [m.to for m in mail.outbox] == [[mentor.email]]
    assert "Friday 4 December" in mail.outbox[0].body


def test_the_mentor_email_links_straight_to_the_decision_page(client, mentee, mentor):
    request = send(mentee, mentor)
    link = next(line for line in mail.outbox[0].body.splitlines() if "/r/" in line)
    path = link[link.index("/r/") :].strip()

    client.force_login(mentor)
    response = client.get(path)

    assert response.status_code == 302
    assert response["Location"] == reverse("requests:decide", args=[request.pk])


def test_the_email_link_expires_and_cannot_be_tampered_with(client, mentee, mentor):
    with time_machine.travel(datetime.datetime(2026, 11, 23, 9, 0, tzinfo=LONDON), tick=False):
        send(mentee, mentor)
    link = next(line for line in mail.outbox[0].body.splitlines() if "/r/" in line)
    path = link[link.index("/r/") :].strip()

    with time_machine.travel(datetime.datetime(2026, 12, 8, 9, 0, tzinfo=LONDON), tick=False):
        client.force_login(mentor)
        assert client.get(path).status_code == 410
    assert client.get(path[:-3] + "abc/").status_code == 404


def test_the_email_link_still_needs_the_mentor_to_log_in(client, mentee, mentor):
    send(mentee, mentor)
    link = next(line for line in mail.outbox[0].body.splitlines() if "/r/" in line)
    path = link[link.index("/r/") :].strip()

    response = client.get(path)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_refused_when_the_mentee_already_has_a_pending_request(mentee, mentor, other_mentor):
    send(mentee, mentor)

    with pytest.raises(workflow.WorkflowError, match="already have a request waiting"):
        send(mentee, other_mentor)
    assert MentoringRequest.objects.count() == 1


def test_refused_when_the_mentee_already_has_a_mentor(mentee, mentor, other_mentor):
    PartnershipFactory(mentee=mentee, mentor=other_mentor.mentor_profile)

    with pytest.raises(workflow.WorkflowError, match="already have a mentor"):
        send(mentee, mentor)


def test_refused_when_the_mentor_is_full(mentee, other_mentee, mentor):
    profile = mentor.mentor_profile
    profile.capacity = 1
    profile.save()
    PartnershipFactory(mentee=other_mentee, mentor=profile)

    with pytest.raises(workflow.WorkflowError, match="no space"):
        send(mentee, mentor)


def test_refused_when_the_mentor_is_paused(mentee, mentor):
    mentor.mentor_profile.is_paused = True
    mentor.mentor_profile.save()

    with pytest.raises(workflow.WorkflowError, match="paused"):
        send(mentee, mentor)


def test_refused_when_the_mentor_is_not_published(mentee, mentor):
    mentor.mentor_profile.status = MentorStatus.RETIRED
    mentor.mentor_profile.save()

    with pytest.raises(workflow.WorkflowError, match="not on the register"):
        send(mentee, mentor)


def test_refused_when_the_user_is_not_a_mentee(mentor, other_mentor):
    with pytest.raises(workflow.WorkflowError, match="mentee account"):
        send(other_mentor, mentor)


def test_refused_when_the_email_is_not_verified(mentee, mentor):
    EmailAddress.objects.filter(user=mentee).update(verified=False)

    with pytest.raises(workflow.WorkflowError, match="Confirm your email"):
        send(mentee, mentor)


def test_a_mentor_who_is_also_a_mentee_cannot_request_themselves(mentor):
    MenteeProfileFactory(user=mentor)

    with pytest.raises(workflow.WorkflowError, match="yourself"):
        send(mentor, mentor)


def test_a_mentor_who_is_also_a_mentee_can_request_someone_else(mentor, other_mentor):
    MenteeProfileFactory(user=mentor)

    assert send(mentor, other_mentor).state == RequestState.PENDING


# --- Answering --------------------------------------------------------------------


def test_accepting_opens_a_partnership_and_tells_the_mentee(mentee, mentor):
    request = send(mentee, mentor)
    mail.outbox.clear()

    with after_commit():
        partnership = workflow.accept_request(
            request_id=request.pk, mentor_user=mentor, message="Happy to help"
        )

    request.refresh_from_db()
    assert request.state == RequestState.ACCEPTED
    assert request.answered_by == mentor
    assert partnership.state == PartnershipState.AGREEMENT_PENDING
    assert partnership.sessions_allowed == 4
    assert [m.to for m in mail.outbox] == [[mentee.email]]


def test_accepting_at_capacity_is_refused_and_leaves_the_request_pending(
    mentee, other_mentee, mentor
):
    request = send(mentee, mentor)
    profile = mentor.mentor_profile
    profile.capacity = 1
    profile.save()
    PartnershipFactory(mentee=other_mentee, mentor=profile)

    with pytest.raises(workflow.WorkflowError, match="at capacity"):
        workflow.accept_request(request_id=request.pk, mentor_user=mentor)
    request.refresh_from_db()
    assert request.state == RequestState.PENDING


def test_another_mentor_cannot_answer(mentee, mentor, other_mentor):
    request = send(mentee, mentor)

    with pytest.raises(workflow.WorkflowError):
        workflow.accept_request(request_id=request.pk, mentor_user=other_mentor)
    with pytest.raises(workflow.WorkflowError):
        workflow.reject_request(request_id=request.pk, mentor_user=other_mentor, reason="other")
    request.refresh_from_db()
    assert request.state == RequestState.PENDING


def test_an_answer_after_expiry_gets_a_clear_message_and_changes_nothing(mentee, mentor):
    request = send(mentee, mentor)
    workflow.expire_overdue_requests(now=request.response_deadline + datetime.timedelta(seconds=1))

    with pytest.raises(workflow.WorkflowError, match="passed its deadline"):
        workflow.accept_request(request_id=request.pk, mentor_user=mentor)
    assert not Partnership.objects.exists()


def test_declining_needs_a_reason_from_the_list(mentee, mentor):
    request = send(mentee, mentor)

    with pytest.raises(workflow.WorkflowError, match="reason"):
        workflow.reject_request(request_id=request.pk, mentor_user=mentor, reason="bored")

    workflow.reject_request(request_id=request.pk, mentor_user=mentor, reason="availability")
    request.refresh_from_db()
    assert request.state == RequestState.REJECTED
    assert request.decline_reason == "availability"


def test_withdrawing_frees_the_mentee_to_ask_someone_else(mentee, mentor, other_mentor):
    request = send(mentee, mentor)

    workflow.withdraw_request(request_id=request.pk, mentee=mentee)

    assert send(mentee, other_mentor).state == RequestState.PENDING
    with pytest.raises(workflow.WorkflowError, match="already been answered"):
        workflow.withdraw_request(request_id=request.pk, mentee=mentee)


def test_admin_cancel_needs_a_reason_and_emails_both(mentee, mentor, scheme_admin):
    request = send(mentee, mentor)
    mail.outbox.clear()

    with pytest.raises(workflow.WorkflowError, match="reason"):
        workflow.cancel_request(request_id=request.pk, admin_user=scheme_admin, reason=" ")
    with after_commit():
        workflow.cancel_request(request_id=request.pk, admin_user=scheme_admin, reason="Re-matched")

    request.refresh_from_db()
    assert request.state == RequestState.CANCELLED
    assert sorted(m.to[0] for m in mail.outbox) == sorted([mentee.email, mentor.email])


# --- Pages: the ladder ------------------------------------------------------------


def test_send_page_ladder(client, mentee, mentor, other_mentor):
    url = reverse("requests:send", args=[mentor.mentor_profile.pk])

    assert client.get(url).status_code == 302  # anonymous: to log in
    client.force_login(other_mentor)
    assert client.get(url).status_code == 403  # a mentor who is not a mentee
    client.force_login(mentee)
    assert client.get(url).status_code == 200

    response = client.post(url, {"message": "Hello", "preferred_mode": "video"})

    request = MentoringRequest.objects.get(mentee=mentee)
    assert response.status_code == 302
    assert response["Location"] == reverse("requests:mentee_detail", args=[request.pk])
    assert request.preferred_mode == "video"


def test_send_page_explains_a_refusal_without_a_form(client, mentee, mentor):
    mentor.mentor_profile.is_paused = True
    mentor.mentor_profile.save()
    client.force_login(mentee)

    response = client.get(reverse("requests:send", args=[mentor.mentor_profile.pk]))

    assert b"You cannot send this request" in response.content
    assert b"Send request" not in response.content


def test_a_second_request_shows_the_reason_on_the_page(client, mentee, mentor, other_mentor):
    send(mentee, mentor)
    client.force_login(mentee)

    response = client.post(reverse("requests:send", args=[other_mentor.mentor_profile.pk]), {})

    assert response.status_code == 200
    assert b"already have a request waiting" in response.content
    assert b"There is a problem" in response.content


def test_unpublished_mentor_has_no_request_page(client, mentee):
    profile = MentorProfileFactory(status=MentorStatus.DRAFT)
    client.force_login(mentee)

    assert client.get(reverse("requests:send", args=[profile.pk])).status_code == 404


def test_mentee_sees_own_request_with_its_due_date_and_not_others(client, mentee, other_mentee):
    with time_machine.travel(datetime.datetime(2026, 11, 28, 20, 0, tzinfo=LONDON), tick=False):
        mine = MentoringRequestFactory(mentee=mentee)
        mine.response_deadline = datetime.datetime(2026, 12, 4, 23, 59, 59, tzinfo=LONDON)
        mine.save()
    theirs = MentoringRequestFactory(mentee=other_mentee)
    client.force_login(mentee)

    response = client.get(reverse("requests:mentee_detail", args=[mine.pk]))

    assert b"Friday 4 December 2026" in response.content
    assert client.get(reverse("requests:mentee_detail", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("requests:withdraw", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("requests:withdraw", args=[mine.pk])).status_code == 405


def test_mentor_cannot_open_another_mentors_request(client, mentee, mentor, other_mentor):
    request = send(mentee, mentor)
    client.force_login(other_mentor)

    assert client.get(reverse("requests:decide", args=[request.pk])).status_code == 404
    assert client.post(reverse("requests:accept", args=[request.pk])).status_code == 404
    request.refresh_from_db()
    assert request.state == RequestState.PENDING


def test_mentor_dashboard_lists_waiting_requests_with_working_days_left(client, mentee, mentor):
    with time_machine.travel(datetime.datetime(2026, 11, 23, 9, 0, tzinfo=LONDON), tick=False):
        send(mentee, mentor)
        client.force_login(mentor)
        response = client.get(reverse("requests:incoming"))

    assert b"5 more working days" in response.content


def test_accept_through_the_page_shows_each_side_the_others_contact_details(client, mentee, mentor):
    request = send(mentee, mentor)
    profile = mentor.mentor_profile
    profile.contact_phone = "07700 900123"
    profile.save()
    client.force_login(mentor)

    response = client.post(reverse("requests:accept", args=[request.pk]), {"message": "Hi"})
    page = client.get(response["Location"])

    assert mentee.email.encode() in page.content
    client.force_login(mentee)
    detail = client.get(reverse("requests:mentee_detail", args=[request.pk]))
    assert b"07700 900123" in detail.content


def test_contact_details_are_hidden_while_pending(client, mentee, mentor):
    request = send(mentee, mentor)
    profile = mentor.mentor_profile
    profile.contact_phone = "07700 900123"
    profile.save()
    client.force_login(mentee)

    detail = client.get(reverse("requests:mentee_detail", args=[request.pk]))

    assert b"07700 900123" not in detail.content


def test_decline_without_a_reason_shows_the_error_summary(client, mentee, mentor):
    request = send(mentee, mentor)
    client.force_login(mentor)

    response = client.post(reverse("requests:decline", args=[request.pk]), {})

    assert response.status_code == 200
    assert b"Choose a reason for declining" in response.content
    assert response.content.count(b"nhsuk-error-summary") >= 1
    assert b"<title>Error:" in response.content


def test_send_page_query_count_does_not_grow_with_history(
    client, mentee, mentor, django_assert_max_num_queries
):
    client.force_login(mentee)
    url = reverse("requests:send", args=[mentor.mentor_profile.pk])
    with django_assert_max_num_queries(12):
        client.get(url)
