"""Every change of state of a request, partnership or meeting.

Views, admin actions, management commands and Celery tasks call these
functions; nothing else assigns a status.
"""

from django.db import transaction
from django.utils import timezone

from requests_app.models import MentoringRequest, RequestState, Transition


def expire_overdue_requests(*, now=None) -> int:
    """Mark every pending request past its deadline as expired, in one statement.

    Safe to run at any time and as often as wanted: a request already answered
    or expired is not pending, so it is left alone.
    """
    now = now or timezone.now()
    with transaction.atomic():
        overdue = list(
            MentoringRequest.objects.pending()
            .overdue(now)
            .select_for_update(skip_locked=True)
            .values_list("pk", flat=True)
        )
        if not overdue:
            return 0
        changed = MentoringRequest.objects.filter(
            pk__in=overdue, state=RequestState.PENDING
        ).update(state=RequestState.EXPIRED, answered_at=now, answered_by=None)
        Transition.objects.bulk_create(
            Transition(
                request_id=pk,
                from_state=RequestState.PENDING,
                to_state=RequestState.EXPIRED,
                at=now,
                reason="No answer by the deadline",
            )
            for pk in overdue
        )
    return changed
