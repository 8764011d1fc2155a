"""Crypto-shredding of mentors' private notes, checked on the database's raw contents.

Each partnership's notes are encrypted with a data key of its own, stored wrapped by
the key(s) in NOTES_ENCRYPTION_KEY; ending the partnership deletes the notes and
overwrites that key. These tests read the tables with SQL, as a backup holds them,
and try every key from settings on everything they find.
"""

import datetime
import importlib
import io
from pathlib import Path
from unittest import mock

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse

import requests_app.migrations
from privacy.personal_data import erase_account
from requests_app import notes, workflow
from requests_app.models import MentorNote, NotesKey, Partnership, PartnershipState
from tests.factories import MenteeFactory
from tests.test_partnerships import hold, make_partnership, moment

pytestmark = pytest.mark.django_db

SECRETS = ("Struggling with the return date", "Considering less than full time")
OLD_KEY, NEW_KEY = Fernet.generate_key().decode(), Fernet.generate_key().decode()


@pytest.fixture(autouse=True)
def two_settings_keys(settings):
    """A rotated setting: every key in it is one an attacker with the settings would hold."""
    settings.NOTES_ENCRYPTION_KEY = f"{NEW_KEY},{OLD_KEY}"


@pytest.fixture
def active(mentee, mentor):
    return make_partnership(mentee, mentor)


def settings_ciphers(settings) -> list[Fernet]:
    """Every key the settings give, the development key derived from SECRET_KEY included."""
    keys = [*settings.NOTES_ENCRYPTION_KEY.split(","), notes.development_key(settings.SECRET_KEY)]
    return [Fernet(key) for key in keys]


def select(table_model, column: str) -> list[bytes]:
    """One column of a table, read with SQL as a backup would hold it."""
    table = connection.ops.quote_name(table_model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {connection.ops.quote_name(column)} FROM {table}")  # noqa: S608
        return [bytes(value) for (value,) in cursor.fetchall() if value is not None]


def every_raw_value() -> list[bytes]:
    """Every value of every table in the database, read with SQL."""
    values = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            for row in cursor.fetchall():
                for value in row:
                    if isinstance(value, bytes | memoryview):
                        values.append(bytes(value))
                    elif isinstance(value, str):
                        values.append(value.encode())
    return values


def keys_recoverable_from(values: list[bytes], settings) -> list[Fernet]:
    """The settings keys, and every data key that any value, unwrapped by them, turns out to be."""
    found = settings_ciphers(settings)
    for value in values:
        for cipher in settings_ciphers(settings):
            try:
                found.append(Fernet(cipher.decrypt(value)))
            except (InvalidToken, ValueError):
                continue
    return found


def readable(ciphertexts: list[bytes], ciphers: list[Fernet]) -> list[str]:
    texts = []
    for ciphertext in ciphertexts:
        for cipher in ciphers:
            try:
                texts.append(cipher.decrypt(ciphertext).decode())
            except InvalidToken:
                continue
    return texts


def write_notes(partnership, mentor) -> None:
    for text in SECRETS:
        workflow.add_note(partnership_id=partnership.pk, mentor_user=mentor, text=text)


def end_by(how: str, partnership: Partnership, mentee, mentor) -> None:
    if how == "ended early":
        workflow.end_partnership_early(
            partnership_id=partnership.pk, user=mentee, reason="no_click"
        )
    elif how == "last session held":
        for day in (11, 18, 25, 32):
            hold(partnership, mentor, moment(1, 1, 18) + datetime.timedelta(days=day))
    elif how == "window passed":
        assert workflow.complete_finished_partnerships(now=moment(7, 6)) >= 1
    else:
        # Notes that outlived their partnership (ended outside the workflow) go with
        # the erasure of either person.
        Partnership.objects.filter(pk=partnership.pk).update(
            state=PartnershipState.COMPLETED, ended_at=moment(2, 1)
        )
        erase_account(mentor if how == "mentor erased" else mentee)
    partnership.refresh_from_db()
    assert partnership.state != PartnershipState.ACTIVE


@pytest.mark.parametrize(
    "how",
    ["ended early", "last session held", "window passed", "mentor erased", "mentee erased"],
)
def test_after_the_end_neither_the_database_nor_the_settings_keys_read_any_note(
    settings, active, mentee, mentor, how
):
    write_notes(active, mentor)
    # A backup taken before the end: the notes' ciphertext and their wrapped key.
    ciphertexts_before = select(MentorNote, "ciphertext")
    wrapped_before = select(NotesKey, "wrapped_key")
    assert len(ciphertexts_before) == 2
    assert len(wrapped_before) == 1
    # That backup and the settings key read the notes: what a backup taken before the
    # end holds, as the README says.
    assert sorted(
        readable(ciphertexts_before, keys_recoverable_from(wrapped_before, settings))
    ) == (sorted(SECRETS))

    end_by(how, active, mentee, mentor)

    # A backup taken after the end (every table), the settings keys and every key any
    # value in it unwraps to: none reads a note, even from a copy of its old rows.
    after = every_raw_value()
    assert readable(ciphertexts_before, keys_recoverable_from(after, settings)) == []
    assert not any(secret.encode() in value for value in after for secret in SECRETS)
    assert select(MentorNote, "ciphertext") == []
    key = NotesKey.objects.get(partnership=active)  # overwritten, not deleted
    assert key.wrapped_key is None
    assert key.destroyed_at is not None


def test_before_the_end_the_settings_keys_alone_read_no_note(settings, active, mentor):
    write_notes(active, mentor)

    ciphertexts = select(MentorNote, "ciphertext")
    wrapped = select(NotesKey, "wrapped_key")

    assert len(ciphertexts) == 2
    # The notes are encrypted with the partnership's data key, not with a settings key.
    assert readable(ciphertexts, settings_ciphers(settings)) == []
    assert not any(secret.encode() in value for value in every_raw_value() for secret in SECRETS)
    # Unwrapping the data key with the first settings key is what reads them.
    data_key = Fernet(Fernet(NEW_KEY).decrypt(wrapped[0]))
    assert sorted(readable(ciphertexts, [data_key])) == sorted(SECRETS)


def test_each_partnership_has_its_own_key_and_ending_one_leaves_the_others(
    settings, active, mentee, mentor
):
    other = make_partnership(MenteeFactory(), mentor)
    workflow.add_note(partnership_id=other.pk, mentor_user=mentor, text="Another mentee")
    write_notes(active, mentor)
    assert NotesKey.objects.count() == 2

    workflow.end_partnership_early(partnership_id=active.pk, user=mentee, reason="no_click")

    kept = readable(
        select(MentorNote, "ciphertext"), keys_recoverable_from(every_raw_value(), settings)
    )
    assert kept == ["Another mentee"]


def test_an_ending_that_fails_keeps_the_key_with_the_notes(active, mentee, mentor):
    write_notes(active, mentor)

    with (
        mock.patch.object(workflow, "_request_feedback", side_effect=RuntimeError("mail down")),
        pytest.raises(RuntimeError),
    ):
        workflow.end_partnership_early(partnership_id=active.pk, user=mentee, reason="other")

    assert NotesKey.objects.get(partnership=active).wrapped_key is not None
    assert MentorNote.objects.filter(partnership=active).count() == 2


def test_the_key_is_made_with_the_first_note_only(client, active, mentor):
    client.force_login(mentor)
    url = reverse("requests:partnership_notes", args=[active.pk])
    assert client.get(url).status_code == 200
    assert not NotesKey.objects.exists()  # reading an empty page makes none

    client.post(url, {"text": "First"})
    client.post(url, {"text": "Second"})

    assert NotesKey.objects.count() == 1
    page = client.get(url).content
    assert b"First" in page
    assert b"Second" in page


# --- Key rotation -------------------------------------------------------------------


def test_rewrapping_moves_every_live_key_to_the_first_settings_key(
    settings, active, mentee, mentor
):
    settings.NOTES_ENCRYPTION_KEY = OLD_KEY
    write_notes(active, mentor)
    ended = make_partnership(MenteeFactory(), mentor)
    workflow.add_note(partnership_id=ended.pk, mentor_user=mentor, text="Gone")
    workflow.end_partnership_early(partnership_id=ended.pk, user=mentor, reason="no_click")
    settings.NOTES_ENCRYPTION_KEY = f"{NEW_KEY},{OLD_KEY}"

    out = io.StringIO()
    call_command("rewrap_notes_keys", stdout=out)

    assert out.getvalue() == "Wrapped 1 notes key(s) under the first key.\n"
    assert NotesKey.objects.get(partnership=ended).wrapped_key is None  # stays destroyed
    settings.NOTES_ENCRYPTION_KEY = NEW_KEY
    data_key = notes.unwrap(NotesKey.objects.get(partnership=active).wrapped_key)
    assert sorted(notes.decrypt(c, data_key) for c in select(MentorNote, "ciphertext")) == sorted(
        SECRETS
    )


def test_rewrapping_reports_a_key_no_settings_key_reads_and_leaves_it(settings, active, mentor):
    settings.NOTES_ENCRYPTION_KEY = OLD_KEY
    write_notes(active, mentor)
    wrapped = bytes(NotesKey.objects.get(partnership=active).wrapped_key)
    settings.NOTES_ENCRYPTION_KEY = NEW_KEY  # the old key removed before rewrapping

    with pytest.raises(CommandError, match="1 notes key"):
        call_command("rewrap_notes_keys", stdout=io.StringIO())

    assert bytes(NotesKey.objects.get(partnership=active).wrapped_key) == wrapped


def test_rewrapping_never_brings_back_a_key_destroyed_meanwhile(active, mentee, mentor):
    write_notes(active, mentor)
    rewrap = notes.rewrap

    def end_then_rewrap(wrapped_key):
        # The partnership ends between the command's read and its write.
        workflow.end_partnership_early(partnership_id=active.pk, user=mentee, reason="no_click")
        return rewrap(wrapped_key)

    with mock.patch.object(notes, "rewrap", end_then_rewrap):
        assert workflow.rewrap_notes_keys() == (0, 0)

    assert NotesKey.objects.get(partnership=active).wrapped_key is None


# --- Notes written before partnerships had keys -------------------------------------


def migration():
    folder = Path(requests_app.migrations.__file__).parent
    name = next(folder.glob("*_notes_keys.py")).stem
    return importlib.import_module(f"requests_app.migrations.{name}")


def test_the_migration_moves_existing_notes_to_a_key_of_their_own(
    settings, client, active, mentee, mentor
):
    settings_key = Fernet(NEW_KEY)
    legacy = MentorNote.objects.create(
        partnership=active, ciphertext=settings_key.encrypt(b"Written before keys")
    )
    lost = MentorNote.objects.create(
        partnership=active, ciphertext=Fernet(Fernet.generate_key()).encrypt(b"?")
    )
    ended = make_partnership(
        MenteeFactory(), mentor, state=PartnershipState.COMPLETED, ended_at=moment(2, 1)
    )
    MentorNote.objects.create(partnership=ended, ciphertext=settings_key.encrypt(b"Left over"))

    migration().encrypt_notes_with_their_own_keys(apps, None)

    assert list(MentorNote.objects.values_list("pk", flat=True).order_by("pk")) == [
        legacy.pk,
        lost.pk,
    ]
    assert readable(select(MentorNote, "ciphertext"), settings_ciphers(settings)) == []
    client.force_login(mentor)
    page = client.get(reverse("requests:partnership_notes", args=[active.pk])).content.decode()
    assert "Written before keys" in page
    assert "This note cannot be read" in page

    migration().encrypt_notes_with_the_settings_key(apps, None)  # and back

    assert (
        settings_key.decrypt(bytes(MentorNote.objects.get(pk=legacy.pk).ciphertext))
        == b"Written before keys"
    )


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL storage setting")
def test_postgresql_vacuums_the_key_table_after_any_change():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reloptions FROM pg_class WHERE relname = %s", [NotesKey._meta.db_table]
        )
        (options,) = cursor.fetchone()

    assert sorted(options) == [
        "autovacuum_vacuum_scale_factor=0",
        "autovacuum_vacuum_threshold=0",
    ]
