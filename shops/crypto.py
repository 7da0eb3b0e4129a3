"""Secrets at rest: Fernet (AES-128-CBC + HMAC-SHA256) with the FIELD_ENCRYPTION_KEY keys.

The newest key encrypts; every listed key decrypts, so keys rotate without downtime: prepend a
new key, re-save the rows (`rotate`), then drop the old one.
"""

import json
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key) for key in keys])


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt_json(value) -> str:
    return fernet().encrypt(json.dumps(value, separators=(",", ":")).encode()).decode()


def decrypt_json(token: str):
    try:
        return json.loads(fernet().decrypt(token.encode()))
    except InvalidToken as exc:
        raise ValueError("Cannot decrypt: not encrypted with any FIELD_ENCRYPTION_KEY") from exc


class EncryptedJSONField(models.TextField):
    """A JSON value stored encrypted. The database (and its backups) only ever hold ciphertext;
    it is decrypted when read into Python."""

    def from_db_value(self, value, expression, connection):
        return None if value is None else decrypt_json(value)

    def to_python(self, value):
        if value is None or not isinstance(value, str):
            return value
        try:
            return decrypt_json(value)
        except ValueError:
            return value

    def get_prep_value(self, value):
        return None if value is None else encrypt_json(value)
