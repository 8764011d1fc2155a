"""What people see is what is true: the decision page, contact details, long input."""

import pytest
from django.urls import reverse

from tests.factories import MenteeProfileFactory, MentoringRequestFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_the_decision_page_shows_what_the_mentee_was_told_it_shows(client, mentor):
    """The mentee profile page promises the mentor sees pronouns, grade, school and trust."""
    mentee = UserFactory(verified=True, first_name="Ada", last_name="Byron")
    MenteeProfileFactory(user=mentee, pronouns="she/her", trust__name="Calder Valley NHS Trust")
    sent = MentoringRequestFactory(
        mentee=mentee,
        mentor=mentor.mentor_profile,
        message="First line\nsecond line\n\nA new paragraph with <b>tags</b>",
    )
    client.force_login(mentor)

    html = client.get(reverse("requests:decide", args=[sent.pk])).content.decode()

    assert "she/her" in html
    assert "Calder Valley NHS Trust" in html
    assert "<p>First line<br>second line</p>" in html
    assert "<p>A new paragraph with &lt;b&gt;tags&lt;/b&gt;</p>" in html
