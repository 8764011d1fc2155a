"""The only way a view loads a request: scoped to the person asking, 404 otherwise."""

from django.db.models import Q
from django.shortcuts import get_object_or_404

from requests_app.models import Feedback, Meeting, MentoringRequest, MentorNote, Partnership


def get_request_for_mentee(user, pk: int) -> MentoringRequest:
    return get_object_or_404(
        MentoringRequest.objects.select_related("mentor__grade", "mentor__school", "mentor__trust"),
        pk=pk,
        mentee=user,
    )


def get_request_for_mentor(user, pk: int) -> MentoringRequest:
    return get_object_or_404(
        MentoringRequest.objects.select_related(
            "mentor",
            "mentee__mentee_profile__grade",
            "mentee__mentee_profile__school",
            "mentee__mentee_profile__trust",
        ),
        pk=pk,
        mentor__user=user,
    )


# --- Partnerships and what belongs to them ------------------------------------------
# A partnership's two people: the mentee, and the mentor through their bio's login.


def _party(user, prefix: str = "") -> Q:
    return Q(**{f"{prefix}mentee": user}) | Q(**{f"{prefix}mentor__user": user})


def get_partnership_for_user(user, pk: int) -> Partnership:
    return get_object_or_404(
        Partnership.objects.filter(_party(user)).select_related(
            "mentee", "mentor__user", "mentor__grade", "mentor__school", "mentor__trust"
        ),
        pk=pk,
    )


def get_meeting_for_user(user, pk: int) -> Meeting:
    return get_object_or_404(
        Meeting.objects.filter(_party(user, "partnership__")).select_related(
            "partnership__mentee", "partnership__mentor__user"
        ),
        pk=pk,
    )


def get_meeting_for_mentee(user, pk: int) -> Meeting:
    """A meeting of the user's own mentoring as the mentee (who writes its agenda)."""
    return get_object_or_404(
        Meeting.objects.select_related("partnership__mentee", "partnership__mentor__user"),
        pk=pk,
        partnership__mentee=user,
    )


def get_note_for_mentor(user, pk: int) -> MentorNote:
    """A private note: its mentor only; the mentee is not a party to the notes."""
    return get_object_or_404(
        MentorNote.objects.select_related("partnership"), pk=pk, partnership__mentor__user=user
    )


def get_feedback_for_respondent(user, pk: int) -> Feedback:
    """A survey: only the person asked; never the other side of the partnership."""
    return get_object_or_404(
        Feedback.objects.select_related("partnership__mentee", "partnership__mentor__user"),
        pk=pk,
        respondent=user,
    )
