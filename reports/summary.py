"""The monthly summary emailed to the scheme inbox: last month's main figures in the
email (the dashboard's, without the long breakdowns: no names and no mentoring content),
and the month's figures as a spreadsheet attached. The attachment holds the figures
only: the exports with names (the register, activity) and feedback comments stay
behind the scheme team's log-in, never in an inbox."""

import datetime
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from mentoring.outbox.services import queue_templated_email
from reports.exports import figures_dataset
from reports.figures import scheme_figures
from reports.models import MonthlySummary
from reports.periods import LONDON, Period, period_query, previous_month
from scheme.models import SchemeSettings

logger = logging.getLogger(__name__)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class Section:
    name: str
    figures: list[tuple[str, str]] = field(default_factory=list)


def email_monthly_summary(*, now: datetime.datetime | None = None) -> int:
    """Queue last month's summary for the scheme inbox unless it has been queued already;
    returns how many were queued (0 or 1).

    Safe to run any number of times and on any day: the month's MonthlySummary row is
    written in the transaction that queues the email, and its unique month makes a
    second run (beat twice, a retry, a run later in the month after downtime on the
    1st) send nothing.
    """
    now = now or timezone.now()
    scheme = SchemeSettings.load()
    if not scheme.monthly_summary_email:
        return 0
    period = previous_month(now.astimezone(LONDON).date())
    if MonthlySummary.objects.filter(month=period.start).exists():
        return 0
    # Read before the transaction: the figures take a few aggregate queries.
    sections = main_figures(scheme_figures(period).as_rows())
    workbook = figures_attachment(period)
    try:
        with transaction.atomic():
            MonthlySummary.objects.create(month=period.start, queued_at=now)
            queue_templated_email(
                to=[scheme.inbox_email],
                template="monthly_summary_team",
                context={"period": period, "sections": sections, "link": dashboard_link(period)},
                attachments=[(f"scheme-figures-{period.slug}.xlsx", workbook, XLSX)],
            )
    except IntegrityError:  # another run queued it between our check and our insert
        return 0
    logger.info("Queued the scheme's summary of %s.", period.label)
    return 1


def figures_attachment(period: Period) -> bytes:
    """The month's figures as an XLSX of one sheet: nothing with a name in it."""
    return figures_dataset(period).export("xlsx")


# The long breakdowns stay in the spreadsheet: the email keeps the totals.
LEFT_TO_THE_SPREADSHEET = ("Mentees by ", "Mentors by ", "Answered in ")


def main_figures(rows: Sequence[tuple[str, str, object]]) -> list[Section]:
    """The figures by section, in their order, as text, without the breakdowns."""
    sections: dict[str, Section] = {}
    for section, figure, value in rows:
        if str(figure).startswith(LEFT_TO_THE_SPREADSHEET):
            continue
        name = "Now, as this email is written" if section == "Now" else str(section)
        sections.setdefault(name, Section(name)).figures.append((str(figure), _text(value)))
    return list(sections.values())


def _text(value: object) -> str:
    if isinstance(value, float):
        return format(round(value, 2), "g")
    return "no data" if value is None or value == "" else str(value)


def dashboard_link(period: Period) -> str:
    return f"{settings.SITE_URL}{reverse('reports:dashboard')}?{period_query(period)}"
