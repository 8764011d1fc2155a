"""Bulk upload of mentor bios: a CSV or Excel workbook of bios and an optional ZIP of photos.

The bios file is recognised by its bytes (read_table): an Excel workbook (.xlsx,
read with openpyxl, its first sheet), or CSV in UTF-8 (with or without a byte
order mark) or in Windows text, which the dry run says it assumed. Anything else
(UTF-16, an old .xls, Numbers, a PDF, another ZIP) gets one sentence saying how
to save the spreadsheet. Each row goes through the mentor's own bio form, so a
bio that imports is one its mentor can save: the form's limits are errors in
their cells; what the form would still ask the mentor for is a note.

Two steps, so the scheme team sees every problem before anything changes:

1. `stage_upload` (the dry run) keeps the file in a private staging folder, runs
   every photo the CSV names through register.photos.process_photo and keeps
   only the processed copies (never the ZIP), then plans the import: row by
   row, what will be created or updated and every error, by row and column.
2. `import_staged` (the confirm step) plans again from the staged files, since
   the register may have changed in between, and writes everything in one
   transaction, or nothing if any row has an error. The ZIP is not needed again.

An import never publishes: new bios are drafts and others keep their status. So the
scheme setting "training required before a bio is published" is met when a bio is
published (register.services); the dry run says so when it creates bios.

Rows match existing bios on email, ignoring case, so importing the same file
twice updates bios and never duplicates them. Reference lists (grade, school,
trust, virtual platforms) match on name, ignoring case. Row numbers are the
spreadsheet's: the column names are row 1, the first bio is row 2.
"""

import codecs
import csv
import datetime
import hashlib
import io
import itertools
import json
import logging
import os
import re
import secrets
import zipfile
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import openpyxl
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.core.files.storage import default_storage
from django.core.validators import validate_email
from django.db import DatabaseError, transaction
from django.db.models import Field
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.datastructures import MultiValueDict
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from register.fields import flags_to_list
from register.forms import BIO_FIELDS, MentorBioForm
from register.models import Gender, MentorProfile, MentorStatus, TimeOfDay, VirtualPlatform, Weekday
from register.photos import MAX_BYTES as MAX_PHOTO_BYTES
from register.photos import ProcessedPhoto, process_photo
from scheme.models import Grade, Nation, SchemeSettings, School, Trust
from scheme.profiles import Profile, current_profile

logger = logging.getLogger(__name__)

MAX_CSV_BYTES = 5_000_000
MAX_ROWS = 5_000
MAX_ZIP_BYTES = 500_000_000
MAX_ZIP_FILES = 10_000
STAGING_DIR = "bulk-uploads"
STAGING_MAX_AGE = datetime.timedelta(days=1)
PHOTO_WORKERS = min(4, os.cpu_count() or 1)
_SALT = "register.bulk_import.staged"
_TOKEN = re.compile(r"^[0-9a-f]{32}$")
CSV_NAME = "bios.csv"  # the uploaded bios file as it came, CSV or workbook
MANIFEST_NAME = "photos.json"
TRAINING_FIRST = (
    "New bios are imported as drafts, off the register. The scheme's settings ask for "
    "training before a bio is published: record each new mentor's training on their bio's "
    "page, then publish the bio."
)

# --- Columns -------------------------------------------------------------------------


@dataclass(frozen=True)
class Lookups:
    """Reference lists by lower-case name, loaded once per plan."""

    grade: dict[str, Grade]
    school: dict[str, School]
    trust: dict[str, Trust]
    virtual_platforms: dict[str, VirtualPlatform]

    @classmethod
    def load(cls) -> "Lookups":
        def by_name(model) -> dict:
            return {obj.name.strip().lower(): obj for obj in model.objects.all()}

        return cls(
            grade=by_name(Grade),
            school=by_name(School),
            trust=by_name(Trust),
            virtual_platforms=by_name(VirtualPlatform),
        )


class CellProblem(ValueError):
    """A cell's value cannot be used; the message says what to put instead."""


def _text(value: str, lookups: Lookups) -> str:
    return value


def _email(value: str, lookups: Lookups) -> str:
    try:
        validate_email(value)
    except ValidationError:
        raise CellProblem(f"'{value}' is not an email address.") from None
    return value


def _optional_email(value: str, lookups: Lookups) -> str:
    return _email(value, lookups) if value else ""


def _reference(attribute: str, list_name: str) -> Callable[[str, Lookups], Any]:
    def parse(value: str, lookups: Lookups):
        found = getattr(lookups, attribute).get(value.lower())
        if found is None:
            raise CellProblem(
                f"There is no {list_name} called '{value}'. Check the spelling, "
                f"or add it to the {list_name} list in admin first."
            )
        if not found.is_active:
            raise CellProblem(
                f"The {list_name} '{found.name}' is switched off. Switch it on in admin, "
                "or use another."
            )
        return found

    return parse


def _split(value: str) -> list[str]:
    return [part.strip() for part in re.split(r"[;,]", value) if part.strip()]


def _platforms(value: str, lookups: Lookups) -> list[VirtualPlatform]:
    platforms, unknown = [], []
    for name in _split(value):
        found = lookups.virtual_platforms.get(name.lower())
        if found is None or not found.is_active:
            unknown.append(name)
        elif found not in platforms:
            platforms.append(found)
    if unknown:
        names = ", ".join(f"'{name}'" for name in unknown)
        raise CellProblem(
            f"Unknown virtual platform {names}. Use names from the virtual platforms list, "
            "separated by semicolons."
        )
    return platforms


def _flags(choices, example: str) -> Callable[[str, Lookups], int]:
    names: dict[str, int] = {}
    for bit, label in choices:
        label = str(label).lower()
        for name in {label, label.rstrip("s"), label.rstrip("s") + "s", label[:3]}:
            names[name] = bit

    def parse(value: str, lookups: Lookups) -> int:
        total, unknown = 0, []
        for part in _split(value):
            bit = names.get(part.lower())
            if bit is None:
                unknown.append(part)
            else:
                total |= bit
        if unknown:
            raise CellProblem(
                f"Unknown {', '.join(repr(p) for p in unknown)}. Write them like '{example}'."
            )
        return total

    return parse


_YES = {"yes", "y", "true", "1"}
_NO = {"no", "n", "false", "0", ""}


def _yes_no(value: str, lookups: Lookups) -> bool:
    if value.lower() in _YES:
        return True
    if value.lower() in _NO:
        return False
    raise CellProblem(f"Write yes or no, not '{value}'.")


def _gender(value: str, lookups: Lookups) -> str:
    if not value:
        return ""
    for choice, label in Gender.choices:
        if value.lower() in {choice, str(label).lower()}:
            return choice
    labels = "; ".join(str(label) for _, label in Gender.choices)
    raise CellProblem(f"'{value}' is not one of: {labels}.")


def _nation(value: str, lookups: Lookups) -> str:
    if not value:
        return ""
    for choice, label in Nation.choices:
        if value.lower() in {choice, str(label).lower()}:
            return choice
    labels = "; ".join(str(label) for _, label in Nation.choices)
    raise CellProblem(f"'{value}' is not one of: {labels}.")


def _capacity(value: str, lookups: Lookups) -> int | None:
    if not value:
        return None  # the scheme's default for a new bio; unchanged for an existing one
    try:
        number = int(value)
    except ValueError:
        raise CellProblem(f"Write a whole number from 0 to 10, not '{value}'.") from None
    if not 0 <= number <= 10:
        raise CellProblem(f"Write a whole number from 0 to 10, not {number}.")
    return number


def _basename(value: str) -> str:
    return value.replace("\\", "/").rsplit("/", 1)[-1]


def _photo_name(value: str, lookups: Lookups) -> str:
    return _basename(value)


@dataclass(frozen=True)
class Column:
    name: str  # the header in the CSV (and the template)
    field: str  # the MentorProfile field it fills, or "" for the photo
    parse: Callable[[str, Lookups], Any]
    help: str
    required: bool = False


COLUMNS: list[Column] = [
    Column("email", "email", _email, "Matches an existing bio (ignoring case).", True),
    Column("first_name", "first_name", _text, "", True),
    Column("last_name", "last_name", _text, "", True),
    Column("grade", "grade", _reference("grade", "grade"), "A name from Grades.", True),
    Column("school", "school", _reference("school", "school"), "A name from Schools.", True),
    Column("trust", "trust", _reference("trust", "trust"), "A name from Trusts.", True),
    Column("organisation", "organisation", _text, "The organisation they work for.", True),
    Column("nation", "nation", _nation, "; ".join(str(label) for _, label in Nation.choices), True),
    Column("gender", "gender", _gender, "; ".join(str(label) for _, label in Gender.choices)),
    Column("pronouns", "pronouns", _text, "For example: she/her."),
    Column("expertise", "expertise", _text, "Their area of expertise."),
    Column("supportt_experience", "supportt_experience", _text, "Experience of SuppoRTT."),
    Column("time_away_experience", "time_away_experience", _text, "Time away from training."),
    Column("motivation", "motivation", _text, "Why they became a peer mentor."),
    Column("interests", "interests", _text, "Interests and hobbies."),
    Column(
        "available_days",
        "available_days",
        _flags(Weekday.choices, "Monday; Wednesday"),
        "Days separated by semicolons, for example: Monday; Wednesday.",
    ),
    Column(
        "available_times",
        "available_times",
        _flags(TimeOfDay.choices, "Mornings; Evenings"),
        "Mornings, Afternoons or Evenings, separated by semicolons.",
    ),
    Column("availability_notes", "availability_notes", _text, "Other restrictions."),
    Column("meets_face_to_face", "meets_face_to_face", _yes_no, "yes or no (blank: no)."),
    Column("face_to_face_location", "face_to_face_location", _text, "Town or hospital."),
    Column("meets_virtually", "meets_virtually", _yes_no, "yes or no (blank: no)."),
    Column(
        "virtual_platforms",
        "virtual_platforms",
        _platforms,
        "Names from Virtual platforms, separated by semicolons.",
    ),
    Column("contact_email", "contact_email", _optional_email, "Blank: use the email above."),
    Column("contact_phone", "contact_phone", _text, ""),
    Column("contact_notes", "contact_notes", _text, "Preferred way to be contacted."),
    Column(
        "capacity",
        "capacity",
        _capacity,
        "Mentees at once, 0 to 10. Blank: the scheme default for a new bio, unchanged otherwise.",
    ),
    Column(
        "photo_file",
        "",
        _photo_name,
        "A file name in the ZIP of photos. Blank: keep the current photo.",
    ),
]
COLUMNS_BY_NAME = {column.name: column for column in COLUMNS}


def columns_for(profile: Profile) -> list[Column]:
    """The columns of a scheme's profile: a bio field it does not ask has none (a
    "needed" column is needed only where its field is asked)."""
    return [column for column in COLUMNS if profile.uses(column.field)]


# Fields checked by the preloaded lookups or set apart, not by Model.full_clean.
_NOT_FULL_CLEANED = ["user", "grade", "school", "trust", "photo", "photo_thumbnail"]


def template_csv(profile: Profile | None = None) -> str:
    """The header row for a spreadsheet, with a byte order mark so Excel reads UTF-8.

    The columns of `profile` (the scheme's own if None)."""
    out = io.StringIO()
    csv.writer(out).writerow([column.name for column in columns_for(profile or current_profile())])
    return "\ufeff" + out.getvalue()


def template_xlsx(profile: Profile | None = None) -> bytes:
    """The same columns as an Excel workbook: the bios sheet first, then what to write."""
    columns = columns_for(profile or current_profile())
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    if not isinstance(sheet, Worksheet):  # a new workbook starts with one worksheet
        raise TypeError("A new workbook has no worksheet.")
    sheet.title = "Bios"
    sheet.append([column.name for column in columns])
    sheet.freeze_panes = "A2"
    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        sheet.cell(row=1, column=index).font = Font(bold=True)
        sheet.column_dimensions[letter].width = max(14, len(column.name) + 2)
        if column.name == "contact_phone":
            # Text, so Excel keeps a phone number's leading 0.
            sheet.column_dimensions[letter].number_format = "@"
    guide = workbook.create_sheet("What to write")
    guide.append(["Column", "Needed", "What to write"])
    for column in columns:
        guide.append([column.name, "Yes" if column.required else "No", column.help])
    for cell in guide[1]:
        cell.font = Font(bold=True)
    guide.column_dimensions["A"].width = 24
    guide.column_dimensions["C"].width = 90
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# --- Reading the file ------------------------------------------------------------------

# What we say about a file we cannot read, whatever it turns out to be (UTF-16
# text, an old .xls, a Numbers or LibreOffice file, a PDF, a ZIP of something else).
UNREADABLE = (
    "Save the spreadsheet as 'CSV UTF-8' or as an Excel workbook (.xlsx) and upload it again."
)
WINDOWS_TEXT = (
    "This file is not UTF-8, so we read it as Windows text (Excel's plain 'CSV' format). "
    "Check that names with accents look right below; if not, save it as 'CSV UTF-8'."
)
FILE = "Bios file"  # where a problem with the file as a whole is reported
MAX_COLUMNS = 100  # read from a workbook; the template has far fewer
MAX_XLSX_UNPACKED = 60_000_000  # bytes of XML a workbook may unpack to
_XLSX_ROWS_READ = MAX_ROWS * 2  # formatted empty rows may follow the bios
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls, and workbooks locked with a password
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

# csv's limit on one cell (128 KB) is process-wide: raised to the file's own limit, so
# a long cell reaches our checks, which name its row and column, instead of stopping
# the reader with Python's wording and no row.
csv.field_size_limit(max(csv.field_size_limit(), MAX_CSV_BYTES + 1))


class UnreadableFile(Exception):
    """The file is not a CSV or workbook we can read; the message says what to do."""


@dataclass(frozen=True)
class Table:
    rows: list[list[str]]  # row 1 (the column names) first
    warning: str = ""


def read_table(data: bytes) -> Table:
    """The cells of a CSV (UTF-8, or Windows text) or of an Excel workbook's first sheet.

    Recognised by their bytes, not their file name. Raises UnreadableFile.
    """
    if data.startswith(b"PK\x03\x04"):
        return Table(_read_xlsx(data))
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, _OLE2, b"%PDF")):
        raise UnreadableFile(UNREADABLE)
    if b"\x00" in data:  # UTF-16 without its mark, or any other binary file
        raise UnreadableFile(UNREADABLE)
    warning = ""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError:
            raise UnreadableFile(UNREADABLE) from None
        warning = WINDOWS_TEXT
    if _CONTROL.search(text):
        raise UnreadableFile(UNREADABLE)
    return Table(_read_csv(text), warning)


def _delimiter(text: str) -> str:
    """Commas; or semicolons or tabs when the first line has those and no commas
    (Excel's CSV where a comma is the decimal mark, or text copied from a sheet)."""
    first_line = text.split("\n", 1)[0]
    if "," in first_line:
        return ","
    return (
        max((";", "\t"), key=first_line.count) if ";" in first_line or "\t" in first_line else ","
    )


def _read_csv(text: str) -> list[list[str]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    rows: list[list[str]] = []
    try:
        for row in reader:
            rows.append(row)
            if len(rows) > MAX_ROWS + 1:
                break
    except csv.Error:
        raise UnreadableFile(f"Row {len(rows) + 1} cannot be read as CSV. {UNREADABLE}") from None
    return rows


def _read_xlsx(data: bytes) -> list[list[str]]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise UnreadableFile(UNREADABLE) from None
    if "xl/workbook.xml" not in {member.filename for member in members}:
        raise UnreadableFile(UNREADABLE)  # a ZIP, but not an Excel workbook
    if sum(member.file_size for member in members) > MAX_XLSX_UNPACKED:
        raise UnreadableFile("This workbook is too large. Split the bios into smaller files.")
    try:
        # defusedxml is installed, so openpyxl parses with it (no entity expansion).
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            sheet = workbook.worksheets[0]
            rows = [
                [_cell_text(value) for value in row]
                for row in itertools.islice(
                    sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS), _XLSX_ROWS_READ
                )
            ]
        finally:
            workbook.close()
    except Exception:
        # A damaged workbook can fail anywhere inside openpyxl; it is still only a
        # file we cannot read.
        logger.info("Bulk upload: a workbook openpyxl cannot read", exc_info=True)
        raise UnreadableFile(UNREADABLE) from None
    if len(rows) == _XLSX_ROWS_READ:  # rows beyond those read are never dropped unseen
        raise UnreadableFile(
            f"The first sheet has more than {_XLSX_ROWS_READ} rows, counting empty rows "
            f"that have formatting. Keep at most {MAX_ROWS} bios and delete the rows below them."
        )
    while rows and not any(rows[-1]):
        rows.pop()
    return rows


def _cell_text(value: Any) -> str:
    """A workbook cell as it would read in a CSV."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat()
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    return str(value).strip()


# --- Plans ---------------------------------------------------------------------------


class Action(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class CellError:
    row: int  # spreadsheet row; 1 is the header row, 0 is the file as a whole
    column: str  # a column name, or a file (FILE, "ZIP file")
    message: str

    def __str__(self) -> str:
        where = f"Row {self.row}, column {self.column}" if self.row else self.column
        return f"{where}: {self.message}"


@dataclass
class RowPlan:
    row: int
    email: str
    name: str
    action: Action = Action.CREATE
    changes: list[str] = field(default_factory=list)  # column names that change
    errors: list[CellError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # imported all the same
    instance: MentorProfile | None = None
    platforms: list[VirtualPlatform] | None = None  # None: the column is absent
    photo: dict | None = None  # the staged photo's manifest entry

    @property
    def profile(self) -> MentorProfile:
        """The bio this row writes: every row of a plan is given one once it is read."""
        if self.instance is None:
            raise ValueError(f"Row {self.row} has no bio.")
        return self.instance


@dataclass
class ImportPlan:
    rows: list[RowPlan] = field(default_factory=list)
    file_errors: list[CellError] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)  # the CSV's columns, in our names
    warnings: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[CellError]:
        return self.file_errors + [error for row in self.rows for error in row.errors]

    @property
    def is_valid(self) -> bool:
        return not self.errors and bool(self.rows)

    def count(self, action: Action) -> int:
        return sum(1 for row in self.rows if row.action == action and not row.errors)


@dataclass(frozen=True)
class ImportResult:
    created: int
    updated: int
    unchanged: int


class ImportRefused(Exception):
    """Nothing was written: the plan has errors, or the staged files are gone."""

    def __init__(self, message: str, plan: ImportPlan | None = None):
        super().__init__(message)
        self.plan = plan


def _normalise_header(header: str) -> str:
    return re.sub(r"[\s\-]+", "_", (header or "").strip().lower())


def plan_import(
    *, csv_data: bytes, photos: dict[str, dict] | None, profile: Profile | None = None
) -> ImportPlan:
    """Read the CSV and decide, row by row, what would happen. Writes nothing.

    `photos` maps a lower-case file name to its staged entry ({"large": ...,
    "thumbnail": ...} or {"error": ...}); None when no ZIP was uploaded. `profile`:
    the scheme profile whose columns are read (the scheme's own if None); a column of
    a field it does not ask is left out, with a warning.
    """
    profile = profile or current_profile()
    columns = columns_for(profile)
    plan = ImportPlan()
    try:
        table = read_table(csv_data)
    except UnreadableFile as problem:
        plan.file_errors.append(CellError(0, FILE, str(problem)))
        return plan
    if table.warning:
        plan.warnings.append(table.warning)
    headers = table.rows[0] if table.rows else []
    if not any(header.strip() for header in headers):
        plan.file_errors.append(CellError(0, FILE, "The file is empty. Start from the template."))
        return plan
    rows = table.rows[1:]
    if not any(_normalise_header(header) in COLUMNS_BY_NAME for header in headers):
        # Not our columns at all (another spreadsheet, or text we misread): one
        # sentence, not an "Unknown column" error for every header.
        plan.file_errors.append(
            CellError(
                1,
                FILE,
                "Row 1 has none of the template's column names: start from the template "
                "and keep its first row.",
            )
        )
        return plan

    positions: dict[str, int] = {}
    for index, header in enumerate(headers):
        name = _normalise_header(header)
        if not name:
            continue
        if name not in COLUMNS_BY_NAME:
            plan.file_errors.append(
                CellError(
                    1, header.strip(), "Unknown column. Use the column names in the template."
                )
            )
        elif name in positions:
            plan.file_errors.append(CellError(1, name, "This column appears twice."))
        elif not profile.uses(COLUMNS_BY_NAME[name].field):
            plan.warnings.append(
                f"The scheme does not ask mentors for {name}, so that column was left out."
            )
        else:
            positions[name] = index
    for column in columns:
        if column.required and column.name not in positions:
            plan.file_errors.append(CellError(1, column.name, "This column is missing."))
    if len(rows) > MAX_ROWS:
        plan.file_errors.append(
            CellError(0, FILE, f"There are more than {MAX_ROWS} rows. Split the file.")
        )
    if plan.file_errors:
        return plan
    plan.columns = [c.name for c in columns if c.name in positions]
    present = [COLUMNS_BY_NAME[name] for name in plan.columns]

    records = []
    for offset, cells in enumerate(rows):
        values = {
            column.name: (
                cells[positions[column.name]] if positions[column.name] < len(cells) else ""
            ).strip()
            for column in present
        }
        if any(values.values()):
            records.append((offset + 2, values))
    if not records:
        plan.file_errors.append(CellError(0, FILE, "There are no bios in the file."))
        return plan

    lookups = Lookups.load()
    emails = {values.get("email", "").lower() for _, values in records}
    existing: dict[str, MentorProfile] = {
        profile.email_lower: profile
        for profile in MentorProfile.objects.annotate(email_lower=Lower("email"))
        .filter(email_lower__in=emails)
        .prefetch_related("virtual_platforms")
    }
    scheme = SchemeSettings.load()
    default_capacity = scheme.default_mentor_capacity
    first_row_of: dict[str, int] = {}
    bio_form = _RowForm(MultiValueDict(), instance=MentorProfile(), profile=profile)
    for row_number, values in records:
        plan.rows.append(
            _plan_row(
                row_number=row_number,
                values=values,
                present=present,
                lookups=lookups,
                existing=existing,
                photos=photos,
                default_capacity=default_capacity,
                first_row_of=first_row_of,
                bio_form=bio_form,
            )
        )
    if photos:
        unused = sorted(entry["name"] for entry in photos.values() if entry.get("unused"))
        if unused:
            plan.warnings.append(f"Photos in the ZIP that no row names: {', '.join(unused[:20])}.")
    if scheme.training_required_to_publish and plan.count(Action.CREATE):
        # An import never publishes (new bios are drafts; others keep their status), so
        # the setting is met when each bio is published, once its training is recorded.
        plan.warnings.append(TRAINING_FIRST)
    return plan


def _plan_row(
    *,
    row_number: int,
    values: dict[str, str],
    present: list[Column],
    lookups: Lookups,
    existing: dict[str, MentorProfile],
    photos: dict[str, dict] | None,
    default_capacity: int,
    first_row_of: dict[str, int],
    bio_form: "_RowForm",
) -> RowPlan:
    email = values.get("email", "")
    row = RowPlan(
        row=row_number,
        email=email,
        name=f"{values.get('first_name', '')} {values.get('last_name', '')}".strip(),
    )

    def error(column: str, message: str) -> None:
        row.errors.append(CellError(row_number, column, message))

    parsed: dict[str, Any] = {}
    for column in present:
        raw = values[column.name]
        if column.required and not raw:
            error(column.name, "This cell is empty. Every bio needs one.")
            continue
        try:
            parsed[column.name] = column.parse(raw, lookups)
        except CellProblem as problem:
            error(column.name, str(problem))

    if email:
        key = email.lower()
        if key in first_row_of:
            error("email", f"The same email is on row {first_row_of[key]}. Keep one row per bio.")
        else:
            first_row_of[key] = row_number

    profile = existing.get(email.lower()) if email else None
    if profile is None:
        profile = MentorProfile(status=MentorStatus.DRAFT, capacity=default_capacity)
        row.action = Action.CREATE
    else:
        row.action = Action.UPDATE
    row.instance = profile

    for column in present:
        if column.name not in parsed or not column.field:
            continue
        value = parsed[column.name]
        if column.field == "virtual_platforms":
            row.platforms = value
            before = {p.pk for p in profile.virtual_platforms.all()} if profile.pk else set()
            if before != {p.pk for p in value}:
                row.changes.append(column.name)
            continue
        if column.field == "capacity" and value is None:
            continue
        model_field = MentorProfile._meta.get_field(column.field)
        if not isinstance(model_field, Field):
            raise TypeError(f"Column {column.name} fills {column.field}, which is not a column.")
        # Compare ids, not related objects: reading profile.grade would cost a query a row.
        current = getattr(profile, model_field.attname)
        new = value.pk if model_field.is_relation else value
        if current != new:
            row.changes.append(column.name)
        setattr(profile, column.field, value)

    photo_name = parsed.get("photo_file")
    if photo_name:
        entry = (photos or {}).get(photo_name.lower())
        if photos is None:
            error("photo_file", f"No ZIP of photos was uploaded, so '{photo_name}' is missing.")
        elif entry is None or entry.get("unused"):
            error("photo_file", f"There is no file called '{photo_name}' in the ZIP.")
        elif "error" in entry:
            error("photo_file", f"{entry['name']}: {entry['error']}")
        elif not _same_photo(profile.photo.name, entry.get("sha256", "")):
            row.photo = entry
            row.changes.append("photo_file")

    _check_with_bio_form(row, profile, present, error, bio_form)

    failed = {e.column for e in row.errors}
    exclude = (
        _NOT_FULL_CLEANED
        + [c.field for c in present if c.name in failed and c.field]
        + ["virtual_platforms"]
    )
    try:
        profile.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as problem:
        for field_name, problems in problem.error_dict.items():
            column_name = next((c.name for c in COLUMNS if c.field == field_name), field_name)
            for one in problems:
                error(column_name, _in_our_words(one))

    if row.action == Action.UPDATE and not row.changes:
        row.action = Action.UNCHANGED
    return row


class _RowForm(MentorBioForm):
    """The mentor's own bio form, checking one row's values.

    The reference lists are matched by name before (Lookups, no query a row), so
    their fields are left out here; the model is checked by the import itself,
    without a query a row for the database's check constraints.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in _MATCHED_BY_NAME:
            self.fields.pop(name, None)

    def _post_clean(self) -> None:
        pass

    def check(self, data: MultiValueDict) -> dict[str, list[ValidationError]]:
        """This form bound to another row's data: its errors, by field.

        One form serves a whole plan: building a form (copying its fields and
        their querysets) took nine tenths of a row's planning time.
        """
        self.data = data
        self._errors = None  # cleaned again on the next read of self.errors
        return self.errors.as_data()


_MATCHED_BY_NAME = ("grade", "school", "trust", "virtual_platforms")
_FLAG_CHOICES = {"available_days": Weekday.choices, "available_times": TimeOfDay.choices}


def _bio_form_data(profile: MentorProfile) -> MultiValueDict:
    """The bio as the mentor's form would post it: the row's cells over what is stored."""
    data: MultiValueDict[str, Any] = MultiValueDict()
    for name in BIO_FIELDS:
        if name in _MATCHED_BY_NAME:
            continue
        value = getattr(profile, name)
        if name in _FLAG_CHOICES:
            data.setlist(name, [str(bit) for bit in flags_to_list(value, _FLAG_CHOICES[name])])
        elif isinstance(value, bool):
            if value:
                data[name] = "on"
        else:
            data[name] = "" if value is None else str(value)
    return data


def _check_with_bio_form(
    row: RowPlan,
    profile: MentorProfile,
    present: list[Column],
    error: Callable[[str, str], None],
    form: _RowForm,
) -> None:
    """Run the row through the mentor's bio form, so an imported bio is one they can save.

    A value the form refuses (too long, not an email, not a choice) is an error
    in its cell. What the form asks for that is still missing (why they became a
    mentor, days, a way to meet) is a note: the bio is a draft the mentor can
    complete, and their form asks them for it.
    """
    problems_by_field = form.check(_bio_form_data(profile))
    if not problems_by_field:
        return
    already = {e.column for e in row.errors}
    in_file = {column.name for column in present}
    missing = []
    for field_name, problems in problems_by_field.items():
        for problem in problems:
            if problem.code in (None, "required"):
                missing.append(field_name)
            elif field_name not in in_file:
                # Stored before, and not in this file: the mentor's form will ask.
                row.notes.append(f"The stored {field_name}: {_in_our_words(problem)}")
            elif field_name not in already:
                error(field_name, _in_our_words(problem))
    if missing:
        names = ", ".join(dict.fromkeys(missing))
        row.notes.append(
            f"Not complete yet: {names}. The mentor's bio form asks for these when they next "
            "edit their bio."
        )


def _in_our_words(problem: ValidationError) -> str:
    """A form's or a model's message about a cell, in the words of this page."""
    params = problem.params or {}
    if problem.code == "max_length" and "limit_value" in params:
        return (
            f"This cell has {params.get('show_value', 0):,} characters; it can have at most "
            f"{params['limit_value']:,} (the same limit as the mentor's own bio form). Shorten it."
        )
    return " ".join(problem.messages)


def _same_photo(stored_name: str | None, digest: str) -> bool:
    if not stored_name or not digest:
        return False
    try:
        with default_storage.open(stored_name, "rb") as stored:
            return hashlib.sha256(stored.read()).hexdigest() == digest
    except OSError:
        return False


# --- Staging (the dry run) --------------------------------------------------------------


def _staging(token: str, name: str = "") -> str:
    if not _TOKEN.match(token):
        raise ImportRefused("This upload is not valid. Upload the files again.")
    return f"{STAGING_DIR}/{token}/{name}" if name else f"{STAGING_DIR}/{token}"


def sign_token(token: str, *, user_pk: int) -> str:
    """What the confirm form carries: the staging token, for this admin, for a day."""
    return signing.TimestampSigner(salt=_SALT).sign_object({"t": token, "u": user_pk})


def read_signed_token(signed: str, *, user_pk: int) -> str:
    try:
        data = signing.TimestampSigner(salt=_SALT).unsign_object(signed, max_age=STAGING_MAX_AGE)
    except signing.BadSignature:
        raise ImportRefused(
            "This dry run has expired or is not valid. Upload the files again."
        ) from None
    if (
        not isinstance(data, dict)
        or data.get("u") != user_pk
        or not _TOKEN.match(str(data.get("t")))
    ):
        raise ImportRefused("This dry run belongs to someone else. Upload the files again.")
    return data["t"]


def _zip_members(upload) -> tuple[zipfile.ZipFile | None, dict[str, list[zipfile.ZipInfo]], str]:
    try:
        archive = zipfile.ZipFile(upload)
        infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return None, {}, "This is not a ZIP file we can open. Make it again and upload it."
    if len(infos) > MAX_ZIP_FILES:
        return None, {}, f"The ZIP holds more than {MAX_ZIP_FILES} files. Split it."
    members: dict[str, list[zipfile.ZipInfo]] = {}
    for info in infos:
        name = _basename(info.filename)
        if info.is_dir() or not name or name.startswith(".") or "__MACOSX/" in info.filename:
            continue
        members.setdefault(name.lower(), []).append(info)
    return archive, members, ""


def _read_member(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes | str:
    """The member's bytes, or a message saying why they cannot be read."""
    if info.file_size > MAX_PHOTO_BYTES:
        return "The photo must be smaller than 10 MB."
    try:
        with archive.open(info) as member:
            return member.read(MAX_PHOTO_BYTES + 1)
    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError):
        return "This file is damaged in the ZIP, or locked with a password. Make the ZIP again."


def _process(name: str, data: bytes) -> ProcessedPhoto | str:
    """register.photos.process_photo, with every refusal turned into a message."""
    try:
        return process_photo(ContentFile(data, name=name), stem=f"mentor-{secrets.token_hex(6)}")
    except ValidationError as problem:
        return " ".join(problem.messages)


def _stage_photos(*, token: str, photos_zip, needed: set[str]) -> tuple[dict[str, dict], str]:
    """Process the photos the CSV names; keep the processed copies, never the ZIP.

    The ZIP is read in this thread (zipfile is not safe to share between
    threads); the photos are processed by a few threads, since Pillow lets go of
    the GIL while it decodes and resizes. At most a few photos wait in memory.
    """
    archive, members, problem = _zip_members(photos_zip)
    if archive is None:
        return {}, problem
    manifest: dict[str, dict] = {}
    jobs = []
    for key, infos in members.items():
        name = _basename(infos[0].filename)
        if len(infos) > 1:
            error = "More than one file in the ZIP has this name. Rename one of them."
            manifest[key] = {"name": name, "error": error}
        elif key in needed:
            jobs.append((key, name, infos[0]))
        else:
            manifest[key] = {"name": name, "unused": True}

    def store(index: int, key: str, name: str, result: ProcessedPhoto | str) -> None:
        if isinstance(result, str):
            manifest[key] = {"name": name, "error": result}
            return
        manifest[key] = {
            "name": name,
            # Processing is deterministic, so the same file gives the same bytes: a
            # photo already stored is not replaced when the same ZIP comes again.
            "sha256": hashlib.sha256(result.large.read()).hexdigest(),
            "large": default_storage.save(
                _staging(token, f"photos/{index}-large.jpg"), result.large
            ),
            "large_name": result.large.name,
            "thumbnail": default_storage.save(
                _staging(token, f"photos/{index}-small.jpg"), result.thumbnail
            ),
            "thumbnail_name": result.thumbnail.name,
        }

    pending: deque[tuple[int, str, str, Future]] = deque()
    with archive, ThreadPoolExecutor(max_workers=PHOTO_WORKERS) as pool:
        for index, (key, name, info) in enumerate(jobs):
            data = _read_member(archive, info)
            if isinstance(data, str):
                store(index, key, name, data)
                continue
            pending.append((index, key, name, pool.submit(_process, name, data)))
            while len(pending) >= PHOTO_WORKERS * 2:
                done_index, done_key, done_name, future = pending.popleft()
                store(done_index, done_key, done_name, future.result())
        while pending:
            done_index, done_key, done_name, future = pending.popleft()
            store(done_index, done_key, done_name, future.result())
    return manifest, ""


def stage_upload(*, csv_file, photos_zip=None) -> tuple[str, ImportPlan]:
    """The dry run: keep the files for the confirm step and plan the import."""
    discard_stale_uploads()
    token = secrets.token_hex(16)
    csv_data = csv_file.read(MAX_CSV_BYTES + 1)
    default_storage.save(_staging(token, CSV_NAME), ContentFile(csv_data))
    photos: dict[str, dict] | None = None
    zip_problem = ""
    if photos_zip:
        needed = _photo_names_in(csv_data)
        photos, zip_problem = _stage_photos(token=token, photos_zip=photos_zip, needed=needed)
    default_storage.save(
        _staging(token, MANIFEST_NAME),
        ContentFile(json.dumps({"photos": photos, "zip_problem": zip_problem}).encode()),
    )
    return token, _plan_staged(token)


def _photo_names_in(csv_data: bytes) -> set[str]:
    try:
        rows = read_table(csv_data).rows
    except UnreadableFile:
        return set()
    if not rows:
        return set()
    headers = [_normalise_header(h) for h in rows[0]]
    if "photo_file" not in headers:
        return set()
    index = headers.index("photo_file")
    return {
        _basename(row[index].strip()).lower()
        for row in rows[1:]
        if index < len(row) and row[index].strip()
    }


def _plan_staged(token: str) -> ImportPlan:
    try:
        with default_storage.open(_staging(token, CSV_NAME), "rb") as f:
            csv_data = f.read()
        with default_storage.open(_staging(token, MANIFEST_NAME), "rb") as f:
            manifest = json.loads(f.read())
    except (FileNotFoundError, OSError, ValueError):
        raise ImportRefused("The uploaded files are no longer here. Upload them again.") from None
    plan = plan_import(csv_data=csv_data, photos=manifest["photos"])
    if manifest.get("zip_problem"):
        plan.file_errors.append(CellError(0, "ZIP file", manifest["zip_problem"]))
    return plan


def plan_staged(*, token: str) -> ImportPlan:
    return _plan_staged(token)


def discard_staged(*, token: str) -> None:
    _delete_tree(_staging(token))


def discard_stale_uploads(*, now: datetime.datetime | None = None) -> int:
    """Remove dry runs nobody confirmed within STAGING_MAX_AGE."""
    now = now or timezone.now()
    try:
        folders, _ = default_storage.listdir(STAGING_DIR)
    except (FileNotFoundError, NotImplementedError):
        return 0
    removed = 0
    for folder in folders:
        if not _TOKEN.match(folder):
            continue
        made = _staged_at(f"{STAGING_DIR}/{folder}/{CSV_NAME}")
        if made is None or now - made > STAGING_MAX_AGE:
            _delete_tree(f"{STAGING_DIR}/{folder}")
            removed += 1
    return removed


def _staged_at(csv_name: str) -> datetime.datetime | None:
    """When the dry run was made: its CSV is written first and never again.

    The modified time, since object storage keeps no creation time. None when
    the CSV is missing (a dry run that broke half-way), so the folder goes.
    """
    try:
        if not default_storage.exists(csv_name):
            return None
        return default_storage.get_modified_time(csv_name)
    except (OSError, NotImplementedError):
        return None


def _delete_tree(path: str) -> None:
    """Delete a staging folder through the storage API, object storage included.

    A bucket has no folders, only names with slashes; on local disk the
    emptied folder is deleted last (FileSystemStorage.delete removes an empty
    directory, and a bucket ignores a name that is not there).
    """
    try:
        folders, files = default_storage.listdir(path)
    except FileNotFoundError:
        return
    for name in files:
        default_storage.delete(f"{path}/{name}")
    for folder in folders:
        _delete_tree(f"{path}/{folder}")
    default_storage.delete(path)


# --- Import (the confirm step) -------------------------------------------------------------


def import_staged(*, token: str, by, now: datetime.datetime | None = None) -> ImportResult:
    """Write every row of a staged upload, or nothing. Raises ImportRefused."""
    now = now or timezone.now()
    plan = _plan_staged(token)
    if not plan.is_valid:
        raise ImportRefused("Nothing was imported: the file has errors.", plan)
    to_write = [row for row in plan.rows if row.action != Action.UNCHANGED]

    # Photos go to storage before the transaction (slow work outside it), and are
    # removed again if the transaction fails.
    saved: list[str] = []
    replaced: list[str] = []
    try:
        for row in to_write:
            if row.photo:
                profile = row.profile
                replaced += [
                    name for name in (profile.photo.name, profile.photo_thumbnail.name) if name
                ]
                with default_storage.open(row.photo["large"], "rb") as f:
                    profile.photo.save(row.photo["large_name"], File(f), save=False)
                with default_storage.open(row.photo["thumbnail"], "rb") as f:
                    profile.photo_thumbnail.save(row.photo["thumbnail_name"], File(f), save=False)
                saved += [
                    name for name in (profile.photo.name, profile.photo_thumbnail.name) if name
                ]
        _write_rows(plan=plan, rows=to_write, by=by, now=now)
    except (DatabaseError, OSError) as problem:
        logger.warning("Bulk upload %s refused while writing: %s", token, problem)
        for name in saved:
            default_storage.delete(name)
        raise ImportRefused(
            "Nothing was imported: the register changed while the upload ran "
            "(perhaps someone else added one of these bios). Upload the files again.",
            None,
        ) from None

    def clean_up() -> None:
        for name in replaced:
            default_storage.delete(name)
        discard_staged(token=token)

    transaction.on_commit(clean_up)
    return ImportResult(
        created=plan.count(Action.CREATE),
        updated=plan.count(Action.UPDATE),
        unchanged=plan.count(Action.UNCHANGED),
    )


def _write_rows(*, plan: ImportPlan, rows: list[RowPlan], by, now: datetime.datetime) -> None:
    creates = [row.profile for row in rows if row.action == Action.CREATE]
    updates = [row.profile for row in rows if row.action == Action.UPDATE]
    fields = [
        COLUMNS_BY_NAME[name].field
        for name in plan.columns
        if COLUMNS_BY_NAME[name].field and COLUMNS_BY_NAME[name].field != "virtual_platforms"
    ]
    if "photo_file" in plan.columns:
        fields += ["photo", "photo_thumbnail"]
    for profile in updates:
        profile.updated_at = now
    with transaction.atomic():
        MentorProfile.objects.bulk_create(creates, batch_size=500)
        if updates:
            MentorProfile.objects.bulk_update(updates, [*fields, "updated_at"], batch_size=500)
        if "virtual_platforms" in plan.columns:
            through = MentorProfile.virtual_platforms.through
            through.objects.filter(mentorprofile_id__in=[p.pk for p in updates]).delete()
            through.objects.bulk_create(
                [
                    through(mentorprofile_id=row.profile.pk, virtualplatform_id=platform.pk)
                    for row in rows
                    for platform in row.platforms or []
                ],
                batch_size=1000,
            )
        if creates:
            LogEntry.objects.log_actions(
                user_id=by.pk, queryset=creates, action_flag=ADDITION, change_message="Bulk upload."
            )
        if updates:
            LogEntry.objects.log_actions(
                user_id=by.pk, queryset=updates, action_flag=CHANGE, change_message="Bulk upload."
            )
