"""How a peer mentor works: a page for mentors, in the scheme's editable wording."""

import pytest
from django.urls import reverse

from scheme.models import SchemeText
from scheme.texts import DEFAULT_TEXTS, ensure_default_texts
from tests.factories import MentorProfileFactory

pytestmark = pytest.mark.django_db

URL = "/my-bio/how-a-peer-mentor-works/"


def test_the_page_has_its_address():
    assert reverse("peer_mentor_role") == URL


def test_page_ladder(client, mentor, mentee, scheme_admin):
    assert client.get(URL)["Location"].startswith(reverse("account_login"))
    for not_a_mentor in (mentee, scheme_admin):
        client.force_login(not_a_mentor)
        assert client.get(URL).status_code == 404
    client.force_login(mentor)
    response = client.get(URL)
    assert response.status_code == 200
    assert client.post(URL).status_code == 405
    html = response.content.decode()
    assert f"<h1>{DEFAULT_TEXTS['peer-mentor-role'].title}</h1>" in html
    assert "Offer other ways of looking at things, not answers." in html


def test_a_mentor_who_has_not_confirmed_the_framework_reads_it_first(client):
    profile = MentorProfileFactory(with_login=True, framework_confirmed_at=None)
    client.force_login(profile.user)
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"] == reverse("framework_confirm")


def test_the_page_shows_the_admins_wording(client, mentor):
    ensure_default_texts()
    SchemeText.objects.filter(slug="peer-mentor-role").update(
        title="Being a peer mentor here", body="- Listen first, over {months} months"
    )
    client.force_login(mentor)
    html = client.get(URL).content.decode()
    assert "Being a peer mentor here" in html
    assert "Listen first, over 6 months" in html
    assert DEFAULT_TEXTS["peer-mentor-role"].title not in html


def test_the_mentors_dashboard_links_to_it_and_the_mentees_does_not(client, mentor, mentee):
    client.force_login(mentor)
    assert URL in client.get(reverse("dashboard")).content.decode()
    client.force_login(mentee)
    assert URL not in client.get(reverse("dashboard")).content.decode()


def test_our_wording_is_our_own():
    """The default text says the same things as the scheme's guidance in other words:
    none of the guidance's own lines is copied."""
    body = DEFAULT_TEXTS["peer-mentor-role"].body.lower()
    for line in (
        "seeks to understand, rather than to influence",
        "offers alternative perspectives, rather than solutions",
        "shares their experience, rather than transfers knowledge",
        "encourages reflection and self-evaluation rather than giving feedback",
        "asks open questions to help the mentee to decide",
    ):
        assert line not in body
