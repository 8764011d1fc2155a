"""The one list of what people write: every text field that holds a person's words.

Each entry names a field, the people whose words or record it holds (paths from
the row to a user, as in a queryset filter), and what the three personal-data
duties do with it:

- export (privacy.personal_data.collect_user_data): the writer gets it in their
  download, and so does anyone in `shown_to`;
- erasure (privacy.personal_data.erase_account): erasing the writer, anyone it
  was shown to or anyone it is `about` empties it (or deletes the row);
- retention (privacy.personal_data.clear_old_free_text): the daily job empties it
  once `kept_after` is older than the scheme's retention period. Fields with no
  `kept_after` are kept while the account is in use; the job erases them with the
  account once it has been inactive for that period.

The words of a conversation (a request, a partnership's arrangements, end notes,
cancellation and extension reasons) go when either person in it is erased: they
often name the other person.

tests/test_personal_data.py fails when a model of our apps gains a text field that
is in neither PERSONAL_TEXT nor NOT_PERSONAL_TEXT. Models are named by label, so
this module imports no app and any layer may read it.
"""

import enum
import functools
import operator
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.apps import apps
from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Cast, Concat

# An erased account's email ends with this; it marks the shell so no job touches it twice.
ERASED_EMAIL_DOMAIN = "erased.invalid"


class Erase(enum.Enum):
    EMPTY = "empty"  # the field is set to its `erased_as` value; the row stays
    DELETE = "delete"  # the whole row goes


def _erased_address(prefix: str) -> Callable[[], models.Expression]:
    """A unique, identifying-nothing address built from the row's own id."""

    def expression() -> models.Expression:
        return Concat(
            Value(f"{prefix}-"),
            Cast("pk", models.CharField()),
            Value(f"@{ERASED_EMAIL_DOMAIN}"),
            output_field=models.CharField(),
        )

    return expression


@dataclass(frozen=True)
class PersonalText:
    model: str  # "app_label.ModelName"
    field: str
    written_by: tuple[str, ...]  # paths to the user(s) who wrote it ("pk" on a user row)
    shown_to: tuple[str, ...] = ()  # others who were shown it: exported and erased with them
    about: tuple[str, ...] = ()  # others it may name: erased with them, never exported to them
    export: bool = True
    erase: Erase = Erase.EMPTY
    # The value left by erasure: a constant, or a callable giving an expression
    # (for fields that must stay unique).
    erased_as: str | Callable[[], models.Expression] = ""
    kept_after: str | None = None  # path to the date the retention period counts from

    @property
    def label(self) -> str:
        return f"{self.model}.{self.field}"

    @property
    def owners(self) -> tuple[str, ...]:
        """Everyone whose erasure removes it."""
        return self.written_by + self.shown_to + self.about

    def model_class(self) -> type[models.Model]:
        return apps.get_model(self.model)

    def erased_value(self):
        return self.erased_as() if callable(self.erased_as) else self.erased_as

    def of(self, user_pk: int, paths: Iterable[str]) -> Q:
        """Rows where any of `paths` leads to this user."""
        return functools.reduce(operator.or_, (Q(**{path: user_pk}) for path in paths))


USER = "accounts.User"
MENTEE = "accounts.MenteeProfile"
MENTOR = "register.MentorProfile"
REQUEST = "requests_app.MentoringRequest"
PARTNERSHIP = "requests_app.Partnership"
BOTH_SIDES = ("partnership__mentee", "partnership__mentor__user")


def _bio(field: str, erased_as="") -> PersonalText:
    return PersonalText(MENTOR, field, written_by=("user",), erased_as=erased_as)


PERSONAL_TEXT: tuple[PersonalText, ...] = (
    # The account.
    PersonalText(USER, "email", written_by=("pk",), erased_as=_erased_address("user")),
    PersonalText(USER, "first_name", written_by=("pk",)),
    PersonalText(USER, "last_name", written_by=("pk",)),
    PersonalText(MENTEE, "pronouns", written_by=("user",)),
    # What the public health network's profile asks a mentee (scheme.profiles).
    PersonalText(MENTEE, "organisation", written_by=("user",)),
    PersonalText(MENTEE, "area_of_work", written_by=("user",)),
    PersonalText(MENTEE, "nation", written_by=("user",)),
    # A mentor's bio. The row stays (requests and partnerships point to it) as a
    # "Former mentor" with nothing personal in it.
    _bio("first_name", erased_as="Former"),
    _bio("last_name", erased_as="mentor"),
    _bio("email", erased_as=_erased_address("mentor")),
    _bio("gender"),
    _bio("pronouns"),
    _bio("organisation"),
    _bio("expertise"),
    _bio("nation"),
    _bio("supportt_experience"),
    _bio("time_away_experience"),
    _bio("motivation"),
    _bio("interests"),
    _bio("availability_notes"),
    _bio("face_to_face_location"),
    _bio("contact_email"),
    _bio("contact_phone"),
    _bio("contact_notes"),
    # The mentor's training and supervision, recorded by the scheme team: the mentor's
    # own record (shown to them on their dashboard), deleted with their account.
    PersonalText(
        "register.TrainingRecord", "course", written_by=("mentor__user",), erase=Erase.DELETE
    ),
    PersonalText(
        "register.SupervisionArrangement",
        "supervisor",
        written_by=("mentor__user",),
        erase=Erase.DELETE,
    ),
    # A request: the mentee's message, and the answer's note (the mentor's, or the
    # scheme team's reason when they close it), shown to both.
    PersonalText(
        REQUEST, "message", written_by=("mentee",), about=("mentor__user",), kept_after="created_at"
    ),
    PersonalText(
        REQUEST,
        "response_message",
        written_by=("answered_by",),
        shown_to=("mentee", "mentor__user"),
        kept_after="created_at",
    ),
    # An application to be matched: the mentee's aims and wishes, read by the scheme
    # team and shown to the mentor a match is proposed to.
    *(
        PersonalText(
            "requests_app.MatchApplication",
            field,
            written_by=("mentee",),
            kept_after="updated_at",
        )
        for field in ("aims", "help_areas", "availability", "mentor_wishes", "avoid")
    ),
    # The agreement record sent to the scheme team: both names and the arrangements.
    *(
        PersonalText(
            "requests_app.AgreementRecord",
            field,
            written_by=("partnership__mentee", "partnership__mentor__user"),
            kept_after="partnership__ended_at",
        )
        for field in ("mentee_name", "mentor_name", "arrangements")
    ),
    # A meeting's agenda: the mentee's words, seen by both, never by the scheme team.
    PersonalText(
        "requests_app.Meeting",
        "agenda",
        written_by=("partnership__mentee",),
        shown_to=("partnership__mentor__user",),
        kept_after="starts_at",
    ),
    # A partnership: the arrangements both agree, the end note of whoever ended it
    # (for the scheme team only, never shown to the other side).
    PersonalText(
        PARTNERSHIP, "frequency", written_by=("mentee", "mentor__user"), kept_after="ended_at"
    ),
    PersonalText(
        PARTNERSHIP,
        "contact_boundaries",
        written_by=("mentee", "mentor__user"),
        kept_after="ended_at",
    ),
    PersonalText(
        PARTNERSHIP,
        "end_note",
        written_by=("ended_by",),
        about=("mentee", "mentor__user"),
        kept_after="ended_at",
    ),
    PersonalText(
        "requests_app.Meeting",
        "cancellation_reason",
        written_by=("cancelled_by",),
        about=BOTH_SIDES,
        kept_after="cancelled_at",
    ),
    PersonalText(
        "requests_app.ExtensionRequest",
        "reason",
        written_by=("requested_by",),
        about=BOTH_SIDES,
        kept_after="created_at",
    ),
    # Feedback is about the scheme: it goes with its respondent only.
    PersonalText(
        "requests_app.Feedback", "comment", written_by=("respondent",), kept_after="submitted_at"
    ),
    # History reasons are mostly written by the service ("Cancelled by the mentee"),
    # but the scheme team's reason for closing a request is theirs and may name
    # either side. The history itself (who, when, from, to) is exported without them.
    PersonalText(
        "requests_app.Transition",
        "reason",
        written_by=("actor",),
        about=("request__mentee", "request__mentor__user"),
        export=False,
        kept_after="at",
    ),
    # A mentor's private notes: encrypted, never exported, destroyed when the
    # partnership ends (requests_app.workflow.destroy_notes) and with either side.
    PersonalText(
        "requests_app.MentorNote",
        "ciphertext",
        written_by=("partnership__mentor__user",),
        about=("partnership__mentee",),
        export=False,
        erase=Erase.DELETE,
    ),
)


# Text fields of our apps that hold nothing a person wrote about themselves or others.
NOT_PERSONAL_TEXT: dict[str, str] = {
    # Credentials and codes the service makes.
    "accounts.User.password": "a password hash; erasure makes it unusable",
    "register.MentorProfile.invitation_nonce": "a random code that expires invitation links",
    "accounts.DataEvent.user_label": "an opaque reference ('user #5'), never a name",
    "reports.ExportRecord.who_label": "an opaque reference ('user #5'), never a name",
    "reports.ExportRecord.filters": "an admin list's query string: the scheme team's filters",
    "reports.ExportRecord.kind": "a choice",
    "reports.ExportRecord.fmt": "a choice",
    # Choices: one of a fixed list of values.
    "accounts.MenteeProfile.training_status": "a choice",
    "accounts.DataEvent.kind": "a choice",
    "register.MentorProfile.status": "a state",
    "requests_app.MentoringRequest.state": "a state",
    "requests_app.MentoringRequest.preferred_mode": "a choice",
    "requests_app.MentoringRequest.decline_reason": "a choice from the short list",
    "requests_app.Partnership.state": "a state",
    "requests_app.Partnership.usual_mode": "a choice",
    "requests_app.Partnership.end_reason": "a choice from the short list",
    "requests_app.Meeting.state": "a state",
    "requests_app.Meeting.mode": "a choice",
    "requests_app.ExtensionRequest.state": "a state",
    "requests_app.Feedback.respondent_role": "a choice",
    "requests_app.Feedback.stage": "a choice",
    "requests_app.WaitingListEntry.outcome": "a choice",
    "requests_app.MenteeNudge.kind": "a choice",
    "requests_app.MenteeNudge.answer": "a choice",
    "requests_app.Transition.from_state": "a state",
    "requests_app.Transition.to_state": "a state",
    "register.BioEvent.kind": "a choice",
    "register.SupervisionArrangement.frequency": "a choice",
    "register.BioEvent.from_value": "a status, a yes/no or a number",
    "register.BioEvent.to_value": "a status, a yes/no, a number or 'confirmed'",
    "scheme.SchemeSettings.matching_mode": "a choice",
    "scheme.SchemeSettings.profile": "a choice",
    "scheme.SchemeSettings.meetings_planned_by": "a choice",
    "requests_app.MatchApplication.state": "a state",
    "requests_app.MatchApplication.preferred_mode": "a choice",
    # Generated from the bio fields above by the database: emptied with them.
    "register.MentorProfile.search_text": "computed from the bio's names and texts",
    # Reference lists and the scheme's own texts, kept by the scheme team.
    "scheme.Grade.name": "reference list",
    "scheme.School.name": "reference list",
    "scheme.Trust.name": "reference list",
    "scheme.Trust.region": "reference list",
    "register.VirtualPlatform.name": "reference list",
    "scheme.SchemeSettings.scheme_name": "the scheme's setting",
    "scheme.SchemeSettings.inbox_email": "the scheme team's shared inbox",
    "scheme.SchemeText.slug": "the scheme's own text",
    "scheme.HelpContact.name": "a public service's name (NHS 111, Samaritans...)",
    "scheme.HelpContact.description": "what a public service offers",
    "scheme.HelpContact.phone": "a public service's phone number",
    "scheme.HelpContact.web_address": "a public service's website",
    "scheme.SchemeText.title": "the scheme's own text",
    "scheme.SchemeText.body": "the scheme's own text",
    "requests_app.AgreementRecord.text_version": "which version of the scheme's text",
    "requests_app.AgreementRecord.agreement_text": "the scheme's own text, as confirmed",
    "requests_app.NonWorkingDay.description": "a closure day's name",
    # The outbox keeps copies of emails, not anyone's own record: their content is
    # purged after the scheme's email_retention_days, and erasure clears every email
    # to the person or naming them (privacy.personal_data._erase_from_outbox).
    "outbox.Email.kind": "the email's template name",
    "outbox.Email.recipient": "an address; cleared on erasure",
    "outbox.Email.subject": "a copy; purged, and cleared on erasure",
    "outbox.Email.body": "a copy; purged, and cleared on erasure",
    "outbox.Email.html": "a copy; purged, and cleared on erasure",
    "outbox.Email.attachments": "a copy; purged, and cleared on erasure",
    "outbox.Email.context": "references to rows; purged, and cleared on erasure",
    "outbox.Email.state": "a state",
    "outbox.Email.claim": "a sender's random claim code",
    "outbox.Email.last_error": "the provider's error; cleared on erasure",
}

# The apps whose models the test checks.
CHECKED_APPS = ("scheme", "accounts", "register", "requests_app", "outbox", "reports")


def is_text_field(field) -> bool:
    if isinstance(field, models.GeneratedField):
        field = field.output_field
    return isinstance(field, models.CharField | models.TextField)


def text_fields() -> set[str]:
    """Every text field (CharField, TextField and their kinds) of our apps' models."""
    return {
        f"{model._meta.label}.{field.name}"
        for app in CHECKED_APPS
        for model in apps.get_app_config(app).get_models()
        for field in model._meta.concrete_fields
        if is_text_field(field)
    }


def entries_for(label: str) -> list[PersonalText]:
    return [entry for entry in PERSONAL_TEXT if entry.model == label]


def user_at(row: models.Model, path: str) -> int | None:
    """The id of the user at the end of `path` from `row` (reads related rows already
    loaded; the last step reads the foreign key's id, not the row)."""
    if path == "pk":
        return row.pk
    *steps, last = path.split("__")
    current: models.Model | None = row
    for step in steps:
        current = getattr(current, step)
        if current is None:
            return None
    return getattr(current, f"{last}_id")


def texts_for(row: models.Model, user_pk: int) -> dict[str, str]:
    """The texts of `row` this user may download: those they wrote or were shown."""
    return {
        entry.field: getattr(row, entry.field)
        for entry in entries_for(row._meta.label)
        if entry.export
        and any(user_at(row, path) == user_pk for path in entry.written_by + entry.shown_to)
    }


def texts_written_by(user_pk: int) -> list[str]:
    """Every text this user wrote in their own words (to find copies of it elsewhere,
    such as emails). History reasons are the service's wording, and notes are
    ciphertext: neither is looked for."""
    found = []
    for entry in PERSONAL_TEXT:
        if not entry.export or entry.erase is Erase.DELETE:
            continue
        found += [
            text
            for text in entry.model_class()
            ._default_manager.filter(entry.of(user_pk, entry.written_by))
            .values_list(entry.field, flat=True)
            if text
        ]
    return found


def erase_texts(user_pk: int) -> None:
    """Empty (or delete) every text this user wrote, was shown or is named in."""
    for entry in PERSONAL_TEXT:
        rows = entry.model_class()._default_manager.filter(entry.of(user_pk, entry.owners))
        if entry.erase is Erase.DELETE:
            rows.delete()
        else:
            rows.update(**{entry.field: entry.erased_value()})


def clear_old_texts(cutoff) -> int:
    """Empty every text whose retention period has passed; returns how many were emptied."""
    cleared = 0
    for entry in PERSONAL_TEXT:
        if entry.kept_after is None:
            continue
        rows = entry.model_class()._default_manager.filter(**{f"{entry.kept_after}__lt": cutoff})
        if entry.erase is Erase.DELETE:
            cleared += rows.delete()[0]
        else:
            cleared += rows.exclude(**{entry.field: ""}).update(**{entry.field: ""})
    return cleared


def registry_problems() -> list[str]:
    """What is wrong with the lists themselves (paths that lead nowhere, duplicates)."""
    problems = []
    user_model = apps.get_model(USER)
    seen = set()
    for entry in PERSONAL_TEXT:
        if entry.label in seen:
            problems.append(f"{entry.label} is listed twice")
        seen.add(entry.label)
        if entry.label in NOT_PERSONAL_TEXT:
            problems.append(f"{entry.label} is in both lists")
        model = entry.model_class()
        model._meta.get_field(entry.field)
        for path in entry.owners:
            if _path_target(model, path) is not user_model:
                problems.append(f"{entry.label}: {path!r} does not lead to a user")
        if entry.kept_after is not None:
            target = _path_field(model, entry.kept_after)
            if not isinstance(target, models.DateTimeField):
                problems.append(f"{entry.label}: {entry.kept_after!r} is not a date and time")
    return problems


def _path_field(model: type[models.Model], path: str):
    *steps, last = path.split("__")
    for step in steps:
        related = model._meta.get_field(step).related_model
        if not isinstance(related, type):
            raise TypeError(f"{model.__name__}.{step} leads to no model")
        model = related
    return model._meta.get_field(last)


def _path_target(model: type[models.Model], path: str):
    if path == "pk":
        return model
    return _path_field(model, path).related_model
