"""Time the bulk upload of mentor bios: the dry run and the import, separately.

    .venv/bin/python bench/import_bios.py [--rows 1000] [--photo-size 800]

Makes a CSV of ROWS bios and a ZIP of ROWS JPEG headshots with Pillow, then
times register.bulk_import.stage_upload (the dry run: read the CSV, process
every photo, plan every row) and import_staged (the confirm: plan again from
the staged files and write everything in one transaction).

The database is a throwaway: a temporary SQLite file, or, when DATABASE_URL is
set, a test database made beside that one and dropped at the end. Photos go
to a temporary MEDIA_ROOT. Nothing of yours is touched.
"""

import argparse
import csv
import io
import os
import random
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

GRADES = ["CT1", "CT2", "ST3", "ST4", "ST5", "ST6"]
SCHOOLS = ["School of Medicine", "School of Surgery", "School of Paediatrics"]
TRUSTS = [f"Bench Hospitals NHS Trust {n}" for n in range(1, 21)]
PLATFORMS = ["Microsoft Teams", "Zoom", "Phone"]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]
TIMES = ["Mornings", "Afternoons", "Evenings"]


def make_photo(n: int, size: int) -> bytes:
    """A headshot-like JPEG: a gradient, a face-sized ellipse, a little grain."""
    from PIL import Image, ImageDraw

    rng = random.Random(n)
    base = Image.linear_gradient("L").resize((size, size)).convert("RGB")
    tint = Image.new("RGB", (size, size), tuple(rng.randrange(40, 220) for _ in range(3)))
    image = Image.blend(base, tint, 0.6)
    draw = ImageDraw.Draw(image)
    colour = tuple(rng.randrange(80, 240) for _ in range(3))
    draw.ellipse((size * 0.3, size * 0.2, size * 0.7, size * 0.7), fill=colour)
    grain = Image.effect_noise((size, size), 12).convert("RGB")
    image = Image.blend(image, grain, 0.08)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=88)
    return out.getvalue()


def make_files(rows: int, photo_size: int) -> tuple[bytes, bytes]:
    rng = random.Random(0)
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(
        [
            "email",
            "first_name",
            "last_name",
            "grade",
            "school",
            "trust",
            "gender",
            "pronouns",
            "supportt_experience",
            "motivation",
            "interests",
            "available_days",
            "available_times",
            "meets_face_to_face",
            "face_to_face_location",
            "meets_virtually",
            "virtual_platforms",
            "contact_phone",
            "capacity",
            "photo_file",
        ]
    )
    archive_bytes = io.BytesIO()
    with zipfile.ZipFile(archive_bytes, "w", compression=zipfile.ZIP_STORED) as archive:
        for n in range(rows):
            photo = f"mentor-{n:05d}.jpg"
            archive.writestr(f"photos/{photo}", make_photo(n, photo_size))
            writer.writerow(
                [
                    f"bench.mentor{n}@example.nhs.uk",
                    f"First{n}",
                    f"Last{n}",
                    rng.choice(GRADES).lower(),
                    rng.choice(SCHOOLS),
                    rng.choice(TRUSTS).upper(),
                    rng.choice(["Woman", "Man", "Prefer not to say", ""]),
                    rng.choice(["she/her", "he/him", "they/them", ""]),
                    "I came back after a year away and know how it feels. " * 3,
                    "I would like to help others return with confidence.",
                    "Running, choir and cooking.",
                    "; ".join(rng.sample(DAYS, 2)),
                    "; ".join(rng.sample(TIMES, 2)),
                    rng.choice(["yes", "no"]),
                    "Leeds General Infirmary",
                    "yes",
                    "; ".join(rng.sample(PLATFORMS, 2)).lower(),
                    "07700 900000",
                    str(rng.randint(1, 4)),
                    photo,
                ]
            )
    return text.getvalue().encode(), archive_bytes.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--photo-size", type=int, default=800, help="pixels on each side")
    args = parser.parse_args()

    workdir = tempfile.TemporaryDirectory(prefix="bench-import-")
    use_test_database = bool(os.environ.get("DATABASE_URL"))
    if not use_test_database:
        os.environ["DATABASE_URL"] = f"sqlite:///{workdir.name}/bench.sqlite3"
    os.environ["MEDIA_ROOT"] = f"{workdir.name}/media"
    os.environ.setdefault("DEBUG", "true")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mentoring.settings")
    os.environ.setdefault("EMAIL_BACKEND", "locmem")

    import django

    django.setup()
    from django.core.files.base import ContentFile
    from django.core.management import call_command
    from django.db import connection

    from accounts.models import User
    from register import bulk_import
    from register.models import MentorProfile, VirtualPlatform
    from scheme.models import Grade, School, Trust

    database_name = connection.settings_dict["NAME"]
    if use_test_database:
        connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    else:
        call_command("migrate", verbosity=0)
    try:
        for model, names in [
            (Grade, GRADES),
            (School, SCHOOLS),
            (Trust, TRUSTS),
            (VirtualPlatform, PLATFORMS),
        ]:
            model.objects.bulk_create([model(name=name) for name in names])
        admin = User.objects.create_user(email="bench.admin@example.nhs.uk", is_staff=True)

        started = time.perf_counter()
        csv_data, zip_data = make_files(args.rows, args.photo_size)
        made = time.perf_counter() - started
        print(
            f"{args.rows} rows: CSV {len(csv_data) / 1e6:.1f} MB, "
            f"ZIP of {args.rows} {args.photo_size}x{args.photo_size} JPEGs "
            f"{len(zip_data) / 1e6:.1f} MB (made in {made:.1f} s)"
        )
        print(f"database: {connection.vendor}; photo threads: {bulk_import.PHOTO_WORKERS}")

        started = time.perf_counter()
        token, plan = bulk_import.stage_upload(
            csv_file=ContentFile(csv_data, name="bios.csv"),
            photos_zip=ContentFile(zip_data, name="photos.zip"),
        )
        dry_run = time.perf_counter() - started
        if not plan.is_valid:
            sys.exit(f"the benchmark file has errors: {[str(e) for e in plan.errors[:5]]}")
        print(
            f"dry run: {dry_run:6.2f} s  {args.rows / dry_run:8.1f} rows/s"
            f"  ({plan.count(bulk_import.Action.CREATE)} to create)"
        )

        started = time.perf_counter()
        result = bulk_import.import_staged(token=token, by=admin)
        imported = time.perf_counter() - started
        print(
            f"import:  {imported:6.2f} s  {args.rows / imported:8.1f} rows/s"
            f"  ({result.created} created)"
        )
        assert MentorProfile.objects.count() == args.rows
        assert MentorProfile.objects.exclude(photo="").count() == args.rows

        # The same file again: every row matches, nothing changes.
        started = time.perf_counter()
        token, plan = bulk_import.stage_upload(
            csv_file=ContentFile(csv_data, name="bios.csv"),
            photos_zip=ContentFile(zip_data, name="photos.zip"),
        )
        again = time.perf_counter() - started
        print(
            f"dry run of the same file again: {again:6.2f} s  {args.rows / again:8.1f} rows/s"
            f"  ({plan.count(bulk_import.Action.UNCHANGED)} unchanged)"
        )
        bulk_import.discard_staged(token=token)
    finally:
        if use_test_database:
            connection.creation.destroy_test_db(database_name, verbosity=0, keepdb=False)
        workdir.cleanup()


if __name__ == "__main__":
    main()
