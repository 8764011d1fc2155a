"""A person's own data: download it, delete the account, and the retention job.

Erasing keeps the scheme's figures: requests, partnerships and meetings stay
as rows with their dates and states, but nothing in them points to a person
any more and every text they wrote, were shown or are named in is gone (the
one list of those texts is privacy.personal_text, which the export, erasure
and retention all read). The user row itself is kept as an empty shell (no
email, name, password or roles) because requests and partnerships must point
to some user; the shell identifies nobody. Pending requests are closed through
requests_app.workflow, so the other side is told. The admin log and the email
outbox are cleared of the person too.

DataEvent rows record who exported or erased, and when, never the data.
"""

import datetime
import functools
import io
import json
import logging
import operator
import re
import zipfile
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from dateutil.relativedelta import relativedelta
from django.apps import apps
from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ObjectDoesNotExist
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Q
from django.db.models.fields.files import FieldFile
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import DataEvent, MenteeProfile, User
from mentoring.outbox import services as outbox
from privacy import personal_text
from privacy.personal_text import ERASED_EMAIL_DOMAIN, texts_for
from register import services as bios
from register.models import MentorProfile
from requests_app import workflow
from requests_app.models import (
    AgreementRecord,
    DeclineReason,
    Feedback,
    MatchApplication,
    MenteeNudge,
    MentoringRequest,
    Partnership,
    WaitingListEntry,
)
from scheme.models import SchemeSettings
from scheme.profiles import current_profile

logger = logging.getLogger(__name__)

EXPORT_JSON_NAME = "your-data.json"

# Models that hold something about a person, and what the export does with each.
# tests/test_personal_data.py fails when a model that points to a user, a mentor
# bio, a request or a partnership is in neither list: decide, then add it.
EXPORTED_MODELS = {
    "accounts.User",
    "accounts.MenteeProfile",
    "accounts.DataEvent",
    "register.MentorProfile",
    "register.TrainingRecord",
    "register.SupervisionArrangement",
    "requests_app.MentoringRequest",
    "requests_app.Partnership",
    "requests_app.Meeting",
    "requests_app.ExtensionRequest",
    "requests_app.Feedback",
    "requests_app.WaitingListEntry",
    "requests_app.Transition",
    "requests_app.MatchApplication",
    "requests_app.AgreementRecord",
    "requests_app.MenteeNudge",
}
NOT_EXPORTED_MODELS = {
    # A mentor's private notes are encrypted and destroyed with the partnership:
    # nobody but the mentor reads them, and never outside the service.
    "requests_app.MentorNote": "private notes, encrypted, never exported",
    "requests_app.NotesKey": "the key of a partnership's private notes, itself encrypted",
    # The bio is exported; its history holds only states, numbers and dates.
    "register.BioEvent": "the history of a bio's status, pause and capacity",
    # Who downloaded the scheme's exports: for the scheme's own audit, kept by superusers.
    "reports.ExportRecord": "who downloaded which export and when; no data of the export",
}

MENTOR_LEFT_MESSAGE = (
    "Your mentor has left the scheme, so they cannot take your request. "
    "Please choose another mentor."
)


class PersonalDataError(Exception):
    """The account cannot be erased yet; the message says what to do first."""


@dataclass(frozen=True)
class RetentionResult:
    anonymised: int
    skipped: int
    texts_cleared: int


def user_label(user: User) -> str:
    """An opaque reference for DataEvent: lets admins tie events together, shows no data."""
    return f"user #{user.pk}"


def is_erased(user: User) -> bool:
    return user.email.endswith("@" + ERASED_EMAIL_DOMAIN)


def mentor_note_model():
    """MentorNote, if the app defines it (notes are never exported and are destroyed here)."""
    try:
        return apps.get_model("requests_app", "MentorNote")
    except LookupError:
        return None


# --- Export -----------------------------------------------------------------------


def _name(obj) -> str:
    return str(obj) if obj is not None else ""


def _mentor_name(profile: MentorProfile | None) -> str:
    return profile.full_name if profile is not None else ""


def _history(rows) -> list[dict]:
    return [{"from": t.from_state, "to": t.to_state, "at": t.at} for t in rows]


# Each row's texts come from privacy.personal_text (texts_for): the ones the
# person wrote or was shown, never the other side's own words (a mentor's
# download holds no mentee's message).


def _request_as_mentee(r: MentoringRequest, user: User) -> dict:
    return {
        "mentor": _mentor_name(r.mentor),
        "state": r.state,
        "preferred_mode": r.preferred_mode,
        "sent_at": r.created_at,
        "answer_due_by": r.response_deadline,
        "answered_at": r.answered_at,
        "decline_reason": r.decline_reason,
        **texts_for(r, user.pk),
        "history": _history(r.history.all()),
    }


def _request_as_mentor(r: MentoringRequest, user: User) -> dict:
    return {
        "mentee": _name(r.mentee) if not is_erased(r.mentee) else "",
        "state": r.state,
        "received_at": r.created_at,
        "answer_due_by": r.response_deadline,
        "answered_at": r.answered_at,
        "decline_reason": r.decline_reason,
        **texts_for(r, user.pk),
        "history": _history(r.history.all()),
    }


def _partnership(p: Partnership, user: User) -> dict:
    ended_by_you = p.ended_by_id == user.pk
    return {
        "mentee": _name(p.mentee) if not is_erased(p.mentee) else "",
        "mentor": _mentor_name(p.mentor),
        "state": p.state,
        "started_at": p.started_at,
        "sessions_until": p.window_ends_on,
        "sessions_allowed": p.sessions_allowed,
        "mentee_confirmed_agreement_at": p.mentee_confirmed_at,
        "mentor_confirmed_agreement_at": p.mentor_confirmed_at,
        "usual_length_minutes": p.usual_length_minutes,
        "usual_mode": p.usual_mode,
        "ended_at": p.ended_at,
        "ended_by_you": ended_by_you,
        "end_reason": p.end_reason,
        **texts_for(p, user.pk),
        "meetings": [
            {
                "starts_at": m.starts_at,
                "duration_minutes": m.duration_minutes,
                "mode": m.mode,
                "state": m.state,
                "planned_by_you": m.planned_by_id == user.pk,
                "held_at": m.held_at,
                "cancelled_at": m.cancelled_at,
                "cancelled_late": m.cancelled_late,
                **texts_for(m, user.pk),
            }
            for m in p.meetings.all()
        ],
        "extension_requests": [
            {
                "asked_at": e.created_at,
                "state": e.state,
                "decided_at": e.decided_at,
                "sessions_added": e.sessions_added,
                **texts_for(e, user.pk),
            }
            for e in p.extension_requests.all()
        ],
        "history": _history(p.history.all()),
    }


def _mentee_profile(user: User) -> dict | None:
    try:
        profile = user.mentee_profile
    except ObjectDoesNotExist:
        return None
    scheme = current_profile()
    unasked = set(scheme.hidden_mentee_fields)
    if not scheme.asks_training_status:
        unasked |= {"training_status", "absence_form_completed_on"}
    data = {
        "training_status": profile.get_training_status_display(),
        "absence_form_completed_on": profile.absence_form_completed_on,
        "grade": _name(profile.grade),
        "school": _name(profile.school),
        "trust": _name(profile.trust),
        **texts_for(profile, user.pk),
        "agreed_to_privacy_notice_at": profile.privacy_consent_at,
        "created_at": profile.created_at,
        "updated_at": profile.updated_at,
    }
    return _without_empty(data, unasked)


def _without_empty(data: dict, unasked: set[str] | frozenset[str]) -> dict:
    """Leave out the fields the scheme's profile does not ask, unless they hold something
    (written before the scheme changed profile): what we hold is always exported."""
    return {key: value for key, value in data.items() if key not in unasked or value}


MENTOR_EXPORT_SKIPS = {
    # Internal: how the service finds or invites the bio, not data about the person.
    "id",
    "user",
    "invitation_nonce",
    "search_text",
    "search_vector",
    "photo",
    "photo_thumbnail",
}


def _mentor_profile(profile: MentorProfile | None, user: User) -> dict | None:
    if profile is None:
        return None
    data = {}
    for field in profile._meta.concrete_fields:
        if field.name in MENTOR_EXPORT_SKIPS:
            continue
        value = getattr(profile, field.name)
        data[field.name] = str(value) if field.is_relation and value is not None else value
    data |= texts_for(profile, user.pk)
    data["available_days"] = profile.available_days
    data["virtual_platforms"] = [p.name for p in profile.virtual_platforms.all()]
    data["photo_files"] = [f"photos/{name}" for name, field in _photo_fields(profile) if field]
    data["training_completed"] = [
        {**texts_for(record, user.pk), "completed_on": record.completed_on}
        for record in profile.training.all()
    ]
    data["supervision"] = [
        {
            **texts_for(arrangement, user.pk),
            "how_often": arrangement.get_frequency_display(),
            "from": arrangement.starts_on,
            "until": arrangement.ends_on,
        }
        for arrangement in profile.supervision.all()
    ]
    return _without_empty(data, current_profile().hidden_bio_fields)


def _photo_fields(profile: MentorProfile) -> list[tuple[str, FieldFile]]:
    return [("photo.jpg", profile.photo), ("photo-small.jpg", profile.photo_thumbnail)]


def collect_user_data(user: User) -> dict:
    """Everything we hold about the user, as plain data (what the export's JSON holds)."""
    profile = MentorProfile.objects.filter(user=user).first()
    sent = (
        MentoringRequest.objects.filter(mentee=user)
        .select_related("mentor")
        .prefetch_related("history")
        .order_by("created_at")
    )
    received = (
        MentoringRequest.objects.filter(mentor=profile)
        .select_related("mentee")
        .prefetch_related("history")
        .order_by("created_at")
        if profile is not None
        else MentoringRequest.objects.none()
    )
    partnerships = (
        Partnership.objects.filter(Q(mentee=user) | Q(mentor__user=user))
        .select_related("mentee", "mentor")
        .prefetch_related("meetings", "extension_requests", "history")
        .order_by("started_at")
    )
    return {
        "about_this_file": (
            "Everything the peer mentoring service holds about you, as of exported_at. "
            "Mentors' private notes are never included: they are encrypted and destroyed "
            "when a partnership ends."
        ),
        "exported_at": timezone.now(),
        "account": {
            **texts_for(user, user.pk),
            "joined_at": user.date_joined,
            "last_logged_in_at": user.last_login,
            "email_addresses": [
                {"email": a.email, "verified": a.verified, "primary": a.primary}
                for a in EmailAddress.objects.filter(user=user)
            ],
            "two_factor_methods": sorted(
                {a.get_type_display() for a in Authenticator.objects.filter(user=user)}
            ),
        },
        "mentee_profile": _mentee_profile(user),
        "mentor_profile": _mentor_profile(profile, user),
        "requests_you_sent": [_request_as_mentee(r, user) for r in sent],
        "requests_you_received": [_request_as_mentor(r, user) for r in received],
        "partnerships": [_partnership(p, user) for p in partnerships],
        "feedback_you_gave": [
            {
                "stage": f.stage,
                "as": f.respondent_role,
                "asked_at": f.requested_at,
                "submitted_at": f.submitted_at,
                "overall": f.rating_overall,
                "felt_heard": f.rating_felt_heard,
                "would_recommend": f.rating_would_recommend,
                **texts_for(f, user.pk),
            }
            for f in Feedback.objects.filter(respondent=user).order_by("requested_at")
        ],
        "waiting_lists": [
            {
                "mentor": _mentor_name(w.mentor),
                "joined_at": w.joined_at,
                "offered_at": w.offered_at,
                "offer_expires_at": w.offer_expires_at,
                "left_at": w.left_at,
                "why_left": w.get_outcome_display(),
            }
            for w in WaitingListEntry.objects.filter(mentee=user).select_related("mentor")
        ],
        "applications_to_be_matched": [
            {
                "state": a.get_state_display(),
                "made_at": a.created_at,
                "changed_at": a.updated_at,
                "how_you_would_like_to_meet": a.get_preferred_mode_display(),
                "not_someone_from_your_own_organisation": a.avoid_own_workplace,
                **texts_for(a, user.pk),
            }
            for a in MatchApplication.objects.filter(mentee=user).order_by("created_at")
        ],
        "still_looking_for_a_mentor": [
            {
                "what": n.get_kind_display(),
                "sent_at": n.sent_at,
                "your_answer": n.get_answer_display(),
                "answered_at": n.answered_at,
            }
            for n in MenteeNudge.objects.filter(mentee=user)
        ],
        "agreements_you_signed": [
            {
                "recorded_at": r.recorded_at,
                "mentee_confirmed_at": r.mentee_confirmed_at,
                "mentor_confirmed_at": r.mentor_confirmed_at,
                "text_version": r.text_version,
                **texts_for(r, user.pk),
            }
            for r in AgreementRecord.objects.filter(
                Q(partnership__mentee=user) | Q(partnership__mentor__user=user)
            ).order_by("recorded_at")
        ],
        "your_data_requests": [
            {"what": e.get_kind_display(), "at": e.at}
            for e in DataEvent.objects.filter(user=user).order_by("at")
        ],
    }


def export_user_data(user: User) -> bytes:
    """A ZIP file: the JSON of collect_user_data and, for a mentor, their photo files.

    Records a DataEvent (who and when, not what).
    """
    data = collect_user_data(user)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            EXPORT_JSON_NAME,
            json.dumps(data, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False),
        )
        profile = MentorProfile.objects.filter(user=user).first()
        if profile is not None:
            for name, field in _photo_fields(profile):
                if field:
                    with field.open("rb") as photo:
                        archive.writestr(f"photos/{name}", photo.read())
    DataEvent.objects.create(user=user, user_label=user_label(user), kind=DataEvent.Kind.EXPORTED)
    logger.info("Personal data exported for %s", user_label(user))
    return buffer.getvalue()


# --- Erasure ------------------------------------------------------------------------


def erase_blockers(user: User) -> list[str]:
    """Why the account cannot be erased now (empty when it can)."""
    reasons = []
    if user.is_staff or user.is_superuser:
        reasons.append(
            "You are a member of the scheme team. Ask another admin to remove your "
            "staff access first."
        )
    if Partnership.objects.open().filter(mentor__user=user).exists():
        reasons.append(
            "You are mentoring someone at the moment. End that partnership first, so your "
            "mentee knows and can choose someone else."
        )
    if Partnership.objects.open().filter(mentee=user).exists():
        reasons.append(
            "You have a mentor at the moment. End that partnership first, so your mentor knows."
        )
    return reasons


def erase_account(user: User) -> None:
    """Delete the person from the service, keeping anonymous rows for the scheme's figures.

    Raises PersonalDataError when something must happen first (an open partnership).
    """
    _erase(user, kind=DataEvent.Kind.ERASED, now=timezone.now())


def _close_pending_requests(user: User, now: datetime.datetime) -> None:
    """Through the workflow, so the other side is told and the history is kept."""
    for pk in MentoringRequest.objects.pending().filter(mentee=user).values_list("pk", flat=True):
        workflow.withdraw_request(request_id=pk, mentee=user, now=now)
    for pk in (
        MentoringRequest.objects.pending().filter(mentor__user=user).values_list("pk", flat=True)
    ):
        workflow.reject_request(
            request_id=pk,
            mentor_user=user,
            reason=DeclineReason.OTHER,
            message=MENTOR_LEFT_MESSAGE,
            now=now,
        )


def _forget_mentee_side(user: User) -> None:
    """Requests, partnerships and meetings stay with their dates and states (their
    words went with personal_text.erase_texts); the waiting places and profile go."""
    WaitingListEntry.objects.filter(mentee=user).delete()
    MenteeProfile.objects.filter(user=user).delete()


def _forget_mentor_side(user: User) -> list[str]:
    """Empty the bio; returns the photo files to delete once the change is committed."""
    profile = MentorProfile.objects.filter(user=user).first()
    if profile is None:
        return []
    photo_names = [f.name for _, f in _photo_fields(profile) if f.name]
    notes = mentor_note_model()
    if notes is not None:
        notes.objects.filter(partnership__mentor=profile).delete()
    # The row stays (requests and partnerships point to it), with nothing personal in
    # it: its names and texts went with personal_text.erase_texts, the rest goes here.
    profile.virtual_platforms.clear()
    bios.retire_bios(bios=[profile.pk], by=None, email_mentors=False)
    if not profile.is_paused:
        bios.pause_bio(bio=profile, by=None)
    MentorProfile.objects.filter(pk=profile.pk).update(
        user=None,
        photo="",
        photo_thumbnail="",
        available_days=0,
        available_times=0,
        meets_face_to_face=False,
        meets_virtually=False,
        register_consent_at=None,
        framework_confirmed_at=None,
        invitation_nonce="",
        updated_at=timezone.now(),
    )
    return photo_names


def _empty_the_user(user: User) -> None:
    Feedback.objects.filter(respondent=user).update(respondent=None)
    EmailAddress.objects.filter(user=user).delete()
    Authenticator.objects.filter(user=user).delete()
    DataEvent.objects.filter(user=user).update(user=None)
    user.refresh_from_db()  # its email and names were emptied with the texts
    user.is_active = False
    user.is_staff = False
    user.is_superuser = False
    # A new password hash also ends every session of the account.
    user.set_unusable_password()
    user.save()
    user.groups.clear()
    user.user_permissions.clear()


@dataclass(frozen=True)
class _Identity:
    """What identifies a person being erased, read before anything is changed."""

    addresses: frozenset[str]
    full_names: frozenset[str]
    name_parts: frozenset[str]
    texts: tuple[str, ...]  # what they wrote in their own words
    account_objects: frozenset[tuple[int, str]]  # (content type, id) of their account rows

    @property
    def phrases(self) -> list[str]:
        """Strings that name them wherever they appear (longest first)."""
        return sorted(
            {p for p in self.addresses | self.full_names if len(p) >= 3}, key=len, reverse=True
        )


# Copies of what someone wrote are looked for only when long enough to be theirs:
# a short reason ("Ill") would match other people's emails.
MIN_TEXT_TO_LOOK_FOR = 12


def _identity(user: User) -> _Identity:
    addresses = {user.email}
    addresses |= set(EmailAddress.objects.filter(user=user).values_list("email", flat=True))
    full_names = {user.get_full_name()}
    parts = {user.first_name, user.last_name}
    objects = {(ContentType.objects.get_for_model(User).pk, str(user.pk))}
    for model in (MenteeProfile, MentorProfile):
        for pk in model.objects.filter(user=user).values_list("pk", flat=True):
            objects.add((ContentType.objects.get_for_model(model).pk, str(pk)))
    profile = MentorProfile.objects.filter(user=user).first()
    if profile is not None:
        addresses |= {profile.email, profile.contact_email}
        full_names.add(profile.full_name)
        parts |= {profile.first_name, profile.last_name}
    texts = {
        text.strip()
        for text in personal_text.texts_written_by(user.pk)
        if len(text.strip()) >= MIN_TEXT_TO_LOOK_FOR
    }
    return _Identity(
        addresses=frozenset(a.strip() for a in addresses if a.strip()),
        full_names=frozenset(n.strip() for n in full_names if n.strip()),
        name_parts=frozenset(p.strip() for p in parts if len(p.strip()) >= 2),
        texts=tuple(sorted(texts)),
        account_objects=frozenset(objects),
    )


ERASED_LABEL = "Erased account"


def _as_written(text: str) -> set[str]:
    """The text as typed, and as Django's admin writes it inside a JSON change message."""
    return {text, json.dumps(text)[1:-1]}


def _redactor(phrases: list[str], words: frozenset[str] = frozenset()) -> re.Pattern:
    """Matches the phrases anywhere and the words whole, as written and whatever the case."""
    variants = {v for p in phrases for v in _as_written(p)}
    whole = {v for w in words for v in _as_written(w)}
    alternatives = [re.escape(v) for v in sorted(variants, key=len, reverse=True)]
    alternatives += [rf"\b{re.escape(w)}\b" for w in sorted(whole, key=len, reverse=True)]
    return re.compile("|".join(alternatives) or r"(?!)", re.IGNORECASE)


def _erase_from_admin_log(found: _Identity) -> int:
    """Django's admin log ("Recent actions", each object's history) forgets the person.

    Entries about their account, mentee profile or bio read "Erased account"; any
    other entry naming them (a request "to" them, a partnership) has their name
    or address replaced. Who did what and when stays.
    """
    about_them = functools.reduce(
        operator.or_,
        (Q(content_type_id=ct, object_id=pk) for ct, pk in found.account_objects),
    )
    naming = Q(pk__in=[])
    for phrase in {v for p in found.phrases for v in _as_written(p)}:
        naming |= Q(object_repr__icontains=phrase) | Q(change_message__icontains=phrase)
    anywhere = _redactor(found.phrases)
    in_their_own = _redactor(found.phrases, found.name_parts)
    entries = list(LogEntry.objects.filter(about_them | naming))
    for entry in entries:
        if (entry.content_type_id, entry.object_id) in found.account_objects:
            entry.object_repr = ERASED_LABEL
            entry.change_message = in_their_own.sub(ERASED_LABEL, entry.change_message)
        else:
            entry.object_repr = anywhere.sub(ERASED_LABEL, entry.object_repr)[:200]
            entry.change_message = anywhere.sub(ERASED_LABEL, entry.change_message)
    LogEntry.objects.bulk_update(entries, ["object_repr", "change_message"])
    return len(entries)


def _erase_from_outbox(found: _Identity, now: datetime.datetime) -> int:
    return outbox.forget(
        addresses=sorted(found.addresses),
        mentions=found.phrases + list(found.texts),
        now=now,
    )


def _erase(user: User, *, kind: str, now: datetime.datetime) -> None:
    if is_erased(user):
        return
    label = user_label(user)
    with transaction.atomic():
        # Lock the user so two erasures (the person and the job) cannot interleave.
        user = User.objects.select_for_update().get(pk=user.pk)
        if is_erased(user):
            return
        blockers = erase_blockers(user)
        if blockers:
            raise PersonalDataError(" ".join(blockers))
        found = _identity(user)
        _erase_from_admin_log(found)
        _erase_from_outbox(found, now)
        # Their words and names go before their pending requests are closed, so the
        # emails that tell the other side cannot name them.
        personal_text.erase_texts(user.pk)
        _close_pending_requests(user, now)
        # Ending each partnership shredded its notes already; any still here go with
        # their data key, so no copy of them can be read afterwards.
        workflow.shred_notes(
            Q(partnership__mentee=user) | Q(partnership__mentor__user=user), now=now
        )
        _forget_mentee_side(user)
        photo_names = _forget_mentor_side(user)
        _empty_the_user(user)
        DataEvent.objects.create(user=None, user_label=label, kind=kind, at=now)
        storage = MentorProfile._meta.get_field("photo").storage

        def delete_photos() -> None:
            for name in photo_names:
                storage.delete(name)

        transaction.on_commit(delete_photos)
    logger.info("Account %s: %s", label, DataEvent.Kind(kind).label.lower())


# --- Retention --------------------------------------------------------------------


def retention_cutoff(now: datetime.datetime) -> datetime.datetime:
    return now - relativedelta(months=SchemeSettings.load().data_retention_months)


def inactive_accounts(now: datetime.datetime):
    """Accounts not used since the cutoff (last login, or joining if never logged in).

    Staff are left alone (the scheme team's own accounts), and so are shells of
    accounts already erased.
    """
    return (
        User.objects.alias(last_seen=Coalesce("last_login", "date_joined"))
        .filter(last_seen__lt=retention_cutoff(now), is_staff=False, is_superuser=False)
        .exclude(email__endswith="@" + ERASED_EMAIL_DOMAIN)
        .order_by("pk")
    )


def clear_old_free_text(now: datetime.datetime) -> int:
    """Empty every kind of text in privacy.personal_text older than the retention
    period (each counted from its own date); set-based and idempotent. Returns how
    many fields were emptied."""
    return personal_text.clear_old_texts(retention_cutoff(now))


def anonymise_inactive_accounts(now: datetime.datetime | None = None) -> RetentionResult:
    """The retention job: anonymise inactive accounts, then clear old free text.

    Safe to run again at any time: an anonymised account is a shell the next run
    skips, and cleared text is already empty. An account with an open partnership
    is skipped and logged; the scheme team resolves it.
    Each account is erased in its own transaction, so one problem does not stop
    the others (an account holds a handful of rows, so this stays cheap).
    """
    now = now or timezone.now()
    anonymised = skipped = 0
    for user in User.objects.filter(
        pk__in=list(inactive_accounts(now).values_list("pk", flat=True))
    ):
        try:
            _erase(user, kind=DataEvent.Kind.ANONYMISED, now=now)
        except PersonalDataError:
            skipped += 1
            logger.warning("Retention: %s not anonymised: open partnership", user_label(user))
        else:
            anonymised += 1
    texts = clear_old_free_text(now)
    logger.info(
        "Retention: %d account(s) anonymised, %d skipped, %d record(s) of free text cleared",
        anonymised,
        skipped,
        texts,
    )
    return RetentionResult(anonymised=anonymised, skipped=skipped, texts_cleared=texts)
