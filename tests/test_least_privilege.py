"""Least privilege for the scheme team.

Scheme admins run the scheme in admin; they never reach anyone's credentials. The walk
here asks for every admin URL (with real objects, from the access matrix's world) and
runs every admin action as a scheme admin with two-factor authentication set up, with
POSTs that would set passwords, email addresses, staff and superuser flags, groups and
permissions, and re-link a bio or mentee profile to the admin's own account; then it
compares the credentials of every account with what they were before.
"""

import re
from urllib.parse import urlsplit

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group, Permission
from django.core import mail
from django.forms import MultiWidget
from django.test import Client, RequestFactory
from django.urls import reverse

from accounts.models import MenteeProfile, User
from accounts.rules import SCHEME_ADMIN_GROUP, is_scheme_admin, is_scheme_team
from mentoring.outbox.models import Email
from register.models import MentorProfile, MentorStatus
from tests.factories import (
    TEST_PASSWORD,
    MentorProfileFactory,
    SchemeAdminFactory,
    UserFactory,
    give_two_factor,
)
from tests.test_access_matrix import POST_DATA, Target, _url, catalogue, personas_world

TAKEOVER_PASSWORD = "Taken-over-passphrase-99"
TAKEOVER_EMAIL = "taken.over@example.com"
NEW_PASSWORD = "A-new-and-unusual-passphrase-42"
RESET_LINK = re.compile(r"https?://\S+/accounts/password/reset/key/\S+/")
# The admin's own log-out would end the walk's session; it changes nothing of anyone's.
NOT_POSTED = {"admin:logout"}


# --- The world: the personas, one more staff account and a superuser -----------------------


@pytest.fixture
def world(request, db, settings):
    settings.ADMIN_REQUIRE_MFA = True
    world = personas_world(request)  # its scheme admin has two-factor authentication
    world.users["other_admin"] = SchemeAdminFactory(email="other.admin@example.nhs.uk")
    world.users["superuser"] = UserFactory(
        email="super@example.nhs.uk", is_staff=True, is_superuser=True
    )
    world.objects[User] = list(world.users.values())
    return world


def scheme_admin_client(world) -> Client:
    client = Client()
    client.force_login(world.users["scheme_admin"])
    return client


def credentials() -> dict:
    """What would hand over an account or the admin site: every user's email, password
    hash, flags, groups and permissions; the groups' permissions; allauth's addresses and
    authenticators; which account each bio and mentee profile belongs to."""
    return {
        "users": [
            (
                u.pk,
                u.email,
                u.password,
                u.is_active,
                u.is_staff,
                u.is_superuser,
                sorted(u.groups.values_list("name", flat=True)),
                sorted(u.user_permissions.values_list("codename", flat=True)),
            )
            for u in User.objects.order_by("pk")
        ],
        "groups": [
            (g.name, sorted(g.permissions.values_list("codename", flat=True)))
            for g in Group.objects.order_by("name")
        ],
        "addresses": list(
            EmailAddress.objects.order_by("pk").values_list(
                "user_id", "email", "verified", "primary"
            )
        ),
        "authenticators": list(
            Authenticator.objects.order_by("pk").values_list("user_id", "type", "data")
        ),
        "bios": list(MentorProfile.objects.order_by("pk").values_list("pk", "user_id")),
        "mentees": list(MenteeProfile.objects.order_by("pk").values_list("pk", "user_id")),
    }


def forged(world) -> dict:
    """Fields that would take over an account or the site if any form accepted them."""
    admin_user = world.users["scheme_admin"]
    group = Group.objects.get(name=SCHEME_ADMIN_GROUP)
    return {
        **POST_DATA,
        "email": TAKEOVER_EMAIL,
        "password": TAKEOVER_PASSWORD,
        "password1": TAKEOVER_PASSWORD,
        "password2": TAKEOVER_PASSWORD,
        "new_password1": TAKEOVER_PASSWORD,
        "new_password2": TAKEOVER_PASSWORD,
        "usable_password": "true",
        "is_active": "on",
        "is_staff": "on",
        "is_superuser": "on",
        "groups": [str(group.pk)],
        "user_permissions": [
            str(pk)
            for pk in Permission.objects.filter(codename="change_user").values_list("pk", flat=True)
        ],
        "user": str(admin_user.pk),  # a bio or mentee profile moved to the admin's account
        "_save": "Save",
    }


def form_data(response) -> dict:
    """What the admin page's own form would send unchanged, inlines' management forms too."""
    context = response.context
    if context is None or "adminform" not in context:
        return {}
    forms = [context["adminform"].form]
    data: dict = {}
    for inline in context.get("inline_admin_formsets") or []:
        formset = inline.formset
        forms += [formset.management_form, *formset.forms]
    for form in forms:
        for name, field in form.fields.items():
            bound = form[name]
            value = bound.value()
            if value is None or field.disabled:
                continue
            if isinstance(field.widget, MultiWidget):
                parts = value if isinstance(value, list) else field.widget.decompress(value)
                for index, part in enumerate(parts):
                    if part is not None:
                        data[f"{bound.html_name}_{index}"] = str(part)
            elif isinstance(value, bool):
                if value:
                    data[bound.html_name] = "on"
            elif isinstance(value, list | tuple):
                data[bound.html_name] = [str(v) for v in value]
            elif not hasattr(value, "read"):  # files are left out
                data[bound.html_name] = str(value)
    return data


def admin_targets(world) -> list[Target]:
    """Every admin URL, filled with the world's objects; the account pages once for every
    account (the admin's own, another scheme admin's, a superuser's, each persona's)."""
    targets = []
    for target in catalogue(world)[0]:
        if not target.route.is_admin:
            continue
        if target.route.admin_model is User and target.obj is not None:
            param = next(p for p in target.route.params if p in {"object_id", "id"})
            targets += [
                Target(target.route, url, user)
                for user in world.users.values()
                if (url := _url(target.route, {param: user.pk})) is not None
            ]
        else:
            targets.append(target)
    return targets


def admin_actions(world) -> list[tuple[str, str, list[int]]]:
    """(changelist URL, action, every object's pk) for every action a scheme admin gets."""
    request = RequestFactory().get("/admin/")
    request.user = world.users["scheme_admin"]
    found = []
    for model, model_admin in admin.site._registry.items():
        if not model_admin.has_view_or_change_permission(request):
            continue
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        pks = list(model.objects.values_list("pk", flat=True))
        for name in model_admin.get_actions(request):
            found.append((url, name, pks))
    return found


# --- The walk ------------------------------------------------------------------------------


def test_no_admin_page_or_action_changes_credentials_flags_groups_or_permissions(
    world, capsys, django_capture_on_commit_callbacks
):
    client = scheme_admin_client(world)
    takeover = forged(world)
    before = credentials()
    problems, pages, shown, posts = [], 0, 0, 0

    for target in admin_targets(world):
        response = client.get(target.url)
        pages += 1
        shown += response.status_code == 200
        if response.status_code == 302:
            assert "/login/" not in response["Location"], f"logged out at {target.url}"
            assert not response["Location"].startswith(reverse("mfa_activate_totp")), target.url
        if target.name in NOT_POSTED:
            continue
        with django_capture_on_commit_callbacks(execute=True):
            client.post(target.url, {**form_data(response), **takeover})
        posts += 1
        after = credentials()
        if after != before:
            problems.append(f"POST {target.url} ({target.name}) changed credentials")
            before = after

    actions = admin_actions(world)
    for url, action, pks in actions:
        with django_capture_on_commit_callbacks(execute=True):
            client.post(url, {**takeover, "action": action, "_selected_action": pks})
        after = credentials()
        if after != before:
            problems.append(f"action {action} on {url} changed credentials")
            before = after

    with capsys.disabled():
        print(
            f"\nleast privilege: {pages} admin URLs fetched ({shown} pages shown), {posts} "
            "forged POSTs, "
            f"{len(actions)} actions run on every object, as a scheme admin"
        )
    # The walk reached the admin site.
    assert shown > 50
    assert len(actions) >= 8
    assert problems == [], "\n".join(problems)
    assert client.get(reverse("admin:index")).status_code == 200  # still logged in


def test_the_walk_sees_a_password_being_set(world):
    """What the walk compares catches a changed password, so a hole would be seen."""
    before = credentials()
    world.users["mentor"].set_password(TAKEOVER_PASSWORD)
    world.users["mentor"].save()

    assert credentials()["users"] != before["users"]


def test_the_walk_fills_forms_that_save(world):
    """The walk's POSTs carry each page's own form, so a field a form did accept would
    be saved: a scheme admin's change to a mentor's name goes through."""
    client = scheme_admin_client(world)
    mentor = world.users["mentor"]
    url = reverse("admin:accounts_user_change", args=[mentor.pk])

    client.post(url, {**form_data(client.get(url)), "first_name": "Renamed"})

    mentor.refresh_from_db()
    assert mentor.first_name == "Renamed"


# --- Account takeover, one story at a time ------------------------------------------------


def test_the_password_page_is_closed_to_a_scheme_admin(world):
    client = scheme_admin_client(world)
    mentor = world.users["mentor"]
    url = reverse("admin:auth_user_password_change", args=[mentor.pk])
    hashed = mentor.password

    assert client.get(url).status_code in {403, 404}
    response = client.post(
        url,
        {"password1": TAKEOVER_PASSWORD, "password2": TAKEOVER_PASSWORD, "usable_password": "true"},
    )

    assert response.status_code in {403, 404}
    mentor.refresh_from_db()
    assert mentor.password == hashed
    assert not Client().login(email=mentor.email, password=TAKEOVER_PASSWORD)


def test_a_scheme_admin_cannot_make_themself_superuser(world):
    client = scheme_admin_client(world)
    me = world.users["scheme_admin"]
    url = reverse("admin:accounts_user_change", args=[me.pk])

    response = client.get(url)
    form = response.context["adminform"].form
    page = response.content.decode()
    client.post(url, {**form_data(response), **forged(world)})

    assert response.status_code == 200
    for name in ("is_superuser", "is_staff", "groups", "user_permissions", "password"):
        assert name not in form.fields
        assert f'name="{name}"' not in page
    me.refresh_from_db()
    assert not me.is_superuser
    assert list(me.groups.values_list("name", flat=True)) == [SCHEME_ADMIN_GROUP]
    assert not me.user_permissions.exists()


def test_a_scheme_admin_cannot_change_another_staff_account(world):
    client = scheme_admin_client(world)
    other = world.users["other_admin"]
    url = reverse("admin:accounts_user_change", args=[other.pk])

    response = client.get(url)
    client.post(url, {**form_data(response), "first_name": "Changed", "is_active": ""})

    assert response.status_code == 200  # to read, without a form to save
    assert not response.context["has_change_permission"]
    other.refresh_from_db()
    assert other.first_name != "Changed"
    assert other.is_active


def test_a_scheme_admin_cannot_add_accounts(world):
    client = scheme_admin_client(world)
    count = User.objects.count()

    response = client.post(
        reverse("admin:accounts_user_add"),
        {
            "email": "made.up@example.nhs.uk",
            "password1": TAKEOVER_PASSWORD,
            "password2": TAKEOVER_PASSWORD,
        },
    )

    assert response.status_code == 403
    assert User.objects.count() == count


def test_changing_a_mentors_address_then_resetting_cannot_take_the_account(
    world, django_capture_on_commit_callbacks
):
    """The address is not on the scheme admin's form, so the reset link goes to the mentor."""
    client = scheme_admin_client(world)
    mentor = world.users["mentor"]
    url = reverse("admin:accounts_user_change", args=[mentor.pk])

    client.post(url, {**form_data(client.get(url)), "email": "scheme.admin@example.nhs.uk"})
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("admin:accounts_user_changelist"),
            {"action": "email_password_reset_link", "_selected_action": [mentor.pk]},
        )

    mentor.refresh_from_db()
    assert mentor.email == "mentor@example.nhs.uk"
    assert [m.to for m in mail.outbox] == [[mentor.email]]


def test_a_bio_cannot_be_moved_to_the_scheme_admins_own_account(world):
    client = scheme_admin_client(world)
    bio = world.users["mentor"].mentor_profile
    url = reverse("admin:register_mentorprofile_change", args=[bio.pk])

    response = client.get(url)
    client.post(url, {**form_data(response), "user": str(world.users["scheme_admin"].pk)})

    assert "user" not in response.context["adminform"].form.fields
    bio.refresh_from_db()
    assert bio.user == world.users["mentor"]


def test_a_superuser_still_manages_staff_and_passwords(world):
    """Only superusers: the same pages work for them."""
    client = Client()
    superuser = world.users["superuser"]
    give_two_factor(superuser)
    client.force_login(superuser)
    mentor = world.users["mentor"]

    password_page = client.get(reverse("admin:auth_user_password_change", args=[mentor.pk]))
    form = (
        client.get(reverse("admin:accounts_user_change", args=[mentor.pk]))
        .context["adminform"]
        .form
    )

    assert password_page.status_code == 200
    assert {"is_staff", "is_superuser", "groups", "user_permissions", "email"} <= set(form.fields)


# --- Email a password reset link ------------------------------------------------------------


def test_a_mentor_gets_one_reset_link_that_works_and_the_admin_never_sees_it(
    world, django_capture_on_commit_callbacks
):
    client = scheme_admin_client(world)
    mentor = world.users["mentor"]

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:accounts_user_changelist"),
            {"action": "email_password_reset_link", "_selected_action": [mentor.pk]},
            follow=True,
        )

    assert [m.to for m in mail.outbox] == [[mentor.email]]
    link = RESET_LINK.search(mail.outbox[0].body).group(0)
    key = urlsplit(link).path.rstrip("/").rsplit("/", 1)[-1]
    messages = [str(m) for m in response.context["messages"]]
    assert messages == ["A password reset link was emailed to 1 person, at their own address."]
    # Neither the page the admin lands on nor the outbox's pages show the link.
    email = Email.objects.get(recipient=mentor.email)
    outbox_pages = [
        client.get(reverse("admin:outbox_email_changelist")),
        client.get(reverse("admin:outbox_email_change", args=[email.pk])),
    ]
    for page in [response, *outbox_pages]:
        assert page.status_code == 200
        assert key not in page.content.decode()

    # The mentor follows it: allauth's reset-from-key page, then the new password works.
    mentor_client = Client()
    set_password_page = mentor_client.get(urlsplit(link).path, follow=True)
    assert set_password_page.status_code == 200
    done = mentor_client.post(
        set_password_page.redirect_chain[-1][0] if set_password_page.redirect_chain else link,
        {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD},
    )
    assert done.status_code == 302
    assert Client().login(email=mentor.email, password=NEW_PASSWORD)
    assert not Client().login(email=mentor.email, password=TEST_PASSWORD)


def test_no_reset_link_is_sent_for_a_staff_account_or_a_switched_off_login(
    world, django_capture_on_commit_callbacks
):
    client = scheme_admin_client(world)
    switched_off = world.users["other_mentor"]
    switched_off.is_active = False
    switched_off.save()
    staff = [world.users["other_admin"], world.users["superuser"]]

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:accounts_user_changelist"),
            {
                "action": "email_password_reset_link",
                "_selected_action": [u.pk for u in [switched_off, *staff]],
            },
            follow=True,
        )

    assert mail.outbox == []
    assert "Not sent to" in str(next(iter(response.context["messages"])))


def test_the_reset_action_is_logged_nowhere_with_the_link(
    world, django_capture_on_commit_callbacks
):
    client = scheme_admin_client(world)
    mentor = world.users["mentor"]

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("admin:accounts_user_changelist"),
            {"action": "email_password_reset_link", "_selected_action": [mentor.pk]},
        )

    key = RESET_LINK.search(mail.outbox[0].body).group(0).rstrip("/").rsplit("/", 1)[-1]
    assert not any(key in str(entry.change_message) for entry in LogEntry.objects.all())


# --- Two-factor authentication for the admin's powers on the app's pages --------------------


@pytest.fixture
def draft_bio(db) -> MentorProfile:
    return MentorProfileFactory(
        status=MentorStatus.DRAFT,
        first_name="Drafty",
        contact_email="drafty.contact@example.nhs.uk",
    )


@pytest.fixture
def published_bio(mentor) -> MentorProfile:
    profile = mentor.mentor_profile
    profile.contact_email = "reach.the.mentor@example.nhs.uk"
    profile.save()
    return profile


def test_staff_without_two_factor_see_no_draft_bio_and_no_contact_details(
    client, settings, scheme_admin, draft_bio, published_bio
):
    settings.ADMIN_REQUIRE_MFA = True
    client.force_login(scheme_admin)

    draft = client.get(reverse("mentor_profile", args=[draft_bio.pk]))
    published = client.get(reverse("mentor_profile", args=[published_bio.pk]))

    assert draft.status_code == 404
    assert "Drafty" not in draft.content.decode()
    assert published.status_code == 404
    assert published_bio.contact_email not in published.content.decode()
    assert is_scheme_team(scheme_admin)
    assert not is_scheme_admin(scheme_admin)


def test_with_two_factor_the_scheme_admin_sees_drafts_and_contact_details(
    client, settings, scheme_admin, draft_bio, published_bio
):
    settings.ADMIN_REQUIRE_MFA = True
    give_two_factor(scheme_admin)
    client.force_login(scheme_admin)

    draft = client.get(reverse("mentor_profile", args=[draft_bio.pk]))
    published = client.get(reverse("mentor_profile", args=[published_bio.pk]))

    assert draft.status_code == 200
    assert "Drafty" in draft.content.decode()
    assert published.status_code == 200
    assert published_bio.contact_email in published.content.decode()


def test_where_admin_needs_no_two_factor_neither_do_the_app_pages(
    client, settings, scheme_admin, draft_bio
):
    settings.ADMIN_REQUIRE_MFA = False
    client.force_login(scheme_admin)

    assert client.get(reverse("mentor_profile", args=[draft_bio.pk])).status_code == 200


def test_staff_without_two_factor_are_told_to_set_it_up_on_the_dashboard(
    client, settings, scheme_admin
):
    settings.ADMIN_REQUIRE_MFA = True
    client.force_login(scheme_admin)

    page = client.get(reverse("dashboard")).content.decode()

    assert "Set up two-factor authentication first" in page
    assert reverse("admin:index") in page
