"""Rules the database itself enforces, whatever the code above it does.

Each rule is shown both ways: the allowed case is saved, the forbidden one is refused.
The refused statement runs in its own savepoint (transaction.atomic) so the test's
transaction stays usable afterwards.
"""

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import TrainingStatus, User
from requests_app.models import (
    Feedback,
    Meeting,
    MeetingState,
    MentoringRequest,
    Partnership,
    PartnershipState,
    RequestState,
    Transition,
)
from scheme.models import SchemeSettings
from tests.factories import (
    MeetingFactory,
    MenteeProfileFactory,
    MentoringRequestFactory,
    MentorProfileFactory,
    PartnershipFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


# --- Requests and partnerships -------------------------------------------------


def test_a_mentee_may_have_only_one_pending_request():
    first = MentoringRequestFactory(state=RequestState.PENDING)
    other_mentor = MentorProfileFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        MentoringRequestFactory(
            mentee=first.mentee, mentor=other_mentor, state=RequestState.PENDING
        )

    assert MentoringRequest.objects.filter(mentee=first.mentee).count() == 1


def test_a_mentee_may_have_a_pending_request_beside_answered_ones():
    accepted = MentoringRequestFactory(state=RequestState.ACCEPTED, answered_at=timezone.now())

    MentoringRequestFactory(
        mentee=accepted.mentee, mentor=MentorProfileFactory(), state=RequestState.PENDING
    )

    assert MentoringRequest.objects.filter(mentee=accepted.mentee).count() == 2


def test_different_mentees_may_each_have_a_pending_request():
    MentoringRequestFactory(state=RequestState.PENDING)
    MentoringRequestFactory(state=RequestState.PENDING)

    assert MentoringRequest.objects.pending().count() == 2


def test_a_mentee_may_have_only_one_open_partnership():
    first = PartnershipFactory(state=PartnershipState.ACTIVE)
    second_request = MentoringRequestFactory(
        mentee=first.mentee, state=RequestState.ACCEPTED, answered_at=timezone.now()
    )

    with pytest.raises(IntegrityError), transaction.atomic():
        PartnershipFactory(
            request=second_request,
            mentee=first.mentee,
            mentor=second_request.mentor,
            state=PartnershipState.AGREEMENT_PENDING,
        )

    assert Partnership.objects.filter(mentee=first.mentee).count() == 1


def test_a_mentee_may_start_a_new_partnership_once_the_last_has_ended():
    first = PartnershipFactory(state=PartnershipState.COMPLETED, ended_at=timezone.now())
    second_request = MentoringRequestFactory(
        mentee=first.mentee, state=RequestState.ACCEPTED, answered_at=timezone.now()
    )

    PartnershipFactory(
        request=second_request,
        mentee=first.mentee,
        mentor=second_request.mentor,
        state=PartnershipState.ACTIVE,
    )

    assert Partnership.objects.filter(mentee=first.mentee).count() == 2


# --- Mentees and mentors ---------------------------------------------------------


def test_a_mentee_planning_to_go_out_needs_the_absence_form_date():
    with pytest.raises(IntegrityError), transaction.atomic():
        MenteeProfileFactory(
            training_status=TrainingStatus.PLANNING, absence_form_completed_on=None
        )

    profile = MenteeProfileFactory(
        training_status=TrainingStatus.PLANNING,
        absence_form_completed_on=datetime.date(2025, 1, 6),
    )
    assert profile.pk is not None


def test_a_mentee_already_out_of_training_needs_no_absence_form_date():
    profile = MenteeProfileFactory(
        training_status=TrainingStatus.OUT_OF_TRAINING, absence_form_completed_on=None
    )

    assert profile.pk is not None


def test_user_email_is_unique_whatever_its_case():
    User.objects.create(email="Foo@example.nhs.uk")

    with pytest.raises(IntegrityError), transaction.atomic():
        # Saved directly, past the manager that lowers the case.
        User.objects.create(email="foo@example.nhs.uk")

    User.objects.create(email="foo.bar@example.nhs.uk")
    assert User.objects.filter(email__iexact="foo@example.nhs.uk").count() == 1


def test_user_factory_makes_distinct_users():
    assert UserFactory().email.lower() != UserFactory().email.lower()


def test_mentor_email_is_unique_whatever_its_case():
    MentorProfileFactory(email="Mentor@example.nhs.uk")

    with pytest.raises(IntegrityError), transaction.atomic():
        MentorProfileFactory(email="mentor@example.nhs.uk")

    assert MentorProfileFactory(email="another.mentor@example.nhs.uk").pk is not None


# --- Feedback, history, settings, meetings ---------------------------------------


@pytest.mark.parametrize("field", ["rating_overall", "rating_felt_heard", "rating_would_recommend"])
@pytest.mark.parametrize("rating", [0, 6])
def test_feedback_ratings_outside_one_to_five_are_refused(field, rating):
    partnership = PartnershipFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        Feedback.objects.create(
            partnership=partnership, respondent_role="mentee", stage="midpoint", **{field: rating}
        )


@pytest.mark.parametrize("rating", [1, 5, None])
def test_feedback_ratings_from_one_to_five_or_none_are_kept(rating):
    partnership = PartnershipFactory()

    feedback = Feedback.objects.create(
        partnership=partnership,
        respondent_role="mentee",
        stage="midpoint",
        rating_overall=rating,
        rating_felt_heard=rating,
        rating_would_recommend=rating,
    )

    assert feedback.pk is not None


def test_a_transition_belongs_to_exactly_one_subject():
    partnership = PartnershipFactory()
    request = partnership.request

    with pytest.raises(IntegrityError), transaction.atomic():
        Transition.objects.create(to_state="pending")
    with pytest.raises(IntegrityError), transaction.atomic():
        Transition.objects.create(request=request, partnership=partnership, to_state="active")

    Transition.objects.create(request=request, to_state="accepted")
    Transition.objects.create(partnership=partnership, to_state="active")
    assert Transition.objects.count() == 2


def test_a_transition_may_belong_to_a_meeting_alone():
    meeting = MeetingFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        Transition.objects.create(meeting=meeting, partnership=meeting.partnership, to_state="held")

    assert Transition.objects.create(meeting=meeting, to_state="held").pk is not None


def test_scheme_settings_has_a_single_row_with_the_supportt_defaults():
    scheme = SchemeSettings.load()

    assert scheme.pk == 1
    assert scheme.response_working_days == 5
    assert scheme.sessions_per_partnership == 4
    assert scheme.partnership_months == 6
    assert scheme.cancellation_notice_hours == 24
    assert scheme.default_mentor_capacity == 2
    assert SchemeSettings.load().pk == scheme.pk
    assert SchemeSettings.objects.count() == 1


def test_a_second_scheme_settings_row_is_refused():
    SchemeSettings.load()

    with pytest.raises(IntegrityError), transaction.atomic():
        SchemeSettings.objects.create(pk=2)

    assert SchemeSettings.objects.count() == 1


def test_a_cancelled_meeting_needs_the_time_it_was_cancelled():
    meeting = MeetingFactory(state=MeetingState.PLANNED)

    with pytest.raises(IntegrityError), transaction.atomic():
        Meeting.objects.filter(pk=meeting.pk).update(state=MeetingState.CANCELLED)

    Meeting.objects.filter(pk=meeting.pk).update(
        state=MeetingState.CANCELLED, cancelled_at=timezone.now()
    )
    meeting.refresh_from_db()
    assert meeting.state == MeetingState.CANCELLED
