"""Once a partnership ends, its unanswered mid-point survey closes; the end survey is
asked for under its own subject."""

import pytest
from django.core import mail
from django.urls import reverse

from requests_app import tasks, workflow
from requests_app.models import Feedback, FeedbackStage
from tests.test_partnerships import at, hold, make_partnership, moment

pytestmark = pytest.mark.django_db


@pytest.fixture
def asked(mentee, mentor):
    """Mid-point surveys asked for on Monday 25 January 2027, left unanswered."""
    partnership = make_partnership(mentee, mentor)
    hold(partnership, mentee, moment(1, 11, 18))
    hold(partnership, mentor, moment(1, 25, 18))
    assert Feedback.objects.filter(stage=FeedbackStage.MIDPOINT).count() == 2
    mail.outbox.clear()
    return partnership


@pytest.fixture
def ended(asked, mentor, committed):
    with at(1, 27, 12), committed():
        workflow.end_partnership_early(partnership_id=asked.pk, user=mentor, reason="no_click")
    return asked


def test_the_end_survey_email_does_not_ask_how_mentoring_is_going(ended, mentee):
    [to_mentee] = [m for m in mail.outbox if m.to == [mentee.email] and "survey" in m.subject]

    assert to_mentee.subject == "How did peer mentoring go? A 2-minute survey"
    assert "has ended" in to_mentee.body


def test_the_midpoint_survey_email_asks_how_mentoring_is_going(mentee, mentor, committed):
    partnership = make_partnership(mentee, mentor)
    hold(partnership, mentee, moment(1, 11, 18))
    with committed():
        hold(partnership, mentor, moment(1, 25, 18))

    subjects = {m.subject for m in mail.outbox if "survey" in m.subject}
    assert subjects == {"How is peer mentoring going? A 2-minute survey"}


@pytest.mark.parametrize("page", ["dashboard", "partnership"])
def test_after_the_end_only_the_end_survey_is_offered(client, ended, mentee, page):
    midpoint = Feedback.objects.get(respondent=mentee, stage=FeedbackStage.MIDPOINT)
    end = Feedback.objects.get(respondent=mentee, stage=FeedbackStage.END)
    client.force_login(mentee)
    url = (
        reverse("dashboard")
        if page == "dashboard"
        else reverse("requests:partnership", args=[ended.pk])
    )

    html = client.get(url).content.decode()

    assert reverse("requests:feedback", args=[end.pk]) in html
    assert reverse("requests:feedback", args=[midpoint.pk]) not in html
    assert "mid-point feedback" not in html


def test_the_closed_midpoint_survey_says_so_and_takes_no_answer(client, ended, mentee):
    midpoint = Feedback.objects.get(respondent=mentee, stage=FeedbackStage.MIDPOINT)
    client.force_login(mentee)
    url = reverse("requests:feedback", args=[midpoint.pk])

    page = client.get(url).content.decode()
    assert "this mid-point survey has closed" in page
    assert "Send feedback" not in page

    answers = {"rating_overall": 4, "rating_felt_heard": 4, "rating_would_recommend": 4}
    client.post(url, answers)
    with pytest.raises(workflow.WorkflowError, match="mid-point survey has closed"):
        workflow.submit_feedback(feedback_id=midpoint.pk, user=mentee, **answers)
    midpoint.refresh_from_db()
    assert midpoint.submitted_at is None


def test_no_reminder_for_a_closed_midpoint_survey(ended, mentee, mentor, committed):
    mail.outbox.clear()
    with at(2, 1, 19), committed():
        reminded = tasks.remind_unanswered_feedback()

    assert reminded == 0
    assert mail.outbox == []
