"""A calendar file (iCalendar, RFC 5545) for one meeting: what calendar apps import.

Small enough to write by hand: one event, times in UTC, text escaped and long
lines folded at 75 octets as the standard asks.
"""

import datetime
import re
from urllib.parse import urlsplit

from django.conf import settings

from requests_app.models import Meeting

CONTENT_TYPE = "text/calendar; charset=utf-8"


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


def meeting_ics(
    meeting: Meeting, *, summary: str, description: str, url: str, now: datetime.datetime
) -> str:
    host = urlsplit(settings.SITE_URL).hostname or "localhost"
    ends_at = meeting.starts_at + datetime.timedelta(minutes=meeting.duration_minutes)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Peer mentoring//Meetings//EN",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        "BEGIN:VEVENT",
        f"UID:meeting-{meeting.pk}@{host}",
        f"DTSTAMP:{_utc(now)}",
        f"DTSTART:{_utc(meeting.starts_at)}",
        f"DTEND:{_utc(ends_at)}",
        f"SUMMARY:{_text(summary)}",
        f"DESCRIPTION:{_text(description)}",
        f"URL:{url}",
        "STATUS:CONFIRMED",
        "SEQUENCE:0",
        "TRANSP:OPAQUE",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"
