"""Personal data at rest: AES-256-GCM for names and numbers, HMAC-SHA256 for look-ups, keys that rotate.

Token layout: ``version(1) | key_id(1) | nonce(12) | ciphertext+tag``. A :class:`Keyring` holds the
data keys by id (1..255) and which one is active: new tokens are sealed under the active key, a token
is opened with the key its id byte names, so after a rotation old and new tokens are both readable
until every row has been re-encrypted (``core.keyring.reencrypt_batch``) and the old key is dropped.

The look-up hash (``contacts.phone_hash`` …) uses a separate look-up key with its own version, never a
data key: adding or dropping a data key never changes a stored hash. It is keyed so it never equals a
plain hash of the phone number (which a dictionary of all mobile numbers would reverse).

A keyring made from a legacy single key (``Keyring.from_legacy_key``) is that key as data key 1 and, as
look-up key, the HKDF sub-key the single-key code derived from it, so every token and every hash
written before keyrings existed stays valid byte for byte.

No key material ever appears in a ``repr``, an error message or a log line.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import secrets
from collections.abc import Callable, Iterable, Mapping
from types import MappingProxyType
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from dunning.core.errors import ConfigError

_VERSION = 1
_HEADER = 2
_NONCE = 12
_TAG = 16
_AES_INFO = b"dunning/aes-gcm/v1"
_LOOKUP_INFO = b"dunning/lookup-hmac/v1"

KEY_BYTES = 32
MIN_KEY_ID = 1
MAX_KEY_ID = 255
#: The ``format`` number of :meth:`Keyring.to_json`; :meth:`Keyring.from_json` reads only this one.
KEYRING_FORMAT = 1


def _derive(key: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(key)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class Keyring:
    """Data keys by id, the active id, and the look-up key with its version. Immutable.

    Changes return a new keyring (:meth:`with_new_key`, :meth:`without_key`); persisting one is
    ``core.keyring.save_keyring``'s job.
    """

    __slots__ = ("_active", "_keys", "_lookup_key", "_lookup_version")

    _keys: Mapping[int, bytes]
    _active: int
    _lookup_key: bytes
    _lookup_version: int

    def __init__(
        self, keys: Mapping[int, bytes], active: int, lookup_key: bytes, lookup_version: int = 1
    ) -> None:
        if not keys:
            raise ConfigError("a keyring needs at least one data key", "密钥环至少需要一个数据密钥")
        checked: dict[int, bytes] = {}
        for key_id, material in sorted(keys.items()):
            if not _is_int(key_id) or not MIN_KEY_ID <= key_id <= MAX_KEY_ID:
                raise ConfigError(
                    f"data key ids must be integers from {MIN_KEY_ID} to {MAX_KEY_ID}, got {key_id!r}",
                    f"数据密钥编号必须是 {MIN_KEY_ID} 到 {MAX_KEY_ID} 的整数，实际为 {key_id!r}",
                )
            if not isinstance(material, bytes) or len(material) != KEY_BYTES:
                raise ConfigError(
                    f"data key {key_id} must be {KEY_BYTES} bytes",
                    f"数据密钥 {key_id} 必须为 {KEY_BYTES} 字节",
                )
            checked[key_id] = material
        if not _is_int(active) or active not in checked:
            raise ConfigError(
                f"the active key id {active!r} is not one of the keyring's keys {sorted(checked)}",
                f"当前密钥编号 {active!r} 不在密钥环的密钥 {sorted(checked)} 之中",
            )
        if not isinstance(lookup_key, bytes) or len(lookup_key) != KEY_BYTES:
            raise ConfigError(
                f"the look-up key must be {KEY_BYTES} bytes", f"查找密钥必须为 {KEY_BYTES} 字节"
            )
        if not _is_int(lookup_version) or lookup_version < 1:
            raise ConfigError(
                f"the look-up key version must be a positive integer, got {lookup_version!r}",
                f"查找密钥版本必须是正整数，实际为 {lookup_version!r}",
            )
        object.__setattr__(self, "_keys", MappingProxyType(checked))
        object.__setattr__(self, "_active", active)
        object.__setattr__(self, "_lookup_key", lookup_key)
        object.__setattr__(self, "_lookup_version", lookup_version)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Keyring is immutable")

    def __delattr__(self, name: str) -> None:
        raise AttributeError("Keyring is immutable")

    # -- constructors ------------------------------------------------------------------------------

    @classmethod
    def generate(cls) -> Keyring:
        """A new keyring: one random data key (id 1, active) and a random look-up key (version 1)."""
        return cls({1: secrets.token_bytes(KEY_BYTES)}, 1, secrets.token_bytes(KEY_BYTES), 1)

    @classmethod
    def from_legacy_key(cls, material: bytes) -> Keyring:
        """The keyring equivalent of a single pre-keyring key: same tokens, same look-up hashes."""
        if not isinstance(material, bytes) or len(material) != KEY_BYTES:
            raise ConfigError("data key must be 32 bytes", "数据密钥必须为 32 字节")
        return cls({1: material}, 1, _derive(material, _LOOKUP_INFO), 1)

    # -- reading -----------------------------------------------------------------------------------

    @property
    def active(self) -> int:
        return self._active

    @property
    def key_ids(self) -> tuple[int, ...]:
        return tuple(self._keys)

    @property
    def keys(self) -> Mapping[int, bytes]:
        """``{key_id: material}`` (read-only). Key material: never print or log it."""
        return self._keys

    @property
    def lookup_key(self) -> bytes:
        return self._lookup_key

    @property
    def lookup_version(self) -> int:
        return self._lookup_version

    def __contains__(self, key_id: object) -> bool:
        return key_id in self._keys

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Keyring):
            return NotImplemented
        return (
            dict(self._keys) == dict(other._keys)
            and self._active == other._active
            and hmac.compare_digest(self._lookup_key, other._lookup_key)
            and self._lookup_version == other._lookup_version
        )

    def __hash__(self) -> int:
        return hash((tuple(self._keys.items()), self._active, self._lookup_key, self._lookup_version))

    def __repr__(self) -> str:
        return (
            f"Keyring(keys={list(self._keys)}, active={self._active}, lookup_version={self._lookup_version})"
        )

    __str__ = __repr__

    def __reduce__(self) -> Any:
        # Pickling would copy key material around silently (multiprocessing, caches): refuse.
        raise TypeError("a Keyring is not picklable; pass its JSON through a secure channel instead")

    def __copy__(self) -> Keyring:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> Keyring:
        return self

    # -- changes -----------------------------------------------------------------------------------

    def with_new_key(self, *, activate: bool = True) -> Keyring:
        """A copy with a new random data key (id = largest id + 1), active unless ``activate=False``.

        ``activate=False`` is the first step of a staged rotation across several processes: every
        reader gets the new key before any writer seals under it (then :meth:`with_active`).
        """
        new_id = max(self._keys) + 1
        if new_id > MAX_KEY_ID:
            raise ConfigError(
                f"no data key id left: new keys take the next id and {MAX_KEY_ID} is the last one",
                f"数据密钥编号已用完：新密钥使用下一个编号，而 {MAX_KEY_ID} 是最后一个",
            )
        keys = dict(self._keys)
        keys[new_id] = secrets.token_bytes(KEY_BYTES)
        return Keyring(keys, new_id if activate else self._active, self._lookup_key, self._lookup_version)

    def with_active(self, key_id: int) -> Keyring:
        """A copy in which data key ``key_id`` (already held) is the active one."""
        if key_id not in self._keys:
            raise ConfigError(
                f"the keyring has no data key {key_id}", f"密钥环中没有编号为 {key_id} 的数据密钥"
            )
        return Keyring(self._keys, key_id, self._lookup_key, self._lookup_version)

    def without_key(self, key_id: int) -> Keyring:
        """A copy without data key ``key_id``. Refuses the active key and ids it does not hold.

        Tokens under a dropped key can never be read again: count them first
        (``core.keyring.count_by_key``) and re-encrypt them.
        """
        if key_id not in self._keys:
            raise ConfigError(
                f"the keyring has no data key {key_id}", f"密钥环中没有编号为 {key_id} 的数据密钥"
            )
        if key_id == self._active:
            raise ConfigError(
                f"data key {key_id} is the active key and cannot be removed",
                f"数据密钥 {key_id} 是当前使用的密钥，不能移除",
            )
        keys = {k: v for k, v in self._keys.items() if k != key_id}
        return Keyring(keys, self._active, self._lookup_key, self._lookup_version)

    # -- JSON --------------------------------------------------------------------------------------

    def to_json(self) -> str:
        """The keyring as JSON (format :data:`KEYRING_FORMAT`, values base64). This is the secret."""
        document = {
            "format": KEYRING_FORMAT,
            "active": self._active,
            "keys": {str(k): base64.b64encode(v).decode("ascii") for k, v in self._keys.items()},
            "lookup": {
                "version": self._lookup_version,
                "key": base64.b64encode(self._lookup_key).decode("ascii"),
            },
        }
        return json.dumps(document, indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Keyring:
        """Parse :meth:`to_json`'s output strictly; every problem is a bilingual ConfigError."""
        try:
            document = json.loads(text)
        except (ValueError, TypeError):
            # A JSON error's message quotes the document, i.e. key material: never chain or show it.
            raise ConfigError("the keyring is not valid JSON", "密钥环不是有效的 JSON") from None
        if not isinstance(document, dict):
            raise ConfigError("the keyring must be a JSON object", "密钥环必须是 JSON 对象")
        _only_fields(document, {"format", "active", "keys", "lookup"}, "keyring", "密钥环")
        fmt = document["format"]
        if not _is_int(fmt) or fmt != KEYRING_FORMAT:
            raise ConfigError(
                f"unsupported keyring format {_shown(fmt)} (this version reads format {KEYRING_FORMAT})",
                f"不支持的密钥环格式 {_shown(fmt)}（本版本只读取格式 {KEYRING_FORMAT}）",
            )
        raw_keys = document["keys"]
        if not isinstance(raw_keys, dict) or not raw_keys:
            raise ConfigError(
                "keyring field 'keys' must be a non-empty object of key id → base64 key",
                "密钥环字段 'keys' 必须是非空对象（密钥编号 → base64 密钥）",
            )
        keys: dict[int, bytes] = {}
        for name, value in raw_keys.items():
            if not (name.isascii() and name.isdigit() and str(int(name)) == name):
                raise ConfigError(
                    f"keyring key ids must be decimal integers, got {_shown(name)}",
                    f"密钥环中的密钥编号必须是十进制整数，实际为 {_shown(name)}",
                )
            key_id = int(name)
            if not MIN_KEY_ID <= key_id <= MAX_KEY_ID:
                raise ConfigError(
                    f"keyring key id {key_id} is out of range {MIN_KEY_ID}..{MAX_KEY_ID}",
                    f"密钥环中的密钥编号 {key_id} 超出范围 {MIN_KEY_ID}..{MAX_KEY_ID}",
                )
            keys[key_id] = _key_material(value, f"data key {key_id}", f"第 {key_id} 号数据密钥")
        active = document["active"]
        if not _is_int(active) or active not in keys:
            raise ConfigError(
                f"keyring field 'active' must be the id of one of its keys {sorted(keys)}",
                f"密钥环字段 'active' 必须是其中一个密钥的编号 {sorted(keys)}",
            )
        lookup = document["lookup"]
        if not isinstance(lookup, dict):
            raise ConfigError(
                "keyring field 'lookup' must be an object with 'version' and 'key'",
                "密钥环字段 'lookup' 必须是包含 'version' 和 'key' 的对象",
            )
        _only_fields(lookup, {"version", "key"}, "keyring field 'lookup'", "密钥环字段 'lookup'")
        version = lookup["version"]
        if not _is_int(version) or version < 1:
            raise ConfigError(
                "the look-up key version must be a positive integer", "查找密钥版本必须是正整数"
            )
        lookup_key = _key_material(lookup["key"], "the look-up key", "查找密钥")
        return cls(keys, active, lookup_key, version)


def _only_fields(document: dict[str, Any], expected: set[str], en: str, zh: str) -> None:
    missing = sorted(expected - document.keys())
    if missing:
        raise ConfigError(f"{en} lacks {', '.join(missing)}", f"{zh}缺少字段 {', '.join(missing)}")
    unknown = sorted(document.keys() - expected)
    if unknown:
        names = ", ".join(_shown(u) for u in unknown)
        raise ConfigError(f"{en} has unknown fields {names}", f"{zh}含有未知字段 {names}")


def _shown(value: object) -> str:
    """A short, safe rendering of a bad scalar for an error message (never a long or nested value)."""
    if _is_int(value) or isinstance(value, bool) or value is None:
        return json.dumps(value)
    if isinstance(value, str) and len(value) <= 16 and value.isprintable():
        return json.dumps(value, ensure_ascii=False)
    return f"<{type(value).__name__}>"


def _key_material(value: object, en: str, zh: str) -> bytes:
    """Strict base64 → exactly 32 bytes. The value itself is never quoted in the error."""
    if not isinstance(value, str):
        raise ConfigError(f"{en} must be a base64 string", f"{zh}必须是 base64 字符串")
    try:
        material = base64.b64decode(value.encode("ascii"), validate=True)
    except (ValueError, binascii.Error, UnicodeEncodeError):
        raise ConfigError(f"{en} is not valid base64", f"{zh}不是有效的 base64") from None
    if len(material) != KEY_BYTES:
        raise ConfigError(
            f"{en} must be {KEY_BYTES} bytes (base64), got {len(material)}",
            f"{zh}必须为 {KEY_BYTES} 字节（base64），实际为 {len(material)} 字节",
        )
    return material


class PersonalDataCipher:
    """Encrypt under the keyring's active key, decrypt under the key a token names, hash for look-ups.

    ``PersonalDataCipher(b"k" * 32)``, a single legacy key, means
    ``PersonalDataCipher(Keyring.from_legacy_key(b"k" * 32))``.
    """

    def __init__(
        self, keyring_or_key: Keyring | bytes, *, refresh: Callable[[], Keyring] | None = None
    ) -> None:
        keyring = (
            keyring_or_key if isinstance(keyring_or_key, Keyring) else Keyring.from_legacy_key(keyring_or_key)
        )
        # A long-running process (a worker) meets tokens sealed under a key added after it started,
        # while a rotation re-encrypts: ``refresh`` reads the keyring again, once per unknown key id.
        self._refresh = refresh
        self._adopt(keyring)

    def _adopt(self, keyring: Keyring) -> None:
        self._keyring = keyring
        self._aeads = {k: AESGCM(_derive(m, _AES_INFO)) for k, m in keyring.keys.items()}
        self._active = keyring.active
        self._active_aead = self._aeads[keyring.active]
        self._header = bytes((_VERSION, keyring.active))
        self._lookup_key = keyring.lookup_key

    def __repr__(self) -> str:
        return f"PersonalDataCipher({self._keyring!r})"

    @property
    def keyring(self) -> Keyring:
        return self._keyring

    @property
    def active_key_id(self) -> int:
        return self._active

    def encrypt(self, plaintext: str, associated: bytes = b"") -> bytes:
        nonce = os.urandom(_NONCE)
        sealed = self._active_aead.encrypt(nonce, plaintext.encode("utf-8"), associated or None)
        return self._header + nonce + sealed

    def key_id_of(self, token: bytes) -> int:
        """The id of the data key ``token`` was sealed under (checked for layout, not decrypted)."""
        if len(token) < _HEADER + _NONCE + _TAG or token[0] != _VERSION:
            raise ConfigError("unreadable encrypted value", "无法解密的数据")
        return token[1]

    def decrypt(self, token: bytes, associated: bytes = b"") -> str:
        """Open ``token`` with the key its id names. A wrong key or altered token raises ``InvalidTag``."""
        key_id = self.key_id_of(token)
        aead = self._aeads.get(key_id)
        if aead is None and self._refresh is not None:
            fresh = self._refresh()
            if key_id in fresh.key_ids and fresh.lookup_key == self._lookup_key:
                self._adopt(fresh)  # seals under the new active key from now on, as the others do
                aead = self._aeads[key_id]
        if aead is None:
            raise ConfigError(
                f"encrypted value is under data key {key_id}, which is not in the keyring "
                f"(it holds {list(self._keyring.key_ids)})",
                f"加密数据使用的数据密钥 {key_id} 不在密钥环中（密钥环含 {list(self._keyring.key_ids)}）",
            )
        return aead.decrypt(
            token[_HEADER : _HEADER + _NONCE], token[_HEADER + _NONCE :], associated or None
        ).decode("utf-8")

    def reencrypt(self, token: bytes, associated: bytes = b"") -> bytes | None:
        """``token`` sealed again under the active key, or None when it already is."""
        if self.key_id_of(token) == self._active:
            return None
        return self.encrypt(self.decrypt(token, associated), associated)

    def encrypt_many(self, values: Iterable[str]) -> list[bytes]:
        return [self.encrypt(v) for v in values]

    def decrypt_many(self, tokens: Iterable[bytes]) -> list[str]:
        return [self.decrypt(t) for t in tokens]

    def lookup_hash(self, value: str) -> str:
        """Keyed hash of a normalised value (E.164 phone) for equality look-ups; independent of data keys."""
        return hmac.new(self._lookup_key, value.encode("utf-8"), hashlib.sha256).hexdigest()
