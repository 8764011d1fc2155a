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


# --- Lengths bounded where they are entered -------------------------------------------


def too_long_address() -> str:
    return "a" * 300 + "@example.nhs.uk"  # 315 characters, more than 254


def test_sign_up_refuses_an_address_longer_than_can_be_stored(client):
    from accounts.models import User
    from tests.test_mentee_signup import answer, sign_up

    answer(client, "out")
    response = sign_up(client, email=too_long_address())

    assert response.status_code == 200
    assert "at most 254 characters" in response.content.decode()
    assert not User.objects.filter(email__startswith="aaaa").exists()


def test_an_added_address_is_bounded_too(client, mentee):
    client.force_login(mentee)

    response = client.post(
        reverse("account_email"), {"action_add": "", "email": too_long_address()}
    )

    assert "at most 254 characters" in response.content.decode()
    assert not mentee.emailaddress_set.filter(email__startswith="aaaa").exists()


def test_the_mentee_profile_bounds_names_to_what_is_stored():
    from accounts.forms import MenteeProfileForm
    from accounts.models import MenteeProfile, User

    form = MenteeProfileForm()
    for name in ("first_name", "last_name"):
        assert form.fields[name].max_length == User._meta.get_field(name).max_length
    assert (
        form.fields["pronouns"].max_length == MenteeProfile._meta.get_field("pronouns").max_length
    )


# --- Contact details only while the partnership is open --------------------------------


@pytest.fixture
def partnership(mentee, mentor):
    from requests_app.models import PartnershipState
    from tests.factories import PartnershipFactory

    profile = mentor.mentor_profile
    profile.contact_phone = "07700 900123"
    profile.save(update_fields=["contact_phone"])
    return PartnershipFactory(
        request__mentee=mentee, request__mentor=profile, state=PartnershipState.ACTIVE
    )


def mentee_pages(partnership) -> list[str]:
    return [
        reverse("requests:partnership", args=[partnership.pk]),
        reverse("requests:mentee_detail", args=[partnership.request.pk]),
    ]


def test_the_mentee_sees_the_mentors_contact_details_while_the_partnership_is_open(
    client, partnership, mentee
):
    client.force_login(mentee)

    for url in mentee_pages(partnership):
        assert "07700 900123" in client.get(url).content.decode(), url


def test_the_mentors_contact_details_are_hidden_once_the_partnership_ends_early(
    client, partnership, mentee, mentor
):
    from requests_app import workflow

    workflow.end_partnership_early(partnership_id=partnership.pk, user=mentee, reason="no_click")
    client.force_login(mentee)

    for url in mentee_pages(partnership):
        html = client.get(url).content.decode()
        assert "07700 900123" not in html, url
        assert "How to contact" not in html, url

    client.force_login(mentor)
    for url in (
        reverse("requests:partnership", args=[partnership.pk]),
        reverse("requests:decide", args=[partnership.request.pk]),
    ):
        assert mentee.email not in client.get(url).content.decode(), url
