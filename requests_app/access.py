"""The only way a view loads a request: scoped to the person asking, 404 otherwise."""

from django.shortcuts import get_object_or_404

from requests_app.models import MentoringRequest


def get_request_for_mentee(user, pk: int) -> MentoringRequest:
    return get_object_or_404(
        MentoringRequest.objects.select_related("mentor__grade", "mentor__school", "mentor__trust"),
        pk=pk,
        mentee=user,
    )


def get_request_for_mentor(user, pk: int) -> MentoringRequest:
    return get_object_or_404(
        MentoringRequest.objects.select_related("mentor", "mentee", "mentee__mentee_profile"),
        pk=pk,
        mentor__user=user,
    )
