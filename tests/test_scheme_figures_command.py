"""manage.py scheme_figures: the period's figures as text or CSV, for a script or an email."""

import csv
import datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import CommandError, call_command

from reports.management.commands import scheme_figures as command
from reports.periods import Period
from requests_app import workflow

LONDON = ZoneInfo("Europe/London")
# Wednesday 18 November 2026: in November, the fourth quarter and 2026.
TODAY = datetime.datetime(2026, 11, 18, 9, 0, tzinfo=LONDON)
ROWS = [
    ("Requests", "Sent", 12),
    ("Requests", "Accepted", 9),
    ("Responsiveness", "Median working days to answer", 1.5),
    ("Feedback", "Mentees' average rating at the end", "fewer than 5"),
]


class StandIn:
    """Figures with a known shape, and the periods they were asked for."""

    asked: list[Period]

    def __init__(self) -> None:
        self.asked = []

    def __call__(self, period: Period) -> "StandIn":
        self.asked.append(period)
        return self

    def as_rows(self) -> list[tuple[str, str, object]]:
        return ROWS


@pytest.fixture
def figures(monkeypatch):
    """Figures of a known shape, to check the periods and the layout."""
    stand_in = StandIn()
    monkeypatch.setattr(command, "scheme_figures", stand_in)
    return stand_in


def run(*args: str) -> str:
    out = StringIO()
    with time_machine.travel(TODAY, tick=False):
        call_command("scheme_figures", *args, stdout=out)
    return out.getvalue()


def test_the_default_is_this_quarter_as_aligned_text(figures):
    text = run()

    assert figures.asked == [Period(datetime.date(2026, 10, 1), datetime.date(2026, 12, 31))]
    lines = text.splitlines()
    assert lines[0] == "Scheme figures: 1 October 2026 to 31 December 2026"
    assert lines[1] == ""
    assert lines[2:] == [
        "Requests        Sent                                12",
        "Requests        Accepted                            9",
        "Responsiveness  Median working days to answer       1.5",
        "Feedback        Mentees' average rating at the end  fewer than 5",
    ]


@pytest.mark.parametrize(
    ("args", "start", "end"),
    [
        (["--period", "month"], datetime.date(2026, 11, 1), datetime.date(2026, 11, 30)),
        (["--period", "year"], datetime.date(2026, 1, 1), datetime.date(2026, 12, 31)),
        (["--previous"], datetime.date(2026, 7, 1), datetime.date(2026, 9, 30)),
        (
            ["--period", "month", "--previous"],
            datetime.date(2026, 10, 1),
            datetime.date(2026, 10, 31),
        ),
        (
            ["--period", "year", "--previous"],
            datetime.date(2025, 1, 1),
            datetime.date(2025, 12, 31),
        ),
        (
            ["--from", "2026-04-01", "--to", "2027-03-31"],
            datetime.date(2026, 4, 1),
            datetime.date(2027, 3, 31),
        ),
        (
            ["--from", "2026-05-04", "--to", "2026-05-04"],
            datetime.date(2026, 5, 4),
            datetime.date(2026, 5, 4),
        ),
    ],
)
def test_each_way_of_naming_a_period(figures, args, start, end):
    run(*args)

    assert figures.asked == [Period(start, end)]


def test_the_previous_month_in_january_is_last_december(figures):
    out = StringIO()
    with time_machine.travel(datetime.datetime(2027, 1, 1, 0, 30, tzinfo=LONDON), tick=False):
        call_command("scheme_figures", "--period", "month", "--previous", stdout=out)

    assert figures.asked == [Period(datetime.date(2026, 12, 1), datetime.date(2026, 12, 31))]
    assert out.getvalue().startswith("Scheme figures: December 2026\n")


def test_csv_has_a_header_and_one_row_per_figure(figures):
    text = run("--period", "month", "--format", "csv")

    assert list(csv.reader(StringIO(text))) == [
        ["section", "figure", "value"],
        ["Requests", "Sent", "12"],
        ["Requests", "Accepted", "9"],
        ["Responsiveness", "Median working days to answer", "1.5"],
        ["Feedback", "Mentees' average rating at the end", "fewer than 5"],
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--period", "fortnight"], 'Unknown period "fortnight": use month, quarter or year.'),
        (["--from", "2026-02-30", "--to", "2026-03-31"], '--from "2026-02-30" is not a date'),
        (["--from", "2026-04-01", "--to", "31/03/2027"], '--to "31/03/2027" is not a date'),
        (["--from", "2026-05-01", "--to", "2026-04-30"], "--from (2026-05-01) is after --to"),
        (["--from", "2026-05-01"], "A range needs both --from and --to."),
        (["--to", "2026-05-01"], "A range needs both --from and --to."),
        (["--period", "month", "--from", "2026-05-01", "--to", "2026-05-31"], "Give either"),
        (["--previous", "--from", "2026-05-01", "--to", "2026-05-31"], "Give either"),
        (["--format", "xlsx"], 'Unknown format "xlsx": use text or csv.'),
    ],
)
def test_bad_input_is_a_clear_error_and_asks_for_no_figures(figures, args, message):
    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(")", r"\)")):
        run(*args)

    assert figures.asked == []


@pytest.mark.django_db
def test_the_scheme_figures_themselves_count_the_month_and_name_nobody(mentee, mentor):
    with time_machine.travel(TODAY, tick=False):
        workflow.send_request(
            mentee=mentee, mentor_id=mentor.mentor_profile.pk, message="Private words"
        )

    text = run("--period", "month")
    rows = list(csv.reader(StringIO(run("--period", "month", "--format", "csv"))))

    assert text.startswith("Scheme figures: November 2026\n")
    assert ["Requests", "Mentees' requests: sent", "1"] in rows
    assert ["Now", "Requests waiting for an answer", "1"] in rows
    # Full names: a last name alone may be part of a trust's or a school's name.
    names = (mentee.get_full_name(), mentor.mentor_profile.full_name)
    for private in (*names, mentee.email, "Private words"):
        assert private not in text
