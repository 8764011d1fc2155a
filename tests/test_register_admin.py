"""The mentor register in Django admin: the list, its filters, search and actions, the bio form."""

import io
import re
import struct
import zlib

import pytest
from django.contrib.admin.models import LogEntry
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from register import services
from register.models import MentorProfile, MentorStatus, TimeOfDay, VirtualPlatform, Weekday
from requests_app.models import PartnershipState
from scheme.models import Grade, School, Trust
from tests.factories import (
    GradeFactory,
    MentorProfileFactory,
    PartnershipFactory,
    SchoolFactory,
    TrustFactory,
    UserFactory,
    VirtualPlatformFactory,
)

LIST_URL = "/admin/register/mentorprofile/"
LOGIN_URL = "/accounts/login/"


@pytest.fixture
def admin_client_for_scheme(client, scheme_admin, settings):
    """The test client logged in as a scheme admin (staff, not superuser)."""
    settings.ADMIN_REQUIRE_MFA = False
    client.force_login(scheme_admin)
    return client


def jpeg(size=(400, 300), colour=(0, 94, 184), exif=None) -> bytes:
    buffer = io.BytesIO()
    image = Image.new("RGB", size, colour)
    if exif is not None:
        image.save(buffer, format="JPEG", exif=exif)
    else:
        image.save(buffer, format="JPEG")
    return buffer.getvalue()


def give_photo(profile: MentorProfile) -> None:
    profile.photo.save("p-480.jpg", ContentFile(jpeg((480, 480))), save=False)
    profile.photo_thumbnail.save("p-160.jpg", ContentFile(jpeg((160, 160))), save=False)
    profile.save()


def change_url(profile: MentorProfile) -> str:
    return reverse("admin:register_mentorprofile_change", args=[profile.pk])


def names_in(response) -> set[str]:
    """Mentor names in the list's name column."""
    html = response.content.decode()
    return set(re.findall(r'<th class="field-full_name"><a href="[^"]+">([^<]+)</a>', html))


def row_of(html: str, name: str) -> str:
    """The list's table row that shows this mentor."""
    rows = [row for row in re.findall(r"<tr\b.*?</tr>", html, re.DOTALL) if name in row]
    assert len(rows) == 1, f"{name} is in {len(rows)} rows"
    return rows[0]


def run_action(client, action: str, profiles) -> object:
    return client.post(
        LIST_URL,
        {"action": action, "_selected_action": [p.pk for p in profiles]},
        follow=True,
    )


# --- Who may see the list ------------------------------------------------------------


def test_mentor_list_sends_anonymous_visitors_to_log_in(client, db):
    response = client.get(LIST_URL, follow=True)

    assert response.redirect_chain[-1][0].startswith(LOGIN_URL)


def test_mentor_list_turns_away_a_mentor(client, mentor, settings):
    settings.ADMIN_REQUIRE_MFA = False
    client.force_login(mentor)

    response = client.get(LIST_URL)

    assert response.status_code == 302
    assert "/admin/register/mentorprofile/" not in response["Location"].split("?")[0]


def test_mentor_list_turns_away_staff_outside_the_scheme_admins(client, db, settings):
    settings.ADMIN_REQUIRE_MFA = False
    client.force_login(UserFactory(is_staff=True))

    assert client.get(LIST_URL).status_code == 403


# --- The list ----------------------------------------------------------------------


def test_mentor_list_shows_photo_name_grade_school_trust_status_login_capacity_and_load(
    admin_client_for_scheme,
):
    profile = MentorProfileFactory(
        first_name="Ada",
        last_name="Okafor",
        grade=GradeFactory(name="ST6"),
        school=SchoolFactory(name="School of Surgery"),
        trust=TrustFactory(name="Bradford Teaching Hospitals"),
        capacity=3,
    )
    give_photo(profile)
    PartnershipFactory(request__mentor=profile, state=PartnershipState.ACTIVE)
    PartnershipFactory(request__mentor=profile, state=PartnershipState.COMPLETED)

    response = admin_client_for_scheme.get(LIST_URL)

    assert response.status_code == 200
    row = row_of(response.content.decode(), "Ada Okafor")
    assert f'src="{profile.photo_url("small")}"' in row
    for text in ["ST6", "School of Surgery", "Bradford Teaching Hospitals", "Published"]:
        assert text in row
    assert '<td class="field-login_state">None</td>' in row
    assert '<td class="field-capacity">3</td>' in row
    # Only the active partnership counts towards the load.
    assert '<td class="field-current_load">1</td>' in row


def test_mentor_list_shows_who_was_invited_when_and_who_has_logged_in(admin_client_for_scheme):
    invited_at = timezone.make_aware(timezone.datetime(2026, 3, 2, 10, 0))
    MentorProfileFactory(first_name="Never", last_name="Asked")
    MentorProfileFactory(first_name="Just", last_name="Invited", invited_at=invited_at)
    active = MentorProfileFactory(first_name="Logged", last_name="In", with_login=True)
    active.user.last_login = timezone.make_aware(timezone.datetime(2026, 3, 9, 10, 0))
    active.user.save()

    html = admin_client_for_scheme.get(LIST_URL).content.decode()

    def login_cell(name: str) -> str:
        return re.search(r'<td class="field-login_state">(.*?)</td>', row_of(html, name)).group(1)

    assert login_cell("Never Asked") == "None"
    assert login_cell("Just Invited") == "Invited 2 Mar 2026"
    assert login_cell("Logged In") == "Active (last logged in 9 Mar 2026)"


def make_list_population(count: int) -> None:
    """Mentors with everything the list shows: photos, logins, loads, platforms."""
    for n in range(count):
        profile = MentorProfileFactory(
            with_login=n % 2 == 0,
            invited_at=timezone.now() if n % 3 == 0 else None,
            trust=TrustFactory(name=f"Trust {n % 4}"),
        )
        if n % 2:
            profile.photo_thumbnail.name = f"mentors/thumb-{n}.jpg"
            profile.save()
        if n % 5 == 0:
            PartnershipFactory(request__mentor=profile, state=PartnershipState.ACTIVE)


def test_mentor_list_runs_the_same_number_of_queries_for_5_or_30_mentors(
    admin_client_for_scheme, django_assert_max_num_queries
):
    make_list_population(5)
    with CaptureQueriesContext(connection) as for_five:
        assert admin_client_for_scheme.get(LIST_URL).status_code == 200

    make_list_population(25)
    with django_assert_max_num_queries(len(for_five.captured_queries)):
        response = admin_client_for_scheme.get(LIST_URL)

    assert response.context["cl"].result_count == 30


@pytest.mark.parametrize(
    ("query", "shown", "hidden"),
    [
        ({"status__exact": "draft"}, "Dee Draft", "Pat Published"),
        ({"login": "none"}, "Dee Draft", "Ivy Invited"),
        ({"login": "invited"}, "Ivy Invited", "Dee Draft"),
        ({"login": "active"}, "Pat Published", "Ivy Invited"),
        ({"day": str(Weekday.SATURDAY)}, "Ivy Invited", "Pat Published"),
        ({"time": str(TimeOfDay.MORNING)}, "Dee Draft", "Ivy Invited"),
        ({"photo": "yes"}, "Pat Published", "Dee Draft"),
        ({"photo": "no"}, "Dee Draft", "Pat Published"),
        ({"meets_face_to_face__exact": "1"}, "Dee Draft", "Pat Published"),
        ({"q": "sea swimming"}, "Ivy Invited", "Dee Draft"),
        ({"q": "dee.draft@"}, "Dee Draft", "Ivy Invited"),
        ({"q": "Harrogate"}, "Pat Published", "Ivy Invited"),
    ],
)
def test_mentor_list_filters_and_search(admin_client_for_scheme, query, shown, hidden):
    MentorProfileFactory(
        first_name="Dee",
        last_name="Draft",
        email="dee.draft@example.nhs.uk",
        status=MentorStatus.DRAFT,
        available_times=TimeOfDay.MORNING,
        meets_face_to_face=True,
    )
    MentorProfileFactory(
        first_name="Ivy",
        last_name="Invited",
        invited_at=timezone.now(),
        available_days=Weekday.SATURDAY,
        interests="Sea swimming and choir.",
    )
    published = MentorProfileFactory(
        first_name="Pat",
        last_name="Published",
        with_login=True,
        trust=TrustFactory(name="Harrogate and District NHS Foundation Trust"),
    )
    published.user.last_login = timezone.now()
    published.user.save()
    give_photo(published)

    response = admin_client_for_scheme.get(LIST_URL, query)

    assert response.status_code == 200
    names = names_in(response)
    assert shown in names
    assert hidden not in names


def test_mentor_list_filters_by_grade_school_trust_and_platform(admin_client_for_scheme):
    zoom = VirtualPlatformFactory(name="Zoom")
    MentorProfileFactory(first_name="Zed", last_name="Zoom", virtual_platforms=[zoom])
    MentorProfileFactory(first_name="Tam", last_name="Teams")

    response = admin_client_for_scheme.get(LIST_URL, {"virtual_platforms__id__exact": zoom.pk})

    assert names_in(response) == {"Zed Zoom"}


def test_mentor_list_offers_each_reference_list_in_its_order(admin_client_for_scheme):
    """The four reference filters are read in one query, each list in position then name."""
    for model in (Grade, School, Trust, VirtualPlatform):
        model.objects.all().delete()
    GradeFactory(name="CT1", position=2)
    GradeFactory(name="ST3", position=1)
    SchoolFactory(name="School of Surgery")
    SchoolFactory(name="School of Medicine")
    TrustFactory(name="North Trust")
    TrustFactory(name="East Trust")
    VirtualPlatformFactory(name="Zoom", position=0)
    VirtualPlatformFactory(name="Teams", position=5)

    html = admin_client_for_scheme.get(LIST_URL).content.decode()

    def offered(param: str) -> list[str]:
        return re.findall(rf'href="\?{param}=\d+"[^>]*>([^<]+)</a>', html)

    assert offered("grade__id__exact") == ["ST3", "CT1"]
    assert offered("school__id__exact") == ["School of Medicine", "School of Surgery"]
    assert offered("virtual_platforms__id__exact") == ["Zoom", "Teams"]
    assert offered("trust__id__exact") == ["East Trust", "North Trust"]


def test_mentor_list_links_to_bulk_upload_and_the_template(admin_client_for_scheme):
    html = admin_client_for_scheme.get(LIST_URL).content.decode()

    assert f'href="{reverse("admin:register_mentorprofile_bulk_upload")}"' in html
    assert f'href="{reverse("admin:register_mentorprofile_bulk_template")}"' in html


# --- Actions ------------------------------------------------------------------------


def test_publish_action_puts_bios_on_the_register_and_counts_them(
    admin_client_for_scheme, scheme_admin
):
    draft = MentorProfileFactory(status=MentorStatus.DRAFT)
    submitted = MentorProfileFactory(status=MentorStatus.SUBMITTED)
    already = MentorProfileFactory(status=MentorStatus.PUBLISHED)
    published_before = already.published_at

    response = run_action(admin_client_for_scheme, "publish", [draft, submitted, already])

    messages = [str(m) for m in response.context["messages"]]
    assert "2 bios published." in messages
    assert "1 bio left as they were (already published)." in messages
    for profile in (draft, submitted):
        profile.refresh_from_db()
        assert profile.status == MentorStatus.PUBLISHED
        assert profile.published_at is not None
    already.refresh_from_db()
    assert already.published_at == published_before
    assert LogEntry.objects.filter(user=scheme_admin, object_id=str(draft.pk)).exists()


def test_unpublish_action_takes_bios_off_the_register(admin_client_for_scheme):
    published = MentorProfileFactory(status=MentorStatus.PUBLISHED)
    draft = MentorProfileFactory(status=MentorStatus.DRAFT)

    response = run_action(admin_client_for_scheme, "unpublish", [published, draft])

    assert "1 bio taken off the register." in [str(m) for m in response.context["messages"]]
    published.refresh_from_db()
    assert published.status == MentorStatus.DRAFT
    assert published.published_at is None


def test_retire_action_retires_bios(admin_client_for_scheme):
    profiles = [MentorProfileFactory(), MentorProfileFactory(status=MentorStatus.DRAFT)]

    response = run_action(admin_client_for_scheme, "retire", profiles)

    assert "2 bios retired." in [str(m) for m in response.context["messages"]]
    assert set(MentorProfile.objects.values_list("status", flat=True)) == {MentorStatus.RETIRED}


def test_status_services_accept_ids_and_leave_bios_already_there_alone(scheme_admin):
    retired = MentorProfileFactory(status=MentorStatus.RETIRED)
    draft = MentorProfileFactory(status=MentorStatus.DRAFT)
    now = timezone.now()

    assert services.retire_bios(bios=[retired.pk, draft.pk], by=scheme_admin, now=now) == 1
    outcome = services.publish_bios(bios=[draft.pk], by=scheme_admin, now=now)
    assert (outcome.published, outcome.refused) == ([draft.full_name], [])

    draft.refresh_from_db()
    assert (draft.status, draft.published_at, draft.updated_at) == ("published", now, now)


def test_status_cannot_be_changed_through_the_bio_form(admin_client_for_scheme):
    profile = MentorProfileFactory(status=MentorStatus.DRAFT)

    response = admin_client_for_scheme.post(
        change_url(profile), bio_form_data(profile, status=MentorStatus.PUBLISHED)
    )

    assert response.status_code == 302
    profile.refresh_from_db()
    assert profile.status == MentorStatus.DRAFT


# --- The bio form --------------------------------------------------------------------


def bio_form_data(profile: MentorProfile, **changes) -> dict:
    data = {
        "first_name": profile.first_name,
        "last_name": profile.last_name,
        "email": profile.email,
        "grade": profile.grade_id,
        "school": profile.school_id,
        "trust": profile.trust_id,
        "gender": profile.gender,
        "pronouns": profile.pronouns,
        "supportt_experience": profile.supportt_experience,
        "time_away_experience": profile.time_away_experience,
        "motivation": profile.motivation,
        "interests": profile.interests,
        "available_days": [str(Weekday.MONDAY)],
        "available_times": [str(TimeOfDay.EVENING)],
        "availability_notes": "",
        "face_to_face_location": "",
        "meets_virtually": "on",
        "virtual_platforms": [p.pk for p in profile.virtual_platforms.all()] if profile.pk else [],
        "contact_email": "",
        "contact_phone": "",
        "contact_notes": "",
        "capacity": profile.capacity,
        "user": profile.user_id or "",
        "_save": "Save",
    }
    # The training and supervision tables below the bio, as admin sends them empty.
    for prefix in ("training", "supervision"):
        data |= {
            f"{prefix}-TOTAL_FORMS": "0",
            f"{prefix}-INITIAL_FORMS": "0",
            f"{prefix}-MIN_NUM_FORMS": "0",
            f"{prefix}-MAX_NUM_FORMS": "1000",
        }
    data.update(changes)
    return data


def test_bio_form_is_grouped_as_a_mentor_thinks_and_has_one_photo_field(
    admin_client_for_scheme,
):
    profile = MentorProfileFactory()

    response = admin_client_for_scheme.get(change_url(profile))

    assert response.status_code == 200
    html = response.content.decode()
    headings = re.findall(r"<h2[^>]*>([^<]+)</h2>", html)
    positions = [headings.index(h) for h in ["About me", "Experience", "Availability"]]
    positions += [headings.index(h) for h in ["How we can meet", "Contact"]]
    assert positions == sorted(positions)
    assert html.count('type="file"') == 1
    assert 'name="photo_upload"' in html
    assert 'name="photo"' not in html
    assert 'name="photo_thumbnail"' not in html
    assert 'name="invitation_nonce"' not in html
    # Days and times are checkboxes, not a number.
    assert 'type="checkbox" name="available_days"' in html


def test_bio_form_shows_the_current_photo(admin_client_for_scheme):
    profile = MentorProfileFactory()
    give_photo(profile)

    html = admin_client_for_scheme.get(change_url(profile)).content.decode()

    assert f'src="{profile.photo_url("small")}"' in html
    assert f'alt="Current photo of {profile.full_name}"' in html


def test_bio_form_saves_days_and_times_as_flags(admin_client_for_scheme):
    profile = MentorProfileFactory()

    response = admin_client_for_scheme.post(
        change_url(profile),
        bio_form_data(
            profile,
            available_days=[str(Weekday.TUESDAY), str(Weekday.FRIDAY)],
            available_times=[str(TimeOfDay.MORNING), str(TimeOfDay.EVENING)],
        ),
    )

    assert response.status_code == 302
    profile.refresh_from_db()
    assert profile.available_days == Weekday.TUESDAY | Weekday.FRIDAY
    assert profile.available_times == TimeOfDay.MORNING | TimeOfDay.EVENING


def gps_exif() -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0112] = 6  # Orientation: rotate 90 degrees clockwise to show upright
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (53.0, 48.0, 0.0)
    gps[3] = "W"
    gps[4] = (1.0, 33.0, 0.0)
    return exif


def test_an_uploaded_photo_is_stored_square_upright_and_without_exif(admin_client_for_scheme):
    profile = MentorProfileFactory()
    give_photo(profile)
    old_files = [profile.photo.name, profile.photo_thumbnail.name]
    # 600 wide, 400 high, but EXIF says it must be turned: upright it is portrait.
    photo = jpeg((600, 400), exif=gps_exif())
    assert Image.open(io.BytesIO(photo)).getexif().get_ifd(0x8825)  # the GPS is there

    upload = ContentFile(photo, name="holiday.jpg")
    response = admin_client_for_scheme.post(
        change_url(profile), {**bio_form_data(profile), "photo_upload": upload}
    )

    assert response.status_code == 302
    profile.refresh_from_db()
    for field, side in [(profile.photo, 480), (profile.photo_thumbnail, 160)]:
        with default_storage.open(field.name, "rb") as stored:
            image = Image.open(stored)
            image.load()
        assert image.format == "JPEG"
        assert image.size == (side, side)
        assert len(image.getexif()) == 0
        assert not image.getexif().get_ifd(0x8825)
        assert "exif" not in image.info
    assert profile.photo.name not in old_files


def test_removing_the_photo_clears_both_stored_copies(admin_client_for_scheme):
    profile = MentorProfileFactory()
    give_photo(profile)

    response = admin_client_for_scheme.post(
        change_url(profile), bio_form_data(profile, remove_photo="on")
    )

    assert response.status_code == 302
    profile.refresh_from_db()
    assert not profile.photo
    assert not profile.photo_thumbnail


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)


def png_header_claiming(width: int, height: int) -> bytes:
    """A PNG whose header claims the size, with a scrap of pixel data: a few dozen bytes.

    Pillow reads the size when it opens the file, before decoding anything.
    """
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", ihdr)
        + _png_chunk(b"IDAT", zlib.compress(b"\x00" * 64))
    )


def gif() -> bytes:
    buffer = io.BytesIO()
    Image.new("P", (300, 300)).save(buffer, format="GIF")
    return buffer.getvalue()


SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="400" height="400"><circle r="90"/></svg>'


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("notes.jpg", b"These are my notes, not a photo.\n" * 20, "not a photo we can read"),
        ("drawing.svg", SVG, "not a photo we can read"),
        ("cut-short.jpg", jpeg((600, 600), colour=(200, 10, 10))[:600], "damaged or incomplete"),
        ("enormous.png", png_header_claiming(20_000, 20_000), "far too many pixels"),
        ("tiny.jpg", jpeg((100, 100)), "too small"),
        ("picture.gif", gif(), "must be a JPEG, PNG or WebP"),
    ],
)
def test_a_bad_photo_gives_a_clear_form_error_and_changes_nothing(
    admin_client_for_scheme, name, content, message
):
    profile = MentorProfileFactory(first_name="Bea", last_name="Before")
    stored_before = set(default_storage.listdir("mentors")[1]) if _has_mentors_dir() else set()

    response = admin_client_for_scheme.post(
        change_url(profile),
        {
            **bio_form_data(profile, first_name="Changed"),
            "photo_upload": ContentFile(content, name=name),
        },
    )

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["photo_upload"]
    assert any(message in error and name in error for error in errors), errors
    assert message in response.content.decode()
    profile.refresh_from_db()
    assert profile.first_name == "Bea"
    assert not profile.photo
    stored_after = set(default_storage.listdir("mentors")[1]) if _has_mentors_dir() else set()
    assert stored_after == stored_before


def _has_mentors_dir() -> bool:
    return default_storage.exists("mentors")


def test_a_new_bio_can_be_added_with_a_photo(admin_client_for_scheme):
    grade, school, trust = GradeFactory(), SchoolFactory(), TrustFactory()
    template = MentorProfile(
        first_name="Noor",
        last_name="New",
        email="noor.new@example.nhs.uk",
        grade=grade,
        school=school,
        trust=trust,
        capacity=2,
    )
    data = {**bio_form_data(template, virtual_platforms=[]), "user": ""}

    response = admin_client_for_scheme.post(
        reverse("admin:register_mentorprofile_add"),
        {**data, "photo_upload": ContentFile(jpeg((500, 500)), name="noor.png")},
    )

    assert response.status_code == 302
    profile = MentorProfile.objects.get(email="noor.new@example.nhs.uk")
    assert profile.status == MentorStatus.DRAFT
    assert profile.photo.name.endswith("-480.jpg")
    assert profile.photo_thumbnail.name.endswith("-160.jpg")
