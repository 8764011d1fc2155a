"""Requests, partnerships, meetings and everything around them.

Statuses are only ever changed by functions in requests_app.workflow.
"""

import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Coalesce
from django.utils import timezone

# --- Scheme calendar ---------------------------------------------------------


class NonWorkingDay(models.Model):
    """A day the scheme is closed (besides weekends and England and Wales bank holidays)."""

    date = models.DateField(unique=True)
    description = models.CharField(max_length=120, help_text="For example: Christmas closure.")

    class Meta:
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date:%d %B %Y} ({self.description})"


# --- Requests ---------------------------------------------------------------


class RequestState(models.TextChoices):
    PENDING = "pending", "Waiting for an answer"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Declined by the mentor"
    EXPIRED = "expired", "Not answered in time"
    WITHDRAWN = "withdrawn", "Withdrawn by the mentee"
    CANCELLED = "cancelled", "Cancelled by the scheme team"


class DeclineReason(models.TextChoices):
    AT_CAPACITY = "at_capacity", "I have no space for another mentee"
    AVAILABILITY = "availability", "My availability does not fit"
    BETTER_FIT = "better_fit", "Someone else would suit you better"
    OTHER = "other", "Another reason"


class ProposalDeclineReason(models.TextChoices):
    """Why someone says "not this time" to a proposed match: seen by the scheme team only."""

    AIMS = "aims", "What we each want from mentoring does not fit"
    AVAILABILITY_FIT = "times", "Our availability does not fit"
    KNOW_EACH_OTHER = "know_each_other", "We know each other or work closely together"
    NOT_NOW = "not_now", "Now is not the right time for me"
    OTHER_PROPOSAL = "other_reason", "Another reason"


class MeetingMode(models.TextChoices):
    FACE_TO_FACE = "face_to_face", "Face to face"
    VIDEO = "video", "Video call"
    PHONE = "phone", "Phone call"


# --- Applications to be matched by the scheme team -----------------------------


class ApplicationState(models.TextChoices):
    WAITING = "waiting", "Waiting for a match"
    PROPOSED = "proposed", "A match is proposed"
    MATCHED = "matched", "Matched"
    WITHDRAWN = "withdrawn", "Withdrawn"


OPEN_APPLICATION_STATES = [ApplicationState.WAITING, ApplicationState.PROPOSED]


class MatchApplicationQuerySet(models.QuerySet):
    def open(self):
        return self.filter(state__in=OPEN_APPLICATION_STATES)

    def waiting(self):
        """The matching queue: oldest first."""
        return self.filter(state=ApplicationState.WAITING).order_by("created_at", "pk")


class MatchApplication(models.Model):
    """A mentee asks the scheme team to find them a mentor.

    Waiting -> proposed (a match is put to both) -> matched (both said yes) |
    back to waiting (either said no, or time ran out: that mentor is not proposed
    again) | withdrawn (by the mentee). Every change goes through requests_app.workflow.
    """

    mentee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="match_applications"
    )
    state = models.CharField(
        max_length=16, choices=ApplicationState.choices, default=ApplicationState.WAITING
    )
    aims = models.TextField("what you would like from mentoring", max_length=2000)
    help_areas = models.TextField("areas you would like help with", blank=True, max_length=1000)
    preferred_mode = models.CharField(
        "how you would like to meet", max_length=16, choices=MeetingMode.choices, blank=True
    )
    availability = models.CharField("when you are free", max_length=300, blank=True)
    mentor_wishes = models.TextField(
        "the kind of mentor you would like", blank=True, max_length=1000
    )
    avoid_own_workplace = models.BooleanField("not someone from my own organisation", default=True)
    avoid = models.TextField("anything else to avoid", blank=True, max_length=1000)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = MatchApplicationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["mentee"],
                condition=Q(state__in=["waiting", "proposed"]),
                name="one_open_application_per_mentee",
            ),
        ]
        indexes = [
            models.Index(
                fields=["created_at"],
                condition=Q(state="waiting"),
                name="application_queue",
            ),
        ]

    def __str__(self) -> str:
        return f"Application #{self.pk}"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_APPLICATION_STATES


class MentoringRequestQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(state=RequestState.PENDING)

    def proposals(self):
        """Matches the scheme team proposed (the rest are mentees' own requests)."""
        return self.filter(application__isnull=False)

    def own_requests(self):
        return self.filter(application__isnull=True)

    def overdue(self, now):
        return self.filter(response_deadline__lt=now)


class MentoringRequest(models.Model):
    """A mentee's request to a mentor, or a match the scheme team proposes to both.

    A proposal (application set) needs two answers: it is accepted when both have
    said "let's go ahead" (mentee_agreed_at and mentor_agreed_at), and declined when
    either says "not this time" (answered_by says who).
    """

    mentee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="mentoring_requests"
    )
    mentor = models.ForeignKey(
        "register.MentorProfile", on_delete=models.PROTECT, related_name="requests"
    )
    state = models.CharField(
        max_length=16, choices=RequestState.choices, default=RequestState.PENDING
    )
    message = models.TextField(
        "what the mentee would like to talk about", blank=True, max_length=2000
    )
    preferred_mode = models.CharField(max_length=16, choices=MeetingMode.choices, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    response_deadline = models.DateTimeField(
        help_text="End of the last working day on which the mentor can answer."
    )
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Empty when the system decided (an expired request).",
    )
    decline_reason = models.CharField(
        max_length=16, choices=DeclineReason.choices + ProposalDeclineReason.choices, blank=True
    )
    response_message = models.TextField("note to the other side", blank=True, max_length=2000)
    application = models.ForeignKey(
        MatchApplication,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="proposals",
        help_text="Set when the scheme team proposed this match.",
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    mentee_agreed_at = models.DateTimeField(null=True, blank=True)
    mentor_agreed_at = models.DateTimeField(null=True, blank=True)

    objects = MentoringRequestQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["mentee"],
                condition=Q(state="pending"),
                name="one_pending_request_per_mentee",
            ),
            models.CheckConstraint(
                condition=Q(state="pending") | Q(answered_at__isnull=False),
                name="request_answered_has_time",
            ),
        ]
        indexes = [
            # Serves places taken: a pending proposal keeps the mentor's place.
            models.Index(
                fields=["mentor"],
                condition=Q(state="pending", application__isnull=False),
                name="proposal_pending_by_mentor",
            ),
            # Serves the expiry job and the reminder job: pending requests by deadline.
            models.Index(
                fields=["response_deadline"],
                condition=Q(state="pending"),
                name="request_pending_deadline",
            ),
            # Serve the scheme figures: a period's requests sent, and answered or expired.
            models.Index(fields=["created_at"], name="request_created"),
            models.Index(fields=["answered_at"], name="request_answered"),
        ]

    def __str__(self) -> str:
        return f"Request #{self.pk} to {self.mentor}"


# --- Partnerships -------------------------------------------------------------


class PartnershipState(models.TextChoices):
    AGREEMENT_PENDING = "agreement_pending", "Agreement to confirm"
    ACTIVE = "active", "Active"
    COMPLETED = "completed", "Completed"
    ENDED_EARLY = "ended_early", "Ended early"


OPEN_PARTNERSHIP_STATES = [PartnershipState.AGREEMENT_PENDING, PartnershipState.ACTIVE]


class EndReason(models.TextChoices):
    NO_CLICK = "no_click", "We don't click"
    CIRCUMSTANCES = "circumstances", "Circumstances changed"
    OTHER = "other", "Another reason"


class PartnershipQuerySet(models.QuerySet):
    def open(self):
        return self.filter(state__in=OPEN_PARTNERSHIP_STATES)


class Partnership(models.Model):
    request = models.OneToOneField(
        MentoringRequest, on_delete=models.PROTECT, related_name="partnership"
    )
    mentee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="partnerships"
    )
    mentor = models.ForeignKey(
        "register.MentorProfile", on_delete=models.PROTECT, related_name="partnerships"
    )
    state = models.CharField(
        max_length=20,
        choices=PartnershipState.choices,
        default=PartnershipState.AGREEMENT_PENDING,
    )
    started_at = models.DateTimeField(default=timezone.now)
    window_ends_on = models.DateField(help_text="Sessions are taken up to this date.")
    sessions_allowed = models.PositiveSmallIntegerField(default=4)
    mentee_confirmed_at = models.DateTimeField(null=True, blank=True)
    mentor_confirmed_at = models.DateTimeField(null=True, blank=True)
    # Arrangements agreed at the contracting conversation.
    usual_length_minutes = models.PositiveSmallIntegerField(null=True, blank=True)
    frequency = models.CharField(max_length=80, blank=True)
    usual_mode = models.CharField(max_length=16, choices=MeetingMode.choices, blank=True)
    contact_boundaries = models.TextField(blank=True, max_length=1000)
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    end_reason = models.CharField(max_length=16, choices=EndReason.choices, blank=True)
    end_note = models.TextField(
        blank=True,
        max_length=2000,
        help_text="For the scheme team only; never shown to the other side.",
    )
    # The first meeting's checklist: each side ticks that confidentiality was discussed.
    mentee_confidentiality_at = models.DateTimeField(null=True, blank=True)
    mentor_confidentiality_at = models.DateTimeField(null=True, blank=True)

    objects = PartnershipQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["mentee"],
                condition=Q(state__in=["agreement_pending", "active"]),
                name="one_open_partnership_per_mentee",
            ),
            models.CheckConstraint(
                condition=Q(state__in=["agreement_pending", "active"]) | Q(ended_at__isnull=False),
                name="partnership_ended_has_time",
            ),
        ]
        indexes = [
            # Serves mentor load (open partnerships per mentor) and the completion job.
            models.Index(
                fields=["mentor"],
                condition=Q(state__in=["agreement_pending", "active"]),
                name="partnership_open_by_mentor",
            ),
            # Serves the completion job: open partnerships whose window has passed.
            models.Index(
                fields=["window_ends_on"],
                condition=Q(state__in=["agreement_pending", "active"]),
                name="partnership_open_window",
            ),
            # Serve the scheme figures: a period's partnerships started and ended.
            models.Index(fields=["started_at"], name="partnership_started"),
            models.Index(fields=["ended_at"], name="partnership_ended"),
        ]

    def __str__(self) -> str:
        return f"Partnership #{self.pk}: {self.mentor} and {self.mentee}"

    @property
    def is_open(self) -> bool:
        """Agreement pending or active: the two people may still be in touch through
        the scheme, so each sees the other's contact details."""
        return self.state in OPEN_PARTNERSHIP_STATES


class MeetingState(models.TextChoices):
    PLANNED = "planned", "Planned"
    HELD = "held", "Held"
    CANCELLED = "cancelled", "Cancelled"


# A meeting is reminded within this time before it starts (the hourly job sends it
# about a day ahead, at much the hour it starts), and not once it is this close: a
# reminder owed since before downtime is dropped rather than sent as it begins.
REMINDER_AHEAD = datetime.timedelta(hours=24)
REMINDER_TOO_LATE = datetime.timedelta(hours=2)


class MeetingQuerySet(models.QuerySet):
    def reminder_due(self, now: datetime.datetime):
        """Planned meetings starting in the next day (but not within two hours) whose two
        people have not been reminded of this time yet. A meeting planned or moved less
        than a day ahead is left out: both have just heard of it."""
        return self.filter(
            state=MeetingState.PLANNED,
            reminder_sent_at__isnull=True,
            starts_at__gt=now + REMINDER_TOO_LATE,
            starts_at__lte=now + REMINDER_AHEAD,
        ).filter(starts_at__gte=Coalesce("moved_at", "planned_at") + REMINDER_AHEAD)


class Meeting(models.Model):
    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="meetings")
    state = models.CharField(
        max_length=16, choices=MeetingState.choices, default=MeetingState.PLANNED
    )
    starts_at = models.DateTimeField()
    duration_minutes = models.PositiveSmallIntegerField(
        default=60, validators=[MinValueValidator(15), MaxValueValidator(240)]
    )
    mode = models.CharField(max_length=16, choices=MeetingMode.choices)
    planned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    planned_at = models.DateTimeField(default=timezone.now)
    held_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    cancellation_reason = models.CharField(max_length=300, blank=True)
    cancelled_late = models.BooleanField(default=False)
    agenda = models.TextField(
        "what the mentee would like to focus on",
        blank=True,
        max_length=2000,
        help_text="Written by the mentee, seen by both; never by the scheme team.",
    )
    moved_at = models.DateTimeField(
        null=True, blank=True, help_text="When either side last changed the time or the mode."
    )
    calendar_sequence = models.PositiveIntegerField(
        default=0,
        help_text=(
            "The version of the meeting in people's calendars (SEQUENCE in the calendar "
            "file): raised each time it is moved or cancelled, so calendars replace the "
            "event rather than add a second one."
        ),
    )
    reminder_sent_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="When both sides were reminded of the meeting; cleared when it is moved.",
    )

    objects = MeetingQuerySet.as_manager()

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(state="cancelled") | Q(cancelled_at__isnull=False),
                name="meeting_cancelled_has_time",
            ),
            # A form sent twice (a double click) plans one meeting, not two.
            models.UniqueConstraint(
                fields=["partnership", "starts_at"],
                condition=Q(state="planned"),
                name="one_planned_meeting_per_partnership_start",
            ),
        ]
        indexes = [
            # Serves the scheme figures (a period's sessions, held or cancelled) and
            # MeetingQuerySet.reminder_due() (the meetings starting in the next day).
            models.Index(fields=["starts_at"], name="meeting_starts"),
        ]

    def __str__(self) -> str:
        return f"Meeting {self.starts_at:%Y-%m-%d %H:%M}"


class ExtensionState(models.TextChoices):
    PENDING = "pending", "Waiting for the scheme team"
    APPROVED = "approved", "Approved"
    DECLINED = "declined", "Declined"


class ExtensionRequest(models.Model):
    partnership = models.ForeignKey(
        Partnership, on_delete=models.CASCADE, related_name="extension_requests"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField(max_length=1000)
    state = models.CharField(
        max_length=16, choices=ExtensionState.choices, default=ExtensionState.PENDING
    )
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    sessions_added = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["partnership"],
                condition=Q(state="pending"),
                name="one_pending_extension_per_partnership",
            ),
        ]

    def __str__(self) -> str:
        return f"Extension for partnership #{self.partnership_id}"


class FeedbackStage(models.TextChoices):
    MIDPOINT = "midpoint", "Mid-point"
    END = "end", "End"


class FeedbackQuerySet(models.QuerySet):
    def awaiting_answer(self):
        """Surveys still to answer: the end survey, or a mid-point one while the
        partnership is open (once it has ended, the end survey replaces it)."""
        return self.filter(submitted_at__isnull=True).filter(
            Q(stage=FeedbackStage.END) | Q(partnership__state__in=OPEN_PARTNERSHIP_STATES)
        )


class Feedback(models.Model):
    """A survey about the scheme: read by admins, never by the other side."""

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="feedback")
    respondent = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    respondent_role = models.CharField(
        max_length=8, choices=[("mentee", "Mentee"), ("mentor", "Mentor")]
    )
    stage = models.CharField(max_length=8, choices=FeedbackStage.choices)
    requested_at = models.DateTimeField(default=timezone.now)
    reminder_sent_at = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    rating_overall = models.PositiveSmallIntegerField(null=True, blank=True)
    rating_felt_heard = models.PositiveSmallIntegerField(null=True, blank=True)
    rating_would_recommend = models.PositiveSmallIntegerField(null=True, blank=True)
    comment = models.TextField(blank=True, max_length=2000)

    objects = FeedbackQuerySet.as_manager()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["partnership", "respondent_role", "stage"],
                name="feedback_once_per_side_and_stage",
            ),
            models.CheckConstraint(
                condition=(
                    Q(rating_overall__isnull=True) | Q(rating_overall__gte=1, rating_overall__lte=5)
                )
                & (
                    Q(rating_felt_heard__isnull=True)
                    | Q(rating_felt_heard__gte=1, rating_felt_heard__lte=5)
                )
                & (
                    Q(rating_would_recommend__isnull=True)
                    | Q(rating_would_recommend__gte=1, rating_would_recommend__lte=5)
                ),
                name="feedback_ratings_1_to_5",
            ),
        ]
        indexes = [
            # Serves the feedback reminder job: unanswered surveys not yet reminded, by age.
            models.Index(
                fields=["requested_at"],
                condition=Q(submitted_at__isnull=True, reminder_sent_at__isnull=True),
                name="feedback_to_remind",
            ),
            # Serve the scheme figures: a period's surveys asked for and returned.
            models.Index(fields=["requested_at"], name="feedback_requested"),
            models.Index(fields=["submitted_at"], name="feedback_submitted"),
        ]

    def __str__(self) -> str:
        return f"{self.get_stage_display()} feedback from the {self.respondent_role}"


class AgreementRecord(models.Model):
    """The signed mentoring agreement, kept and sent to the scheme inbox when both
    have confirmed it: who, when, the arrangements and the text they confirmed."""

    partnership = models.OneToOneField(
        Partnership, on_delete=models.CASCADE, related_name="agreement_record"
    )
    mentee_name = models.CharField(max_length=300)
    mentor_name = models.CharField(max_length=300)
    mentee_confirmed_at = models.DateTimeField()
    mentor_confirmed_at = models.DateTimeField()
    arrangements = models.TextField()
    text_version = models.CharField(max_length=64, help_text="A fingerprint of the text.")
    agreement_text = models.TextField()
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-recorded_at"]

    def __str__(self) -> str:
        return f"Agreement of partnership #{self.partnership_id}"


class MentorNote(models.Model):
    """A mentor's private note, encrypted at rest and destroyed when the partnership ends."""

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="notes")
    ciphertext = models.BinaryField()
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Private note #{self.pk}"


class NotesKey(models.Model):
    """The data key of one partnership's private notes, stored wrapped by the settings key.

    Made with the first note; overwritten with NULL when the partnership ends, which
    leaves every copy of its notes unreadable (requests_app.notes says how far that
    goes). The row stays, so the overwrite is an UPDATE of one small row.
    """

    partnership = models.OneToOneField(
        Partnership, on_delete=models.CASCADE, primary_key=True, related_name="notes_key"
    )
    wrapped_key = models.BinaryField(null=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    destroyed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(wrapped_key__isnull=False, destroyed_at__isnull=True)
                | Q(wrapped_key__isnull=True, destroyed_at__isnull=False),
                name="notes_key_destroyed_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"Notes key of partnership #{self.partnership_id}"


class WaitingOutcome(models.TextChoices):
    """Why someone is no longer on a mentor's waiting list."""

    REQUESTED = "requested", "Sent a request"
    LEFT = "left", "Left the list"
    LAPSED = "lapsed", "Did not send a request in time"
    MATCHED = "matched", "Found a mentor"
    REMOVED = "removed", "Removed by the scheme team"
    CLOSED = "closed", "The mentor left the register"


class WaitingListEntryQuerySet(models.QuerySet):
    def active(self):
        return self.filter(left_at__isnull=True)

    def in_line(self):
        """Waiting, and not yet told of a place."""
        return self.active().filter(offered_at__isnull=True)

    def offered(self):
        """Told of a place, which is kept for them until they request or the offer lapses."""
        return self.active().filter(offered_at__isnull=False)


class WaitingListEntry(models.Model):
    """A mentee waiting for a place with a mentor who is full.

    In line (offered_at empty) -> offered a place (offered_at and offer_expires_at
    set) -> off the list (left_at and outcome set): they sent their request, let
    the offer lapse, left, found a mentor, or the mentor left the register.
    Every change goes through requests_app.workflow.
    """

    mentee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="waiting_list_entries"
    )
    mentor = models.ForeignKey(
        "register.MentorProfile", on_delete=models.CASCADE, related_name="waiting_list"
    )
    joined_at = models.DateTimeField(default=timezone.now)
    offered_at = models.DateTimeField(null=True, blank=True)
    offer_expires_at = models.DateTimeField(null=True, blank=True)
    left_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=20, choices=WaitingOutcome.choices, blank=True)
    request = models.ForeignKey(
        MentoringRequest,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The request sent with the place offered, while it waits for an answer "
        "the place stays kept.",
    )

    objects = WaitingListEntryQuerySet.as_manager()

    class Meta:
        ordering = ["joined_at", "pk"]
        verbose_name_plural = "waiting list entries"
        constraints = [
            models.UniqueConstraint(
                fields=["mentee", "mentor"],
                condition=Q(left_at__isnull=True),
                name="one_waiting_place_per_mentee_and_mentor",
            ),
            models.CheckConstraint(
                condition=Q(left_at__isnull=True, outcome="")
                | (Q(left_at__isnull=False) & ~Q(outcome="")),
                name="waiting_left_with_an_outcome",
            ),
            models.CheckConstraint(
                condition=Q(offered_at__isnull=True, offer_expires_at__isnull=True)
                | Q(offered_at__isnull=False, offer_expires_at__isnull=False),
                name="waiting_offer_has_a_deadline",
            ),
        ]
        indexes = [
            # Serves the offer job and the position in line: who is next for a mentor.
            models.Index(
                fields=["mentor", "joined_at"],
                condition=Q(left_at__isnull=True),
                name="waiting_in_line",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.mentee} waiting for {self.mentor}"

    @property
    def is_offered(self) -> bool:
        return self.left_at is None and self.offered_at is not None


class NudgeKind(models.TextChoices):
    """The two emails a mentee who is still without a mentor gets, each once."""

    REMINDER = "reminder", "Reminder: no request or application yet"
    CHECK_IN = "check_in", "Check-in: do you still want a mentor?"


class NudgeAnswer(models.TextChoices):
    KEEP_LOOKING = "keep_looking", "Yes, keep looking"
    STOPPED = "stopped", "No, I no longer need a mentor"


class MenteeNudgeQuerySet(models.QuerySet):
    def reminders(self):
        return self.filter(kind=NudgeKind.REMINDER)

    def check_ins(self):
        return self.filter(kind=NudgeKind.CHECK_IN)

    def answered(self):
        return self.exclude(answer="")


class MenteeNudge(models.Model):
    """An email sent to a mentee still without a mentor, and their answer.

    One row of each kind per mentee at most (the unique constraint makes a second
    send impossible, however often the jobs run). The check-in is answered by the
    mentee: "keep looking", or "stop" (their search is closed). A mentee who answers
    from their page without having been asked gets a check-in row with no sent_at.
    Written by requests_app.workflow only.
    """

    mentee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="nudges"
    )
    kind = models.CharField(max_length=16, choices=NudgeKind.choices)
    sent_at = models.DateTimeField(
        null=True, blank=True, help_text="Empty when the mentee answered without an email."
    )
    answer = models.CharField(max_length=16, choices=NudgeAnswer.choices, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    objects = MenteeNudgeQuerySet.as_manager()

    class Meta:
        ordering = ["mentee", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["mentee", "kind"], name="one_nudge_of_each_kind"),
            models.CheckConstraint(
                condition=Q(answer="", answered_at__isnull=True)
                | (~Q(answer="") & Q(answered_at__isnull=False, kind="check_in")),
                name="nudge_answer_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.mentee}"


class Transition(models.Model):
    """History: every change of state of a request, partnership, meeting or application."""

    application = models.ForeignKey(
        MatchApplication, null=True, blank=True, on_delete=models.CASCADE, related_name="history"
    )
    request = models.ForeignKey(
        MentoringRequest, null=True, blank=True, on_delete=models.CASCADE, related_name="history"
    )
    partnership = models.ForeignKey(
        Partnership, null=True, blank=True, on_delete=models.CASCADE, related_name="history"
    )
    meeting = models.ForeignKey(
        Meeting, null=True, blank=True, on_delete=models.CASCADE, related_name="history"
    )
    from_state = models.CharField(max_length=20, blank=True)
    to_state = models.CharField(max_length=20)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Empty when the system made the change.",
    )
    at = models.DateTimeField(default=timezone.now)
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(
                        application__isnull=True,
                        request__isnull=False,
                        partnership__isnull=True,
                        meeting__isnull=True,
                    )
                    | Q(
                        application__isnull=True,
                        request__isnull=True,
                        partnership__isnull=False,
                        meeting__isnull=True,
                    )
                    | Q(
                        application__isnull=True,
                        request__isnull=True,
                        partnership__isnull=True,
                        meeting__isnull=False,
                    )
                    | Q(
                        application__isnull=False,
                        request__isnull=True,
                        partnership__isnull=True,
                        meeting__isnull=True,
                    )
                ),
                name="transition_has_exactly_one_subject",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_state or '-'} → {self.to_state}"
