"""Emails for the register's events: a bio published and retired (to the mentor, one
each however many an admin action changes).

Each is queued once, in the change's transaction, and read here as it is sent: the
text and the HTML, with no blank names, dates or "None".
"""

import re

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from mentoring.outbox.models import Email, EmailState
from mentoring.outbox.services import message_id
from register import services
from register.models import MentorStatus
from scheme.models import SchemeSettings
from tests.factories import MentorProfileFactory
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
