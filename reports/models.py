from django.conf import settings
from django.db import models
from django.utils import timezone


class ExportKind(models.TextChoices):
    REGISTER = "register", "The register of mentors"
    ACTIVITY = "activity", "Requests and partnerships"
    MEETINGS = "meetings", "Meetings"
    FEEDBACK = "feedback", "Feedback"
    FIGURES = "figures", "The period's figures"
    # From the admin's lists, with the list's filters.
    MENTOR_LIST = "mentor_list", "Admin list of mentor bios"
    REQUEST_LIST = "request_list", "Admin list of requests"
    PARTNERSHIP_LIST = "partnership_list", "Admin list of partnerships"


class ExportFormat(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "Excel (XLSX)"


class ExportRecord(models.Model):
    """Every download of an export: who, when and what. Shown to superusers only;
    never the exported data itself."""

    who = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Empty once the account is erased; the label stays.",
    )
    who_label = models.CharField(
        max_length=40, help_text="An opaque reference ('user #5') kept after an erasure."
    )
    at = models.DateTimeField(default=timezone.now)
    kind = models.CharField(max_length=20, choices=ExportKind.choices)
    fmt = models.CharField("format", max_length=8, choices=ExportFormat.choices)
    period_start = models.DateField(
        null=True, blank=True, help_text="Empty for the register and the admin's lists."
    )
    period_end = models.DateField(null=True, blank=True)
    filters = models.TextField(
        blank=True, help_text="The admin list's filters (its query string), if any."
    )
    rows = models.PositiveIntegerField(help_text="How many rows the export held.")

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return (
            f"{self.who_label} exported {self.get_kind_display()} ({self.fmt}) {self.at:%Y-%m-%d}"
        )


class MonthlySummary(models.Model):
    """The monthly summary emailed to the scheme inbox: one row per month, written in the
    transaction that queues the email, so a second run of the job (beat twice, a retry, a
    catch-up later in the month) finds it and sends nothing."""

    month = models.DateField(help_text="The first day of the month the summary covers.")
    queued_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-month"]
        verbose_name_plural = "monthly summaries"
        constraints = [
            models.UniqueConstraint(fields=["month"], name="one_monthly_summary_per_month"),
        ]

    def __str__(self) -> str:
        return f"Summary of {self.month:%B %Y}"
