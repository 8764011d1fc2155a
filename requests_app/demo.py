"""The demo's requests, partnerships and meetings, made through the workflow.

register.demo seeds the mentors and the demo logins and knows nothing of requests;
this module adds, in the same transaction, what people have done with them. Every
step is a workflow call with `now=` set in the past, so the demo rows have the
history, deadlines and checks that real ones have, and the demo looks lived-in.
"""

from __future__ import annotations

import datetime

from django.db.models import F
from django.utils import timezone

from mentoring.outbox.models import Email, EmailState
from register import demo as register_demo
from register.models import MentorProfile
from requests_app import workflow
from requests_app.models import MeetingMode, Partnership
from scheme.models import SchemeSettings

# The mentor's own account (they cannot log in: only the three demo logins can).
FULL_MENTOR_NAME = ("Demo", "Mentor")


def seed(count: int, storage=None) -> register_demo.SeedResult:
    """The whole demo: register's mentors and logins, then the partnership below."""
    return register_demo.seed(count, storage, then=seed_partnerships)


def seed_partnerships(seeds: list[register_demo.MentorSeed], ref: register_demo.Reference) -> None:
    SchemeSettings.load()
    ensure_a_full_mentor(seeds, ref)


def ensure_a_full_mentor(
    seeds: list[register_demo.MentorSeed],
    ref: register_demo.Reference,
    *,
    now: datetime.datetime | None = None,
) -> MentorProfile | None:
    """One mentor with one place, taken by a partnership with another demo mentee, so the
    demo shows a mentor who is full and whose waiting list is open.

    The story, relative to `now`: asked 20 days ago, accepted 18 days ago, agreement
    confirmed by both, a first meeting held 9 days ago and the next one planned for
    5 days ahead. Once the mentor has an open partnership nothing is done again.
    """
    seed = register_demo.the_full_mentor(seeds)
    if seed is None:
        return None
    mentor = MentorProfile.objects.select_related("user").get(email__iexact=seed.email)
    if Partnership.objects.open().filter(mentor=mentor).exists():
        return mentor
    now = now or timezone.now()
    day = datetime.timedelta(days=1)
    first_emails = Email.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    mentee = register_demo.ensure_demo_user(
        register_demo.FULL_MENTEE_EMAIL, first_name="Alex", last_name="Moreno"
    )
    register_demo.ensure_mentee_profile(mentee, ref)
    mentor_user = mentor.user
    if mentor_user is None:
        mentor_user = register_demo.ensure_demo_user(
            mentor.email,
            first_name=str(seed.fields["first_name"]),
            last_name=str(seed.fields["last_name"]),
        )
        MentorProfile.objects.filter(pk=mentor.pk).update(user=mentor_user)

    request = workflow.send_request(
        mentee=mentee,
        mentor_id=mentor.pk,
        message="I am going back to work after a year away and would like to talk it through.",
        preferred_mode=MeetingMode.VIDEO,
        now=now - 20 * day,
    )
    partnership = workflow.accept_request(
        request_id=request.pk,
        mentor_user=mentor_user,
        message="Happy to help: let us agree how we will meet.",
        now=now - 18 * day,
    )
    arrangements = workflow.Arrangements(
        usual_length_minutes=60,
        frequency="Every 2 weeks",
        usual_mode=MeetingMode.VIDEO,
        contact_boundaries="Email on weekdays; a reply within 2 days is fine.",
    )
    for user, ago in ((mentee, 17), (mentor_user, 16)):
        workflow.confirm_agreement(
            partnership_id=partnership.pk, user=user, arrangements=arrangements, now=now - ago * day
        )
    first = workflow.plan_meeting(
        partnership_id=partnership.pk,
        user=mentor_user,
        starts_at=now - 9 * day,
        duration_minutes=60,
        mode=MeetingMode.VIDEO,
        now=now - 15 * day,
    )
    workflow.mark_meeting_held(
        meeting_id=first.pk, user=mentee, now=now - 9 * day + datetime.timedelta(hours=2)
    )
    workflow.plan_meeting(
        partnership_id=partnership.pk,
        user=mentee,
        starts_at=now + 5 * day,
        duration_minutes=60,
        mode=MeetingMode.VIDEO,
        now=now - 3 * day,
    )
    # The emails these steps queued are marked as sent when they were written: they tell
    # two made-up people about things that happened days ago, so sending them when the
    # demo starts would only fill the console (or a real inbox) with stale news. The rows
    # stay, as they would after a real partnership.
    Email.objects.filter(pk__gt=first_emails, state=EmailState.QUEUED).update(
        state=EmailState.SENT, sent_at=F("created_at")
    )
    return mentor
