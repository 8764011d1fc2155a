"""Emails say who and when: no blank names, dates or "None" in any of them.

Every email of the suite is rendered from our templates with the invalid-variable
check on (tests/template_checks.py); these tests follow real workflows and read the
text that was sent.
"""

import datetime
import re

import pytest
from django.core import mail
from django.utils import timezone

from requests_app import workflow
from scheme.models import SchemeSettings
from tests.factories import MentoringRequestFactory, MentorProfileFactory

pytestmark = pytest.mark.django_db

BLANKS = [
    (re.compile(r"\(\s*\)"), "empty brackets"),
    (re.compile(r"\S  +\S"), "two spaces where a word was left out"),
    (re.compile(r"\bNone\b"), "None"),
    (re.compile(r" [,.:;]"), "a space before punctuation"),
    (re.compile(r"\b(to|from|by|of|with|Hello) ?[,.(]"), "a word with nothing after it"),
]


def blanks_in(message) -> list[str]:
    texts = [message.subject, message.body]
    return [
        f"{message.subject!r}: {what}: {match.group(0)!r}"
        for text in texts
        for line in text.splitlines()
        for pattern, what in BLANKS
        if (match := pattern.search(line))
    ]


def test_every_expiry_email_names_the_mentor_and_the_deadline(mentee, committed):
    mentor = MentorProfileFactory(with_login=True, first_name="Priya", last_name="Shah")
    created = timezone.now() - datetime.timedelta(days=30)
    overdue = MentoringRequestFactory(
        mentee=mentee,
        mentor=mentor,
        created_at=created,
        response_deadline=created + datetime.timedelta(days=7),
    )

    with committed():
        assert workflow.expire_overdue_requests() == 1

    sent = {tuple(m.to): m for m in mail.outbox}
    team = sent[(SchemeSettings.load().inbox_email,)]
    deadline = timezone.localtime(overdue.response_deadline)
    assert f"Request #{overdue.pk} to Priya Shah ({mentor.email})" in team.body
    assert f"{deadline:%A} {deadline.day} {deadline:%B %Y}" in team.body
    assert len(mail.outbox) == 3
    assert [problem for m in mail.outbox for problem in blanks_in(m)] == []


def test_the_emails_of_a_request_and_a_partnership_have_no_blanks(
    mentee, other_mentee, mentor, other_mentor, scheme_admin, committed
):
    """Requests sent, withdrawn, declined and accepted; a partnership's meetings planned,
    cancelled late and held, feedback asked for, more sessions asked for and approved,
    then the partnership ended early."""
    from requests_app.models import ExtensionRequest, MeetingMode
    from tests.test_partnerships import at, hold, make_partnership, moment

    with committed():
        first = workflow.send_request(mentee=other_mentee, mentor_id=mentor.mentor_profile.pk)
        workflow.withdraw_request(request_id=first.pk, mentee=other_mentee)
    with committed():
        second = workflow.send_request(
            mentee=other_mentee, mentor_id=other_mentor.mentor_profile.pk
        )
        workflow.reject_request(
            request_id=second.pk, mentor_user=other_mentor, reason="at_capacity"
        )
    with committed():
        third = workflow.send_request(mentee=other_mentee, mentor_id=mentor.mentor_profile.pk)
        workflow.accept_request(request_id=third.pk, mentor_user=mentor, message="Happy to")

    partnership = make_partnership(mentee, other_mentor)
    with at(1, 6, 9), committed():
        planned = workflow.plan_meeting(
            partnership_id=partnership.pk,
            user=mentee,
            starts_at=moment(1, 6, 18),
            duration_minutes=60,
            mode=MeetingMode.VIDEO,
        )
        workflow.cancel_meeting(meeting_id=planned.pk, user=mentee, reason="On call")
    with committed():
        hold(partnership, mentee, moment(1, 11, 18))
        hold(partnership, mentee, moment(1, 18, 18))
        hold(partnership, other_mentor, moment(1, 25, 18))
    with at(1, 26, 9), committed():
        workflow.request_extension(partnership_id=partnership.pk, user=mentee, reason="More")
    with at(1, 26, 10), committed():
        workflow.approve_extension(
            extension_id=ExtensionRequest.objects.get().pk, admin_user=scheme_admin
        )
    with at(1, 27, 9), committed():
        workflow.end_partnership_early(
            partnership_id=partnership.pk, user=other_mentor, reason="no_click"
        )

    kinds = {m.subject for m in mail.outbox}
    assert len(kinds) >= 12, sorted(kinds)
    assert [problem for m in mail.outbox for problem in blanks_in(m)] == []
