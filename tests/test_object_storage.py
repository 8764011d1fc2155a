"""Photos and bulk-upload staging in a private S3 bucket, as a scheme with several machines runs.

moto's standalone server plays the bucket (a real HTTP endpoint, one process for
the session); the storage settings are the ones the settings module builds from
STORAGE_BACKEND=s3. Every check counts the objects in the bucket with boto3
itself, not through the storage under test.
"""

import contextlib
import datetime
import io
import json
import socket
import subprocess
import sys
import time
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path

import boto3
import pytest
from django.core.files.storage import default_storage
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from privacy.personal_data import erase_account
from register import bulk_import
from register.models import MentorProfile
from tests.factories import GradeFactory, SchoolFactory, TrustFactory, VirtualPlatformFactory
from tests.test_bulk_import import (
    CANCEL_URL,
    CONFIRM_URL,
    UPLOAD_URL,
    bio,
    csv_bytes,
    dry_run,
    zip_bytes,
)
from tests.test_bulk_import import jpeg as bulk_jpeg
from tests.test_mentor_self_service import bio_data, photo_upload
from tests.test_register_admin import bio_form_data, change_url
from tests.test_settings import run_settings

REGION = "eu-west-2"
MOTO_START_SECONDS = 30
PUBLIC_GROUPS = {
    "http://acs.amazonaws.com/groups/global/AllUsers",
    "http://acs.amazonaws.com/groups/global/AuthenticatedUsers",
}
PRINT_STORAGE = (
    "import json, mentoring.settings as s; "
    "print(json.dumps([s.STORAGES['default'], s.MEDIA_ROOT.as_posix()]))"
)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def s3_endpoint(tmp_path_factory):
    """moto's S3 server on a free port, for the whole session; stopped by its pid."""
    port = _free_port()
    log = tmp_path_factory.mktemp("moto") / "server.log"
    with log.open("wb") as output:
        server = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + MOTO_START_SECONDS
        while True:
            if server.poll() is not None:
                pytest.fail(f"moto's server stopped at start:\n{log.read_text()}")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 1):
                break
            if time.monotonic() > deadline:
                pytest.fail(f"moto's server did not listen within {MOTO_START_SECONDS} s")
            time.sleep(0.1)  # waiting for another process to listen, not for the clock
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@pytest.fixture(scope="session")
def s3_storage_settings(s3_endpoint) -> dict:
    """STORAGES["default"] exactly as the settings module builds it for a bucket."""
    result = run_settings(
        PRINT_STORAGE,
        STORAGE_BACKEND="s3",
        AWS_STORAGE_BUCKET_NAME="set-per-test",
        AWS_S3_ENDPOINT_URL=s3_endpoint,
        AWS_S3_REGION_NAME=REGION,
    )
    assert result.returncode == 0, result.stderr
    storage, _ = json.loads(result.stdout.strip().splitlines()[-1])
    return storage


@dataclass
class Bucket:
    client: object
    name: str

    def names(self, prefix: str = "") -> list[str]:
        listing = self.client.list_objects_v2(Bucket=self.name, Prefix=prefix)
        return sorted(entry["Key"] for entry in listing.get("Contents", []))

    def body(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.name, Key=key)["Body"].read()

    def grants(self, key: str) -> list[tuple[str, str, str]]:
        acl = self.client.get_object_acl(Bucket=self.name, Key=key)
        return [
            (grant["Grantee"]["Type"], grant["Grantee"].get("URI", ""), grant["Permission"])
            for grant in acl["Grants"]
        ]


@pytest.fixture
def bucket(s3_endpoint, s3_storage_settings, settings, monkeypatch) -> Bucket:
    """A fresh private bucket per test, and STORAGES["default"] pointed at it.

    Credentials come from the environment, as boto3's chain reads them in production.
    Changing STORAGES makes Django drop its cached storages (default_storage included).
    """
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    name = f"mentoring-{uuid.uuid4().hex[:16]}"
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name=REGION)
    client.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
    options = {**s3_storage_settings["OPTIONS"], "bucket_name": name}
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {**s3_storage_settings, "OPTIONS": options},
    }
    assert default_storage.bucket_name == name
    return Bucket(client, name)


@pytest.fixture
def admin_client(client, scheme_admin, settings):
    settings.ADMIN_REQUIRE_MFA = False
    client.force_login(scheme_admin)
    return client


def nothing_on_local_disk(settings) -> bool:
    media = Path(settings.MEDIA_ROOT)
    return not media.exists() or not any(p.is_file() for p in media.rglob("*"))


def upload_photo(client, mentor) -> MentorProfile:
    client.force_login(mentor)
    profile = mentor.mentor_profile
    response = client.post(reverse("my_bio_edit"), {**bio_data(profile), "photo": photo_upload()})
    assert response.status_code == 302, response.content.decode()
    profile.refresh_from_db()
    return profile


# --- Settings ---------------------------------------------------------------------------------


def test_s3_settings_are_a_private_bucket_with_signed_urls_and_no_overwrites(s3_storage_settings):
    assert s3_storage_settings["BACKEND"] == "storages.backends.s3.S3Storage"
    options = s3_storage_settings["OPTIONS"]
    assert options["default_acl"] == "private"
    assert options["querystring_auth"] is True
    assert options["file_overwrite"] is False
    assert options["region_name"] == REGION


def test_local_disk_is_the_default_storage():
    result = run_settings(PRINT_STORAGE)

    assert result.returncode == 0, result.stderr
    storage, _ = json.loads(result.stdout.strip().splitlines()[-1])
    assert storage == {"BACKEND": "django.core.files.storage.FileSystemStorage"}


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"STORAGE_BACKEND": "azure"}, "STORAGE_BACKEND must be filesystem or s3, not 'azure'"),
        ({"STORAGE_BACKEND": "s3"}, "Set AWS_STORAGE_BUCKET_NAME"),
        (
            {
                "STORAGE_BACKEND": "s3",
                "AWS_STORAGE_BUCKET_NAME": "photos",
                "AWS_DEFAULT_ACL": "public-read",
            },
            "AWS_DEFAULT_ACL must be private or none, not 'public-read'",
        ),
    ],
)
def test_a_storage_setting_that_cannot_be_used_stops_start_up(variables, message):
    result = run_settings("import mentoring.settings", **variables)

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


# --- Photos -----------------------------------------------------------------------------------


def test_a_mentors_photo_is_kept_privately_in_the_bucket_and_served_through_the_checks(
    client, mentor, mentee, bucket, settings
):
    profile = upload_photo(client, mentor)

    assert bucket.names() == sorted([profile.photo.name, profile.photo_thumbnail.name])
    assert all(key.startswith("mentors/") for key in bucket.names())
    for key in bucket.names():
        assert bucket.grants(key) == [("CanonicalUser", "", "FULL_CONTROL")]
        assert not {uri for _, uri, _ in bucket.grants(key)} & PUBLIC_GROUPS
    assert nothing_on_local_disk(settings)

    large = reverse("mentor_photo", args=[profile.pk, "large"])
    client.logout()
    anonymous = client.get(large)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/accounts/login/")

    client.force_login(mentee)
    response = client.get(large)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    served = b"".join(response.streaming_content)
    assert served == bucket.body(profile.photo.name)
    assert Image.open(io.BytesIO(served)).size == (480, 480)


def test_a_new_photo_deletes_the_old_objects_and_removing_it_deletes_the_rest(
    client, mentor, scheme_admin, bucket, committed, settings
):
    first = upload_photo(client, mentor)
    old = [first.photo.name, first.photo_thumbnail.name]

    with committed():
        second = upload_photo(client, mentor)

    assert bucket.names() == sorted([second.photo.name, second.photo_thumbnail.name])
    assert set(bucket.names()).isdisjoint(old)

    settings.ADMIN_REQUIRE_MFA = False
    client.force_login(scheme_admin)
    with committed():
        response = client.post(change_url(second), bio_form_data(second, remove_photo="on"))

    assert response.status_code == 302
    assert bucket.names() == []


def test_a_mentors_data_download_holds_their_photos_from_the_bucket(client, mentor, bucket):
    profile = upload_photo(client, mentor)

    response = client.post(reverse("my_data_download"))

    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert archive.read("photos/photo.jpg") == bucket.body(profile.photo.name)
        assert archive.read("photos/photo-small.jpg") == bucket.body(profile.photo_thumbnail.name)


def test_erasing_a_mentor_deletes_their_photo_objects(client, mentor, bucket, committed):
    upload_photo(client, mentor)
    assert len(bucket.names("mentors/")) == 2

    with committed():
        erase_account(mentor)

    assert bucket.names() == []


# --- Bulk upload staging -------------------------------------------------------------------------


def bulk_files() -> tuple[bytes, bytes]:
    rows = [bio(1, photo_file="ada.jpg"), bio(2, photo_file="ben.jpg"), bio(3)]
    photos = {
        "ada.jpg": bulk_jpeg(),
        "ben.jpg": bulk_jpeg(colour=(9, 9, 9)),
        "spare.jpg": bulk_jpeg(),
    }
    return csv_bytes(rows), zip_bytes(photos)


def staged_keys(bucket: Bucket) -> list[str]:
    return bucket.names(f"{bulk_import.STAGING_DIR}/")


@pytest.fixture
def reference_lists(db):
    GradeFactory(name="ST4")
    SchoolFactory(name="School of Surgery")
    TrustFactory(name="Leeds Teaching Hospitals NHS Trust")
    VirtualPlatformFactory(name="Microsoft Teams")
    VirtualPlatformFactory(name="Zoom")


@pytest.fixture
def staged(admin_client, bucket, reference_lists):
    """A valid dry run with two photos: its files are in the bucket under one prefix."""
    response = dry_run(admin_client, *bulk_files())
    assert response.context["plan"].is_valid, response.context["plan"].errors
    return response


def test_a_dry_run_stages_its_files_privately_under_one_prefix(bucket, staged, settings):
    keys = bucket.names()
    token = keys[0].split("/")[1]
    prefix = f"{bulk_import.STAGING_DIR}/{token}/"
    assert keys == [
        f"{prefix}bios.csv",
        f"{prefix}photos.json",
        f"{prefix}photos/0-large.jpg",
        f"{prefix}photos/0-small.jpg",
        f"{prefix}photos/1-large.jpg",
        f"{prefix}photos/1-small.jpg",
    ]  # the processed photos the CSV names; never the ZIP nor the spare photo
    assert all(bucket.grants(key) == [("CanonicalUser", "", "FULL_CONTROL")] for key in keys)
    assert nothing_on_local_disk(settings)


def test_confirming_stores_the_photos_and_empties_the_staging_prefix(
    admin_client, bucket, staged, committed
):
    with committed():
        response = admin_client.post(CONFIRM_URL, {"upload": staged.context["signed"]})

    assert response.status_code == 302
    profiles = MentorProfile.objects.exclude(photo="").order_by("email")
    assert [p.email for p in profiles] == ["bulk1@example.nhs.uk", "bulk2@example.nhs.uk"]
    stored = sorted(name for p in profiles for name in (p.photo.name, p.photo_thumbnail.name))
    assert bucket.names() == stored
    assert staged_keys(bucket) == []
    assert Image.open(io.BytesIO(bucket.body(profiles[0].photo.name))).size == (480, 480)


def test_cancelling_a_dry_run_deletes_its_staged_objects_at_once(admin_client, bucket, staged):
    assert len(staged_keys(bucket)) == 6

    response = admin_client.post(CANCEL_URL, {"upload": staged.context["signed"]}, follow=True)

    assert response.redirect_chain[-1][0] == UPLOAD_URL
    assert "Bulk upload cancelled: nothing was imported." in response.content.decode()
    assert bucket.names() == []
    refused = admin_client.post(CONFIRM_URL, {"upload": staged.context["signed"]}, follow=True)
    assert "no longer here" in refused.content.decode()
    assert not MentorProfile.objects.filter(email__startswith="bulk").exists()


def test_the_daily_job_keeps_a_fresh_dry_run_and_discards_a_stale_one(bucket, staged):
    from register import tasks

    assert tasks.discard_stale_uploads.delay().get() == 0
    assert len(staged_keys(bucket)) == 6

    a_day_and_more = timezone.now() + bulk_import.STAGING_MAX_AGE + datetime.timedelta(minutes=1)
    assert bulk_import.discard_stale_uploads(now=a_day_and_more) == 1
    assert bucket.names() == []


def test_a_second_dry_run_leaves_the_first_one_alone(admin_client, bucket, staged, committed):
    dry_run(admin_client, *bulk_files())

    assert len(staged_keys(bucket)) == 12
    with committed():
        admin_client.post(CONFIRM_URL, {"upload": staged.context["signed"]})
    assert len(staged_keys(bucket)) == 6  # the second dry run's, still there
    assert len(bucket.names("mentors/")) == 4
