"""WeChat's signatures and its safe (AES) mode, as the Official Account documentation defines
them ("消息加解密", message encryption):

- `signature` = SHA-1 hex of the token, timestamp and nonce sorted and joined; in safe mode
  `msg_signature` covers the `Encrypt` value as a fourth item. Compared in constant time on
  bytes.
- The encrypted message is AES-256-CBC with key = base64(EncodingAESKey + "="), IV = the key's
  first 16 bytes, PKCS#7 padded to 32-byte blocks, over random(16) + length(4, big-endian) +
  message + AppID. The AppID at the end must be the account's: a message encrypted for
  another account is refused.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import struct

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

AES_KEY_CHARS = 43  # the EncodingAESKey: 43 characters of base64 (32 bytes once padded)
BLOCK_BITS = 256  # WeChat pads to 32 bytes, not AES's 16
RANDOM_BYTES = 16


class DecryptionFailed(ValueError):
    """The `Encrypt` value cannot be read with this account's key, or names another AppID."""


def signature(*parts: str) -> str:
    # SHA-1 is WeChat's choice, not ours: the platform signs this way.
    joined = "".join(sorted(parts)).encode("utf-8")
    return hashlib.sha1(joined, usedforsecurity=False).hexdigest()


def signature_matches(expected: str, given: str) -> bool:
    return hmac.compare_digest(expected.encode("utf-8"), given.encode("utf-8", "replace"))


def aes_key(encoding_aes_key: str) -> bytes:
    try:
        key = base64.b64decode(encoding_aes_key + "=", validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError("the EncodingAESKey is not base64") from exc
    if len(encoding_aes_key) != AES_KEY_CHARS or len(key) != 32:
        raise ValueError(f"the EncodingAESKey must be {AES_KEY_CHARS} characters")
    return key


def decrypt(encrypted: str, encoding_aes_key: str, app_id: str) -> bytes:
    """The message inside an `Encrypt` value, checked to be for `app_id`."""
    key = aes_key(encoding_aes_key)
    try:
        sealed = base64.b64decode(encrypted, validate=True)
    except (binascii.Error, ValueError):
        raise DecryptionFailed("Encrypt is not base64") from None
    if not sealed or len(sealed) % 16:
        raise DecryptionFailed("Encrypt is not a whole number of AES blocks")
    decryptor = Cipher(algorithms.AES(key), modes.CBC(key[:16])).decryptor()
    padded = decryptor.update(sealed) + decryptor.finalize()
    unpadder = padding.PKCS7(BLOCK_BITS).unpadder()
    try:
        plain = unpadder.update(padded) + unpadder.finalize()
    except ValueError:
        raise DecryptionFailed("bad padding: not this account's EncodingAESKey") from None
    if len(plain) < RANDOM_BYTES + 4:
        raise DecryptionFailed("too short")
    (length,) = struct.unpack(">I", plain[RANDOM_BYTES : RANDOM_BYTES + 4])
    message = plain[RANDOM_BYTES + 4 : RANDOM_BYTES + 4 + length]
    if len(message) != length:
        raise DecryptionFailed("the message length is wrong")
    sender_app = plain[RANDOM_BYTES + 4 + length :]
    if not hmac.compare_digest(sender_app, app_id.encode("utf-8")):
        raise DecryptionFailed("the message is for another AppID")
    return message
