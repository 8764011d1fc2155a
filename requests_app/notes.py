"""Encryption of mentors' private notes (Fernet: AES-128-CBC with an HMAC).

The key is settings.NOTES_ENCRYPTION_KEY: one Fernet key, or several separated by
commas to rotate keys (the first encrypts, every one decrypts). Without the
setting, a key derived from SECRET_KEY is used, the same one the settings module
derives for development; production must set its own key.
"""

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


def development_key(secret_key: str) -> str:
    """A Fernet key derived from SECRET_KEY: for development only."""
    digest = hashlib.sha256(b"peer-mentoring-notes:" + secret_key.encode()).digest()
    return base64.urlsafe_b64encode(digest).decode()


def _keys() -> MultiFernet:
    configured = getattr(settings, "NOTES_ENCRYPTION_KEY", None) or development_key(
        settings.SECRET_KEY
    )
    return MultiFernet([Fernet(key.strip()) for key in configured.split(",") if key.strip()])


def encrypt(text: str) -> bytes:
    return _keys().encrypt(text.encode())


def decrypt(token: bytes | memoryview) -> str | None:
    """The note's text, or None when no configured key can read it."""
    try:
        return _keys().decrypt(bytes(token)).decode()
    except InvalidToken:
        return None
