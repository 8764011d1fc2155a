"""manage.py seed_demo: demo mentors with headshots, three logins, safe to run twice."""

import io
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from PIL import Image

from accounts.rules import is_mentee, is_mentor, is_scheme_team
from register import demo
from register.models import MentorProfile, MentorStatus, TimeOfDay, Weekday

pytestmark = pytest.mark.django_db

LOGINS = [demo.MENTEE_EMAIL, demo.MENTOR_EMAIL, demo.ADMIN_EMAIL]


@pytest.fixture
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "demo-media"
    # Hashing the demo password at full strength six times would be the slowest part.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return settings.MEDIA_ROOT


def seed(mentors: int = 5) -> str:
    out = io.StringIO()
    call_command("seed_demo", mentors=mentors, stdout=out)
    return out.getvalue()


def row_counts() -> dict[str, int]:
    return {model._meta.label: model.objects.count() for model in apps.get_models()}


def photo_files(media: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(media.rglob("*.jpg"))}


def test_running_twice_creates_and_changes_nothing(media):
    first_output = seed()
    counts = row_counts()
    passwords = dict(get_user_model().objects.values_list("email", "password"))
    photos = photo_files(media)

    second_output = seed()

    assert "5 created" in first_output
    assert "0 created, 0 updated, 5 unchanged" in second_output
    assert row_counts() == counts
    assert dict(get_user_model().objects.values_list("email", "password")) == passwords
    assert photo_files(media) == photos
    assert len(photos) == 10


def test_the_output_names_the_three_logins_and_the_password(media):
    output = seed()

    assert f"Demo logins (password: {demo.DEMO_PASSWORD})" in output
    for email in LOGINS:
        assert email in output


def test_the_three_logins_can_log_in_and_have_their_roles(media, client):
    seed()
    users = {u.email: u for u in get_user_model().objects.filter(email__in=LOGINS)}

    for email in LOGINS:
        assert client.login(email=email, password=demo.DEMO_PASSWORD), email
        client.logout()
        address = users[email].emailaddress_set.get()
        assert address.verified
        assert address.primary

    mentee, mentor, admin = (users[email] for email in LOGINS)

    def roles(user) -> tuple[bool, bool, bool]:
        # The scheme team (the admin's powers then need two-factor, set up at first log-in).
        return is_mentee(user), is_mentor(user), is_scheme_team(user)

    assert roles(mentee) == (True, False, False)
    assert roles(mentor) == (False, True, False)
    assert roles(admin) == (False, False, True)
    assert not admin.is_superuser
    assert mentee.mentee_profile.privacy_consent_at is not None
    assert mentor.mentor_profile.email == demo.MENTOR_EMAIL
    assert mentor.mentor_profile.framework_confirmed_at is not None


def test_every_mentor_is_published_with_a_complete_bio(media):
    seed(12)
    mentors = MentorProfile.objects.all()

    assert mentors.count() == 12
    for mentor in mentors:
        assert mentor.status == MentorStatus.PUBLISHED
        assert mentor.published_at is not None
        assert mentor.register_consent_at is not None
        assert mentor.email == mentor.email.lower()
        assert mentor.supportt_experience
        assert mentor.time_away_experience
        assert mentor.motivation
        assert mentor.interests
        assert 0 < mentor.available_days <= sum(Weekday.values)
        assert 0 < mentor.available_times <= sum(TimeOfDay.values)
        assert 1 <= mentor.capacity <= 3
        assert mentor.meets_virtually or mentor.meets_face_to_face
        if mentor.meets_virtually:
            assert 1 <= mentor.virtual_platforms.count() <= 3
        if mentor.meets_face_to_face:
            assert mentor.face_to_face_location
    assert mentors.filter(is_paused=True).count() == 1  # mentor 10
    assert len({m.supportt_experience for m in mentors}) == 12


def test_every_mentor_has_both_photos_on_disk_at_the_right_sizes(media):
    seed()

    for mentor in MentorProfile.objects.all():
        for field, size in ((mentor.photo, 480), (mentor.photo_thumbnail, 160)):
            path = Path(field.path)
            assert path.is_relative_to(media)
            with Image.open(path) as image:
                image.load()
                assert image.format == "JPEG"
                assert image.size == (size, size)
                assert not image.getexif()


@pytest.mark.parametrize("mentors", [0, -1, demo.MAX_MENTORS + 1])
def test_an_impossible_number_of_mentors_is_refused(media, mentors):
    with pytest.raises(CommandError, match="--mentors must be between 1 and"):
        seed(mentors)

    assert not MentorProfile.objects.exists()


def test_one_mentor_is_full_so_the_demo_shows_a_waiting_list(media, client):
    from django.urls import reverse

    from requests_app.availability import mentor_availability

    seed(24)  # what make run seeds
    seed(24)  # still one partnership, not two

    full = [
        p for p in MentorProfile.objects.published() if mentor_availability(p).waiting_list_open
    ]
    assert len(full) == 1
    assert full[0].partnerships.count() == 1
    client.force_login(get_user_model().objects.get(email=demo.MENTEE_EMAIL))
    page = client.get(reverse("mentor_profile", args=[full[0].pk])).content.decode()
    assert "waiting list" in page


def test_the_demo_partnership_was_made_through_the_workflow_with_its_history(media):
    from django.utils import timezone

    from mentoring.outbox.models import Email, EmailState
    from requests_app.models import (
        Meeting,
        MeetingState,
        MentoringRequest,
        Partnership,
        PartnershipState,
        RequestState,
        Transition,
    )

    seed(24)
    now = timezone.now()

    request = MentoringRequest.objects.get()
    partnership = Partnership.objects.get()
    assert request.state == RequestState.ACCEPTED
    assert partnership.state == PartnershipState.ACTIVE
    assert request.created_at < request.answered_at < now
    # Every demo request, partnership and meeting has the history the workflow writes.
    assert list(
        Transition.objects.filter(request=request).order_by("at").values_list("to_state", flat=True)
    ) == [RequestState.PENDING, RequestState.ACCEPTED]
    assert list(
        Transition.objects.filter(partnership=partnership, to_state=PartnershipState.ACTIVE)
        .exclude(from_state="")
        .values_list("from_state", flat=True)
    ) == [PartnershipState.AGREEMENT_PENDING]
    meetings = Meeting.objects.order_by("starts_at")
    assert [m.state for m in meetings] == [MeetingState.HELD, MeetingState.PLANNED]
    assert meetings[0].starts_at < now < meetings[1].starts_at
    for meeting in meetings:
        assert Transition.objects.filter(meeting=meeting, to_state=meeting.state).exists()
    assert all(t.at < now for t in Transition.objects.all())
    # The emails the workflow queued count as sent: the demo does not send stale news.
    assert Email.objects.exists()
    assert not Email.objects.owed().exists()
    assert set(Email.objects.values_list("state", flat=True)) == {EmailState.SENT}
