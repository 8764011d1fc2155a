"""The public form where a trained mentor without a login sends in their bio."""

import datetime
import re
import zoneinfo

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from register.models import MentorProfile, MentorStatus, TimeOfDay, Weekday
from scheme.models import SchemeSettings
from tests.axe import assert_no_axe_violations
from tests.factories import (
    GradeFactory,
    MentorProfileFactory,
    SchoolFactory,
    TrustFactory,
    VirtualPlatformFactory,
)
from tests.test_mentor_self_service import photo_upload, stored_files, text_named_jpg

pytestmark = pytest.mark.django_db

LONDON = zoneinfo.ZoneInfo("Europe/London")
DEADLINE = datetime.date(2026, 6, 30)
INBOX = "supportt.team@example.nhs.uk"
URL = "/become-a-mentor/submit/"


def set_deadline(deadline: datetime.date | None) -> None:
    scheme = SchemeSettings.load()
    scheme.bio_submission_deadline = deadline
    scheme.inbox_email = INBOX
    scheme.default_mentor_capacity = 3
    scheme.save()


def at_london(year, month, day, hour, minute=0):
    return time_machine.travel(
        datetime.datetime(year, month, day, hour, minute, tzinfo=LONDON), tick=False
    )


def submission(**changes) -> dict:
    data = {
        "first_name": "Priya",
        "last_name": "Shah",
        "email": "priya.shah@example.nhs.uk",
        "grade": GradeFactory().pk,
        "school": SchoolFactory().pk,
        "trust": TrustFactory().pk,
        "supportt_experience": "I came back after a year of sick leave.",
        "motivation": "Someone helped me; I want to do the same.",
        "available_days": [Weekday.TUESDAY, Weekday.THURSDAY],
        "available_times": [TimeOfDay.EVENING],
        "meets_virtually": "on",
        "virtual_platforms": [VirtualPlatformFactory().pk],
        "register_consent": "on",
        "photo": photo_upload(),
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


@pytest.fixture
def open_form():
    set_deadline(DEADLINE)
    with at_london(2026, 6, 1, 12):
        yield


# --- Open and closed -------------------------------------------------------------------


def test_the_form_is_public(client, open_form):
    response = client.get(URL)

    assert response.status_code == 200
    content = response.content.decode()
    assert "Send us your peer mentor bio" in content
    assert "Tuesday 30 June 2026" in content
    assert 'enctype="multipart/form-data"' in content
    assert reverse("submit_bio") == URL


@pytest.mark.parametrize(
    "moment",
    [(2026, 6, 29, 9), (2026, 6, 30, 0, 1), (2026, 6, 30, 23, 59)],
    ids=["day before", "deadline day, just after midnight", "deadline day, last minute"],
)
def test_the_form_is_open_up_to_and_including_the_deadline_day(client, moment):
    set_deadline(DEADLINE)

    with at_london(*moment):
        response = client.get(URL)

    assert "Send us your peer mentor bio" in response.content.decode()


def test_the_form_closes_at_midnight_after_the_deadline_day_in_uk_time(client):
    set_deadline(DEADLINE)

    # 23:30 UTC on the deadline day is already 00:30 on 1 July in London (BST).
    with time_machine.travel(datetime.datetime(2026, 6, 30, 23, 30, tzinfo=datetime.UTC)):
        response = client.get(URL)

    content = response.content.decode()
    assert "The bio form is closed" in content
    assert "Tuesday 30 June 2026" in content
    assert f'href="mailto:{INBOX}"' in content


def test_the_form_is_open_when_no_deadline_is_set(client):
    set_deadline(None)

    content = client.get(URL).content.decode()

    assert "Send us your peer mentor bio" in content
    assert "closed" not in content
    assert "open until" not in content


def test_a_submission_after_the_deadline_is_not_saved(client, committed):
    set_deadline(DEADLINE)

    with at_london(2026, 7, 1, 9), committed():
        response = client.post(URL, submission())

    assert "The bio form is closed" in response.content.decode()
    assert not MentorProfile.objects.exists()
    assert mail.outbox == []


def test_the_form_answers_only_get_and_post(client, open_form):
    assert client.put(URL).status_code == 405
    assert client.delete(URL).status_code == 405


# --- Sending a bio ------------------------------------------------------------------------


def test_a_submission_is_saved_for_review_and_the_team_is_told(client, open_form, committed):
    with committed():
        response = client.post(URL, submission())

    assert response.status_code == 302
    assert response["Location"] == reverse("submit_bio_done")
    profile = MentorProfile.objects.get()
    assert profile.status == MentorStatus.SUBMITTED
    assert profile.email == "priya.shah@example.nhs.uk"
    assert profile.user is None
    assert profile.register_consent_at == timezone.now()
    assert profile.submitted_at == timezone.now()
    assert profile.published_at is None
    assert profile.capacity == 3  # the scheme's default
    assert profile.available_days == Weekday.TUESDAY | Weekday.THURSDAY
    assert profile.virtual_platforms.count() == 1
    assert profile.photo.name.endswith("-480.jpg")
    assert profile.photo_thumbnail.name.endswith("-160.jpg")
    # The team's email; the mentor's acknowledgement is tested in tests/test_event_emails.py.
    (message,) = [m for m in mail.outbox if m.to == [INBOX]]
    assert message.subject == "New mentor bio to review: Priya Shah"
    assert f"/admin/register/mentorprofile/{profile.pk}/change/" in message.body


def test_the_thank_you_page_is_public(client, db):
    response = client.get(reverse("submit_bio_done"))

    assert response.status_code == 200
    assert "We have your bio" in response.content.decode()


def test_an_email_that_already_has_a_bio_is_not_overwritten(client, open_form, committed):
    existing = MentorProfileFactory(email="Priya.Shah@example.nhs.uk", first_name="Original")

    with committed():
        response = client.post(URL, submission(first_name="Impostor"))

    assert response.status_code == 200
    content = response.content.decode()
    assert "We already have a bio for this email address" in content
    assert f"email the scheme team at {INBOX}" in content
    existing.refresh_from_db()
    assert existing.first_name == "Original"
    assert existing.status == MentorStatus.PUBLISHED
    assert MentorProfile.objects.count() == 1
    assert mail.outbox == []


def test_consent_to_appear_on_the_register_is_required(client, open_form, settings):
    response = client.post(URL, submission(register_consent=None))

    assert response.status_code == 200
    assert "Tick the box to agree to appear on the register" in response.content.decode()
    assert not MentorProfile.objects.exists()
    assert stored_files(settings) == []


def test_a_photo_is_required(client, open_form):
    response = client.post(URL, submission(photo=None))

    assert "Choose a photo of yourself to upload" in response.content.decode()
    assert not MentorProfile.objects.exists()


def test_a_file_that_is_not_a_photo_is_refused(client, open_form, settings):
    response = client.post(URL, submission(photo=text_named_jpg()))

    assert "The file is not a photo we can read" in response.content.decode()
    assert not MentorProfile.objects.exists()
    assert stored_files(settings) == []


def test_the_empty_form_explains_every_required_answer(client, open_form):
    response = client.post(URL, {})

    content = response.content.decode()
    assert re.search(r"<title>\s*Error: ", content)
    for message in (
        "Enter your first name",
        "Enter your email address",
        "Choose your grade",
        "Tell mentees why you became a peer mentor",
        "Choose at least one day",
        "Choose at least one way to meet",
        "Tick the box to agree",
    ):
        assert message in content, message


def test_a_filled_in_honeypot_is_rejected_and_nothing_is_saved(client, open_form, committed):
    with committed():
        response = client.post(URL, submission(website="http://spam.example"))

    assert response.status_code == 400
    assert "We could not accept this form" in response.content.decode()
    assert not MentorProfile.objects.exists()
    assert mail.outbox == []


def test_the_form_has_no_duplicate_ids(client, open_form):
    content = client.get(URL).content.decode()

    ids = re.findall(r'\sid="([^"]+)"', content)
    assert sorted({i for i in ids if ids.count(i) > 1}) == []


def test_a_logged_in_user_can_also_use_the_form(client, mentee, open_form):
    client.force_login(mentee)

    response = client.post(URL, submission(email="someone.new@example.nhs.uk"))

    assert response.status_code == 302
    assert MentorProfile.objects.filter(email="someone.new@example.nhs.uk").exists()


# --- In a browser ----------------------------------------------------------------------------


@pytest.mark.browser
def test_the_open_form_with_errors_and_the_closed_form_have_no_accessibility_problems(
    page, transactional_db
):
    set_deadline(timezone.localdate() + datetime.timedelta(days=7))
    GradeFactory()
    SchoolFactory()
    TrustFactory()
    VirtualPlatformFactory()

    page.goto(URL)
    expect(page.locator("h1")).to_have_text("Send us your peer mentor bio")
    expect(page.locator("[name='website']")).to_be_hidden()
    assert_no_axe_violations(page)

    page.get_by_role("button", name="Send my bio").click()
    expect(page).to_have_title(re.compile(r"^Error: "))
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("Tick the box to agree")
    assert_no_axe_violations(page)

    set_deadline(timezone.localdate() - datetime.timedelta(days=1))
    page.goto(URL)
    expect(page.locator("h1")).to_have_text("The bio form is closed")
    assert_no_axe_violations(page)

    page.goto(reverse("submit_bio_done"))
    assert_no_axe_violations(page)


@pytest.mark.browser
def test_someone_sends_in_their_bio_with_a_photo(page, tmp_path, transactional_db):
    set_deadline(timezone.localdate())
    GradeFactory()
    SchoolFactory()
    TrustFactory()
    VirtualPlatformFactory()
    photo = tmp_path / "me.jpg"
    photo.write_bytes(photo_upload().read())

    page.goto(URL)
    page.get_by_label("First name").fill("Sam")
    page.get_by_label("Last name").fill("Okoro")
    page.get_by_label("Email address", exact=True).fill("sam.okoro@example.nhs.uk")
    page.get_by_label("Grade").select_option(label="ST4")
    page.get_by_label("Specialty school").select_option(label="School of Medicine")
    page.get_by_label("Trust", exact=True).select_option(label="Leeds Teaching Hospitals NHS Trust")
    page.locator("[name='photo']").set_input_files(str(photo))
    page.get_by_label("Why you became a peer mentor").fill("To give back.")
    page.get_by_label("Wednesday").check()
    page.get_by_label("Evenings").check()
    page.get_by_label("I can meet online").check()
    page.get_by_label("Microsoft Teams").check()
    page.get_by_label("I agree to my bio and photo appearing on the register").check()
    page.get_by_role("button", name="Send my bio").click()

    expect(page).to_have_url(re.compile(reverse("submit_bio_done") + "$"))
    expect(page.get_by_role("heading", name="We have your bio")).to_be_visible()
    profile = MentorProfile.objects.get(email="sam.okoro@example.nhs.uk")
    assert profile.status == MentorStatus.SUBMITTED
    assert profile.photo
    assert sorted(m.to[0] for m in mail.outbox) == sorted([INBOX, "sam.okoro@example.nhs.uk"])


# --- Rate limit --------------------------------------------------------------------------

SUBMISSIONS_PER_HOUR = 20
TOO_MANY = "Too many tries from your network"


def test_the_limit_is_the_documented_one(settings):
    assert settings.ACCOUNT_RATE_LIMITS["submit_bio"] == f"{SUBMISSIONS_PER_HOUR}/h/ip"


def test_the_form_takes_20_posts_an_hour_from_one_address_then_says_so_with_429(open_form):
    from django.test import Client

    one, other = Client(REMOTE_ADDR="198.51.100.7"), Client(REMOTE_ADDR="198.51.100.8")
    for n in range(SUBMISSIONS_PER_HOUR):
        # Half of them refused by the form (no photo): every POST counts.
        photo = {} if n % 2 else {"photo": None}
        response = one.post(URL, submission(email=f"mentor{n}@example.nhs.uk", **photo))
        assert response.status_code in (200, 302), n
        assert TOO_MANY not in response.content.decode()

    refused = one.post(URL, submission(email="one.more@example.nhs.uk"))

    assert refused.status_code == 429
    page = " ".join(refused.content.decode().split())
    assert TOO_MANY in page
    assert "in the last hour, so we have not read this one" in page
    assert "Please try again in an hour. If you need help sooner, email the scheme team at" in page
    assert not MentorProfile.objects.filter(email="one.more@example.nhs.uk").exists()
    assert MentorProfile.objects.count() == SUBMISSIONS_PER_HOUR // 2
    assert one.get(URL).status_code == 200  # reading the form is never limited
    assert other.post(URL, submission(email="other@example.nhs.uk")).status_code == 302


def test_an_hour_later_the_same_address_may_send_again(open_form):
    from django.test import Client

    one = Client(REMOTE_ADDR="198.51.100.7")
    for n in range(SUBMISSIONS_PER_HOUR):
        one.post(URL, submission(email=f"mentor{n}@example.nhs.uk", photo=None))
    assert one.post(URL, submission(photo=None)).status_code == 429

    with time_machine.travel(datetime.datetime(2026, 6, 1, 12, 59, 59, tzinfo=LONDON), tick=False):
        assert one.post(URL, submission(photo=None)).status_code == 429
    with time_machine.travel(datetime.datetime(2026, 6, 1, 13, 0, 1, tzinfo=LONDON), tick=False):
        assert one.post(URL, submission()).status_code == 302


def test_behind_a_trusted_proxy_each_client_has_its_own_limit(open_form, settings):
    from django.test import Client

    settings.ALLAUTH_TRUSTED_PROXY_COUNT = 1

    def behind_proxy(address: str) -> Client:
        return Client(REMOTE_ADDR="192.0.2.10", headers={"x-forwarded-for": address})

    for n in range(SUBMISSIONS_PER_HOUR):
        behind_proxy("198.51.100.7").post(URL, submission(email=f"m{n}@example.nhs.uk", photo=None))

    assert behind_proxy("198.51.100.7").post(URL, submission(photo=None)).status_code == 429
    assert behind_proxy("198.51.100.8").post(URL, submission(photo=None)).status_code == 200
