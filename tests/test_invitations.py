"""Issuing mentor logins: the admin action, the email, and the set-password page."""

import datetime
import re
from urllib.parse import urlsplit

import pytest
import time_machine
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.admin.models import LogEntry
from django.core import mail, signing
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import User
from register import invitations
from register.models import MentorProfile, MentorStatus
from tests.axe import assert_no_axe_violations
from tests.factories import (
    TEST_PASSWORD,
    MenteeProfileFactory,
    MentorProfileFactory,
    UserFactory,
)

LIST_URL = "/admin/register/mentorprofile/"
NEW_PASSWORD = "a-Long-and-unusual-passphrase-42"
LINK = re.compile(r"https?://\S+/accounts/invitation/[^/\s]+/")


@pytest.fixture
def invite(django_capture_on_commit_callbacks, scheme_admin):
    """Send invitations the way the admin action does, running the after-commit emails."""

    def send(*profiles, now=None):
        with django_capture_on_commit_callbacks(execute=True):
            return invitations.send_invitations(
                mentors=[p.pk for p in profiles], by=scheme_admin, now=now
            )

    return send


def link_path(message) -> str:
    match = LINK.search(message.body)
    assert match, f"no invitation link in:\n{message.body}"
    return urlsplit(match.group(0)).path


def set_password(client, path: str, password: str = NEW_PASSWORD, again: str | None = None):
    return client.post(path, {"password1": password, "password2": again or password})


# --- Sending --------------------------------------------------------------------------


def test_inviting_a_mentor_without_an_account_creates_one_and_emails_a_link(invite):
    profile = MentorProfileFactory(email="New.Mentor@Example.nhs.uk", first_name="Nia")

    outcome = invite(profile)

    profile.refresh_from_db()
    user = profile.user
    assert outcome.sent == [profile]
    assert user.email == "new.mentor@example.nhs.uk"
    assert (user.first_name, user.last_name) == ("Nia", profile.last_name)
    assert not user.has_usable_password()
    assert len(profile.invitation_nonce) == 32
    assert profile.invited_at is not None
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["new.mentor@example.nhs.uk"]
    assert message.subject.startswith("Set up your peer mentor login")
    assert "Hello Nia" in message.body
    assert link_path(message) in message.alternatives[0][0]
    assert "works once" in message.body


def test_inviting_links_an_existing_mentee_account_instead_of_making_a_second(invite):
    mentee_user = UserFactory(email="both.roles@example.nhs.uk", verified=True)
    MenteeProfileFactory(user=mentee_user)
    profile = MentorProfileFactory(email="Both.Roles@example.nhs.uk")

    outcome = invite(profile)

    profile.refresh_from_db()
    assert profile.user == mentee_user
    assert outcome.linked == [profile]
    assert User.objects.filter(email__iexact="both.roles@example.nhs.uk").count() == 1
    assert mentee_user.has_usable_password()  # their password still works
    assert "You already have an account" in mail.outbox[0].body


def test_an_account_that_is_another_mentors_login_is_not_linked(invite):
    other = MentorProfileFactory(with_login=True, email="first@example.nhs.uk")
    other.user.email = "shared@example.nhs.uk"
    other.user.save()
    profile = MentorProfileFactory(email="shared@example.nhs.uk")

    outcome = invite(profile)

    profile.refresh_from_db()
    assert profile.user is None
    assert outcome.skipped == {invitations.SKIP_OTHER_MENTOR: [profile]}
    assert mail.outbox == []


def test_retired_mentors_and_switched_off_accounts_are_not_invited(invite):
    retired = MentorProfileFactory(status=MentorStatus.RETIRED)
    switched_off = MentorProfileFactory(with_login=True)
    switched_off.user.is_active = False
    switched_off.user.save()

    outcome = invite(retired, switched_off)

    assert outcome.sent == []
    assert outcome.skipped == {
        invitations.SKIP_RETIRED: [retired],
        invitations.SKIP_INACTIVE: [switched_off],
    }
    assert mail.outbox == []


def test_inviting_many_mentors_at_once_sends_each_their_own_link(invite):
    profiles = [MentorProfileFactory() for _ in range(6)]

    invite(*profiles)

    assert len(mail.outbox) == 6
    assert len({link_path(m) for m in mail.outbox}) == 6
    assert {m.to[0] for m in mail.outbox} == {p.email for p in profiles}


def test_send_invitations_uses_a_few_queries_whatever_the_number(
    scheme_admin, django_assert_max_num_queries
):
    few = [MentorProfileFactory().pk for _ in range(2)]
    many = [MentorProfileFactory().pk for _ in range(20)]

    with CaptureQueriesContext(connection) as for_few:
        invitations.send_invitations(mentors=few, by=scheme_admin)
    with django_assert_max_num_queries(len(for_few.captured_queries)):
        invitations.send_invitations(mentors=many, by=scheme_admin)


# --- The admin action ------------------------------------------------------------------


def test_admin_action_sends_invitations_and_reports_them(
    client, scheme_admin, settings, django_capture_on_commit_callbacks
):
    settings.ADMIN_REQUIRE_MFA = False
    client.force_login(scheme_admin)
    profile = MentorProfileFactory(first_name="Ana", last_name="Action")
    retired = MentorProfileFactory(status=MentorStatus.RETIRED, first_name="Rex", last_name="Old")

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            LIST_URL,
            {"action": "send_login_invitation", "_selected_action": [profile.pk, retired.pk]},
            follow=True,
        )

    messages = [str(m) for m in response.context["messages"]]
    assert "Login invitation sent to 1 mentor. The links work for 7 days." in messages
    assert "Not sent to Rex Old: retired mentors are not invited." in messages
    assert [m.to for m in mail.outbox] == [[profile.email]]
    assert LogEntry.objects.filter(object_id=str(profile.pk), user=scheme_admin).exists()
    html = response.content.decode()
    assert "Invited " in html


def test_admin_action_is_refused_to_someone_who_is_not_a_scheme_admin(client, mentor, settings):
    settings.ADMIN_REQUIRE_MFA = False
    client.force_login(mentor)
    profile = MentorProfileFactory()

    client.post(LIST_URL, {"action": "send_login_invitation", "_selected_action": [profile.pk]})

    profile.refresh_from_db()
    assert profile.invited_at is None
    assert mail.outbox == []


# --- The set-password page ------------------------------------------------------------------


@pytest.fixture
def invited(invite):
    """A mentor who has just been invited, and the path of their link."""
    profile = MentorProfileFactory(first_name="Ife", email="ife@example.nhs.uk")
    invite(profile)
    profile.refresh_from_db()
    return profile, link_path(mail.outbox[-1])


def test_the_invitation_page_is_public_and_asks_for_a_password(client, invited):
    _, path = invited

    response = client.get(path)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Choose your password" in html
    assert "ife@example.nhs.uk" in html
    assert 'autocomplete="new-password"' in html
    assert "csrfmiddlewaretoken" in html


def test_setting_the_password_logs_the_mentor_in_and_verifies_their_email(client, invited):
    profile, path = invited

    response = set_password(client, path)

    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard")
    profile.refresh_from_db()
    assert profile.invitation_nonce == ""
    assert profile.user.check_password(NEW_PASSWORD)
    address = EmailAddress.objects.get(user=profile.user)
    assert (address.email, address.verified, address.primary) == ("ife@example.nhs.uk", True, True)
    # A first log-in goes on to the ethical framework before anything else.
    dashboard = client.get(reverse("dashboard"))
    assert dashboard.status_code == 302
    assert dashboard["Location"] == reverse("framework_confirm")
    assert client.session["_auth_user_id"] == str(profile.user.pk)
    # And the new password works for the normal log-in page.
    client.logout()
    login = client.post(
        "/accounts/login/", {"login": "ife@example.nhs.uk", "password": NEW_PASSWORD}
    )
    assert login.status_code == 302
    assert login["Location"] == reverse("dashboard")


def test_a_linked_mentee_keeps_one_verified_primary_address(invite, client):
    mentee_user = UserFactory(email="two.roles@example.nhs.uk", verified=True)
    profile = MentorProfileFactory(email="two.roles@example.nhs.uk")
    invite(profile)

    set_password(client, link_path(mail.outbox[-1]))

    assert list(
        EmailAddress.objects.filter(user=mentee_user).values_list("verified", "primary")
    ) == [(True, True)]


@pytest.mark.parametrize(
    ("password", "again", "message"),
    [
        ("", "", "Enter a password."),
        ("short1", "short1", "This password is too short."),
        ("password123", "password123", "This password is too common."),
        ("8472913650512", "8472913650512", "This password is entirely numeric."),
        (NEW_PASSWORD, NEW_PASSWORD + "x", "The two passwords are different."),
    ],
)
def test_a_weak_or_mistyped_password_is_refused_with_a_clear_error(
    client, invited, password, again, message
):
    profile, path = invited

    response = client.post(path, {"password1": password, "password2": again})

    assert response.status_code == 200
    html = response.content.decode()
    assert message in html
    assert "There is a problem" in html
    assert "<title>Error: " in html
    profile.refresh_from_db()
    assert profile.invitation_nonce != ""
    assert not profile.user.has_usable_password()


def test_the_invitation_link_works_only_once(client, invited):
    profile, path = invited
    set_password(client, path)
    client.logout()

    response = set_password(client, path, password="another-Long-passphrase-77")

    assert response.status_code == 410
    assert "already been used" in response.content.decode()
    assert "new invitation" in response.content.decode()
    profile.refresh_from_db()
    assert profile.user.check_password(NEW_PASSWORD)
    assert client.get(path).status_code == 410


def test_a_new_invitation_stops_the_old_link_working(client, invite, invited):
    profile, first_path = invited

    invite(profile)
    second_path = link_path(mail.outbox[-1])

    assert second_path != first_path
    response = client.get(first_path)
    assert response.status_code == 410
    assert "already been used" in response.content.decode()
    assert client.get(second_path).status_code == 200


def test_an_invitation_link_works_for_7_days_and_not_8(client, invite):
    sent_at = timezone.now()
    profile = MentorProfileFactory()
    invite(profile, now=sent_at)
    path = link_path(mail.outbox[-1])

    with time_machine.travel(sent_at + datetime.timedelta(days=6, hours=23), tick=False):
        assert client.get(path).status_code == 200

    with time_machine.travel(sent_at + datetime.timedelta(days=8), tick=False):
        response = set_password(client, path)

    assert response.status_code == 410
    html = response.content.decode()
    assert "This invitation link has expired" in html
    assert "Ask the scheme team to send you a new invitation" in html
    profile.refresh_from_db()
    assert not profile.user.has_usable_password()


@pytest.mark.parametrize(
    "make_token",
    [
        lambda good: good[:-3] + ("aaa" if not good.endswith("aaa") else "bbb"),
        lambda good: signing.TimestampSigner(salt="another").sign_object({"p": 1, "n": "x"}),
        lambda good: "not-a-token",
    ],
    ids=["tampered", "other-salt", "nonsense"],
)
def test_a_tampered_link_shows_a_clear_page(client, invited, make_token):
    _, path = invited
    good = path.rstrip("/").rsplit("/", 1)[-1]

    response = client.get(reverse("mentor_invitation", args=[make_token(good)]))

    assert response.status_code == 404
    assert "This invitation link does not work" in response.content.decode()


def test_the_invitation_page_refuses_other_methods(client, invited):
    _, path = invited

    assert client.put(path).status_code == 405
    assert client.delete(path).status_code == 405


def test_a_mentor_with_two_factor_logs_in_the_usual_way_after_setting_a_password(client, invited):
    profile, path = invited
    Authenticator.objects.create(user=profile.user, type=Authenticator.Type.TOTP, data={})

    response = set_password(client, path)

    assert response.status_code == 302
    assert response["Location"] == reverse("account_login")
    assert "_auth_user_id" not in client.session
    profile.refresh_from_db()
    assert profile.user.check_password(NEW_PASSWORD)


def test_check_invitation_refuses_a_link_for_a_profile_that_lost_its_login(invited):
    profile, path = invited
    token = path.rstrip("/").rsplit("/", 1)[-1]
    MentorProfile.objects.filter(pk=profile.pk).update(user=None)

    with pytest.raises(invitations.InvitationError) as refused:
        invitations.check_invitation(token)

    assert refused.value.problem == invitations.InvitationProblem.INVALID


# --- In a browser ------------------------------------------------------------------------------


@pytest.mark.browser
def test_invite_journey_from_admin_action_to_the_mentor_dashboard(
    page, browser, live_server, scheme_admin, settings
):
    settings.ADMIN_REQUIRE_MFA = False
    profile = MentorProfileFactory(
        first_name="Jo", last_name="Journey", email="jo.journey@example.nhs.uk"
    )
    EmailAddress.objects.create(
        user=scheme_admin, email=scheme_admin.email, verified=True, primary=True
    )

    # The scheme admin sends the invitation from the mentor list.
    page.goto(f"/accounts/login/?next={LIST_URL}")
    page.locator("[name='login']").fill(scheme_admin.email)
    page.locator("[name='password']").fill(TEST_PASSWORD)
    page.locator("form:has([name='password']) [type='submit']").click()
    expect(page).to_have_url(re.compile(f"{LIST_URL}$"))
    page.locator(f"input[name='_selected_action'][value='{profile.pk}']").check()
    page.locator("select[name='action']").select_option("send_login_invitation")
    page.locator("button[name='index']").click()
    expect(page.get_by_text("Login invitation sent to 1 mentor.")).to_be_visible()
    expect(page.locator("td.field-login_state").first).to_contain_text("Invited ")

    assert len(mail.outbox) == 1
    path = link_path(mail.outbox[0])

    # The mentor opens the link in their own browser.
    context = browser.new_context(base_url=live_server.url, locale="en-GB")
    try:
        mentor_page = context.new_page()
        mentor_page.goto(path)
        expect(mentor_page.get_by_role("heading", name="Choose your password")).to_be_visible()
        assert_no_axe_violations(mentor_page)

        mentor_page.get_by_role("button", name="Save password and log in").click()
        expect(mentor_page).to_have_title(re.compile(r"^Error: "))
        expect(mentor_page.locator(".nhsuk-error-summary")).to_contain_text("Enter a password.")
        assert_no_axe_violations(mentor_page)

        mentor_page.get_by_label("Choose a password").fill(NEW_PASSWORD)
        mentor_page.get_by_label("Enter the password again").fill(NEW_PASSWORD)
        mentor_page.get_by_role("button", name="Save password and log in").click()

        # First log-in: the ethical framework comes before the dashboard.
        expect(mentor_page).to_have_url(re.compile(r"/my-bio/ethical-framework/$"))
        expect(
            mentor_page.get_by_text("Your password is saved and you are logged in.")
        ).to_be_visible()

        # The link is used up.
        mentor_page.goto(path)
        expect(
            mentor_page.get_by_role("heading", name="This invitation link has already been used")
        ).to_be_visible()
        assert_no_axe_violations(mentor_page)
    finally:
        context.close()

    # The admin list now shows the mentor as active.
    page.reload()
    expect(page.locator("td.field-login_state").first).to_contain_text("Active")


@pytest.mark.browser
def test_expired_and_broken_invitation_pages_are_clear_and_accessible(page, invite):
    sent_at = timezone.now()
    profile = MentorProfileFactory()
    invite(profile, now=sent_at)
    path = link_path(mail.outbox[-1])

    page.goto(path[:-6] + "xxxxx/")
    expect(page.get_by_role("heading", name="This invitation link does not work")).to_be_visible()
    assert_no_axe_violations(page)

    with time_machine.travel(sent_at + datetime.timedelta(days=8)):
        page.goto(path)
        expect(page.get_by_role("heading", name="This invitation link has expired")).to_be_visible()
        expect(page.get_by_text("Ask the scheme team to send you a new invitation")).to_be_visible()
        assert_no_axe_violations(page)
