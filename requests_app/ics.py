"""A calendar file (iCalendar, RFC 5545) for one meeting: what calendar apps import,
and the updates that move or cancel it there (same UID, higher SEQUENCE).

Small enough to write by hand: one event, times in UTC, text escaped and long
lines folded at 75 octets as the standard asks.
"""

import datetime
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

from requests_app.models import Meeting, MeetingState

CONTENT_TYPE = "text/calendar; charset=utf-8"


def mime(method: str) -> str:
    """The type of an emailed calendar file, naming its method as Outlook expects to
    update or cancel the event in place (RFC 6047, 2.4)."""
    return f"text/calendar; method={method}"


def _utc(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).strftime("%Y%m%dT%H%M%SZ")


# Control characters (a bare carriage return above all) and Unicode line separators
# could end a content line early and start a property of the writer's choosing.
# A tab is allowed in TEXT; a line feed becomes the escaped \n below.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")


def _text(value: str) -> str:
    """A TEXT value (RFC 5545, 3.3.11): line breaks become the escaped \\n, other
    control characters are dropped, and backslash, semicolon and comma are escaped."""
    value = _CONTROL.sub("", value.replace("\r\n", "\n"))
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> str:
    """Lines longer than 75 octets continue on the next line after one space."""
    encoded = line.encode()
    if len(encoded) <= 75:
        return line
    parts, start, limit = [], 0, 75
    while start < len(encoded):
        end = min(start + limit, len(encoded))
        while end < len(encoded) and (encoded[end] & 0xC0) == 0x80:
            end -= 1  # never split a UTF-8 character
        parts.append(encoded[start:end].decode())
        start, limit = end, 74  # the leading space counts
    return "\r\n ".join(parts)


# How a file tells a calendar what to do with the event (RFC 5546, iTIP).
#
# A file someone downloads from the partnership page is PUBLISH: an event to import.
# A file we email is REQUEST, or CANCEL once the meeting is cancelled: Outlook, Gmail
# and Apple Mail read those as an invitation and its changes, and replace or remove
# the event of the same UID when SEQUENCE is higher, which a PUBLISH attachment does
# not reliably do (Outlook files it as a second event). iTIP asks REQUEST and CANCEL
# for an ORGANIZER and the ATTENDEE addressed: the organiser is the service's own
# sending address (neither side organises it in anyone's mail system), and the
# attendee the person emailed, already accepted and asked for no reply, so a calendar
# never offers to answer a no-reply address.
PUBLISH = "PUBLISH"
REQUEST = "REQUEST"
CANCEL = "CANCEL"


@dataclass(frozen=True)
class Person:
    name: str
    email: str


def _param(value: str) -> str:
    """A parameter value (RFC 5545, 3.2): quoted, with no quote or control character."""
    return '"' + _CONTROL.sub("", value.replace("\r", "").replace("\n", " ")).replace('"', "") + '"'


def _address(email: str) -> str:
    return "mailto:" + _CONTROL.sub("", email.replace("\r", "").replace("\n", "")).replace(" ", "")


def uid(meeting: Meeting) -> str:
    host = urlsplit(settings.SITE_URL).hostname or "localhost"
    return f"meeting-{meeting.pk}@{host}"


def meeting_ics(
    meeting: Meeting,
    *,
    summary: str,
    description: str,
    url: str,
    now: datetime.datetime,
    method: str = PUBLISH,
    organizer: Person | None = None,
    attendee: Person | None = None,
) -> str:
    """The meeting as it stands, version meeting.calendar_sequence: REQUEST and CANCEL
    (emailed) name the organiser and the attendee, PUBLISH (downloaded) neither."""
    if method not in (PUBLISH, REQUEST, CANCEL):
        raise ValueError(f"Unknown calendar method {method!r}")
    if method != PUBLISH and (organizer is None or attendee is None):
        raise ValueError(f"METHOD:{method} needs an organiser and an attendee")
    ends_at = meeting.starts_at + datetime.timedelta(minutes=meeting.duration_minutes)
    cancelled = method == CANCEL or meeting.state == MeetingState.CANCELLED
    people = []
    if organizer is not None and attendee is not None:
        people = [
            f"ORGANIZER;CN={_param(organizer.name)}:{_address(organizer.email)}",
            f"ATTENDEE;CN={_param(attendee.name)};ROLE=REQ-PARTICIPANT;"
            f"PARTSTAT=ACCEPTED;RSVP=FALSE:{_address(attendee.email)}",
        ]
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Peer mentoring//Meetings//EN",
        "CALSCALE:GREGORIAN",
        f"METHOD:{method}",
        "BEGIN:VEVENT",
        f"UID:{uid(meeting)}",
        f"DTSTAMP:{_utc(now)}",
        f"DTSTART:{_utc(meeting.starts_at)}",
        f"DTEND:{_utc(ends_at)}",
        f"SUMMARY:{_text(summary)}",
        f"DESCRIPTION:{_text(description)}",
        f"URL:{url}",
        *people,
        f"STATUS:{'CANCELLED' if cancelled else 'CONFIRMED'}",
        f"SEQUENCE:{meeting.calendar_sequence}",
        "TRANSP:OPAQUE",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"
