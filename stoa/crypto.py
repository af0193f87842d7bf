"""Encryption of secrets at rest (channel credentials).

STOA_ENCRYPTION_KEY may list several comma-separated keys: the first encrypts, all decrypt,
so a key can be rotated without losing what was stored under the old one.
"""

import base64
import hashlib
import json
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


class SecretUnreadable(Exception):
    """Stored secrets cannot be decrypted (the encryption key changed)."""


def _fernet_key(material: str) -> bytes:
    return base64.urlsafe_b64encode(hashlib.sha256(b"stoa-credentials:" + material.encode()).digest())


@cache
def _fernet() -> MultiFernet:
    configured = settings.STOA_ENCRYPTION_KEY
    materials = configured.split(",") if configured else [settings.SECRET_KEY]
    return MultiFernet([Fernet(_fernet_key(m.strip())) for m in materials])


def encrypt_json(value: dict) -> str:
    return _fernet().encrypt(json.dumps(value).encode()).decode()


def decrypt_json(token: str) -> dict:
    if not token:
        return {}
    try:
        return json.loads(_fernet().decrypt(token.encode()))
    except InvalidToken as e:
        raise SecretUnreadable("Stored credentials cannot be decrypted: was STOA_ENCRYPTION_KEY changed?") from e
