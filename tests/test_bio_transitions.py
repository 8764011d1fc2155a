"""Every change to a bio's status, pause, capacity and framework confirmation goes
through register.services: guarded, with a history row, and the waiting list told
once the change is committed."""

import pytest
from django.core import mail
from django.urls import reverse

from register import services
from register.models import BioEvent, BioEventKind, MentorProfile, MentorStatus
from requests_app import workflow
from requests_app.models import PartnershipState, WaitingListEntry
from tests.factories import MentorProfileFactory
from tests.test_register_admin import bio_form_data, change_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, scheme_admin, settings):
    settings.ADMIN_REQUIRE_MFA = False
    client.force_login(scheme_admin)
    return client


def offers_to(user) -> int:
    return sum(1 for m in mail.outbox if m.to == [user.email] and "is free for you" in m.subject)


def free_the_place_while_paused(profile, mentee, committed) -> None:
    """The mentee waits; the mentor pauses, then their partnership ends: no offer yet."""
    workflow.join_waiting_list(mentee=mentee, mentor_id=profile.pk)
    services.pause_bio(bio=profile, by=profile.user)
    partnership = profile.partnerships.get(state=PartnershipState.ACTIVE)
    with committed():
        workflow.end_partnership_early(
            partnership_id=partnership.pk, user=profile.user, reason="other"
        )
    assert offers_to(mentee) == 0


# --- Guards: a stale state is refused with a message ----------------------------------


def test_pausing_twice_is_refused_and_leaves_one_history_row(mentor):
    profile = mentor.mentor_profile
    services.pause_bio(bio=profile, by=mentor)

    with pytest.raises(services.BioChangeRefused, match="already paused"):
        services.pause_bio(bio=profile, by=mentor)

    assert list(profile.history.values_list("kind", "from_value", "to_value", "actor")) == [
        (BioEventKind.PAUSED, "false", "true", mentor.pk)
    ]


def test_resuming_a_mentor_who_is_not_paused_is_refused(mentor):
    with pytest.raises(services.BioChangeRefused, match="already taking requests"):
        services.resume_bio(bio=mentor.mentor_profile, by=mentor)
    assert not BioEvent.objects.exists()


def test_a_capacity_changed_meanwhile_is_refused(mentor, scheme_admin):
    profile = mentor.mentor_profile
    services.set_capacity(bio=profile, by=mentor, capacity=4)

    with pytest.raises(services.BioChangeRefused, match="changed to 4 by someone else"):
        services.set_capacity(bio=profile, by=scheme_admin, capacity=3, expected=2)

    profile.refresh_from_db()
    assert profile.capacity == 4
    assert list(profile.history.values_list("kind", "from_value", "to_value")) == [
        (BioEventKind.CAPACITY, "2", "4")
    ]


def test_a_review_of_a_bio_no_longer_submitted_is_refused(scheme_admin):
    profile = MentorProfileFactory(status=MentorStatus.SUBMITTED)
    services.review_bio(bio=profile, by=scheme_admin, publish=True)

    with pytest.raises(services.BioChangeRefused, match="no longer waiting for review"):
        services.review_bio(bio=profile, by=scheme_admin, publish=False)

    profile.refresh_from_db()
    assert profile.status == MentorStatus.PUBLISHED


def test_a_status_moved_meanwhile_is_refused(scheme_admin):
    profile = MentorProfileFactory(status=MentorStatus.PUBLISHED)
    services.retire_bios(bios=[profile.pk], by=scheme_admin)

    with pytest.raises(services.BioChangeRefused, match="changed by someone else"):
        services.set_status(
            bio=profile, by=scheme_admin, expected=MentorStatus.PUBLISHED, to=MentorStatus.DRAFT
        )


def test_submitting_for_review_only_moves_a_published_bio(mentor):
    profile = mentor.mentor_profile
    assert services.submit_bio_for_review(bio=profile, by=mentor) is True
    assert services.submit_bio_for_review(bio=profile, by=mentor) is False
    profile.refresh_from_db()
    assert profile.status == MentorStatus.SUBMITTED
    assert profile.history.count() == 1


def test_the_framework_is_confirmed_once(mentor):
    profile = mentor.mentor_profile
    MentorProfile.objects.filter(pk=profile.pk).update(framework_confirmed_at=None)

    assert services.confirm_framework(bio=profile, by=mentor) is True
    assert services.confirm_framework(bio=profile, by=mentor) is False
    assert list(profile.history.values_list("kind", "to_value")) == [
        (BioEventKind.FRAMEWORK, "confirmed")
    ]


def test_a_mentor_pausing_twice_sees_a_message_not_an_error(client, mentor):
    client.force_login(mentor)
    client.post(reverse("my_bio_pause"))

    response = client.post(reverse("my_bio_pause"), follow=True)

    assert response.status_code == 200
    assert "You had already paused taking requests." in response.content.decode()


# --- History -----------------------------------------------------------------------


def test_every_status_change_leaves_a_history_row_with_who_and_from_what(scheme_admin):
    profile = MentorProfileFactory(status=MentorStatus.SUBMITTED)

    services.review_bio(bio=profile, by=scheme_admin, publish=True)
    services.unpublish_bios(bios=[profile.pk], by=scheme_admin)
    services.publish_bios(bios=[profile.pk], by=scheme_admin)
    services.retire_bios(bios=[profile.pk], by=scheme_admin)

    assert list(profile.history.values_list("from_value", "to_value", "actor")) == [
        ("submitted", "published", scheme_admin.pk),
        ("published", "draft", scheme_admin.pk),
        ("draft", "published", scheme_admin.pk),
        ("published", "retired", scheme_admin.pk),
    ]


def test_the_mentors_own_pages_leave_history(client, mentor):
    client.force_login(mentor)
    client.post(reverse("my_bio_pause"))
    client.post(reverse("my_bio_resume"))
    client.post(reverse("my_bio_capacity"), {"capacity": "3"})

    assert list(mentor.mentor_profile.history.values_list("kind", "actor")) == [
        (BioEventKind.PAUSED, mentor.pk),
        (BioEventKind.RESUMED, mentor.pk),
        (BioEventKind.CAPACITY, mentor.pk),
    ]


# --- The waiting list, after commit ---------------------------------------------------


def test_resuming_offers_the_freed_place_once_committed(full_mentor, mentee, committed):
    free_the_place_while_paused(full_mentor, mentee, committed)

    services.resume_bio(bio=full_mentor, by=full_mentor.user)
    assert offers_to(mentee) == 0  # nothing before the commit
    with committed():
        services.pause_bio(bio=full_mentor, by=full_mentor.user)
        services.resume_bio(bio=full_mentor, by=full_mentor.user)

    assert offers_to(mentee) == 1


def test_more_places_are_offered_once_committed_and_fewer_offer_nothing(
    full_mentor, mentee, committed
):
    workflow.join_waiting_list(mentee=mentee, mentor_id=full_mentor.pk)

    with committed():
        services.set_capacity(bio=full_mentor, by=full_mentor.user, capacity=1)
    assert offers_to(mentee) == 0

    with committed():
        services.set_capacity(bio=full_mentor, by=full_mentor.user, capacity=2)
    assert offers_to(mentee) == 1
    assert WaitingListEntry.objects.offered().count() == 1


def test_publishing_again_offers_the_freed_place(full_mentor, mentee, scheme_admin, committed):
    free_the_place_while_paused(full_mentor, mentee, committed)
    MentorProfile.objects.filter(pk=full_mentor.pk).update(is_paused=False)
    services.unpublish_bios(bios=[full_mentor.pk], by=scheme_admin)

    with committed():
        services.publish_bios(bios=[full_mentor.pk], by=scheme_admin)

    assert offers_to(mentee) == 1


def test_the_admin_resuming_a_mentor_offers_the_freed_place(
    admin_client, full_mentor, mentee, committed
):
    free_the_place_while_paused(full_mentor, mentee, committed)
    full_mentor.refresh_from_db()

    with committed():
        response = admin_client.post(change_url(full_mentor), bio_form_data(full_mentor))

    assert response.status_code == 302
    full_mentor.refresh_from_db()
    assert not full_mentor.is_paused
    assert offers_to(mentee) == 1


# --- The admin change form --------------------------------------------------------------


def test_the_admin_form_keeps_a_pause_made_while_it_was_open(admin_client, mentor, scheme_admin):
    profile = mentor.mentor_profile
    shown = admin_client.get(change_url(profile)).content.decode()
    assert 'name="shown_paused" value="no"' in shown
    services.pause_bio(bio=profile, by=mentor)  # the mentor pauses meanwhile

    response = admin_client.post(
        change_url(profile),
        bio_form_data(profile, motivation="New words.", shown_paused="no", shown_capacity=2),
    )

    assert response.status_code == 302
    profile.refresh_from_db()
    assert profile.is_paused
    assert profile.motivation == "New words."
    assert profile.history.count() == 1


def test_the_admin_form_refuses_a_capacity_changed_while_it_was_open(
    admin_client, mentor, scheme_admin
):
    profile = mentor.mentor_profile
    services.set_capacity(bio=profile, by=mentor, capacity=4)  # the mentor, meanwhile

    response = admin_client.post(
        change_url(profile),
        bio_form_data(profile, capacity=3, shown_paused="no", shown_capacity=2),
        follow=True,
    )

    assert response.status_code == 200
    assert "changed to 4 by someone else meanwhile" in response.content.decode()
    profile.refresh_from_db()
    assert profile.capacity == 4


def test_the_admin_form_changes_pause_and_capacity_through_the_services(
    admin_client, mentor, scheme_admin
):
    profile = mentor.mentor_profile

    admin_client.post(
        change_url(profile),
        bio_form_data(profile, capacity=5, is_paused="on", shown_paused="no", shown_capacity=2),
    )

    profile.refresh_from_db()
    assert (profile.is_paused, profile.capacity) == (True, 5)
    assert list(profile.history.values_list("kind", "actor")) == [
        (BioEventKind.PAUSED, scheme_admin.pk),
        (BioEventKind.CAPACITY, scheme_admin.pk),
    ]
