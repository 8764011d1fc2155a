"""Changes to mentor bios that the scheme team makes: publish, unpublish, retire.

Each function takes the bios to change (a queryset or a list of ids) and the
admin acting, changes every eligible row with one guarded UPDATE, records who
did it in the admin history, and returns how many bios changed. Bios already
in the target state are left alone and not counted.
"""

import datetime
from collections.abc import Iterable

from django.contrib.admin.models import CHANGE, LogEntry
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from register.models import MentorProfile, MentorStatus
from requests_app.workflow import places_may_have_freed

Bios = QuerySet[MentorProfile] | Iterable[int]


def _ids(bios: Bios) -> list[int]:
    if isinstance(bios, QuerySet):
        return list(bios.values_list("pk", flat=True))
    return [int(pk) for pk in bios]


def _change_status(
    *,
    bios: Bios,
    by,
    eligible: Q,
    to: MentorStatus,
    published_at: datetime.datetime | None,
    now: datetime.datetime,
    log_message: str,
) -> int:
    with transaction.atomic():
        # The status condition is checked again by the UPDATE itself, so two admins
        # acting at once cannot both count the same bio.
        rows = MentorProfile.objects.filter(eligible, pk__in=_ids(bios))
        changed = list(rows.select_for_update().values_list("pk", flat=True))
        count = (
            MentorProfile.objects.filter(eligible, pk__in=changed).update(
                status=to, published_at=published_at, updated_at=now
            )
            if changed
            else 0
        )
        if changed:
            LogEntry.objects.log_actions(
                user_id=by.pk,
                queryset=MentorProfile.objects.filter(pk__in=changed),
                action_flag=CHANGE,
                change_message=log_message,
            )
            # Published: places may be offered to their waiting list; retired: it closes.
            places_may_have_freed(changed)
    return count


def publish_bios(*, bios: Bios, by, now: datetime.datetime | None = None) -> int:
    """Put bios on the register (from draft, submitted or retired)."""
    now = now or timezone.now()
    return _change_status(
        bios=bios,
        by=by,
        eligible=~Q(status=MentorStatus.PUBLISHED),
        to=MentorStatus.PUBLISHED,
        published_at=now,
        now=now,
        log_message="Published on the register.",
    )


def unpublish_bios(*, bios: Bios, by, now: datetime.datetime | None = None) -> int:
    """Take published bios off the register, back to draft, to be published again later."""
    now = now or timezone.now()
    return _change_status(
        bios=bios,
        by=by,
        eligible=Q(status=MentorStatus.PUBLISHED),
        to=MentorStatus.DRAFT,
        published_at=None,
        now=now,
        log_message="Taken off the register (back to draft).",
    )


def retire_bios(*, bios: Bios, by, now: datetime.datetime | None = None) -> int:
    """Retire mentors who have stopped mentoring. Open partnerships carry on."""
    now = now or timezone.now()
    return _change_status(
        bios=bios,
        by=by,
        eligible=~Q(status=MentorStatus.RETIRED),
        to=MentorStatus.RETIRED,
        published_at=None,
        now=now,
        log_message="Retired.",
    )
