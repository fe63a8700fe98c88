"""Personal data at rest: AES-256-GCM for names and numbers, HMAC-SHA256 for look-ups.

Token layout: ``version(1) | key_id(1) | nonce(12) | ciphertext+tag``. The key id lets a later key
rotation re-encrypt lazily; the look-up hash uses a sub-key derived with HKDF so it never equals a
plain hash of the phone number (which a dictionary of all mobile numbers would reverse).
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Iterable

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from dunning.core.errors import ConfigError

_VERSION = 1


def _derive(key: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(key)


class PersonalDataCipher:
    def __init__(self, key: bytes, key_id: int = 1) -> None:
        if len(key) != 32:
            raise ConfigError("data key must be 32 bytes", "数据密钥必须为 32 字节")
        self._aead = AESGCM(_derive(key, b"dunning/aes-gcm/v1"))
        self._lookup_key = _derive(key, b"dunning/lookup-hmac/v1")
        self.key_id = key_id

    def encrypt(self, plaintext: str, associated: bytes = b"") -> bytes:
        nonce = os.urandom(12)
        sealed = self._aead.encrypt(nonce, plaintext.encode("utf-8"), associated or None)
        return bytes((_VERSION, self.key_id)) + nonce + sealed

    def decrypt(self, token: bytes, associated: bytes = b"") -> str:
        if len(token) < 2 + 12 + 16 or token[0] != _VERSION:
            raise ConfigError("unreadable encrypted value", "无法解密的数据")
        nonce, sealed = token[2:14], token[14:]
        return self._aead.decrypt(nonce, sealed, associated or None).decode("utf-8")

    def encrypt_many(self, values: Iterable[str]) -> list[bytes]:
        return [self.encrypt(v) for v in values]

    def decrypt_many(self, tokens: Iterable[bytes]) -> list[str]:
        return [self.decrypt(t) for t in tokens]

    def lookup_hash(self, value: str) -> str:
        """Keyed hash of a normalised value (E.164 phone) for equality look-ups."""
        return hmac.new(self._lookup_key, value.encode("utf-8"), hashlib.sha256).hexdigest()
