"""Emails for the register's and the partnerships' events: a bio sent in (to its
mentor), published and retired (to the mentor, one each however many an admin action
changes), and a partnership completed (to the scheme inbox, who and when only).

Each is queued once, in the change's transaction, and read here as it is sent: the
text and the HTML, with no blank names, dates or "None".
"""

import datetime
import re

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from mentoring.outbox.models import Email, EmailState
from mentoring.outbox.services import message_id
from privacy.personal_data import erase_account
from register import services
from register.models import MentorProfile, MentorStatus
from requests_app import workflow
from requests_app.models import PartnershipState
from scheme.models import SchemeSettings
from tests.factories import MenteeFactory, MentorProfileFactory, PartnershipFactory
from tests.test_bio_submission import URL as SUBMIT_URL
from tests.test_bio_submission import at_london, set_deadline, submission
from tests.test_email_texts import blanks_in

pytestmark = pytest.mark.django_db

INBOX = "scheme.inbox@example.nhs.uk"
HTML_BLANKS = [
    (re.compile(r"\bNone\b"), "None"),
    (re.compile(r"(Hello|Dear)\s*,"), "a greeting without a name"),
    (re.compile(r'href=""'), "an empty link"),
]


@pytest.fixture(autouse=True)
def inbox(db):
    scheme = SchemeSettings.load()
    scheme.inbox_email = INBOX
    scheme.save()


def sent(template: str) -> list:
    """The messages sent of one kind (every row queued, sent once), each checked for
    blanks in its text and HTML."""
    ids = {message_id(email) for email in Email.objects.filter(kind=template)}
    messages = [m for m in mail.outbox if m.extra_headers["Message-ID"] in ids]
    assert len(messages) == len(ids)
    assert not Email.objects.filter(kind=template).exclude(state=EmailState.SENT).exists()
    for message in messages:
        assert blanks_in(message) == []
        ((html, kind),) = message.alternatives
        assert kind == "text/html"
        assert [what for pattern, what in HTML_BLANKS if pattern.search(html)] == []
    return messages


def queued(template: str) -> int:
    return Email.objects.filter(kind=template).count()


# --- A bio sent in -------------------------------------------------------------------------


def test_the_mentor_who_sends_in_a_bio_is_told_it_arrived(client, committed):
    set_deadline(datetime.date(2026, 6, 30))
    SchemeSettings.objects.update(inbox_email=INBOX)
    with at_london(2026, 6, 1, 12), committed():
        client.post(SUBMIT_URL, submission())

    assert queued("bio_submitted") == 1
    assert queued("bio_submitted_team") == 1
    (message,) = sent("bio_submitted")
    assert message.to == ["priya.shah@example.nhs.uk"]
    assert message.subject == "We have your mentor bio"
    assert "Hello Priya," in message.body
    assert "The scheme team will check it" in message.body
    assert INBOX in message.body
    assert "Hello Priya," in message.alternatives[0][0]


def test_a_refused_submission_sends_nothing(client, committed):
    set_deadline(datetime.date(2026, 6, 30))
    with at_london(2026, 6, 1, 12), committed():
        client.post(SUBMIT_URL, submission(register_consent=None))

    assert not MentorProfile.objects.exists()
    assert Email.objects.count() == 0


# --- Published and retired --------------------------------------------------------------------


def test_publishing_tells_the_mentor_once(scheme_admin, committed):
    bio = MentorProfileFactory(
        status=MentorStatus.SUBMITTED, first_name="Priya", email="priya@example.nhs.uk"
    )

    with committed():
        services.review_bio(bio=bio, by=scheme_admin, publish=True)
    with committed():
        services.publish_bios(bios=[bio.pk], by=scheme_admin)  # already published: nothing

    assert queued("bio_published") == 1
    (message,) = sent("bio_published")
    assert message.to == ["priya@example.nhs.uk"]
    assert message.subject == "Your mentor bio is on the register"
    assert "Hello Priya," in message.body
    assert "/dashboard/" in message.body


def test_the_admin_actions_email_each_mentor_they_change(client, scheme_admin, settings, committed):
    settings.ADMIN_REQUIRE_MFA = False
    client.force_login(scheme_admin)
    drafts = [
        MentorProfileFactory(status=MentorStatus.DRAFT, first_name=name, email=f"{name}@x.nhs.uk")
        for name in ("Amara", "Bilal", "Cerys")
    ]
    already = MentorProfileFactory(status=MentorStatus.PUBLISHED, email="already@x.nhs.uk")
    selected = [p.pk for p in [*drafts, already]]

    with committed():
        client.post(
            "/admin/register/mentorprofile/",
            {"action": "publish", "_selected_action": selected},
        )
    assert sorted(m.to[0] for m in sent("bio_published")) == [
        "Amara@x.nhs.uk",
        "Bilal@x.nhs.uk",
        "Cerys@x.nhs.uk",
    ]

    with committed():
        client.post(
            "/admin/register/mentorprofile/",
            {"action": "retire", "_selected_action": [drafts[0].pk, drafts[1].pk]},
        )
    retired = sent("bio_retired")
    assert sorted(m.to[0] for m in retired) == ["Amara@x.nhs.uk", "Bilal@x.nhs.uk"]
    assert {m.subject for m in retired} == {"Your mentor bio is no longer on the register"}
    assert all(INBOX in m.body for m in retired)
    assert queued("bio_published") == 3
    assert queued("bio_retired") == 2


def test_unpublishing_to_draft_sends_no_email(scheme_admin, committed):
    bio = MentorProfileFactory(status=MentorStatus.PUBLISHED)

    with committed():
        services.unpublish_bios(bios=[bio.pk], by=scheme_admin)

    assert Email.objects.count() == 0


def test_a_change_made_in_the_admin_form_emails_too(scheme_admin, committed):
    bio = MentorProfileFactory(status=MentorStatus.PUBLISHED, email="p@x.nhs.uk")

    with committed():
        services.set_status(
            bio=bio, by=scheme_admin, expected=MentorStatus.PUBLISHED, to=MentorStatus.RETIRED
        )

    assert [m.to for m in sent("bio_retired")] == [["p@x.nhs.uk"]]


def _publish_queries(scheme_admin, how_many: int) -> int:
    ids = [MentorProfileFactory(status=MentorStatus.DRAFT).pk for _ in range(how_many)]
    with CaptureQueriesContext(connection) as captured:
        services.publish_bios(bios=ids, by=scheme_admin)
    return len(captured)


def test_the_emails_of_a_bulk_action_take_as_many_queries_for_many_bios_as_for_few(
    scheme_admin,
):
    SchemeSettings.load()
    few = _publish_queries(scheme_admin, 2)
    many = _publish_queries(scheme_admin, 20)

    assert few == many
    assert queued("bio_published") == 22


# --- A partnership completed ------------------------------------------------------------------


def test_the_scheme_inbox_hears_of_each_completed_partnership_with_dates_only(committed):
    mentor = MentorProfileFactory(with_login=True, first_name="Priya", last_name="Shah")
    mentee = MenteeFactory(first_name="Sam", last_name="Okoro")
    partnership = PartnershipFactory(
        request__mentee=mentee,
        request__mentor=mentor,
        state=PartnershipState.ACTIVE,
        started_at=datetime.datetime(2027, 1, 4, 10, tzinfo=datetime.UTC),
        window_ends_on=datetime.date(2027, 7, 4),
        frequency="Every 2 weeks, talking about my return to work",
    )
    now = datetime.datetime(2027, 7, 5, 9, tzinfo=datetime.UTC)

    with time_machine.travel(now, tick=False), committed():
        assert workflow.complete_finished_partnerships() == 1
    with time_machine.travel(now, tick=False), committed():
        assert workflow.complete_finished_partnerships() == 0

    assert queued("partnership_completed_team") == 1
    (message,) = sent("partnership_completed_team")
    assert message.to == [INBOX]
    assert message.subject == f"Mentoring partnership #{partnership.pk} completed"
    assert "Priya Shah mentoring Sam Okoro" in message.body
    assert "Started: 4 January 2027" in message.body
    assert "Completed: 5 July 2027" in message.body
    # No reason, and nothing of the mentoring itself.
    assert "window" not in message.body
    assert "return to work" not in message.body
    # Both sides still get their own email.
    assert queued("partnership_completed") == 2


def test_a_mentor_erasing_their_account_is_not_emailed_that_their_bio_retired(mentor, committed):
    with committed():
        erase_account(mentor)

    assert MentorProfile.objects.get(pk=mentor.mentor_profile.pk).status == MentorStatus.RETIRED
    assert queued("bio_retired") == 0
