"""Every change to a mentor bio's status, pause, capacity and framework confirmation.

Each function is guarded in the database (a conditional UPDATE, or a row lock
taken before reading), leaves a BioEvent history row per bio changed, and, when
places may have freed (a bio published, resumed or given more places), sends
register.signals.places_may_have_freed so the waiting list is offered them once
the change is committed.

The single-bio functions raise BioChangeRefused, with a message for the person
acting, when the bio is not in the state the change starts from (someone else
changed it meanwhile); the bulk ones used by the admin actions change every
eligible bio and return how many changed.
"""

import datetime
from collections.abc import Iterable

from django.contrib.admin.models import CHANGE, LogEntry
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from register import signals
from register.models import BioEvent, BioEventKind, MentorProfile, MentorStatus

Bios = QuerySet[MentorProfile] | Iterable[int]


class BioChangeRefused(Exception):
    """The bio was not in the state this change starts from; the message says why."""


def _ids(bios: Bios) -> list[int]:
    if isinstance(bios, QuerySet):
        return list(bios.values_list("pk", flat=True))
    return [int(pk) for pk in bios]


def _places_may_have_freed(ids: list[int]) -> None:
    if ids:
        signals.places_may_have_freed.send(sender=MentorProfile, mentor_ids=ids)


def _record(*, ids, kind: BioEventKind, from_values: dict, to_value: str, by, now) -> None:
    actor_id = by.pk if by is not None and by.is_authenticated else None
    BioEvent.objects.bulk_create(
        BioEvent(
            profile_id=pk,
            kind=kind,
            from_value=str(from_values.get(pk, "")),
            to_value=to_value,
            actor_id=actor_id,
            at=now,
        )
        for pk in ids
    )


# --- Status -------------------------------------------------------------------------


def _change_status(
    *,
    bios: Bios,
    by,
    eligible: Q,
    to: MentorStatus,
    now: datetime.datetime,
    log_message: str | None,
    **columns,
) -> int:
    with transaction.atomic():
        # Rows are locked before they are read, so two people acting at once
        # cannot both change (and count) the same bio.
        rows = MentorProfile.objects.filter(eligible, pk__in=_ids(bios)).select_for_update()
        before = dict(rows.values_list("pk", "status"))
        changed = sorted(before)
        if not changed:
            return 0
        MentorProfile.objects.filter(pk__in=changed).update(status=to, updated_at=now, **columns)
        _record(
            ids=changed, kind=BioEventKind.STATUS, from_values=before, to_value=to, by=by, now=now
        )
        if log_message and by is not None:
            LogEntry.objects.log_actions(
                user_id=by.pk,
                queryset=MentorProfile.objects.filter(pk__in=changed),
                action_flag=CHANGE,
                change_message=log_message,
            )
        # Published: places may be offered to their waiting list; retired: it closes.
        _places_may_have_freed(changed)
    return len(changed)


def publish_bios(*, bios: Bios, by, now: datetime.datetime | None = None) -> int:
    """Put bios on the register (from draft, submitted or retired)."""
    now = now or timezone.now()
    return _change_status(
        bios=bios,
        by=by,
        eligible=~Q(status=MentorStatus.PUBLISHED),
        to=MentorStatus.PUBLISHED,
        now=now,
        log_message="Published on the register.",
        published_at=now,
    )


def unpublish_bios(*, bios: Bios, by, now: datetime.datetime | None = None) -> int:
    """Take published bios off the register, back to draft, to be published again later."""
    now = now or timezone.now()
    return _change_status(
        bios=bios,
        by=by,
        eligible=Q(status=MentorStatus.PUBLISHED),
        to=MentorStatus.DRAFT,
        now=now,
        log_message="Taken off the register (back to draft).",
        published_at=None,
    )


def retire_bios(*, bios: Bios, by, now: datetime.datetime | None = None) -> int:
    """Retire mentors who have stopped mentoring. Open partnerships carry on."""
    now = now or timezone.now()
    return _change_status(
        bios=bios,
        by=by,
        eligible=~Q(status=MentorStatus.RETIRED),
        to=MentorStatus.RETIRED,
        now=now,
        log_message="Retired.",
        published_at=None,
    )


def submit_bio_for_review(*, bio: MentorProfile, by, now: datetime.datetime | None = None) -> bool:
    """A published bio whose mentor changed it goes back to the scheme team for review.

    Returns False (and changes nothing) when the bio is no longer published.
    """
    now = now or timezone.now()
    changed = _change_status(
        bios=[bio.pk],
        by=by,
        eligible=Q(status=MentorStatus.PUBLISHED),
        to=MentorStatus.SUBMITTED,
        now=now,
        log_message=None,
        submitted_at=now,
    )
    return changed == 1


def record_submission(*, bio: MentorProfile, by=None, now: datetime.datetime | None = None):
    """History of a bio created as submitted (the public form): call in its transaction."""
    _record(
        ids=[bio.pk],
        kind=BioEventKind.STATUS,
        from_values={},
        to_value=MentorStatus.SUBMITTED,
        by=by,
        now=now or timezone.now(),
    )


def review_bio(
    *, bio: MentorProfile, by, publish: bool, now: datetime.datetime | None = None
) -> None:
    """The scheme team's answer to a submitted bio: publish it, or send it back to draft."""
    now = now or timezone.now()
    changed = _change_status(
        bios=[bio.pk],
        by=by,
        eligible=Q(status=MentorStatus.SUBMITTED),
        to=MentorStatus.PUBLISHED if publish else MentorStatus.DRAFT,
        now=now,
        log_message="Reviewed: published." if publish else "Reviewed: back to draft.",
        published_at=now if publish else None,
    )
    if not changed:
        raise BioChangeRefused("This bio is no longer waiting for review.")


def set_status(*, bio: MentorProfile, by, expected: str, to: str, now=None) -> None:
    """Move one bio from `expected` to `to` (the admin change form); refused if it moved."""
    now = now or timezone.now()
    changed = _change_status(
        bios=[bio.pk],
        by=by,
        eligible=Q(status=expected),
        to=MentorStatus(to),
        now=now,
        log_message=None,
        published_at=now if to == MentorStatus.PUBLISHED else None,
    )
    if not changed:
        raise BioChangeRefused(
            "The bio's status was changed by someone else meanwhile, so yours was not saved."
        )


# --- Pause, capacity, framework -------------------------------------------------------


def pause_bio(*, bio: MentorProfile, by, now: datetime.datetime | None = None) -> None:
    """Stop taking requests; the bio stays readable."""
    _set_paused(bio=bio, by=by, paused=True, now=now or timezone.now())


def resume_bio(*, bio: MentorProfile, by, now: datetime.datetime | None = None) -> None:
    """Take requests again; the waiting list may be offered a place."""
    _set_paused(bio=bio, by=by, paused=False, now=now or timezone.now())


def _set_paused(*, bio: MentorProfile, by, paused: bool, now: datetime.datetime) -> None:
    with transaction.atomic():
        changed = MentorProfile.objects.filter(pk=bio.pk, is_paused=not paused).update(
            is_paused=paused, updated_at=now
        )
        if changed != 1:
            raise BioChangeRefused(
                "This mentor had already paused taking requests."
                if paused
                else "This mentor was already taking requests."
            )
        _record(
            ids=[bio.pk],
            kind=BioEventKind.PAUSED if paused else BioEventKind.RESUMED,
            from_values={bio.pk: str(not paused).lower()},
            to_value=str(paused).lower(),
            by=by,
            now=now,
        )
        if not paused:
            _places_may_have_freed([bio.pk])
    bio.is_paused = paused


def set_capacity(
    *,
    bio: MentorProfile,
    by,
    capacity: int,
    expected: int | None = None,
    now: datetime.datetime | None = None,
) -> int:
    """Set how many mentees a mentor takes at once; returns the capacity before.

    With `expected`, refused if the capacity is no longer that (changed meanwhile).
    """
    now = now or timezone.now()
    with transaction.atomic():
        before = (
            MentorProfile.objects.select_for_update()
            .values_list("capacity", flat=True)
            .get(pk=bio.pk)
        )
        if expected is not None and before != expected:
            raise BioChangeRefused(
                f"The capacity was changed to {before} by someone else meanwhile, "
                "so yours was not saved."
            )
        if before != capacity:
            MentorProfile.objects.filter(pk=bio.pk).update(capacity=capacity, updated_at=now)
            _record(
                ids=[bio.pk],
                kind=BioEventKind.CAPACITY,
                from_values={bio.pk: before},
                to_value=str(capacity),
                by=by,
                now=now,
            )
            if capacity > before:
                _places_may_have_freed([bio.pk])
    bio.capacity = capacity
    return before


def confirm_framework(*, bio: MentorProfile, by, now: datetime.datetime | None = None) -> bool:
    """The mentor has read the ethical framework; False if they had already confirmed it."""
    now = now or timezone.now()
    with transaction.atomic():
        changed = MentorProfile.objects.filter(
            pk=bio.pk, framework_confirmed_at__isnull=True
        ).update(framework_confirmed_at=now, updated_at=now)
        if changed:
            _record(
                ids=[bio.pk],
                kind=BioEventKind.FRAMEWORK,
                from_values={},
                to_value="confirmed",
                by=by,
                now=now,
            )
    return bool(changed)
