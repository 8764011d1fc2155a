"""Print the scheme's figures for a period, for a scheduled email or a script.

manage.py scheme_figures                          # this quarter
manage.py scheme_figures --period month --previous
manage.py scheme_figures --from 2026-04-01 --to 2027-03-31 --format csv
"""

import csv
import datetime
from collections.abc import Callable

from django.core.management.base import BaseCommand, CommandError, CommandParser

from reports import periods
from reports.figures import scheme_figures
from reports.periods import Period

PERIODS: dict[str, Callable[[datetime.date], Period]] = {
    "month": periods.month_of,
    "quarter": periods.quarter_of,
    "year": periods.year_of,
}


class Command(BaseCommand):
    help = (
        "Print the scheme's figures for a period (default: this quarter) as aligned text "
        "or CSV: the same figures as the scheme dashboard, with no names."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--period",
            help="month, quarter or year: the one today is in (default: quarter)",
        )
        parser.add_argument(
            "--previous",
            action="store_true",
            help="the month, quarter or year before the current one",
        )
        parser.add_argument("--from", dest="start", help="first day of a range, YYYY-MM-DD")
        parser.add_argument("--to", dest="end", help="last day of a range, YYYY-MM-DD")
        parser.add_argument("--format", default="text", help="text (default) or csv")

    def handle(self, *args, **options) -> None:
        period = period_from_options(
            period=options["period"],
            previous=options["previous"],
            start=options["start"],
            end=options["end"],
        )
        output = options["format"]
        if output not in ("text", "csv"):
            raise CommandError(f'Unknown format "{output}": use text or csv.')
        rows = [
            (str(section), str(figure), _value(value))
            for section, figure, value in scheme_figures(period).as_rows()
        ]
        if output == "csv":
            writer = csv.writer(self.stdout, lineterminator="\n")
            writer.writerow(("section", "figure", "value"))
            writer.writerows(rows)
        else:
            self.stdout.write(format_text(period, rows), ending="")


def period_from_options(
    *, period: str | None, previous: bool, start: str | None, end: str | None
) -> Period:
    """The period the options name, or a CommandError that says what is wrong."""
    if start is not None or end is not None:
        if period is not None or previous:
            raise CommandError("Give either --from and --to, or --period (with --previous).")
        if start is None or end is None:
            raise CommandError("A range needs both --from and --to.")
        first, last = _date("--from", start), _date("--to", end)
        if first > last:
            raise CommandError(f"--from ({first}) is after --to ({last}).")
        return Period(first, last)
    name = period or "quarter"
    if name not in PERIODS:
        raise CommandError(f'Unknown period "{name}": use month, quarter or year.')
    current = PERIODS[name](periods.today())
    if previous:
        return PERIODS[name](current.start - datetime.timedelta(days=1))
    return current


def _date(option: str, text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f'{option} "{text}" is not a date: use YYYY-MM-DD.') from None


def _value(value: object) -> str:
    if isinstance(value, float):
        return format(round(value, 2), "g")
    return "" if value is None else str(value)  # no data: empty, as in the exports


def format_text(period: Period, rows: list[tuple[str, str, str]]) -> str:
    """A title, then one line per figure: section, figure and value in columns."""
    lines = [f"Scheme figures: {period.label}", ""]
    section_width = max((len(section) for section, _, _ in rows), default=0)
    figure_width = max((len(figure) for _, figure, _ in rows), default=0)
    for section, figure, value in rows:
        lines.append(f"{section:<{section_width}}  {figure:<{figure_width}}  {value}".rstrip())
    return "\n".join(lines) + "\n"
