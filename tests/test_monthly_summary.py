"""The monthly summary: last month's figures to the scheme inbox, with the spreadsheet,
once a month however often the job runs, and never when the scheme turned it off."""

import datetime
import io
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from reports.periods import Period
from requests_app import workflow
from scheme.models import SchemeSettings
from tests.test_email_texts import blanks_in

LONDON = ZoneInfo("Europe/London")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NOVEMBER = Period(datetime.date(2026, 11, 1), datetime.date(2026, 11, 30))
pytestmark = pytest.mark.django_db


def at(year, month, day, hour=7, minute=0):
    return time_machine.travel(
        datetime.datetime(year, month, day, hour, minute, tzinfo=LONDON), tick=False
    )


@pytest.fixture
def tasks():
    from reports import tasks

    return tasks


def summaries():
    return [m for m in mail.outbox if m.subject.startswith("The scheme's figures")]


def test_the_summary_of_last_month_goes_to_the_scheme_inbox_on_the_1st(tasks, committed):
    with at(2026, 12, 1), committed():
        assert tasks.email_monthly_summary.delay().get() == 1

    [message] = summaries()
    assert message.to == [SchemeSettings.load().inbox_email]
    assert message.subject == "The scheme's figures for November 2026"
    assert "figures for November 2026" in message.body
    [(name, content, mimetype)] = message.attachments
    assert name == "scheme-figures-2026-11-01_2026-11-30.xlsx"
    assert mimetype == XLSX
    assert isinstance(content, bytes)
    assert blanks_in(message) == []


def test_beat_running_twice_or_a_retry_sends_nothing_more(tasks, committed):
    with at(2026, 12, 1), committed():
        assert tasks.email_monthly_summary.delay().get() == 1
    with at(2026, 12, 1, 7, 0), committed():
        assert tasks.email_monthly_summary.delay().get() == 0
    with at(2026, 12, 2), committed():
        assert tasks.email_monthly_summary.delay().get() == 0

    assert len(summaries()) == 1


def test_a_month_missed_on_the_1st_is_sent_later_that_month_then_the_next_on_time(tasks, committed):
    with at(2026, 12, 15, 10, 30), committed():
        assert tasks.email_monthly_summary.delay().get() == 1
    with at(2026, 12, 31, 23, 59), committed():
        assert tasks.email_monthly_summary.delay().get() == 0
    with at(2027, 1, 1), committed():
        assert tasks.email_monthly_summary.delay().get() == 1

    assert [m.subject for m in summaries()] == [
        "The scheme's figures for November 2026",
        "The scheme's figures for December 2026",
    ]


def test_the_month_is_the_uk_one_at_midnight_in_summer_time(tasks, committed):
    # 00:30 on 1 June in London is still 31 May in UTC.
    with at(2027, 6, 1, 0, 30), committed():
        assert tasks.email_monthly_summary.delay().get() == 1

    assert [m.subject for m in summaries()] == ["The scheme's figures for May 2027"]


def test_nothing_is_sent_when_the_scheme_turned_the_summary_off(tasks, committed):
    scheme = SchemeSettings.load()
    scheme.monthly_summary_email = False
    scheme.save()

    with at(2026, 12, 1), committed():
        assert tasks.email_monthly_summary.delay().get() == 0

    assert summaries() == []
    from reports.models import MonthlySummary

    assert not MonthlySummary.objects.exists()  # turned on again, the month still goes


def test_the_spreadsheet_attached_opens_with_the_months_figures(tasks, committed, mentee, mentor):
    import openpyxl

    with at(2026, 11, 18, 10):
        workflow.send_request(mentee=mentee, mentor_id=mentor.mentor_profile.pk)
    with at(2026, 12, 1), committed():
        tasks.email_monthly_summary.delay().get()

    [message] = summaries()
    [(_, content, _)] = message.attachments
    workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    figures = [tuple(row) for row in workbook["Figures"].iter_rows(values_only=True)]
    assert figures[0] == ("Section", "Figure", "Value")
    assert ("Requests", "Mentees' requests: sent", 1) in figures
    # Only the figures travel by email: the sheets with names stay behind the log-in.
    assert workbook.sheetnames == ["Figures"]


def test_the_email_gives_last_months_totals_and_no_names_or_words(tasks, committed, mentee, mentor):
    with at(2026, 11, 18, 10):
        workflow.send_request(
            mentee=mentee, mentor_id=mentor.mentor_profile.pk, message="Private words"
        )
    with at(2026, 12, 1), committed():
        tasks.email_monthly_summary.delay().get()

    [message] = summaries()
    html = message.alternatives[0][0]
    assert "- Mentees' requests: sent: 1\n" in message.body
    assert "<li>Mentees&#x27; requests: sent: 1</li>" in html
    assert "Median working days to answer: no data" in message.body
    assert "Mentees by " not in message.body  # the breakdowns are in the spreadsheet
    assert "/scheme-figures/" in message.body
    for private in (mentee.first_name, mentee.last_name, mentor.last_name, "Private words"):
        assert private not in message.subject
        assert private not in message.body
        assert private not in html
    assert blanks_in(message) == []


def test_a_run_that_loses_the_race_to_another_sends_nothing(tasks, committed, monkeypatch):
    from reports import summary
    from reports.models import MonthlySummary

    workbook = summary.figures_attachment

    def other_run_commits_first(period):
        MonthlySummary.objects.create(month=period.start)
        return workbook(period)

    monkeypatch.setattr(summary, "figures_attachment", other_run_commits_first)
    with at(2026, 12, 1), committed():
        assert tasks.email_monthly_summary.delay().get() == 0

    assert summaries() == []
    assert MonthlySummary.objects.get().month == datetime.date(2026, 11, 1)


def test_beat_asks_every_morning_at_seven_uk_time():
    from mentoring import celery_app

    entry = celery_app.conf.beat_schedule["email-monthly-summary"]

    assert entry["task"] == "reports.tasks.email_monthly_summary"
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({7}, {0})
    assert celery_app.conf.timezone == "Europe/London"
