import datetime

from django.db import models
from django.db.models import Q


class EmailState(models.TextChoices):
    QUEUED = "queued", "Waiting to be sent"
    SENDING = "sending", "Being sent"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    CANCELLED = "cancelled", "Not sent (no longer owed)"


class EmailQuerySet(models.QuerySet):
    def due(self, now: datetime.datetime) -> "EmailQuerySet":
        """Owed and ready to go: queued and past their next try, or claimed by a sender
        whose lease has run out (that sender died before it could finish)."""
        return self.filter(
            Q(state=EmailState.QUEUED, next_attempt_at__lte=now)
            | Q(state=EmailState.SENDING, claimed_until__lt=now)
        )

    def owed(self) -> "EmailQuerySet":
        return self.filter(state__in=[EmailState.QUEUED, EmailState.SENDING])

    def purgeable(self, before: datetime.datetime) -> "EmailQuerySet":
        """Sent or given up before `before`, with content still kept."""
        return self.filter(
            state__in=[EmailState.SENT, EmailState.FAILED, EmailState.CANCELLED],
            created_at__lt=before,
            purged_at__isnull=True,
        )


class Email(models.Model):
    """One email to one recipient.

    Its content is either rendered when queued (subject, body, html) or rendered
    when sent from `template` and `context` (references to rows, for jobs that
    queue thousands at once in one statement). Admins see who, what kind and
    when; never the content, which can hold what was said in mentoring.
    """

    kind = models.CharField(
        max_length=100, help_text="Which email this is (the name of its template)."
    )
    recipient = models.CharField(max_length=254)
    subject = models.TextField(blank=True)
    body = models.TextField(blank=True)
    html = models.TextField(blank=True)
    # JSON: [[file name, text, MIME type], ...]
    attachments = models.TextField(blank=True, default="")
    # JSON: template context with rows given as references; rendered when sent.
    context = models.TextField(blank=True, default="")
    state = models.CharField(
        max_length=10, choices=EmailState.choices, default=EmailState.QUEUED, db_index=False
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField()
    next_attempt_at = models.DateTimeField(help_text="Not sent before this time.")
    claimed_until = models.DateTimeField(null=True, blank=True)
    claim = models.CharField(max_length=32, blank=True, default="")
    sent_at = models.DateTimeField(null=True, blank=True)
    failed_at = models.DateTimeField(null=True, blank=True)
    purged_at = models.DateTimeField(
        null=True, blank=True, help_text="When its content was deleted (kept: who, kind, when)."
    )
    last_error = models.CharField(
        max_length=300, blank=True, help_text="The provider's last error, if any."
    )

    objects = EmailQuerySet.as_manager()

    class Meta:
        verbose_name = "email"
        indexes = [
            # Serves EmailQuerySet.due(): the sender's and the sweeper's claim.
            models.Index(
                fields=["next_attempt_at"],
                name="outbox_email_queued",
                condition=Q(state="queued"),
            ),
            models.Index(
                fields=["claimed_until"],
                name="outbox_email_sending",
                condition=Q(state="sending"),
            ),
            # Serves purgeable(): the retention job.
            models.Index(
                fields=["created_at"],
                name="outbox_email_unpurged",
                condition=Q(purged_at__isnull=True),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(state="sent", sent_at__isnull=False) | ~Q(state="sent"),
                name="outbox_email_sent_has_time",
            ),
            models.CheckConstraint(condition=~Q(recipient=""), name="outbox_email_has_recipient"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} to {self.recipient}"
