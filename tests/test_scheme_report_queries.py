"""The scheme figures page asks the database the same number of questions whatever the
size of the scheme: 10 mentors or 1,000, with their mentees, requests, partnerships,
meetings and feedback."""

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import MenteeProfile, User
from register.models import MentorProfile, MentorStatus
from requests_app.models import (
    Feedback,
    FeedbackStage,
    Meeting,
    MeetingMode,
    MeetingState,
    MentoringRequest,
    Partnership,
    PartnershipState,
    RequestState,
)
from tests.factories import GradeFactory, SchoolFactory, TrustFactory, give_two_factor

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
NOW = datetime.datetime(2026, 12, 15, 10, tzinfo=UTC)


def grow(n: int, start: int) -> None:
    """n more mentors, each with a mentee who sent a request in the quarter that was
    accepted (every other one) or declined; each accepted one a partnership with a held
    meeting and a mid-point survey answered, and a pending request from a second mentee."""
    grade, school, trust = GradeFactory(), SchoolFactory(), TrustFactory()
    users = User.objects.bulk_create(
        User(email=f"scale{start + i}.{side}@example.nhs.uk", first_name="Scale", last_name=side)
        for i in range(n)
        for side in ("mentor", "mentee", "waiting")
    )
    mentor_users, mentee_users, waiting_users = users[0::3], users[1::3], users[2::3]
    mentors = MentorProfile.objects.bulk_create(
        MentorProfile(
            user=u,
            status=MentorStatus.PUBLISHED,
            first_name="Scale",
            last_name=f"Mentor {start + i}",
            email=u.email,
            grade=grade,
            school=school,
            trust=trust,
            capacity=2,
        )
        for i, u in enumerate(mentor_users)
    )
    MenteeProfile.objects.bulk_create(
        MenteeProfile(user=u, grade=grade, school=school, trust=trust)
        for u in mentee_users + waiting_users
    )
    sent = datetime.datetime(2026, 10, 5, 9, tzinfo=UTC)
    requests = MentoringRequest.objects.bulk_create(
        MentoringRequest(
            mentee=mentee,
            mentor=mentor,
            state=RequestState.ACCEPTED if i % 2 == 0 else RequestState.REJECTED,
            created_at=sent + datetime.timedelta(days=i % 60),
            response_deadline=sent + datetime.timedelta(days=i % 60 + 7),
            answered_at=sent + datetime.timedelta(days=i % 60 + i % 5),
            decline_reason="" if i % 2 == 0 else "at_capacity",
        )
        for i, (mentee, mentor) in enumerate(zip(mentee_users, mentors, strict=True))
    )
    MentoringRequest.objects.bulk_create(
        MentoringRequest(
            mentee=mentee,
            mentor=mentor,
            created_at=NOW - datetime.timedelta(days=1),
            response_deadline=NOW + datetime.timedelta(days=6),
        )
        for mentee, mentor in zip(waiting_users, mentors, strict=True)
    )
    partnerships = Partnership.objects.bulk_create(
        Partnership(
            request=r,
            mentee_id=r.mentee_id,
            mentor_id=r.mentor_id,
            state=PartnershipState.ACTIVE,
            started_at=r.answered_at,
            window_ends_on=datetime.date(2027, 4, 1),
        )
        for r in requests
        if r.state == RequestState.ACCEPTED
    )
    Meeting.objects.bulk_create(
        Meeting(
            partnership=p,
            state=MeetingState.HELD,
            starts_at=p.started_at + datetime.timedelta(days=7),
            mode=MeetingMode.VIDEO,
        )
        for p in partnerships
    )
    Feedback.objects.bulk_create(
        Feedback(
            partnership=p,
            respondent_role="mentee",
            stage=FeedbackStage.MIDPOINT,
            requested_at=p.started_at + datetime.timedelta(days=30),
            submitted_at=p.started_at + datetime.timedelta(days=31),
            rating_overall=4,
            rating_felt_heard=5,
            rating_would_recommend=4,
            comment=f"Comment {p.pk}",
        )
        for p in partnerships
    )


def queries_of_page(client) -> int:
    """The queries of working the figures out: the page keeps them for a minute, so
    "Work the figures out again" (fresh) asks for them anew and sends the browser on."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("reports:dashboard") + "?sort=median&fresh=1")
    assert response.status_code == 303
    return len(captured)


def test_the_same_number_of_queries_at_10_and_1000_mentors(client, scheme_admin):
    with time_machine.travel(NOW, tick=False):
        give_two_factor(scheme_admin)
        client.force_login(scheme_admin)
        grow(10, 0)
        client.get(reverse("reports:dashboard"))  # settings and session cached alike
        small = queries_of_page(client)
        grow(990, 10)
        assert MentorProfile.objects.published().count() == 1000
        large = queries_of_page(client)
    assert small == large, f"{small} queries at 10 mentors, {large} at 1,000"
    assert 30 <= large <= 45  # about 37 for the figures, the rest for the session and user
