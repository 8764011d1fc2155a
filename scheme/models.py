"""The scheme's own rules and texts (one settings row and the texts admins edit), and
the reference lists both mentees and mentors name (grades, schools, trusts).

Every app reads them, so they sit below all of them (above mentoring only).
"""

import datetime
from typing import Any, Self

from django.conf import settings
from django.core.cache import cache
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.db.models import Q


class MatchingMode(models.TextChoices):
    SELF_SELECT = "self_select", "Mentees choose their mentor from the register"
    ADMIN_PROPOSES = "admin_proposes", "The scheme team proposes a match"
    BOTH = "both", "Mentees choose, and the scheme team can also propose"


class MeetingPlanner(models.TextChoices):
    EITHER = "either", "Either side"
    MENTEE = "mentee", "The mentee only"


class SchemeProfile(models.TextChoices):
    """Which kind of scheme this is: decides the bio fields and eligibility questions
    used (scheme.profiles), and what the "apply a profile" admin action sets."""

    SUPPORTT = "supportt", "SuppoRTT (doctors returning to training)"
    PUBLIC_HEALTH = "public_health", "Public health network"


class Nation(models.TextChoices):
    """The UK nation someone works in (the public health network's profile asks it)."""

    ENGLAND = "england", "England"
    SCOTLAND = "scotland", "Scotland"
    WALES = "wales", "Wales"
    NORTHERN_IRELAND = "northern_ireland", "Northern Ireland"


SETTINGS_CACHE_KEY = "scheme-settings"
SETTINGS_CACHE_SECONDS = 60


def default_inbox_email() -> str:
    """The scheme inbox until admins set one: SCHEME_INBOX_EMAIL from the environment."""
    return settings.SCHEME_INBOX_EMAIL


class SchemeSettings(models.Model):
    """The scheme's rules, one row, edited by admins. Defaults are the SuppoRTT scheme's."""

    scheme_name = models.CharField(
        max_length=120,
        default="SuppoRTT peer mentoring",
        help_text="Shown above the home page's heading and at the foot of every email.",
    )
    inbox_email = models.EmailField(
        default=default_inbox_email,
        help_text="The scheme team's inbox: told of submissions, expiries and cancellations.",
    )
    response_working_days = models.PositiveSmallIntegerField(
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
        help_text="Working days a mentor has to answer a request before it is rejected.",
    )
    reminder_working_days_left = models.PositiveSmallIntegerField(
        default=2, help_text="Remind the mentor when this many working days are left."
    )
    sessions_per_partnership = models.PositiveSmallIntegerField(
        default=4, validators=[MinValueValidator(1), MaxValueValidator(24)]
    )
    partnership_months = models.PositiveSmallIntegerField(
        default=6,
        validators=[MinValueValidator(1), MaxValueValidator(24)],
        help_text="Months from the start of a partnership in which sessions are taken.",
    )
    extension_sessions = models.PositiveSmallIntegerField(
        default=4, help_text="Sessions added when an admin approves an extension."
    )
    cancellation_notice_hours = models.PositiveSmallIntegerField(
        default=24, help_text="A meeting cancelled with less notice is recorded as late."
    )
    meeting_reminders = models.BooleanField(
        default=True,
        help_text="Email both sides about a day before each planned meeting, with its time, "
        "how they meet and the calendar file.",
    )
    pending_requests_per_mentee = models.PositiveSmallIntegerField(
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(1)],
        help_text="Open requests a mentee may have at once (the database allows one).",
    )
    default_mentor_capacity = models.PositiveSmallIntegerField(
        default=2, validators=[MaxValueValidator(10)]
    )
    profile = models.CharField(
        "kind of scheme",
        max_length=16,
        choices=SchemeProfile.choices,
        default=SchemeProfile.SUPPORTT,
        help_text="Decides which bio fields and eligibility questions are used.",
    )
    matching_mode = models.CharField(
        max_length=16,
        choices=MatchingMode.choices,
        default=MatchingMode.SELF_SELECT,
        help_text=(
            "Who makes a match: mentees request a mentor from the register, the scheme "
            "team proposes one to mentees who apply, or both."
        ),
    )
    register_open_to_mentees = models.BooleanField(
        "mentees can browse the register",
        default=True,
        help_text=(
            "When the scheme team proposes matches: whether mentees may look through the "
            "register (without requesting). Always on when mentees choose."
        ),
    )
    meetings_planned_by = models.CharField(
        max_length=8,
        choices=MeetingPlanner.choices,
        default=MeetingPlanner.EITHER,
        help_text="Who plans meetings (and so sets their agenda).",
    )
    extensions_allowed = models.BooleanField(
        default=True,
        help_text="Whether a partnership can ask the scheme team for more sessions.",
    )
    first_meeting_checklist = models.BooleanField(
        "first-meeting checklist",
        default=False,
        help_text=(
            "Show both sides the first-meeting checklist and the roles and "
            "responsibilities; both tick that they discussed confidentiality before a "
            "second meeting can be planned."
        ),
    )
    feedback_midpoint = models.BooleanField(
        default=True, help_text="Ask both sides for feedback half-way through."
    )
    feedback_end = models.BooleanField(default=True, help_text="Ask both sides at the end.")
    quiet_partnership_weeks = models.PositiveSmallIntegerField(
        default=6,
        validators=[MinValueValidator(1), MaxValueValidator(52)],
        help_text="The scheme's figures list active partnerships with no meeting for this "
        "many weeks.",
    )
    monthly_summary_email = models.BooleanField(
        default=True,
        help_text="Email the scheme inbox a summary of last month's figures, with the "
        "spreadsheet attached, on the first of each month.",
    )
    mentee_reminder_days = models.PositiveSmallIntegerField(
        "remind mentees who have not asked after (days)",
        default=14,
        validators=[MaxValueValidator(365)],
        help_text="Days after a mentee signs up with no request and no application before "
        "they get one gentle reminder (how to find a mentor, how to ask the scheme team). "
        "0: no reminder.",
    )
    mentee_check_in_days = models.PositiveSmallIntegerField(
        "ask mentees with no mentor whether they still want one after (days)",
        default=91,
        validators=[MaxValueValidator(730)],
        help_text="Days after a mentee signs up, without a partnership, before they are "
        "asked once whether they still want a mentor. 0: never asked.",
    )
    bio_submission_deadline = models.DateField(
        null=True,
        blank=True,
        help_text=(
            "Last day mentors can send in a bio through the public form; the form closes "
            "after it. Blank: the form stays open. A past date closes it."
        ),
    )
    bio_changes_need_review = models.BooleanField(
        default=False,
        help_text="If ticked, a mentor's edits to a published bio wait for an admin to publish.",
    )
    training_required_to_publish = models.BooleanField(
        "training required before a bio is published",
        default=False,
        help_text=(
            "If ticked, a bio is published only once the mentor's completed training is "
            "recorded on it. Bios already on the register stay there."
        ),
    )
    data_retention_months = models.PositiveSmallIntegerField(
        default=24, help_text="Accounts inactive for longer are anonymised."
    )
    email_retention_days = models.PositiveSmallIntegerField(
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
        help_text=(
            "Days the text of a sent email is kept (to send it again if it failed). "
            "After that only who it went to, what kind it was and when are kept."
        ),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "requests_app_schemesettings"  # from when requests_app held it
        verbose_name = "scheme settings"
        verbose_name_plural = "scheme settings"
        constraints = [
            models.CheckConstraint(condition=Q(pk=1), name="scheme_settings_single_row"),
        ]

    def __str__(self) -> str:
        return "Scheme settings"

    def save(self, *args: Any, **kwargs: Any) -> None:
        super().save(*args, **kwargs)
        transaction.on_commit(lambda: cache.delete(SETTINGS_CACHE_KEY))
        cache.delete(SETTINGS_CACHE_KEY)

    @property
    def mentees_choose(self) -> bool:
        """Mentees may request a mentor from the register themselves."""
        return self.matching_mode in (MatchingMode.SELF_SELECT, MatchingMode.BOTH)

    @property
    def scheme_proposes(self) -> bool:
        """Mentees may apply, and the scheme team proposes matches."""
        return self.matching_mode in (MatchingMode.ADMIN_PROPOSES, MatchingMode.BOTH)

    @property
    def mentees_see_register(self) -> bool:
        """Mentees may look through the register (to request, or just to browse)."""
        return self.mentees_choose or self.register_open_to_mentees

    @classmethod
    def load(cls) -> "SchemeSettings":
        obj, _ = cls.objects.get_or_create(pk=1)
        return obj

    def bio_submissions_open(self, today: datetime.date) -> bool:
        """The public bio form is open with no deadline, and up to and including the
        deadline day (today is the UK date, timezone.localdate())."""
        deadline = self.bio_submission_deadline
        return deadline is None or today <= deadline

    @classmethod
    def cached(cls) -> "SchemeSettings":
        """The settings for a page that only reads them, from the cache: kept a minute,
        and dropped whenever the row is saved, so a change shows on the next page."""
        found = cache.get_or_set(SETTINGS_CACHE_KEY, cls.read, SETTINGS_CACHE_SECONDS)
        return found if isinstance(found, cls) else cls.read()

    @classmethod
    def read(cls) -> "SchemeSettings":
        """The settings for a page that only reads them: one query, never a write (the
        defaults, unsaved, until the row exists)."""
        return cls.objects.filter(pk=1).first() or cls()


class SchemeText(models.Model):
    """A text the scheme owns (home page, ethical framework, agreement points...).

    Written in a small subset of Markdown (paragraphs, headings, lists, links);
    rendered escaped, so no HTML from the database reaches a page.
    """

    slug = models.SlugField(unique=True)
    title = models.CharField(max_length=150)
    body = models.TextField(
        help_text=(
            "Blank line between paragraphs; '## ' starts a heading; '- ' a bullet. "
            "Write a figure from the scheme settings as {answer_working_days}, "
            "{reminder_working_days}, {sessions}, {months}, {extension_sessions}, "
            "{notice_hours}, {retention_months} or {scheme_name}: the page shows the "
            "setting's current value."
        )
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        db_table = "requests_app_schemetext"  # from when requests_app held it
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.title


# --- Where to get help now ---------------------------------------------------------------


class HelpContactQuerySet(models.QuerySet):
    def in_order(self) -> Self:
        """As the "Get help now" page lists them."""
        return self.order_by("position", "name")


class HelpContact(models.Model):
    """Somewhere to turn straight away, listed on the public "Get help now" page that
    every partnership page links to. The scheme's own inbox is added from its settings."""

    name = models.CharField(max_length=100, help_text="As people know it, such as Samaritans.")
    description = models.CharField(
        max_length=300, help_text="One sentence: who it is for and what it offers."
    )
    phone = models.CharField(
        max_length=30, blank=True, help_text="As people dial it, such as 116 123. May be blank."
    )
    web_address = models.URLField(blank=True, help_text="Its website. May be blank.")
    position = models.PositiveSmallIntegerField(
        default=0, help_text="Contacts are listed in this order, then by name."
    )

    objects = HelpContactQuerySet.as_manager()

    class Meta:
        ordering = ["position", "name"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(phone="") | ~Q(web_address=""), name="help_contact_can_be_reached"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def phone_link(self) -> str:
        """The number as a tel: address, without the spaces people read it with."""
        return "tel:" + "".join(c for c in self.phone if c.isdigit() or c == "+")


# --- Reference lists -------------------------------------------------------------------


class ReferenceQuerySet(models.QuerySet):
    def active(self) -> Self:
        return self.filter(is_active=True)


class ReferenceData(models.Model):
    """A short list an admin keeps: grades, schools, trusts (here, as mentees and
    mentors both name them), virtual platforms (register.models)."""

    name = models.CharField(max_length=120, unique=True)
    is_active = models.BooleanField(
        default=True, help_text="Untick to stop offering it in forms without losing history."
    )
    position = models.PositiveSmallIntegerField(
        default=0, help_text="Lists are shown in this order, then by name."
    )

    objects = ReferenceQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class Grade(ReferenceData):
    class Meta(ReferenceData.Meta):
        db_table = "register_grade"  # from when register held it


class School(ReferenceData):
    """A specialty school, for example the School of Surgery."""

    class Meta(ReferenceData.Meta):
        db_table = "register_school"  # from when register held it


class Trust(ReferenceData):
    region = models.CharField(
        max_length=80, blank=True, help_text="Used to suggest mentors nearby."
    )

    class Meta(ReferenceData.Meta):
        db_table = "register_trust"  # from when register held it
