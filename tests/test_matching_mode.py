"""The matching mode drives every page a mentee sees, the workflow and the emails.

Self-select: mentees choose from the register (the SuppoRTT flow, covered in full by the
request and search tests). Scheme proposes: no request or waiting list anywhere, and the
register shows to mentees only if the scheme lets them browse it. Both: mentees choose
as in self-select, and the scheme team may propose as well.
"""

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from requests_app import workflow
from requests_app.models import (
    DeclineReason,
    MatchApplication,
    MentoringRequest,
    PartnershipState,
    WaitingListEntry,
)
from scheme.models import MatchingMode, SchemeSettings
from tests.factories import (
    MentoringRequestFactory,
    MentorProfileFactory,
    PartnershipFactory,
    give_two_factor,
)
from tests.test_least_privilege import form_data

SEARCH = "/mentors/"
SELF_SELECT, ADMIN_PROPOSES, BOTH = (
    MatchingMode.SELF_SELECT,
    MatchingMode.ADMIN_PROPOSES,
    MatchingMode.BOTH,
)


def set_mode(mode: str, *, register_open: bool = True) -> None:
    scheme = SchemeSettings.load()
    scheme.matching_mode = mode
    scheme.register_open_to_mentees = register_open
    scheme.save()


@pytest.fixture
def mentors(db):
    """One mentor with space, one full (their waiting list open)."""
    free = MentorProfileFactory(with_login=True, first_name="Freya", last_name="Space")
    full = MentorProfileFactory(with_login=True, first_name="Fulton", last_name="Busy", capacity=1)
    PartnershipFactory(request__mentor=full, state=PartnershipState.ACTIVE)
    return {"free": free, "full": full}


def profile_url(mentor) -> str:
    return reverse("mentor_profile", args=[mentor.pk])


# --- The register's pages as a mentee --------------------------------------------------------


@pytest.mark.parametrize("mode", [SELF_SELECT, BOTH])
def test_mentees_who_choose_are_offered_requests_and_waiting_lists(client, mentee, mentors, mode):
    set_mode(mode)
    client.force_login(mentee)

    search = client.get(SEARCH).content.decode()
    free = client.get(profile_url(mentors["free"])).content.decode()
    full = client.get(profile_url(mentors["full"])).content.decode()

    assert "Taking requests" in search
    assert "You can join their waiting list." in search
    assert "Apply to be matched" not in search
    assert reverse("requests:send", args=[mentors["free"].pk]) in free
    assert reverse("requests:waiting_list_join", args=[mentors["full"].pk]) in full


def test_when_the_scheme_proposes_mentees_may_only_browse(client, mentee, mentors):
    set_mode(ADMIN_PROPOSES, register_open=True)
    client.force_login(mentee)

    search = client.get(SEARCH).content.decode()
    free = client.get(profile_url(mentors["free"])).content.decode()
    full = client.get(profile_url(mentors["full"])).content.decode()

    assert "Freya Space" in search
    assert "Fulton Busy" in search
    assert "Has space for a mentee" in search
    assert "No space at the moment" in search
    assert "request" not in search.lower().replace("requests:", "")
    assert "waiting list" not in search
    apply_link = f'href="{reverse("requests:apply")}"'
    for page in (search, free, full):
        assert "The scheme team matches each mentee with a mentor" in page
        assert apply_link in page
    for page in (free, full):
        assert "/request/" not in page
        assert "waiting-list" not in page
        assert "Send Freya a request" not in page


def test_when_the_register_is_closed_mentees_are_told_how_matching_works(client, mentee, mentors):
    set_mode(ADMIN_PROPOSES, register_open=False)
    client.force_login(mentee)

    for url in (SEARCH, profile_url(mentors["free"])):
        response = client.get(url)
        text = response.content.decode()
        assert response.status_code == 200
        assert "The scheme team matches you with a mentor" in text
        assert f'href="{reverse("requests:apply")}"' in text
        assert "Freya" not in text


def test_a_mentor_proposed_to_the_mentee_stays_readable_when_the_register_is_closed(
    client, mentee, mentors
):
    set_mode(ADMIN_PROPOSES, register_open=False)
    application = MatchApplication.objects.create(mentee=mentee, aims="Confidence")
    MentoringRequestFactory(mentee=mentee, mentor=mentors["free"], application=application)
    client.force_login(mentee)

    text = client.get(profile_url(mentors["free"])).content.decode()

    assert "Freya Space" in text
    assert "/request/" not in text


@pytest.mark.parametrize("register_open", [True, False])
def test_scheme_admins_always_see_the_register(client, scheme_admin, mentors, register_open):
    set_mode(ADMIN_PROPOSES, register_open=register_open)
    give_two_factor(scheme_admin)
    client.force_login(scheme_admin)

    search = client.get(SEARCH).content.decode()
    profile = client.get(profile_url(mentors["free"])).content.decode()

    assert "Freya Space" in search
    assert "Fulton Busy" in search
    assert "Apply to be matched" not in search
    assert "Freya Space" in profile


# --- Requests and waiting lists refused --------------------------------------------------


def test_the_request_form_sends_the_mentee_back_with_a_message(client, mentee, mentors):
    set_mode(ADMIN_PROPOSES)
    client.force_login(mentee)
    url = reverse("requests:send", args=[mentors["free"].pk])

    shown = client.get(url, follow=True)
    posted = client.post(url, {"message": "Hello", "preferred_mode": "video"}, follow=True)

    for response in (shown, posted):
        assert response.redirect_chain == [(reverse("dashboard"), 302)]
        assert "The scheme team matches mentees with mentors" in response.content.decode()
    assert not MentoringRequest.objects.filter(mentee=mentee).exists()


def test_joining_a_waiting_list_is_refused_with_a_message(client, mentee, mentors):
    set_mode(ADMIN_PROPOSES)
    client.force_login(mentee)

    response = client.post(
        reverse("requests:waiting_list_join", args=[mentors["full"].pk]), follow=True
    )

    assert response.status_code == 200
    assert "The scheme team matches mentees with mentors" in response.content.decode()
    assert not WaitingListEntry.objects.exists()


def test_the_workflow_refuses_requests_and_waiting_lists_when_the_scheme_proposes(mentee, mentors):
    set_mode(ADMIN_PROPOSES)

    with pytest.raises(workflow.WorkflowError, match="The scheme team matches mentees"):
        workflow.send_request(mentee=mentee, mentor_id=mentors["free"].pk)
    with pytest.raises(workflow.WorkflowError, match="The scheme team matches mentees"):
        workflow.join_waiting_list(mentee=mentee, mentor_id=mentors["full"].pk)
    assert not MentoringRequest.objects.filter(mentee=mentee).exists()
    assert not WaitingListEntry.objects.exists()


def test_in_both_modes_mentees_still_send_requests_and_join_waiting_lists(mentee, mentors):
    set_mode(BOTH)

    workflow.join_waiting_list(mentee=mentee, mentor_id=mentors["full"].pk)
    workflow.send_request(mentee=mentee, mentor_id=mentors["free"].pk)

    assert MentoringRequest.objects.filter(mentee=mentee).count() == 1
    assert WaitingListEntry.objects.filter(mentee=mentee).count() == 1


# --- Emails -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("mode", "says", "never"),
    [
        (SELF_SELECT, "Please choose another mentor from the register.", "will propose"),
        (BOTH, "Please choose another mentor from the register.", "will propose"),
        (ADMIN_PROPOSES, "will propose another match for you", "choose another mentor"),
    ],
)
def test_a_declined_mentee_is_told_what_happens_next_in_the_schemes_mode(
    mentee, mentors, committed, mode, says, never
):
    set_mode(mode)
    request = MentoringRequestFactory(mentee=mentee, mentor=mentors["free"])

    with committed():
        workflow.reject_request(
            request_id=request.pk,
            mentor_user=mentors["free"].user,
            reason=DeclineReason.AVAILABILITY,
        )

    (email,) = [m for m in mail.outbox if m.to == [mentee.email]]
    assert says in email.body
    assert never not in email.body.lower()


@pytest.mark.parametrize(
    ("mode", "says"),
    [
        (SELF_SELECT, "You can choose another mentor now."),
        (ADMIN_PROPOSES, "will propose another match for you"),
    ],
)
def test_an_expired_request_tells_everyone_what_happens_next(
    mentee, mentors, committed, mode, says
):
    set_mode(mode)
    created = timezone.now() - datetime.timedelta(days=30)
    MentoringRequestFactory(
        mentee=mentee,
        mentor=mentors["free"],
        created_at=created,
        response_deadline=created + datetime.timedelta(days=7),
    )

    with committed():
        assert workflow.expire_overdue_requests() == 1

    to = {m.to[0]: m.body for m in mail.outbox}
    assert says in to[mentee.email]
    team = to[SchemeSettings.load().inbox_email]
    mentor = to[mentors["free"].user.email]
    if mode == SELF_SELECT:
        assert "asked to choose another mentor" in team
        assert "choose another mentor" in mentor
    else:
        assert "propose another match" in team
        assert "propose another match" in mentor


@pytest.mark.parametrize(
    ("mode", "says"),
    [
        (SELF_SELECT, "You can choose another mentor from the register whenever you are ready."),
        (ADMIN_PROPOSES, "the scheme team can propose a new match"),
    ],
)
def test_a_partnership_ended_early_tells_the_mentee_what_happens_next(
    mentee, mentors, committed, mode, says
):
    set_mode(mode)
    partnership = PartnershipFactory(
        request__mentee=mentee, request__mentor=mentors["free"], state=PartnershipState.ACTIVE
    )

    with committed():
        workflow.end_partnership_early(
            partnership_id=partnership.pk, user=mentors["free"].user, reason="circumstances"
        )

    (email,) = [m for m in mail.outbox if m.to == [mentee.email] and "has ended" in m.subject]
    assert says in email.body


@pytest.mark.parametrize(
    ("mode", "says"),
    [
        (SELF_SELECT, "you can choose a mentor from the register again"),
        (ADMIN_PROPOSES, "apply to be matched again and the scheme team will propose a mentor"),
    ],
)
def test_a_completed_partnership_tells_the_mentee_how_to_find_more_support(
    mentee, mentors, committed, mode, says
):
    set_mode(mode)
    PartnershipFactory(
        request__mentee=mentee,
        request__mentor=mentors["free"],
        state=PartnershipState.ACTIVE,
        window_ends_on=timezone.localdate() - datetime.timedelta(days=1),
    )

    with committed():
        assert workflow.complete_finished_partnerships() == 1

    (email,) = [m for m in mail.outbox if m.to == [mentee.email] and "complete" in m.subject]
    assert says in email.body


# --- The setting is live -------------------------------------------------------------------------


def test_switching_the_mode_in_admin_changes_what_mentees_see(
    client, scheme_admin, mentee, mentors, settings
):
    settings.ADMIN_REQUIRE_MFA = True
    give_two_factor(scheme_admin)
    client.force_login(scheme_admin)
    url = reverse("admin:scheme_schemesettings_change", args=[SchemeSettings.load().pk])
    data = form_data(client.get(url))
    data.update(matching_mode=ADMIN_PROPOSES, _save="Save")
    data.pop("register_open_to_mentees", None)  # unticked: mentees may not browse

    assert client.post(url, data).status_code == 302

    client.force_login(mentee)
    assert "The scheme team matches you with a mentor" in client.get(SEARCH).content.decode()
    with pytest.raises(workflow.WorkflowError):
        workflow.send_request(mentee=mentee, mentor_id=mentors["free"].pk)


# --- In a browser ------------------------------------------------------------------------------


@pytest.mark.browser
@pytest.mark.parametrize("register_open", [True, False])
def test_the_pages_for_mentees_who_are_matched_pass_axe(
    page, live_server, client, mentee, mentors, register_open
):
    from django.conf import settings as django_settings

    from tests.axe import AXE_TAGS, RUN_AXE, format_violations, inject_axe
    from tests.test_accessibility_walk import Walk, block_outside_requests, check_reflow

    set_mode(ADMIN_PROPOSES, register_open=register_open)
    client.force_login(mentee)
    block_outside_requests(page)
    session = client.cookies[django_settings.SESSION_COOKIE_NAME].value
    page.context.add_cookies(
        [{"name": django_settings.SESSION_COOKIE_NAME, "value": session, "url": live_server.url}]
    )
    walk = Walk()
    for url in (SEARCH, profile_url(mentors["free"]), profile_url(mentors["full"])):
        response = page.goto(live_server.url + url)
        assert response is not None
        assert response.status == 200
        inject_axe(page)
        if violations := page.evaluate(RUN_AXE, AXE_TAGS):
            walk.problems.append(format_violations(url, violations))
        check_reflow(page, walk, url)

    assert walk.problems == [], "\n".join(walk.problems)
