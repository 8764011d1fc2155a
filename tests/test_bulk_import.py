"""Bulk upload of bios and photos: the dry run, the all-or-nothing import, the template."""

import csv
import datetime
import io
import re
import zipfile

import openpyxl
import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.contrib.admin.models import ADDITION, LogEntry
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError
from django.urls import reverse
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from register import bulk_import
from register.models import MentorProfile, MentorStatus, TimeOfDay, Weekday
from scheme.models import Grade, SchemeSettings
from scheme.profiles import SUPPORTT
from tests.factories import (
    TEST_PASSWORD,
    GradeFactory,
    MentorProfileFactory,
    SchoolFactory,
    TrustFactory,
    VirtualPlatformFactory,
)
from tests.test_mentor_self_service import bio_data

UPLOAD_URL = "/admin/register/mentorprofile/bulk-upload/"
CONFIRM_URL = "/admin/register/mentorprofile/bulk-upload/confirm/"
CANCEL_URL = "/admin/register/mentorprofile/bulk-upload/cancel/"
TEMPLATE_URL = "/admin/register/mentorprofile/bulk-upload/template.csv"


@pytest.fixture
def reference_lists(db):
    return {
        "grade": GradeFactory(name="ST4"),
        "school": SchoolFactory(name="School of Surgery"),
        "trust": TrustFactory(name="Leeds Teaching Hospitals NHS Trust"),
        "teams": VirtualPlatformFactory(name="Microsoft Teams"),
        "zoom": VirtualPlatformFactory(name="Zoom"),
    }


@pytest.fixture
def admin_client_for_scheme(client, scheme_admin, settings):
    settings.ADMIN_REQUIRE_MFA = False
    client.force_login(scheme_admin)
    return client


def bio(n: int = 1, **changes) -> dict:
    row = {
        "email": f"bulk{n}@example.nhs.uk",
        "first_name": f"First{n}",
        "last_name": f"Last{n}",
        "grade": "st4",  # names match whatever the case
        "school": "School of Surgery",
        "trust": "LEEDS teaching hospitals nhs trust",
        "gender": "Woman",
        "pronouns": "she/her",
        "motivation": "I know how hard coming back can be.",
        "available_days": "Monday; Wednesday",
        "available_times": "Mornings; Evenings",
        "meets_virtually": "yes",
        "virtual_platforms": "microsoft teams; Zoom",
        "capacity": "3",
        "photo_file": "",
    }
    row.update(changes)
    return row


def csv_bytes(rows: list[dict], headers: list[str] | None = None, delimiter: str = ",") -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(
        out, fieldnames=headers or list(rows[0]), extrasaction="ignore", delimiter=delimiter
    )
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode()


def jpeg(size=(400, 400), colour=(0, 94, 184)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="JPEG")
    return buffer.getvalue()


def zip_bytes(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def dry_run(client, csv_data: bytes, photos: bytes | None = None):
    files = {"csv_file": ContentFile(csv_data, name="bios.csv")}
    if photos is not None:
        files["photos_zip"] = ContentFile(photos, name="photos.zip")
    return client.post(UPLOAD_URL, files)


def confirm(client, dry_run_response, django_capture_on_commit_callbacks=None):
    signed = dry_run_response.context["signed"]
    assert signed, "the dry run offered no import"
    return client.post(CONFIRM_URL, {"upload": signed}, follow=True)


def stage(csv_data: bytes, photos: bytes | None = None) -> tuple[str, bulk_import.ImportPlan]:
    return bulk_import.stage_upload(
        csv_file=ContentFile(csv_data, name="bios.csv"),
        photos_zip=ContentFile(photos, name="photos.zip") if photos is not None else None,
    )


# --- Who may use it ------------------------------------------------------------------------


def test_bulk_upload_sends_anonymous_visitors_to_log_in(client, db):
    for url in (UPLOAD_URL, TEMPLATE_URL):
        response = client.get(url, follow=True)
        assert response.redirect_chain[-1][0].startswith("/accounts/login/")


def test_bulk_upload_is_not_for_mentees_or_mentors(client, mentee, mentor, settings):
    settings.ADMIN_REQUIRE_MFA = False
    for user in (mentee, mentor):
        client.force_login(user)
        response = client.get(UPLOAD_URL)
        assert response.status_code == 302
        assert "bulk-upload" not in response["Location"].split("?")[0]


def test_confirming_is_post_only(admin_client_for_scheme):
    assert admin_client_for_scheme.get(CONFIRM_URL).status_code == 405


def test_bulk_upload_page_explains_the_columns(admin_client_for_scheme):
    response = admin_client_for_scheme.get(UPLOAD_URL)

    assert response.status_code == 200
    html = response.content.decode()
    assert 'enctype="multipart/form-data"' in html
    for column in bulk_import.columns_for(SUPPORTT):
        assert f"<code>{column.name}</code>" in html


def test_the_template_csv_downloads_with_every_column(admin_client_for_scheme):
    response = admin_client_for_scheme.get(TEMPLATE_URL)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    headers = next(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert headers == [column.name for column in bulk_import.columns_for(SUPPORTT)]
    assert headers[:6] == ["email", "first_name", "last_name", "grade", "school", "trust"]


def test_the_template_itself_imports_once_a_row_is_added(reference_lists):
    header = bulk_import.template_csv().encode("utf-8")
    row = csv_bytes([bio(1)], [column.name for column in bulk_import.columns_for(SUPPORTT)])
    _, plan = stage(header + row.split(b"\r\n", 1)[1])

    assert plan.is_valid, plan.errors


# --- Dry run, then import --------------------------------------------------------------------


def test_a_dry_run_shows_each_row_and_writes_nothing(admin_client_for_scheme, reference_lists):
    MentorProfileFactory(email="Bulk2@Example.nhs.uk", first_name="Old")

    response = dry_run(admin_client_for_scheme, csv_bytes([bio(1), bio(2)]))

    assert response.status_code == 200
    html = response.content.decode()
    assert "1 new bio to add, 1 bio to update, 0 unchanged." in " ".join(html.split())
    assert "Add a new bio" in html
    assert re.search(r"Changes: [^<]*first_name", html)
    assert MentorProfile.objects.count() == 1
    assert MentorProfile.objects.get().first_name == "Old"


def test_confirming_imports_every_row_with_reference_values_matched_by_name(
    admin_client_for_scheme, reference_lists, scheme_admin, django_capture_on_commit_callbacks
):
    response = dry_run(admin_client_for_scheme, csv_bytes([bio(1), bio(2, gender="")]))

    with django_capture_on_commit_callbacks(execute=True):
        done = confirm(admin_client_for_scheme, response)

    assert done.redirect_chain[-1][0] == reverse("admin:register_mentorprofile_changelist")
    messages = [str(m) for m in done.context["messages"]]
    assert "Bulk upload finished: 2 bios created, 0 updated, 0 unchanged." in messages
    profile = MentorProfile.objects.get(email="bulk1@example.nhs.uk")
    assert profile.status == MentorStatus.DRAFT
    assert (profile.grade, profile.school, profile.trust) == (
        reference_lists["grade"],
        reference_lists["school"],
        reference_lists["trust"],
    )
    assert profile.available_days == Weekday.MONDAY | Weekday.WEDNESDAY
    assert profile.available_times == TimeOfDay.MORNING | TimeOfDay.EVENING
    assert set(profile.virtual_platforms.all()) == {
        reference_lists["teams"],
        reference_lists["zoom"],
    }
    assert (profile.gender, profile.capacity, profile.meets_virtually) == ("woman", 3, True)
    assert LogEntry.objects.filter(
        user=scheme_admin, object_id=str(profile.pk), action_flag=ADDITION
    ).exists()
    # The staged files are gone once imported.
    assert default_storage.listdir(bulk_import.STAGING_DIR) == ([], [])


def test_importing_the_same_file_again_updates_and_never_duplicates(reference_lists, scheme_admin):
    first = csv_bytes([bio(1), bio(2)])
    token, _ = stage(first)
    bulk_import.import_staged(token=token, by=scheme_admin)
    ids = set(MentorProfile.objects.values_list("pk", flat=True))

    token, plan = stage(first)
    assert [row.action for row in plan.rows] == ["unchanged", "unchanged"]
    result = bulk_import.import_staged(token=token, by=scheme_admin)
    assert (result.created, result.updated, result.unchanged) == (0, 0, 2)

    changed = csv_bytes(
        [bio(1, email="BULK1@example.NHS.uk", motivation="New words.", virtual_platforms="Zoom")]
    )
    token, plan = stage(changed)
    assert plan.rows[0].action == "update"
    assert plan.rows[0].changes == ["email", "motivation", "virtual_platforms"]
    result = bulk_import.import_staged(token=token, by=scheme_admin)

    assert (result.created, result.updated) == (0, 1)
    assert set(MentorProfile.objects.values_list("pk", flat=True)) == ids
    profile = MentorProfile.objects.get(email__iexact="bulk1@example.nhs.uk")
    assert profile.motivation == "New words."
    assert list(profile.virtual_platforms.values_list("name", flat=True)) == ["Zoom"]


def test_columns_left_out_of_the_file_are_not_changed(reference_lists, scheme_admin):
    profile = MentorProfileFactory(email="bulk1@example.nhs.uk", interests="Fell running")
    profile.virtual_platforms.set([reference_lists["zoom"]])
    columns = ["email", "first_name", "last_name", "grade", "school", "trust"]

    token, _ = stage(csv_bytes([bio(1)], columns))
    bulk_import.import_staged(token=token, by=scheme_admin)

    profile.refresh_from_db()
    assert profile.first_name == "First1"
    assert profile.interests == "Fell running"
    assert list(profile.virtual_platforms.all()) == [reference_lists["zoom"]]


def test_blank_capacity_is_the_scheme_default_for_a_new_bio_and_unchanged_otherwise(
    reference_lists, scheme_admin
):
    SchemeSettings.objects.update_or_create(pk=1, defaults={"default_mentor_capacity": 4})
    MentorProfileFactory(email="bulk2@example.nhs.uk", capacity=1)

    token, _ = stage(csv_bytes([bio(1, capacity=""), bio(2, capacity="")]))
    bulk_import.import_staged(token=token, by=scheme_admin)

    capacities = dict(MentorProfile.objects.values_list("email", "capacity"))
    assert capacities == {"bulk1@example.nhs.uk": 4, "bulk2@example.nhs.uk": 1}


# --- Errors: row and column named, nothing written ---------------------------------------------


def test_bad_rows_are_all_reported_by_row_and_column_and_nothing_is_written(
    admin_client_for_scheme, reference_lists
):
    rows = [
        bio(1),
        bio(2, grade="ST99", school="", available_days="Mondays; Funday"),
        bio(3, email="not-an-email", capacity="twelve", virtual_platforms="Zoom; Skype"),
        bio(4, email="BULK1@example.nhs.uk", meets_virtually="maybe", gender="Robot"),
        bio(5, pronouns="x" * 41, contact_email="nope", available_times="Nights"),
    ]
    rows[4]["contact_email"] = "nope"

    response = dry_run(admin_client_for_scheme, csv_bytes([*rows], [*bio(), "contact_email"]))

    assert response.status_code == 200
    plan = response.context["plan"]
    found = {(error.row, error.column) for error in plan.errors}
    assert found == {
        (3, "grade"),
        (3, "school"),
        (3, "available_days"),
        (4, "email"),
        (4, "capacity"),
        (4, "virtual_platforms"),
        (5, "email"),
        (5, "meets_virtually"),
        (5, "gender"),
        (6, "pronouns"),
        (6, "contact_email"),
        (6, "available_times"),
    }
    messages = {(e.row, e.column): e.message for e in plan.errors}
    assert "There is no grade called 'ST99'" in messages[(3, "grade")]
    assert "'Funday'" in messages[(3, "available_days")]
    assert "Mondays" not in messages[(3, "available_days")]
    assert "The same email is on row 2" in messages[(5, "email")]
    assert "'Skype'" in messages[(4, "virtual_platforms")]
    html = response.content.decode()
    assert "Nothing has been imported" in html
    assert "Row 3, column grade: There is no grade called" in html
    assert not response.context["signed"]
    assert MentorProfile.objects.count() == 0
    # A dry run with errors keeps nothing.
    assert default_storage.listdir(bulk_import.STAGING_DIR)[0] == []


def test_day_names_are_checked_too(reference_lists):
    _, plan = stage(csv_bytes([bio(1, available_days="Mon; Funday")]))

    assert [(e.row, e.column) for e in plan.errors] == [(2, "available_days")]
    assert "'Funday'" in plan.errors[0].message


@pytest.mark.parametrize(
    ("csv_data", "where", "message"),
    [
        (b"", "Bios file", "The file is empty"),
        (b"email,first_name,last_name,grade,school,trust\r\n", "Bios file", "no bios"),
        (b"email,first_name\r\nx@example.nhs.uk,X\r\n", "last_name", "This column is missing"),
        (
            b"email,first_name,last_name,grade,school,trust,intrests\r\n",
            "intrests",
            "Unknown column",
        ),
        (b"\x81\x8d\x8f\x90\x9d", "Bios file", bulk_import.UNREADABLE),
    ],
)
def test_a_file_that_is_not_a_usable_csv_is_refused_clearly(
    reference_lists, csv_data, where, message
):
    _, plan = stage(csv_data)

    assert not plan.is_valid
    assert any(e.column == where and message in e.message for e in plan.errors), plan.errors


def test_headers_written_for_people_are_understood(reference_lists):
    data = (
        b"Email,First name,Last name,Grade,School,Trust\r\n"
        b"a@example.nhs.uk,A,B,ST4,School of Surgery,Leeds Teaching Hospitals NHS Trust\r\n"
    )

    _, plan = stage(data)

    assert plan.is_valid, plan.errors


def test_a_reference_value_switched_off_is_an_error(reference_lists):
    Grade.objects.filter(name="ST4").update(is_active=False)

    _, plan = stage(csv_bytes([bio(1)]))

    assert [(e.row, e.column) for e in plan.errors] == [(2, "grade")]
    assert "switched off" in plan.errors[0].message


def test_the_import_is_all_or_nothing_when_the_register_changes_after_the_dry_run(
    admin_client_for_scheme, reference_lists
):
    response = dry_run(admin_client_for_scheme, csv_bytes([bio(1), bio(2)]))
    # Between the dry run and the confirm, someone renames the grade.
    Grade.objects.filter(name="ST4").update(name="ST4 (old)")

    done = confirm(admin_client_for_scheme, response)

    assert done.status_code == 200
    assert "Nothing has been imported" in done.content.decode()
    assert {(e.row, e.column) for e in done.context["plan"].errors} == {
        (2, "grade"),
        (3, "grade"),
    }
    assert MentorProfile.objects.count() == 0


def test_a_database_refusal_while_writing_leaves_nothing_behind(
    reference_lists, scheme_admin, monkeypatch
):
    token, plan = stage(
        csv_bytes([bio(1, photo_file="a.jpg"), bio(2)]), zip_bytes({"a.jpg": jpeg()})
    )
    assert plan.is_valid

    def refuse(*args, **kwargs):
        raise IntegrityError("duplicate key value violates unique constraint")

    monkeypatch.setattr(MentorProfile.objects, "bulk_create", refuse)

    with pytest.raises(bulk_import.ImportRefused, match="Nothing was imported"):
        bulk_import.import_staged(token=token, by=scheme_admin)

    assert MentorProfile.objects.count() == 0
    assert not default_storage.exists("mentors") or default_storage.listdir("mentors")[1] == []


def test_a_confirm_for_someone_else_or_tampered_is_refused(
    admin_client_for_scheme, reference_lists, scheme_admin
):
    token, _ = stage(csv_bytes([bio(1)]))
    for signed in (
        bulk_import.sign_token(token, user_pk=scheme_admin.pk + 1),
        bulk_import.sign_token(token, user_pk=scheme_admin.pk)[:-2] + "xx",
    ):
        response = admin_client_for_scheme.post(CONFIRM_URL, {"upload": signed}, follow=True)
        assert response.redirect_chain[-1][0] == UPLOAD_URL
        assert "Upload the files again" in response.content.decode()
    assert MentorProfile.objects.count() == 0


def test_stale_dry_runs_are_cleared_away(reference_lists):
    token, _ = stage(csv_bytes([bio(1)]))

    assert bulk_import.discard_stale_uploads(now=timezone.now()) == 0
    later = timezone.now() + datetime.timedelta(days=2)
    assert bulk_import.discard_stale_uploads(now=later) == 1
    with pytest.raises(bulk_import.ImportRefused):
        bulk_import.plan_staged(token=token)


def stored_files(folder: str = "") -> list[str]:
    """Every file in the media storage, in every folder."""
    try:
        folders, files = default_storage.listdir(folder)
    except FileNotFoundError:
        return []
    found = [f"{folder}/{name}".lstrip("/") for name in files]
    for name in folders:
        found += stored_files(f"{folder}/{name}".lstrip("/"))
    return found


@pytest.mark.parametrize("as_workbook", [False, True], ids=["csv", "xlsx"])
def test_cancelling_a_dry_run_removes_its_files_at_once(
    admin_client_for_scheme, reference_lists, as_workbook
):
    """The bios file (names, emails, phones) and the processed photos: nothing stays."""
    rows = [bio(1, photo_file="one.jpg", contact_phone="07700 900123")]
    headers = [*bio(), "contact_phone"]
    data = xlsx_bytes(rows, headers) if as_workbook else csv_bytes(rows, headers)
    response = dry_run(admin_client_for_scheme, data, zip_bytes({"one.jpg": jpeg()}))
    staged = stored_files()
    assert len(staged) == 4, staged  # the bios file, the manifest, two sizes of the photo
    assert all(name.startswith(f"{bulk_import.STAGING_DIR}/") for name in staged)
    assert 'value="Cancel"' in response.content.decode()

    cancelled = admin_client_for_scheme.post(
        CANCEL_URL, {"upload": response.context["signed"]}, follow=True
    )

    assert cancelled.redirect_chain[-1][0] == UPLOAD_URL
    assert "Bulk upload cancelled: nothing was imported." in cancelled.content.decode()
    assert stored_files() == []
    assert default_storage.listdir(bulk_import.STAGING_DIR) == ([], [])
    assert MentorProfile.objects.count() == 0


def test_cancel_is_a_post_for_the_admin_who_made_the_dry_run(
    client, admin_client_for_scheme, reference_lists, scheme_admin
):
    token, _ = stage(csv_bytes([bio(1)]))
    someone_elses = bulk_import.sign_token(token, user_pk=scheme_admin.pk + 1)

    assert admin_client_for_scheme.get(CANCEL_URL).status_code == 405
    refused = admin_client_for_scheme.post(CANCEL_URL, {"upload": someone_elses}, follow=True)
    assert "belongs to someone else" in refused.content.decode()
    admin_client_for_scheme.logout()
    anonymous = client.post(
        CANCEL_URL, {"upload": bulk_import.sign_token(token, user_pk=scheme_admin.pk)}
    )
    assert anonymous.status_code == 302
    # Neither took the dry run away.
    assert bulk_import.plan_staged(token=token).rows


# --- Photos ----------------------------------------------------------------------------------


def test_photos_in_the_zip_are_matched_by_file_name_and_stored_processed(
    admin_client_for_scheme, reference_lists, django_capture_on_commit_callbacks
):
    rows = [bio(1, photo_file="Photos/Ada.JPG"), bio(2, photo_file="ben.png"), bio(3)]
    png = io.BytesIO()
    Image.new("RGB", (300, 500), (10, 120, 60)).save(png, format="PNG")
    photos = zip_bytes(
        {
            "photos/ada.jpg": jpeg((800, 600)),
            "ben.png": png.getvalue(),
            "__MACOSX/._ben.png": b"junk",
            "spare.jpg": jpeg(),
        }
    )

    response = dry_run(admin_client_for_scheme, csv_bytes(rows), photos)

    assert response.context["plan"].is_valid, response.context["plan"].errors
    assert "Photos in the ZIP that no row names: spare.jpg." in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        confirm(admin_client_for_scheme, response)
    for email in ("bulk1@example.nhs.uk", "bulk2@example.nhs.uk"):
        profile = MentorProfile.objects.get(email=email)
        with default_storage.open(profile.photo.name, "rb") as f:
            assert Image.open(f).size == (480, 480)
        with default_storage.open(profile.photo_thumbnail.name, "rb") as f:
            assert Image.open(f).size == (160, 160)
    assert not MentorProfile.objects.get(email="bulk3@example.nhs.uk").photo


def test_the_zip_is_not_needed_again_to_confirm(
    admin_client_for_scheme, reference_lists, django_capture_on_commit_callbacks
):
    response = dry_run(
        admin_client_for_scheme,
        csv_bytes([bio(1, photo_file="a.jpg")]),
        zip_bytes({"a.jpg": jpeg()}),
    )
    staged = default_storage.listdir(bulk_import.STAGING_DIR)[0][0]
    kept = default_storage.listdir(f"{bulk_import.STAGING_DIR}/{staged}")[1]

    assert sorted(kept) == ["bios.csv", "photos.json"]  # and the processed photos; no ZIP
    with django_capture_on_commit_callbacks(execute=True):
        confirm(admin_client_for_scheme, response)  # posts only the signed token
    assert MentorProfile.objects.get().photo


def test_a_reimported_photo_replaces_the_old_files(
    reference_lists, scheme_admin, django_capture_on_commit_callbacks
):
    token, _ = stage(csv_bytes([bio(1, photo_file="a.jpg")]), zip_bytes({"a.jpg": jpeg()}))
    with django_capture_on_commit_callbacks(execute=True):
        bulk_import.import_staged(token=token, by=scheme_admin)
    old = MentorProfile.objects.get().photo.name

    token, plan = stage(
        csv_bytes([bio(1, photo_file="a.jpg")]), zip_bytes({"a.jpg": jpeg(colour=(1, 2, 3))})
    )
    assert plan.rows[0].changes == ["photo_file"]
    with django_capture_on_commit_callbacks(execute=True):
        bulk_import.import_staged(token=token, by=scheme_admin)

    new = MentorProfile.objects.get().photo.name
    assert new != old
    assert default_storage.exists(new)
    assert not default_storage.exists(old)


def test_the_same_photo_again_is_not_replaced(
    reference_lists, scheme_admin, django_capture_on_commit_callbacks
):
    files = (csv_bytes([bio(1, photo_file="a.jpg")]), zip_bytes({"a.jpg": jpeg()}))
    token, _ = stage(*files)
    with django_capture_on_commit_callbacks(execute=True):
        bulk_import.import_staged(token=token, by=scheme_admin)
    stored = MentorProfile.objects.get().photo.name

    token, plan = stage(*files)

    assert plan.rows[0].action == "unchanged"
    result = bulk_import.import_staged(token=token, by=scheme_admin)
    assert result.unchanged == 1
    assert MentorProfile.objects.get().photo.name == stored


def test_photo_problems_are_reported_on_their_rows(reference_lists):
    rows = [
        bio(1, photo_file="missing.jpg"),
        bio(2, photo_file="notes.jpg"),
        bio(3, photo_file="cut.jpg"),
        bio(4, photo_file="twice.jpg"),
        bio(5, photo_file="fine.jpg"),
    ]
    photos = zip_bytes(
        {
            "notes.jpg": b"not a photo at all" * 10,
            "cut.jpg": jpeg((600, 600))[:500],
            "a/twice.jpg": jpeg(),
            "b/twice.jpg": jpeg(),
            "fine.jpg": jpeg(),
        }
    )

    _, plan = stage(csv_bytes(rows), photos)

    messages = {e.row: e.message for e in plan.errors}
    assert set(messages) == {2, 3, 4, 5}
    assert all(e.column == "photo_file" for e in plan.errors)
    assert "no file called 'missing.jpg'" in messages[2]
    assert "not a photo we can read" in messages[3]
    assert "damaged or incomplete" in messages[4]
    assert "More than one file" in messages[5]


def test_a_photo_named_without_a_zip_is_an_error(reference_lists):
    _, plan = stage(csv_bytes([bio(1, photo_file="a.jpg")]))

    assert [(e.row, e.column) for e in plan.errors] == [(2, "photo_file")]
    assert "No ZIP of photos was uploaded" in plan.errors[0].message


def test_a_file_that_is_not_a_zip_is_an_error(reference_lists):
    _, plan = stage(csv_bytes([bio(1)]), b"PK but not really a zip")

    assert [e.column for e in plan.errors] == ["ZIP file"]


def test_the_dry_run_page_never_fails_on_a_bad_upload(admin_client_for_scheme, db):
    response = admin_client_for_scheme.post(UPLOAD_URL, {})

    assert response.status_code == 200
    assert "This field is required" in response.content.decode()
    assert re.search(r'class="errornote"', response.content.decode())


# --- In a browser ------------------------------------------------------------------------------


def log_in_to_admin(page, user) -> None:
    """Log in through the real log-in page (the persona's address is verified first)."""
    EmailAddress.objects.get_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )
    page.goto("/accounts/login/?next=/admin/register/mentorprofile/")
    page.locator("[name='login']").fill(user.email)
    page.locator("[name='password']").fill(TEST_PASSWORD)
    page.locator("form:has([name='password']) [type='submit']").click()
    expect(page).to_have_url(re.compile(r"/admin/register/mentorprofile/$"))


@pytest.mark.browser
def test_a_scheme_admin_uploads_bios_checks_the_dry_run_then_imports(
    page, scheme_admin, reference_lists, settings
):
    settings.ADMIN_REQUIRE_MFA = False
    MentorProfileFactory(email="bulk2@example.nhs.uk", first_name="Before")
    log_in_to_admin(page, scheme_admin)

    page.get_by_role("link", name="Bulk upload bios").click()
    expect(page.get_by_role("heading", name="Bulk upload of mentor bios")).to_be_visible()
    page.locator("input[name='csv_file']").set_input_files(
        files=[
            {
                "name": "bios.csv",
                "mimeType": "text/csv",
                "buffer": csv_bytes([bio(1, photo_file="one.jpg"), bio(2)]),
            }
        ]
    )
    page.locator("input[name='photos_zip']").set_input_files(
        files=[
            {
                "name": "photos.zip",
                "mimeType": "application/zip",
                "buffer": zip_bytes({"one.jpg": jpeg()}),
            }
        ]
    )
    page.get_by_role("button", name="Check the files").click()

    expect(page.locator("#bulk-summary")).to_contain_text("1 new bio to add, 1 bio to update")
    expect(page.locator("#bulk-rows")).to_contain_text("Add a new bio")
    assert MentorProfile.objects.count() == 1  # the dry run wrote nothing

    page.get_by_role("button", name="Import 2 rows").click()

    expect(page).to_have_url(re.compile(r"/admin/register/mentorprofile/$"))
    expect(page.get_by_text("Bulk upload finished: 1 bio created, 1 updated")).to_be_visible()
    assert MentorProfile.objects.count() == 2
    assert MentorProfile.objects.get(email="bulk2@example.nhs.uk").first_name == "First2"
    assert MentorProfile.objects.get(email="bulk1@example.nhs.uk").photo_thumbnail


@pytest.mark.browser
def test_a_dry_run_with_errors_offers_no_import_in_the_browser(
    page, scheme_admin, reference_lists, settings
):
    settings.ADMIN_REQUIRE_MFA = False
    log_in_to_admin(page, scheme_admin)
    page.goto(UPLOAD_URL)
    page.locator("input[name='csv_file']").set_input_files(
        files=[
            {"name": "bios.csv", "mimeType": "text/csv", "buffer": csv_bytes([bio(1, grade="X")])}
        ]
    )
    page.get_by_role("button", name="Check the files").click()

    expect(page.locator("#bulk-errors")).to_contain_text(
        "Row 2, column grade: There is no grade called 'X'"
    )
    expect(page.get_by_role("button", name=re.compile("^Import"))).to_have_count(0)
    assert MentorProfile.objects.count() == 0


def test_the_daily_task_clears_stale_dry_runs(reference_lists):
    from register import tasks

    token, _ = stage(csv_bytes([bio(1)]))

    with time_machine.travel(timezone.now() + datetime.timedelta(days=2)):
        assert tasks.discard_stale_uploads.delay().get() == 1
    with pytest.raises(bulk_import.ImportRefused):
        bulk_import.plan_staged(token=token)


# --- What scheme teams have: workbooks, other encodings, long cells ------------------------------

UNREADABLE_LINE = (
    "Bios file: Save the spreadsheet as 'CSV UTF-8' or as an Excel workbook (.xlsx) "
    "and upload it again."
)


def xlsx_bytes(rows: list[dict], headers: list[str] | None = None) -> bytes:
    """A workbook as Excel saves one: numbers, yes/no and blanks as typed cells."""
    headers = headers or list(rows[0])
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for row in rows:
        cells = []
        for name in headers:
            value = row.get(name, "")
            if value == "":
                value = None
            elif name == "capacity":
                value = int(value)
            elif name == "meets_virtually":
                value = value == "yes"
            cells.append(value)
        sheet.append(cells)
    workbook.create_sheet("Notes").append(["not read: only the first sheet holds bios"])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def imported_bios() -> list[dict]:
    return [
        {
            **row,
            "platforms": sorted(
                MentorProfile.objects.get(pk=row["pk"]).virtual_platforms.values_list(
                    "name", flat=True
                )
            ),
        }
        for row in MentorProfile.objects.order_by("email").values(
            "pk",
            "email",
            "first_name",
            "last_name",
            "grade",
            "school",
            "trust",
            "gender",
            "pronouns",
            "motivation",
            "available_days",
            "available_times",
            "meets_virtually",
            "meets_face_to_face",
            "capacity",
            "contact_phone",
        )
    ]


def without_keys(bios: list[dict]) -> list[dict]:
    return [{k: v for k, v in bio.items() if k != "pk"} for bio in bios]


def test_an_excel_workbook_imports_the_same_as_the_csv(
    admin_client_for_scheme, reference_lists, scheme_admin, django_capture_on_commit_callbacks
):
    rows = [bio(1, contact_phone="07700 900123"), bio(2, gender="", capacity="")]
    headers = [*bio(), "contact_phone"]

    response = admin_client_for_scheme.post(
        UPLOAD_URL, {"csv_file": ContentFile(xlsx_bytes(rows, headers), name="bios.xlsx")}
    )
    plan = response.context["plan"]
    assert plan.errors == []
    assert [(r.row, r.email, r.action) for r in plan.rows] == [
        (2, "bulk1@example.nhs.uk", "create"),
        (3, "bulk2@example.nhs.uk", "create"),
    ]
    with django_capture_on_commit_callbacks(execute=True):
        confirm(admin_client_for_scheme, response)
    from_workbook = imported_bios()
    MentorProfile.objects.all().delete()

    token, csv_plan = stage(csv_bytes(rows, headers))
    bulk_import.import_staged(token=token, by=scheme_admin)

    assert [(r.row, r.email, r.action) for r in csv_plan.rows] == [
        (r.row, r.email, r.action) for r in plan.rows
    ]
    assert without_keys(imported_bios()) == without_keys(from_workbook)
    assert from_workbook[0]["capacity"] == 3
    assert from_workbook[0]["platforms"] == ["Microsoft Teams", "Zoom"]


def test_a_workbook_cell_typed_as_a_number_or_yes_no_reads_as_written(reference_lists):
    _, plan = stage(xlsx_bytes([bio(1, capacity="4", meets_virtually="yes")]))

    assert plan.is_valid, plan.errors
    assert plan.rows[0].instance.capacity == 4
    assert plan.rows[0].instance.meets_virtually is True


def test_the_template_downloads_as_a_workbook_too_and_imports_once_a_row_is_added(
    admin_client_for_scheme, reference_lists
):
    page = admin_client_for_scheme.get(UPLOAD_URL).content.decode()
    assert 'href="/admin/register/mentorprofile/bulk-upload/template.xlsx"' in page
    assert f'href="{TEMPLATE_URL}"' in page

    response = admin_client_for_scheme.get(TEMPLATE_URL.replace(".csv", ".xlsx"))

    assert response.status_code == 200
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert 'filename="mentor-bios-template.xlsx"' in response["Content-Disposition"]
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = workbook.worksheets[0]
    assert [cell.value for cell in sheet[1]] == [
        column.name for column in bulk_import.columns_for(SUPPORTT)
    ]
    sheet.append(
        [bio(1).get(column.name, "") or None for column in bulk_import.columns_for(SUPPORTT)]
    )
    filled = io.BytesIO()
    workbook.save(filled)

    _, plan = stage(filled.getvalue())

    assert plan.is_valid, plan.errors


def zip_of(files: dict[str, bytes]) -> bytes:
    return zip_bytes(files)


SOME_BIOS = csv_bytes([bio(1), bio(2)]).decode()


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(SOME_BIOS.encode("utf-16"), id="utf-16 with its byte order mark"),
        pytest.param(SOME_BIOS.encode("utf-16-be"), id="utf-16 without a mark"),
        pytest.param(
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, id="an old Excel .xls file"
        ),
        pytest.param(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", id="a PDF"),
        pytest.param(zip_of({"Index/Document.iwa": b"\x00\x01"}), id="a Numbers file"),
        pytest.param(zip_of({"content.xml": b"<office/>"}), id="a LibreOffice .ods file"),
        pytest.param(zip_of({"bios.csv": SOME_BIOS.encode()}), id="a zipped CSV"),
        pytest.param(b"PK\x03\x04 but cut short", id="a damaged ZIP"),
        pytest.param(
            zip_of({"xl/workbook.xml": b"<not a workbook", "[Content_Types].xml": b"<x/>"}),
            id="a damaged workbook",
        ),
    ],
)
def test_a_file_we_cannot_read_gets_one_sentence_saying_how_to_save_it(
    admin_client_for_scheme, reference_lists, data
):
    response = dry_run(admin_client_for_scheme, data)

    assert response.status_code == 200
    plan = response.context["plan"]
    assert [str(error) for error in plan.errors] == [UNREADABLE_LINE]
    html = " ".join(response.content.decode().split())
    assert "There is 1 problem" in html
    assert "Unknown column" not in html
    assert UNREADABLE_LINE.replace("'", "&#x27;") in html
    assert not response.context["signed"]


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(SOME_BIOS.encode("utf-8"), id="utf-8"),
        pytest.param(SOME_BIOS.encode("utf-8-sig"), id="utf-8 with a byte order mark"),
        pytest.param(csv_bytes([bio(1), bio(2)], delimiter=";"), id="semicolons between cells"),
        pytest.param(csv_bytes([bio(1), bio(2)], delimiter="\t"), id="tabs between cells"),
    ],
)
def test_utf8_csv_with_or_without_a_byte_order_mark_imports(reference_lists, data):
    _, plan = stage(data)

    assert plan.is_valid, plan.errors
    assert plan.warnings == []
    assert [row.email for row in plan.rows] == ["bulk1@example.nhs.uk", "bulk2@example.nhs.uk"]


def test_excels_windows_csv_is_read_as_windows_text_and_the_page_says_so(
    admin_client_for_scheme, reference_lists
):
    data = csv_bytes([bio(1, first_name="Zoë", last_name="Ó Briain")]).decode().encode("cp1252")

    response = dry_run(admin_client_for_scheme, data)

    plan = response.context["plan"]
    assert plan.is_valid, plan.errors
    assert plan.warnings == [bulk_import.WINDOWS_TEXT]
    assert plan.rows[0].name == "Zoë Ó Briain"
    assert "we read it as Windows text" in response.content.decode()


def test_a_header_row_of_nothing_we_know_is_one_sentence_not_an_error_per_column(
    reference_lists,
):
    _, plan = stage(b"Name,Hospital,Notes\r\nA,B,C\r\n")

    assert [(e.row, e.column) for e in plan.errors] == [(1, "Bios file")]
    assert "none of the template's column names" in plan.errors[0].message


def test_a_long_text_cell_over_the_bio_forms_limit_names_its_row_and_column(reference_lists):
    _, plan = stage(csv_bytes([bio(1, motivation="w" * 2000), bio(2, motivation="w" * 2001)]))

    assert [str(error) for error in plan.errors] == [
        "Row 3, column motivation: This cell has 2,001 characters; it can have at most 2,000 "
        "(the same limit as the mentor's own bio form). Shorten it."
    ]


@pytest.mark.parametrize(
    ("column", "too_long", "longest"),
    [
        ("first_name", "n" * 151, "n" * 150),
        ("pronouns", "p" * 41, "p" * 40),
        ("interests", "i" * 2001, "i" * 2000),
        ("email", "e" * 243 + "@example.org", "e" * 242 + "@example.org"),
        ("contact_phone", "0" * 41, "0" * 40),
    ],
)
def test_every_length_the_bio_form_keeps_is_kept_by_the_import(
    reference_lists, column, too_long, longest
):
    headers = [*bio(), "interests", "contact_phone"]
    _, plan = stage(csv_bytes([bio(1, **{column: longest}), bio(2, **{column: too_long})], headers))

    assert [(e.row, e.column) for e in plan.errors] == [(3, column)]
    assert f"{len(too_long):,} characters" in plan.errors[0].message


def test_a_huge_cell_names_its_row_and_column_in_our_words(reference_lists):
    headers = [*bio(), "interests"]
    _, plan = stage(csv_bytes([bio(1), bio(2, interests="x" * 200_000)], headers))

    assert [(e.row, e.column) for e in plan.errors] == [(3, "interests")]
    assert "200,000 characters" in plan.errors[0].message
    assert "field limit" not in plan.errors[0].message


def test_values_the_bio_form_refuses_are_errors_and_what_it_asks_for_is_a_note(
    reference_lists,
):
    _, plan = stage(
        csv_bytes(
            [
                bio(1, motivation="", available_days=""),
                bio(2, meets_virtually="no", virtual_platforms=""),
            ]
        )
    )

    assert plan.is_valid, plan.errors
    first, second = plan.rows
    assert first.notes == [
        "Not complete yet: motivation, available_days. The mentor's bio form asks for these "
        "when they next edit their bio."
    ]
    assert second.notes == [
        "Not complete yet: meets_face_to_face. The mentor's bio form asks for these when they "
        "next edit their bio."
    ]


def test_a_mentor_whose_bio_was_imported_can_save_it_unchanged(
    client, mentor, reference_lists, scheme_admin
):
    longest = {
        name: name[0] * 2000
        for name in (
            "supportt_experience",
            "time_away_experience",
            "motivation",
            "interests",
            "availability_notes",
        )
    }
    row = bio(
        1,
        email="MENTOR@example.nhs.uk",
        first_name="F" * 150,
        pronouns="p" * 40,
        contact_phone="0" * 40,
        contact_email="c" * 240 + "@example.org",
        **longest,
    )
    _, one_more = stage(csv_bytes([{**row, "motivation": "m" * 2001}]))
    assert [(e.row, e.column) for e in one_more.errors] == [(2, "motivation")]
    token, plan = stage(csv_bytes([row]))
    assert plan.is_valid, plan.errors
    assert plan.rows[0].action == "update"
    bulk_import.import_staged(token=token, by=scheme_admin)
    profile = MentorProfile.objects.get(user=mentor)
    assert profile.motivation == "m" * 2000
    client.force_login(mentor)

    response = client.post(reverse("my_bio_edit"), bio_data(profile), follow=True)

    assert response.redirect_chain == [(reverse("my_bio_preview"), 302)]
    assert "You did not change anything" in response.content.decode()
