"""Names in a calendar file stay text: no line of the .ics can be written by a user."""

import icalendar
import pytest
from django.urls import reverse

from tests.test_partnerships import add_meeting, at, make_partnership, moment

pytestmark = pytest.mark.django_db

EVENT_PROPERTIES = {
    "UID",
    "DTSTAMP",
    "DTSTART",
    "DTEND",
    "SUMMARY",
    "DESCRIPTION",
    "URL",
    "STATUS",
    "SEQUENCE",
    "TRANSP",
}


def test_a_name_with_control_characters_cannot_add_lines_to_the_calendar_file(
    client, mentee, mentor
):
    mentee.first_name = "Zoë\r"
    mentee.last_name = "O'Neil; Smith, X\r\nATTENDEE:evil@example.com\rEND:VEVENT\x0b\x85\u2028!"
    mentee.save()
    partnership = make_partnership(mentee, mentor)
    meeting = add_meeting(partnership, moment(1, 11, 18))

    with at(1, 5):
        client.force_login(mentor)
        response = client.get(reverse("requests:meeting_calendar", args=[meeting.pk]))

    content = response.content.decode()
    lines = content.split("\r\n")
    assert lines[-1] == ""
    assert all("\r" not in line and "\n" not in line for line in lines)
    assert all(len(line.encode()) <= 75 for line in lines)
    unfolded = content.replace("\r\n ", "")
    assert "\\; Smith\\, X\\nATTENDEE:evil@example.com" in unfolded
    names = [line.split(":")[0] for line in unfolded.split("\r\n") if line]
    assert names == [
        *("BEGIN", "VERSION", "PRODID", "CALSCALE", "METHOD", "BEGIN"),
        *("UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY", "DESCRIPTION", "URL"),
        *("STATUS", "SEQUENCE", "TRANSP", "END", "END"),
    ]

    calendar = icalendar.Calendar.from_ical(content)
    [event] = calendar.walk("VEVENT")
    assert set(event.keys()) == EVENT_PROPERTIES
    assert str(event["SUMMARY"]) == (
        "Peer mentoring with Zoë O'Neil; Smith, X\nATTENDEE:evil@example.comEND:VEVENT!"
    )
    assert event.decoded("DTSTART") == moment(1, 11, 18)
    assert [component.name for component in calendar.walk()] == ["VCALENDAR", "VEVENT"]
