"""Secrets at rest: provider auth tokens are stored Fernet-encrypted, never in the clear.

The key comes from `TELEPHONY_ENCRYPTION_KEY` (a Fernet key) when set, else it is derived from
SECRET_KEY, so rotating SECRET_KEY without setting the dedicated key makes stored tokens unreadable
(they then have to be entered again in the admin).
"""

import base64
import hashlib
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings

PREFIX = "fernet:"


def _key() -> bytes:
    key = getattr(settings, "TELEPHONY_ENCRYPTION_KEY", "")
    if not key:
        digest = hashlib.sha256(b"callpool.telephony.secrets:" + settings.SECRET_KEY.encode()).digest()
        key = base64.urlsafe_b64encode(digest).decode()
    return key.encode() if isinstance(key, str) else key


def _fernet() -> Fernet:
    return Fernet(_key())


def encryption_key_problem(key) -> str | None:
    """Why a TELEPHONY_ENCRYPTION_KEY value can't be used (None when it can, or when it is empty: derived)."""
    if not key:
        return None
    try:
        Fernet(key.encode() if isinstance(key, str) else key)
    except (ValueError, TypeError):
        return "it must be a Fernet key: 32 url-safe base64-encoded bytes (44 characters)"
    return None


def encrypt_secret(plain: str) -> str:
    if not plain:
        return ""
    return PREFIX + _fernet().encrypt(plain.encode()).decode()


def decrypt_secret(stored: str) -> str:
    """'' for an empty or unreadable value (wrong key): callers treat it as "no credentials"."""
    if not stored:
        return ""
    if not stored.startswith(PREFIX):
        return stored  # written before encryption existed; the migration encrypts these
    return _decrypted(stored, _key())


@lru_cache(maxsize=1024)
def _decrypted(stored: str, key) -> str:
    """Every webhook decrypts its account's keys to check its signature: once per process, keyed by the stored
    ciphertext (a changed secret is a new ciphertext) and the encryption key (a rotated key decrypts anew)."""
    try:
        return Fernet(key).decrypt(stored[len(PREFIX):].encode()).decode()
    except InvalidToken:
        return ""


def is_encrypted(stored: str) -> bool:
    return stored.startswith(PREFIX)


def mask_secret(plain: str) -> str:
    """Only the last four characters are ever shown back."""
    if not plain:
        return ""
    return "•" * 8 + plain[-4:]
