"""A mentor keeps their own bio: edit with a photo, capacity, pause, the ethical framework."""

import io
import re

import pytest
from django.core import mail
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from PIL import Image
from playwright.sync_api import expect

from register.models import MentorProfile, MentorStatus, TimeOfDay, Weekday
from requests_app.models import PartnershipState
from scheme.models import SchemeSettings
from tests.axe import assert_no_axe_violations
from tests.factories import (
    TEST_PASSWORD,
    MenteeProfileFactory,
    MentorProfileFactory,
    PartnershipFactory,
    VirtualPlatformFactory,
)

LOGIN_URL = "/accounts/login/"
EXIF_MAKE = 0x010F
EXIF_GPS_IFD = 0x8825


# --- Helpers ------------------------------------------------------------------------


def photo_upload(name: str = "me.jpg", size: tuple[int, int] = (800, 600)) -> SimpleUploadedFile:
    """A real JPEG carrying a camera make and GPS data, as phones write them."""
    exif = Image.Exif()
    exif[EXIF_MAKE] = "PhoneCam"
    exif[EXIF_GPS_IFD] = {1: "N", 2: (53.0, 48.0, 0.0)}
    buffer = io.BytesIO()
    Image.new("RGB", size, (0, 94, 184)).save(buffer, format="JPEG", exif=exif)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def text_named_jpg() -> SimpleUploadedFile:
    return SimpleUploadedFile("holiday.jpg", b"this is not a photo at all", "image/jpeg")


def bio_data(profile: MentorProfile, **changes) -> dict:
    """The edit form's POST data for the bio as it is, with some answers changed."""
    data = {
        "first_name": profile.first_name,
        "last_name": profile.last_name,
        "pronouns": profile.pronouns,
        "gender": profile.gender,
        "grade": profile.grade_id,
        "school": profile.school_id,
        "trust": profile.trust_id,
        "supportt_experience": profile.supportt_experience,
        "time_away_experience": profile.time_away_experience,
        "motivation": profile.motivation,
        "interests": profile.interests,
        "available_days": [bit for bit, _ in Weekday.choices if profile.available_days & bit],
        "available_times": [bit for bit, _ in TimeOfDay.choices if profile.available_times & bit],
        "availability_notes": profile.availability_notes,
        "face_to_face_location": profile.face_to_face_location,
        "virtual_platforms": list(profile.virtual_platforms.values_list("pk", flat=True)),
        "contact_email": profile.contact_email,
        "contact_phone": profile.contact_phone,
        "contact_notes": profile.contact_notes,
    }
    if profile.meets_face_to_face:
        data["meets_face_to_face"] = "on"
    if profile.meets_virtually:
        data["meets_virtually"] = "on"
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def stored_files(settings) -> list[str]:
    folder = settings.MEDIA_ROOT / "mentors"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def set_review(on: bool) -> SchemeSettings:
    scheme = SchemeSettings.load()
    scheme.bio_changes_need_review = on
    scheme.inbox_email = "team@example.nhs.uk"
    scheme.save()
    return scheme


@pytest.fixture
def unconfirmed_mentor(db):
    """A mentor with a login who has not yet confirmed the ethical framework."""
    profile = MentorProfileFactory(with_login=True, email="new.mentor@example.nhs.uk")
    profile.framework_confirmed_at = None
    profile.save()
    return profile.user


# --- Edit: who may -----------------------------------------------------------------------


def test_edit_page_sends_anonymous_visitors_to_log_in(client, db):
    response = client.get(reverse("my_bio_edit"))

    assert response.status_code == 302
    assert response["Location"].startswith(f"{LOGIN_URL}?next=")


@pytest.mark.parametrize("persona", ["mentee", "scheme_admin"])
def test_edit_page_is_not_found_for_people_without_a_bio(client, db, request, persona):
    client.force_login(request.getfixturevalue(persona))

    assert client.get(reverse("my_bio_edit")).status_code == 404
    assert client.post(reverse("my_bio_edit"), {"first_name": "X"}).status_code == 404


def test_edit_page_shows_the_mentor_their_own_bio(client, mentor, other_mentor):
    client.force_login(mentor)

    response = client.get(reverse("my_bio_edit"))

    assert response.status_code == 200
    content = response.content.decode()
    # As field values: a generated surname can also be a word of the page ("Day").
    assert f'value="{escape(mentor.mentor_profile.last_name)}"' in content
    assert f'value="{escape(other_mentor.mentor_profile.last_name)}"' not in content
    assert 'enctype="multipart/form-data"' in content


def test_edit_page_refuses_other_methods(client, mentor):
    client.force_login(mentor)

    assert client.put(reverse("my_bio_edit")).status_code == 405


# --- Edit: the effect ----------------------------------------------------------------------


def test_mentor_edits_their_bio_and_it_stays_published_when_review_is_off(
    client, mentor, committed
):
    set_review(False)
    profile = mentor.mentor_profile
    client.force_login(mentor)

    with committed():
        response = client.post(
            reverse("my_bio_edit"),
            bio_data(profile, interests="Fell running and sourdough", pronouns="she/her"),
        )

    assert response.status_code == 302
    assert response["Location"] == reverse("my_bio_preview")
    profile.refresh_from_db()
    assert profile.interests == "Fell running and sourdough"
    assert profile.pronouns == "she/her"
    assert profile.status == MentorStatus.PUBLISHED
    assert mail.outbox == []


def test_saving_the_edit_form_never_overwrites_capacity_or_a_pause(client, mentor):
    profile = mentor.mentor_profile
    client.force_login(mentor)
    data = bio_data(profile, interests="Climbing")
    # Meanwhile, in another tab, the mentor pauses and changes capacity.
    MentorProfile.objects.filter(pk=profile.pk).update(is_paused=True, capacity=5)

    client.post(reverse("my_bio_edit"), data)

    profile.refresh_from_db()
    assert (profile.interests, profile.is_paused, profile.capacity) == ("Climbing", True, 5)


def test_with_review_on_an_edit_takes_a_published_bio_off_the_register_and_tells_the_team(
    client, mentor, committed
):
    set_review(True)
    profile = mentor.mentor_profile
    client.force_login(mentor)

    with committed():
        response = client.post(
            reverse("my_bio_edit"),
            bio_data(profile, motivation="I want to pass it on."),
            follow=True,
        )

    profile.refresh_from_db()
    assert profile.status == MentorStatus.SUBMITTED
    assert profile.submitted_at is not None
    assert profile.motivation == "I want to pass it on."
    assert "off the register until they publish it again" in response.content.decode()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["team@example.nhs.uk"]
    assert profile.full_name in message.subject
    assert "Why you became a peer mentor" in message.body
    assert f"/admin/register/mentorprofile/{profile.pk}/change/" in message.body


def test_with_review_on_the_mentor_is_warned_before_saving(client, mentor):
    set_review(True)
    client.force_login(mentor)

    content = client.get(reverse("my_bio_edit")).content.decode()

    assert "Your changes will be checked first" in content
    assert "it will come off the register" in content
    assert "Save and send for review" in content


def test_with_review_off_there_is_no_warning(client, mentor):
    set_review(False)
    client.force_login(mentor)

    content = client.get(reverse("my_bio_edit")).content.decode()

    assert "Your changes will be checked first" not in content
    assert "Save your bio" in content


def test_with_review_on_saving_without_changes_keeps_the_bio_published(client, mentor, committed):
    set_review(True)
    profile = mentor.mentor_profile
    client.force_login(mentor)

    with committed():
        client.post(reverse("my_bio_edit"), bio_data(profile))

    profile.refresh_from_db()
    assert profile.status == MentorStatus.PUBLISHED
    assert mail.outbox == []


def test_with_review_on_a_draft_bio_is_saved_as_it_is(client, mentor, committed):
    set_review(True)
    profile = mentor.mentor_profile
    MentorProfile.objects.filter(pk=profile.pk).update(status=MentorStatus.DRAFT)
    profile.refresh_from_db()
    client.force_login(mentor)

    with committed():
        client.post(reverse("my_bio_edit"), bio_data(profile, interests="Choir"))

    profile.refresh_from_db()
    assert (profile.status, profile.interests) == (MentorStatus.DRAFT, "Choir")
    assert mail.outbox == []


def test_a_valid_photo_is_stored_as_square_jpegs_without_exif(client, mentor, settings):
    profile = mentor.mentor_profile
    client.force_login(mentor)

    response = client.post(reverse("my_bio_edit"), {**bio_data(profile), "photo": photo_upload()})

    assert response.status_code == 302
    profile.refresh_from_db()
    for field, side in ((profile.photo, 480), (profile.photo_thumbnail, 160)):
        with field.open("rb") as stored, Image.open(stored) as image:
            assert image.format == "JPEG"
            assert image.size == (side, side)
            assert dict(image.getexif()) == {}
            assert "exif" not in image.info
    assert len(stored_files(settings)) == 2


def test_a_new_photo_replaces_the_old_files(client, mentor, settings, committed):
    profile = mentor.mentor_profile
    client.force_login(mentor)
    client.post(reverse("my_bio_edit"), {**bio_data(profile), "photo": photo_upload()})
    profile.refresh_from_db()
    first = {profile.photo.name, profile.photo_thumbnail.name}

    with committed():
        client.post(reverse("my_bio_edit"), {**bio_data(profile), "photo": photo_upload()})

    profile.refresh_from_db()
    assert {profile.photo.name, profile.photo_thumbnail.name}.isdisjoint(first)
    assert len(stored_files(settings)) == 2


def test_a_text_file_named_jpg_is_refused_and_nothing_changes(client, mentor, settings):
    profile = mentor.mentor_profile
    before = profile.interests
    client.force_login(mentor)

    response = client.post(
        reverse("my_bio_edit"),
        {**bio_data(profile, interests="Changed"), "photo": text_named_jpg()},
    )

    assert response.status_code == 200
    content = response.content.decode()
    assert "The file is not a photo we can read" in content
    assert 'href="#id_photo"' in content  # the error summary links to the field
    assert re.search(r"<title>\s*Error: ", content)
    profile.refresh_from_db()
    assert profile.interests == before
    assert not profile.photo
    assert stored_files(settings) == []


def test_face_to_face_needs_a_place_and_online_needs_a_platform(client, mentor):
    profile = mentor.mentor_profile
    client.force_login(mentor)

    response = client.post(
        reverse("my_bio_edit"),
        bio_data(
            profile,
            meets_face_to_face="on",
            face_to_face_location="",
            virtual_platforms=[],
            interests="Changed",
        ),
    )

    content = response.content.decode()
    assert "Say where you can meet face to face" in content
    assert "Choose at least one online platform" in content
    profile.refresh_from_db()
    assert profile.interests != "Changed"


def test_a_mentor_must_offer_at_least_one_way_to_meet(client, mentor):
    profile = mentor.mentor_profile
    client.force_login(mentor)
    data = bio_data(profile)
    data.pop("meets_virtually")

    response = client.post(reverse("my_bio_edit"), data)

    assert "Choose at least one way to meet" in response.content.decode()
    profile.refresh_from_db()
    assert profile.meets_virtually is True


def test_mentor_can_meet_face_to_face_only(client, mentor):
    profile = mentor.mentor_profile
    client.force_login(mentor)
    data = bio_data(profile, meets_face_to_face="on", face_to_face_location="Leeds")
    data.pop("meets_virtually")
    data.pop("virtual_platforms")

    assert client.post(reverse("my_bio_edit"), data).status_code == 302

    profile.refresh_from_db()
    assert (profile.meets_face_to_face, profile.meets_virtually) == (True, False)
    assert profile.face_to_face_location == "Leeds"
    assert list(profile.virtual_platforms.all()) == []


def test_an_inactive_platform_already_chosen_stays_available(client, mentor):
    retired = VirtualPlatformFactory(name="Skype", is_active=False)
    profile = mentor.mentor_profile
    profile.virtual_platforms.add(retired)
    client.force_login(mentor)

    response = client.post(reverse("my_bio_edit"), bio_data(profile))

    assert response.status_code == 302
    assert retired in profile.virtual_platforms.all()


# --- Capacity ---------------------------------------------------------------------------


def test_capacity_page_ladder(client, mentee, mentor):
    url = reverse("my_bio_capacity")
    assert client.get(url).status_code == 302

    client.force_login(mentee)
    assert client.get(url).status_code == 404
    assert client.post(url, {"capacity": 3}).status_code == 404

    client.force_login(mentor)
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("capacity", [0, 1, 10])
def test_capacity_can_be_set_from_0_to_10(client, mentor, capacity):
    client.force_login(mentor)

    response = client.post(reverse("my_bio_capacity"), {"capacity": capacity})

    assert response.status_code == 302
    mentor.mentor_profile.refresh_from_db()
    assert mentor.mentor_profile.capacity == capacity


@pytest.mark.parametrize("capacity", ["11", "-1", "two", ""])
def test_capacity_outside_0_to_10_is_refused(client, mentor, capacity):
    client.force_login(mentor)

    response = client.post(reverse("my_bio_capacity"), {"capacity": capacity})

    assert response.status_code == 200
    assert "nhsuk-error-summary" in response.content.decode()
    mentor.mentor_profile.refresh_from_db()
    assert mentor.mentor_profile.capacity == 2


def test_lowering_capacity_below_the_current_load_explains_what_happens(client, mentor):
    PartnershipFactory(request__mentor=mentor.mentor_profile, state=PartnershipState.ACTIVE)
    client.force_login(mentor)

    response = client.post(reverse("my_bio_capacity"), {"capacity": 1}, follow=True)

    assert "you will not get new requests until a partnership ends" in (response.content.decode())


# --- Pause and resume ---------------------------------------------------------------------


@pytest.mark.parametrize("url_name", ["my_bio_pause", "my_bio_resume"])
def test_pause_and_resume_ladder(client, mentee, mentor, url_name):
    url = reverse(url_name)
    assert client.post(url).status_code == 302
    assert client.post(url)["Location"].startswith(LOGIN_URL)

    client.force_login(mentee)
    assert client.post(url).status_code == 404

    client.force_login(mentor)
    assert client.get(url).status_code == 405


def test_mentor_pauses_and_resumes_taking_requests(client, mentor):
    profile = mentor.mentor_profile
    client.force_login(mentor)

    response = client.post(reverse("my_bio_pause"), follow=True)

    profile.refresh_from_db()
    assert profile.is_paused is True
    content = response.content.decode()
    assert "You have paused taking requests" in content
    assert "Resume taking requests" in content

    response = client.post(reverse("my_bio_resume"), follow=True)

    profile.refresh_from_db()
    assert profile.is_paused is False
    assert "You are taking requests again" in response.content.decode()


def test_pausing_twice_says_so_and_changes_nothing(client, mentor):
    MentorProfile.objects.filter(user=mentor).update(is_paused=True)
    client.force_login(mentor)

    response = client.post(reverse("my_bio_pause"), follow=True)

    assert "You had already paused taking requests" in response.content.decode()


# --- Dashboard --------------------------------------------------------------------------


def test_dashboard_shows_the_bio_status_and_that_the_mentor_takes_requests(client, mentor):
    client.force_login(mentor)

    content = client.get(reverse("dashboard")).content.decode()

    assert "Published on the register" in content
    assert "Taking requests: 0 of 2 places taken" in content
    assert f'href="{reverse("my_bio_edit")}"' in content
    assert f'href="{reverse("my_bio_preview")}"' in content
    assert f'href="{reverse("my_bio_capacity")}"' in content
    assert f'action="{reverse("my_bio_pause")}"' in content


def test_dashboard_shows_a_full_mentor_as_full(client, mentor):
    profile = mentor.mentor_profile
    MentorProfile.objects.filter(pk=profile.pk).update(capacity=1)
    PartnershipFactory(request__mentor=profile)
    client.force_login(mentor)

    content = client.get(reverse("dashboard")).content.decode()

    assert "Full: 1 of 1 places taken" in content


def test_dashboard_shows_a_paused_mentor_how_to_resume(client, mentor):
    MentorProfile.objects.filter(user=mentor).update(is_paused=True)
    client.force_login(mentor)

    content = client.get(reverse("dashboard")).content.decode()

    assert "Paused: mentees cannot send you requests" in content
    assert f'action="{reverse("my_bio_resume")}"' in content


def test_dashboard_shows_a_submitted_bio_is_waiting_for_the_team(client, mentor):
    MentorProfile.objects.filter(user=mentor).update(status=MentorStatus.SUBMITTED)
    client.force_login(mentor)

    content = client.get(reverse("dashboard")).content.decode()

    assert "the scheme team will publish it once they have checked it" in content
    assert "Not taking requests: your bio is not on the register" in content


# --- The ethical framework ----------------------------------------------------------------


def test_framework_page_ladder(client, mentee, unconfirmed_mentor):
    url = reverse("framework_confirm")
    assert client.get(url)["Location"].startswith(LOGIN_URL)

    client.force_login(mentee)
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404

    client.force_login(unconfirmed_mentor)
    response = client.get(url)
    assert response.status_code == 200
    assert "Our ethical framework for peer mentors" in response.content.decode()
    assert client.put(url).status_code == 405


def test_confirming_the_framework_records_when(client, unconfirmed_mentor):
    client.force_login(unconfirmed_mentor)
    before = timezone.now()

    response = client.post(reverse("framework_confirm"))

    assert response.status_code == 302
    profile = MentorProfile.objects.get(user=unconfirmed_mentor)
    assert profile.framework_confirmed_at >= before
    assert client.get(reverse("my_bio_edit")).status_code == 200


def test_confirming_again_keeps_the_first_time(client, mentor):
    first = mentor.mentor_profile.framework_confirmed_at
    client.force_login(mentor)

    client.post(reverse("framework_confirm"))

    mentor.mentor_profile.refresh_from_db()
    assert mentor.mentor_profile.framework_confirmed_at == first


def test_the_framework_text_can_be_edited_by_admins(client, unconfirmed_mentor):
    from scheme.models import SchemeText

    SchemeText.objects.update_or_create(
        slug="ethical-framework", defaults={"title": "Our own code", "body": "Be kind."}
    )
    client.force_login(unconfirmed_mentor)

    content = client.get(reverse("framework_confirm")).content.decode()

    assert "Our own code" in content
    assert "Be kind." in content


@pytest.mark.parametrize(
    ("method", "url_name"),
    [
        ("get", "my_bio_edit"),
        ("post", "my_bio_edit"),
        ("get", "my_bio_preview"),
        ("get", "my_bio_capacity"),
        ("post", "my_bio_capacity"),
        ("post", "my_bio_pause"),
    ],
)
def test_until_the_framework_is_confirmed_mentor_pages_send_the_mentor_there(
    client, unconfirmed_mentor, method, url_name
):
    client.force_login(unconfirmed_mentor)

    response = getattr(client, method)(reverse(url_name), {"capacity": 5})

    assert response.status_code == 302
    assert response["Location"] == reverse("framework_confirm")
    profile = MentorProfile.objects.get(user=unconfirmed_mentor)
    assert (profile.capacity, profile.is_paused) == (2, False)


def test_until_the_framework_is_confirmed_the_own_profile_sends_the_mentor_there(
    client, unconfirmed_mentor
):
    client.force_login(unconfirmed_mentor)
    pk = unconfirmed_mentor.mentor_profile.pk

    response = client.get(reverse("mentor_profile", args=[pk]), follow=True)

    assert response.redirect_chain[-1][0] == reverse("framework_confirm")
    assert "please read the ethical framework" in response.content.decode()


def test_until_the_framework_is_confirmed_the_dashboard_points_to_it(client, unconfirmed_mentor):
    """The dashboard partial shows only a way to the framework. (Once the dashboard
    view calls register.access.framework_redirect, it sends the mentor there.)"""
    client.force_login(unconfirmed_mentor)

    response = client.get(reverse("dashboard"), follow=True)

    content = response.content.decode()
    redirected = [url for url, _ in response.redirect_chain] == [reverse("framework_confirm")]
    assert redirected or f'href="{reverse("framework_confirm")}"' in content
    assert f'href="{reverse("my_bio_edit")}"' not in content


# --- One login, two roles ---------------------------------------------------------------------


def test_a_mentor_who_is_also_a_mentee_uses_the_mentor_pages(client, mentor):
    MenteeProfileFactory(user=mentor)
    profile = mentor.mentor_profile
    client.force_login(mentor)

    assert client.get(reverse("my_bio_edit")).status_code == 200
    assert (
        client.post(reverse("my_bio_edit"), bio_data(profile, interests="Cycling")).status_code
        == 302
    )
    assert client.post(reverse("my_bio_pause")).status_code == 302
    assert client.get(reverse("my_bio_preview")).status_code == 200
    profile.refresh_from_db()
    assert (profile.interests, profile.is_paused) == ("Cycling", True)


def test_the_edit_form_has_no_duplicate_ids(client, mentor):
    client.force_login(mentor)

    content = client.get(reverse("my_bio_edit")).content.decode()

    ids = re.findall(r'\sid="([^"]+)"', content)
    assert sorted({i for i in ids if ids.count(i) > 1}) == []
    assert 'for="id_meets_virtually"' in content


# --- In a browser --------------------------------------------------------------------------


@pytest.mark.browser
def test_a_new_mentor_confirms_the_framework_edits_their_bio_with_a_photo_and_previews_it(
    page, unconfirmed_mentor, tmp_path
):
    photo = tmp_path / "headshot.jpg"
    photo.write_bytes(photo_upload().read())
    not_a_photo = tmp_path / "notes.jpg"
    not_a_photo.write_bytes(b"just some text")

    page.goto(LOGIN_URL)
    page.locator("[name='login']").fill(unconfirmed_mentor.email)
    page.locator("[name='password']").fill(TEST_PASSWORD)
    page.locator("form:has([name='password']) [type='submit']").click()
    expect(page).to_have_url(re.compile(r"/(dashboard|my-bio/ethical-framework)/$"))
    assert_no_axe_violations(page)

    # Mentor pages send them to the framework first.
    page.goto(reverse("my_bio_edit"))
    expect(page).to_have_url(re.compile(reverse("framework_confirm") + "$"))
    expect(page.locator("h1")).to_have_text("Our ethical framework for peer mentors")
    assert_no_axe_violations(page)
    page.get_by_role("button", name="I have read it and will follow it").click()
    expect(page).to_have_url(re.compile(r"/dashboard/$"))
    expect(page.get_by_text("Thank you for confirming the ethical framework")).to_be_visible()
    assert_no_axe_violations(page)

    page.get_by_role("link", name="Edit your bio and photo").click()
    expect(page.locator("h1")).to_have_text("Edit your bio")
    assert_no_axe_violations(page)

    # A text file dressed as a photo: the error is shown and reachable.
    page.locator("[name='photo']").set_input_files(str(not_a_photo))
    page.locator("[name='motivation']").fill("")
    page.get_by_role("button", name="Save your bio").click()
    expect(page).to_have_title(re.compile(r"^Error: "))
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("not a photo we can read")
    expect(page.locator(".nhsuk-error-summary")).to_contain_text("why you became a peer mentor")
    assert_no_axe_violations(page)

    page.locator("[name='photo']").set_input_files(str(photo))
    page.locator("[name='motivation']").fill("Coming back was hard; I would like to help.")
    page.get_by_role("button", name="Save your bio").click()
    expect(page).to_have_url(re.compile(reverse("my_bio_preview") + "$"))
    expect(page.get_by_text("Your bio is saved.")).to_be_visible()
    name = unconfirmed_mentor.mentor_profile.full_name
    photo_img = page.get_by_role("img", name=f"Photo of {name}")
    expect(photo_img).to_be_visible()
    # Wait for the image itself: the page may be shown before the photo has arrived.
    natural_width = (
        "img => img.complete ? img.naturalWidth"
        " : new Promise(done => {img.onload = () => done(img.naturalWidth);})"
    )
    assert photo_img.evaluate(natural_width) == 480
    expect(page.get_by_text("Coming back was hard; I would like to help.")).to_be_visible()
    assert_no_axe_violations(page)

    page.goto(reverse("my_bio_capacity"))
    page.locator("[name='capacity']").fill("11")
    page.get_by_role("button", name="Save").click()
    expect(page).to_have_title(re.compile(r"^Error: "))
    assert_no_axe_violations(page)

    page.goto(reverse("dashboard"))
    page.get_by_role("button", name="Pause taking requests").click()
    expect(page.get_by_role("button", name="Resume taking requests")).to_be_visible()
    assert_no_axe_violations(page)


@pytest.mark.browser
def test_the_edit_page_with_the_review_warning_has_no_accessibility_problems(page, mentor):
    set_review(True)
    page.goto(LOGIN_URL)
    page.locator("[name='login']").fill(mentor.email)
    page.locator("[name='password']").fill(TEST_PASSWORD)
    page.locator("form:has([name='password']) [type='submit']").click()
    expect(page).to_have_url(re.compile(r"/dashboard/$"))

    page.goto(reverse("my_bio_edit"))
    expect(page.get_by_text("Your changes will be checked first")).to_be_visible()
    assert_no_axe_violations(page)
    page.get_by_label("Interests and hobbies").fill("Orienteering")
    page.get_by_role("button", name="Save and send for review").click()
    expect(page.get_by_text("off the register until they publish it again")).to_be_visible()
    assert_no_axe_violations(page)
    assert MentorProfile.objects.get(user=mentor).status == MentorStatus.SUBMITTED


def give_photo(profile: MentorProfile) -> None:
    """Store a processed photo on a bio, as the edit form would."""
    from register.photos import process_photo

    processed = process_photo(photo_upload(), stem=f"test-{profile.pk}")
    profile.photo.save(processed.large.name, ContentFile(processed.large.read()), save=False)
    profile.photo_thumbnail.save(
        processed.thumbnail.name, ContentFile(processed.thumbnail.read()), save=False
    )
    profile.save()
