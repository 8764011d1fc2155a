"""The emails a bio's change of status sends its mentor: published, or retired.

Queued set-based, one INSERT ... SELECT for however many bios an admin action
changed, inside the change's transaction (register.services._change_status);
each is rendered when it is sent. The email says what happened, never why.
"""

import datetime

from django.conf import settings
from django.db.models import F
from django.urls import reverse

from mentoring.outbox.services import queue_for_rows
from register.models import MentorProfile, MentorStatus
from scheme.models import SchemeSettings

TEMPLATES = {
    MentorStatus.PUBLISHED: "bio_published",
    MentorStatus.RETIRED: "bio_retired",
}


def email_mentors(*, ids: list[int], to: str, now: datetime.datetime) -> int:
    """Tell each mentor whose bio moved `to` a status that has an email; returns how many."""
    template = TEMPLATES.get(MentorStatus(to))
    if template is None or not ids:
        return 0
    return queue_for_rows(
        MentorProfile.objects.filter(pk__in=ids, status=to),
        recipient=F("email"),
        template=template,
        name="mentor",
        extra={
            "link": settings.SITE_URL + reverse("dashboard"),
            "inbox": SchemeSettings.load().inbox_email,
        },
        now=now,
    )
