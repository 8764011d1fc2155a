"""Encryption of mentors' private notes: envelope encryption, so notes can be shredded.

Each partnership has a data key of its own: a random Fernet key (AES-128-CBC with
an HMAC), made when the mentor writes the first note. Its notes are encrypted with
that data key, never with the key from settings. The data key is stored only
wrapped (encrypted) by settings.NOTES_ENCRYPTION_KEY, in NotesKey.wrapped_key.

NOTES_ENCRYPTION_KEY is one Fernet key, or several separated by commas to rotate
keys: the first wraps new data keys, every one unwraps. `manage.py
rewrap_notes_keys` wraps every live data key again under the first key, after
which the old key can be removed from the setting. Only the small wrapped keys
change: the notes themselves are not re-encrypted. Without the setting, a key
derived from SECRET_KEY is used (development only; production must set one).

Ending a partnership deletes its notes and, in the same transaction, overwrites
its wrapped data key with NULL (requests_app.workflow.destroy_notes). What that
protects, precisely:

- A backup (or WAL archive) taken before the end holds the wrapped key and the
  notes: with the settings key, it can still read them. Backups are kept for a
  bounded period (README, "Backups"); after it, no such copy remains.
- A backup taken after the end holds neither the notes nor the data key, so
  nothing in it, combined with any key from settings, reads those notes.
- The deleted note rows may linger in PostgreSQL's dead tuples and in WAL until
  vacuum and WAL recycling remove them, and an older backup may hold them too:
  they are ciphertext under a data key that no longer exists, so they cannot be
  read once the key is overwritten. A note the mentor deletes while the
  partnership is open is gone from the tables, but a copy from before stays
  readable, like the others, until the partnership ends and its key goes.
- The key row's old version (with the wrapped key) may itself linger in dead
  tuples and WAL for a while, like any overwritten value. We keep that short and
  small: the key lives in its own table, written once when made and once when
  destroyed (a Partnership column would be copied into a new row version at
  every change of the partnership); PostgreSQL vacuums that table after any
  change (its migration sets the autovacuum thresholds), after which the space
  is reused by later rows, though the old bytes can sit in the data file until
  it is; WAL segments are recycled after each checkpoint unless archived. Until
  then, someone holding the raw data files or WAL and the settings key could
  unwrap it: keep the two apart (README, "Backups").
"""

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings

Token = bytes | memoryview


def development_key(secret_key: str) -> str:
    """A Fernet key derived from SECRET_KEY: for development only."""
    digest = hashlib.sha256(b"peer-mentoring-notes:" + secret_key.encode()).digest()
    return base64.urlsafe_b64encode(digest).decode()


def settings_keys() -> MultiFernet:
    """The key-encryption keys from settings: the first wraps, every one unwraps."""
    configured = getattr(settings, "NOTES_ENCRYPTION_KEY", None) or development_key(
        settings.SECRET_KEY
    )
    return MultiFernet([Fernet(key.strip()) for key in configured.split(",") if key.strip()])


def new_wrapped_key() -> bytes:
    """A new random data key, wrapped by the first settings key: what NotesKey stores."""
    return settings_keys().encrypt(Fernet.generate_key())


def unwrap(wrapped_key: Token | None) -> Fernet | None:
    """The data key as a cipher, or None when it is destroyed or no settings key reads it."""
    if wrapped_key is None:
        return None
    try:
        return Fernet(settings_keys().decrypt(bytes(wrapped_key)))
    except (InvalidToken, ValueError):
        return None


def rewrap(wrapped_key: Token) -> bytes:
    """The same data key wrapped again by the first settings key.

    Raises InvalidToken when no configured key can unwrap it.
    """
    return settings_keys().rotate(bytes(wrapped_key))


def encrypt(text: str, data_key: Fernet) -> bytes:
    return data_key.encrypt(text.encode())


def decrypt(token: Token, data_key: Fernet | None) -> str | None:
    """The note's text, or None when its data key is gone or cannot read it."""
    if data_key is None:
        return None
    try:
        return data_key.decrypt(bytes(token)).decode()
    except InvalidToken:
        return None
