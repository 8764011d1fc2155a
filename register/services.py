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

With the scheme setting "training required before a bio is published", a bio with
no completed training recorded is never published: the single-bio functions raise
BioChangeRefused naming what is missing, and publish_bios publishes the others and
says which it refused (PublishOutcome).
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.admin.models import CHANGE, LogEntry
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from register import signals, status_emails
from register.models import (
    BioEvent,
    BioEventKind,
    MentorProfile,
    MentorStatus,
    SupervisionArrangement,
    TrainingRecord,
)
from scheme.models import SchemeSettings

Bios = QuerySet[MentorProfile] | Iterable[int]


class BioChangeRefused(Exception):
    """The bio was not in the state this change starts from; the message says why."""


NO_TRAINING = (
    "no completed training is recorded, and the scheme's settings ask for training "
    "before a bio is published"
)


@dataclass(frozen=True)
class PublishOutcome:
    """What publish_bios did: the bios published and those refused for want of
    training (names, by name). Bios already published are in neither."""

    published: list[str]
    refused: list[str]


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
    refused: list[int] | None = None,
    email_mentors: bool = True,
    **columns,
) -> list[int]:
    """Change the status of the eligible bios; returns the ids of those changed.

    Publishing, when the scheme requires training, leaves out the bios with no
    training completed by today; their ids are added to `refused`.
    """
    with transaction.atomic():
        # Rows are locked before they are read, so two people acting at once
        # cannot both change (and count) the same bio; the training services lock
        # the same row, so a record cannot go while its bio is being published.
        rows = MentorProfile.objects.filter(eligible, pk__in=_ids(bios)).select_for_update()
        before = dict(rows.values_list("pk", "status"))
        untrained: set[int] = set()
        if before and to == MentorStatus.PUBLISHED and _training_required():
            untrained = set(
                MentorProfile.objects.filter(pk__in=before)
                .untrained(on=timezone.localdate(now))
                .values_list("pk", flat=True)
            )
            if refused is not None:
                refused.extend(sorted(untrained))
        changed = sorted(set(before) - untrained)
        if not changed:
            return []
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
        if email_mentors:
            status_emails.email_mentors(ids=changed, to=to, now=now)
    return changed


def _training_required() -> bool:
    # Read in the transaction, never from the cache: a setting just ticked applies now.
    return SchemeSettings.read().training_required_to_publish


def _names(ids: list[int]) -> list[str]:
    rows = MentorProfile.objects.filter(pk__in=ids).order_by("last_name", "first_name", "pk")
    return [f"{first} {last}" for first, last in rows.values_list("first_name", "last_name")]


def _refuse_untrained(bio: MentorProfile) -> None:
    raise BioChangeRefused(f"{bio.full_name}'s bio was not published: {NO_TRAINING}.")


def publish_bios(*, bios: Bios, by, now: datetime.datetime | None = None) -> PublishOutcome:
    """Put bios on the register (from draft, submitted or retired).

    When the scheme requires training, the bios with training recorded are
    published and the others refused, each named in the outcome.
    """
    now = now or timezone.now()
    refused: list[int] = []
    published = _change_status(
        bios=bios,
        by=by,
        eligible=~Q(status=MentorStatus.PUBLISHED),
        to=MentorStatus.PUBLISHED,
        now=now,
        log_message="Published on the register.",
        refused=refused,
        published_at=now,
    )
    return PublishOutcome(published=_names(published), refused=_names(refused))


def unpublish_bios(*, bios: Bios, by, now: datetime.datetime | None = None) -> int:
    """Take published bios off the register, back to draft, to be published again later."""
    now = now or timezone.now()
    return len(
        _change_status(
            bios=bios,
            by=by,
            eligible=Q(status=MentorStatus.PUBLISHED),
            to=MentorStatus.DRAFT,
            now=now,
            log_message="Taken off the register (back to draft).",
            published_at=None,
        )
    )


def retire_bios(
    *, bios: Bios, by, now: datetime.datetime | None = None, email_mentors: bool = True
) -> int:
    """Retire mentors who have stopped mentoring. Open partnerships carry on.

    Each mentor is emailed, unless email_mentors is False: a mentor erasing their
    account is not told, at an address being erased, that their bio went with it."""
    now = now or timezone.now()
    return len(
        _change_status(
            bios=bios,
            by=by,
            eligible=~Q(status=MentorStatus.RETIRED),
            to=MentorStatus.RETIRED,
            now=now,
            log_message="Retired.",
            email_mentors=email_mentors,
            published_at=None,
        )
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
    return len(changed) == 1


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
    """The scheme team's answer to a submitted bio: publish it, or send it back to draft.

    Refused, naming what is missing, when the scheme requires training and none is recorded.
    """
    now = now or timezone.now()
    refused: list[int] = []
    changed = _change_status(
        bios=[bio.pk],
        by=by,
        eligible=Q(status=MentorStatus.SUBMITTED),
        to=MentorStatus.PUBLISHED if publish else MentorStatus.DRAFT,
        now=now,
        log_message="Reviewed: published." if publish else "Reviewed: back to draft.",
        refused=refused,
        published_at=now if publish else None,
    )
    if refused:
        _refuse_untrained(bio)
    if not changed:
        raise BioChangeRefused("This bio is no longer waiting for review.")


def set_status(*, bio: MentorProfile, by, expected: str, to: str, now=None) -> None:
    """Move one bio from `expected` to `to` (the admin change form); refused if it moved,
    or if it would be published without the training the scheme requires."""
    now = now or timezone.now()
    refused: list[int] = []
    changed = _change_status(
        bios=[bio.pk],
        by=by,
        eligible=Q(status=expected),
        to=MentorStatus(to),
        now=now,
        log_message=None,
        refused=refused,
        published_at=now if to == MentorStatus.PUBLISHED else None,
    )
    if refused:
        _refuse_untrained(bio)
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


# --- Training and supervision ---------------------------------------------------------
# Kept by the scheme team in admin. Each change locks the bio's row first, as publishing
# does, so a bio is never published on training removed at the same moment.


def _lock_bio(mentor_id: int) -> None:
    MentorProfile.objects.select_for_update().filter(pk=mentor_id).values_list("pk").first()


def _keep(
    record: TrainingRecord | SupervisionArrangement,
    *,
    kind: BioEventKind,
    day: datetime.date,
    by,
    now: datetime.datetime,
) -> None:
    """Save a training or supervision record (new, or corrected), with the bio's history."""
    with transaction.atomic():
        _lock_bio(record.mentor_id)
        record.recorded_by = by if by is not None and by.is_authenticated else None
        record.recorded_at = now
        record.save()
        _record(
            ids=[record.mentor_id],
            kind=kind,
            from_values={},
            to_value=day.isoformat(),
            by=by,
            now=now,
        )


def _remove(
    record: TrainingRecord | SupervisionArrangement,
    *,
    kind: BioEventKind,
    day: datetime.date,
    by,
    now: datetime.datetime,
) -> None:
    """Delete a training or supervision record entered by mistake, with the bio's history."""
    with transaction.atomic():
        _lock_bio(record.mentor_id)
        type(record).objects.filter(pk=record.pk).delete()
        _record(
            ids=[record.mentor_id],
            kind=kind,
            from_values={record.mentor_id: day.isoformat()},
            to_value="",
            by=by,
            now=now,
        )


def record_training(
    *, record: TrainingRecord, by, now: datetime.datetime | None = None
) -> TrainingRecord:
    """Keep a mentor's completed training (new, or corrected); history says when and who."""
    now = now or timezone.now()
    _keep(record, kind=BioEventKind.TRAINING, day=record.completed_on, by=by, now=now)
    return record


def remove_training(*, record: TrainingRecord, by, now: datetime.datetime | None = None) -> None:
    """Delete a training record entered by mistake. A published bio stays published."""
    now = now or timezone.now()
    _remove(record, kind=BioEventKind.TRAINING_REMOVED, day=record.completed_on, by=by, now=now)


def record_supervision(
    *, arrangement: SupervisionArrangement, by, now: datetime.datetime | None = None
) -> SupervisionArrangement:
    """Keep a mentor's supervision arrangement (new, or corrected)."""
    now = now or timezone.now()
    _keep(arrangement, kind=BioEventKind.SUPERVISION, day=arrangement.starts_on, by=by, now=now)
    return arrangement


def remove_supervision(
    *, arrangement: SupervisionArrangement, by, now: datetime.datetime | None = None
) -> None:
    """Delete a supervision arrangement entered by mistake (one that ended gets an end date)."""
    now = now or timezone.now()
    _remove(
        arrangement,
        kind=BioEventKind.SUPERVISION_REMOVED,
        day=arrangement.starts_on,
        by=by,
        now=now,
    )
