"""Keyring and PersonalDataCipher: legacy compatibility, rotation, JSON, no key material shown."""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
import os
import pickle

import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from dunning.core.crypto import KEYRING_FORMAT, Keyring, PersonalDataCipher
from dunning.core.errors import ConfigError

LEGACY = b"k" * 32
PHONE = "+8613800138000"
# Made by the single-key PersonalDataCipher before keyrings (commit 8aea12c) for LEGACY.
GOLDEN_TOKEN = bytes.fromhex("01014ad18dd7d3e5a9986011b2c0826bdc5e13e593f59b0cd6c4cfdeea3f43c0dbd66800")
GOLDEN_HASH = "234ae672aaafdabf0f18def4db72a9f9b703143b8aededbfc5742e9853dbf0d3"


def _old_sub_key(key: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(key)


def _old_encrypt(key: bytes, plaintext: str) -> bytes:
    """The pre-keyring formula: key id 1, AES key = HKDF(key, 'dunning/aes-gcm/v1')."""
    nonce = os.urandom(12)
    sealed = AESGCM(_old_sub_key(key, b"dunning/aes-gcm/v1")).encrypt(nonce, plaintext.encode(), None)
    return bytes((1, 1)) + nonce + sealed


def _old_hash(key: bytes, value: str) -> str:
    sub = _old_sub_key(key, b"dunning/lookup-hmac/v1")
    return hmac.new(sub, value.encode(), hashlib.sha256).hexdigest()


def _secrets_of(keyring: Keyring) -> list[str]:
    """Every way key material could leak into text: base64, hex, repr of the bytes."""
    out = []
    for material in (*keyring.keys.values(), keyring.lookup_key):
        out += [base64.b64encode(material).decode(), material.hex(), repr(material)[2:-1]]
    return out


# -- legacy compatibility ------------------------------------------------------------------------------


@pytest.mark.parametrize("how", ["bytes", "keyring"])
def test_tokens_and_hashes_of_the_single_key_code_stay_valid(how: str) -> None:
    cipher = PersonalDataCipher(LEGACY if how == "bytes" else Keyring.from_legacy_key(LEGACY))
    assert cipher.decrypt(GOLDEN_TOKEN) == "张三"
    assert cipher.lookup_hash(PHONE) == GOLDEN_HASH
    fresh = _old_encrypt(LEGACY, "李四 Lee")
    assert cipher.decrypt(fresh) == "李四 Lee"
    assert cipher.lookup_hash("+12025550123") == _old_hash(LEGACY, "+12025550123")
    # ... and what the new code writes under a legacy key, the old code could read.
    token = cipher.encrypt("王五")
    assert token[:2] == b"\x01\x01"
    old_aead = AESGCM(_old_sub_key(LEGACY, b"dunning/aes-gcm/v1"))
    assert old_aead.decrypt(token[2:14], token[14:], None).decode() == "王五"


def test_legacy_keyring_is_key_1_with_the_derived_lookup_key() -> None:
    keyring = Keyring.from_legacy_key(LEGACY)
    assert keyring.key_ids == (1,) and keyring.active == 1 and keyring.lookup_version == 1
    assert keyring.keys[1] == LEGACY
    assert keyring.lookup_key == _old_sub_key(LEGACY, b"dunning/lookup-hmac/v1")
    assert Keyring.from_legacy_key(LEGACY) == keyring
    with pytest.raises(ConfigError, match="32 bytes"):
        PersonalDataCipher(b"short")


# -- rotation -------------------------------------------------------------------------------------------


def test_rotation_round_trip_keeps_old_tokens_and_every_hash() -> None:
    first = Keyring.from_legacy_key(LEGACY)
    second = first.with_new_key()
    assert second.key_ids == (1, 2) and second.active == 2 and first.key_ids == (1,)
    assert second.keys[1] == LEGACY and len(second.keys[2]) == 32 and second.keys[2] != LEGACY
    assert second.lookup_key == first.lookup_key

    old, new = PersonalDataCipher(first), PersonalDataCipher(second)
    old_token = old.encrypt("张三")
    new_token = new.encrypt("张三")
    assert new.active_key_id == 2 and new.key_id_of(new_token) == 2 and new.key_id_of(old_token) == 1
    assert new.decrypt(old_token) == new.decrypt(new_token) == "张三"
    assert new.lookup_hash(PHONE) == old.lookup_hash(PHONE) == GOLDEN_HASH

    moved = new.reencrypt(old_token)
    assert moved is not None and new.key_id_of(moved) == 2 and new.decrypt(moved) == "张三"
    assert new.reencrypt(new_token) is None and new.reencrypt(moved) is None

    # Once everything is under key 2, key 1 can go; hashes still do not move.
    third = second.without_key(1)
    final = PersonalDataCipher(third)
    assert third.key_ids == (2,) and final.decrypt(moved) == "张三"
    assert final.lookup_hash(PHONE) == GOLDEN_HASH
    assert final.decrypt_many(final.encrypt_many(["a", "b"])) == ["a", "b"]
    with pytest.raises(ConfigError) as excinfo:
        final.decrypt(old_token)
    assert "1" in excinfo.value.en and "1" in excinfo.value.zh and excinfo.value.zh != excinfo.value.en


def test_staged_rotation_adds_before_it_activates() -> None:
    keyring = Keyring.generate().with_new_key(activate=False)
    assert keyring.key_ids == (1, 2) and keyring.active == 1
    assert keyring.with_active(2).active == 2
    with pytest.raises(ConfigError, match="no data key 9"):
        keyring.with_active(9)


def test_unknown_key_id_names_the_id_and_is_bilingual() -> None:
    token = PersonalDataCipher(Keyring.generate().with_new_key().with_new_key()).encrypt("x")
    assert token[1] == 3
    with pytest.raises(ConfigError) as excinfo:
        PersonalDataCipher(LEGACY).decrypt(token)
    assert "data key 3" in excinfo.value.en and "数据密钥 3" in excinfo.value.zh


def test_a_wrong_key_with_the_same_id_still_fails_authentication() -> None:
    token = PersonalDataCipher(Keyring.generate()).encrypt("x")
    with pytest.raises(InvalidTag):
        PersonalDataCipher(Keyring.generate()).decrypt(token)


def test_unreadable_tokens() -> None:
    cipher = PersonalDataCipher(LEGACY)
    for bad in (b"", b"\x01\x01", b"\x02" + GOLDEN_TOKEN[1:]):
        with pytest.raises(ConfigError, match="unreadable"):
            cipher.decrypt(bad)
        with pytest.raises(ConfigError, match="unreadable"):
            cipher.key_id_of(bad)


def test_dropping_and_running_out_of_keys() -> None:
    keyring = Keyring.generate().with_new_key()
    with pytest.raises(ConfigError, match="active key") as excinfo:
        keyring.without_key(2)
    assert "当前使用" in excinfo.value.zh
    with pytest.raises(ConfigError, match="no data key 7"):
        keyring.without_key(7)
    last = Keyring({255: os.urandom(32)}, 255, os.urandom(32))
    with pytest.raises(ConfigError, match="no data key id left"):
        last.with_new_key()


def test_new_keyrings_are_random() -> None:
    a, b = Keyring.generate(), Keyring.generate()
    assert a.keys[1] != b.keys[1] and a.lookup_key != b.lookup_key and a.lookup_key != a.keys[1]
    assert a != b and a == Keyring.from_json(a.to_json()) and hash(a) == hash(Keyring.from_json(a.to_json()))


@pytest.mark.parametrize(
    ("keys", "active", "lookup", "version", "message"),
    [
        ({}, 1, b"l" * 32, 1, "at least one"),
        ({0: b"k" * 32}, 0, b"l" * 32, 1, "1 to 255"),
        ({256: b"k" * 32}, 256, b"l" * 32, 1, "1 to 255"),
        ({1: b"k" * 31}, 1, b"l" * 32, 1, "32 bytes"),
        ({1: b"k" * 32}, 2, b"l" * 32, 1, "active key id 2"),
        ({1: b"k" * 32}, 1, b"l" * 16, 1, "look-up key must be 32"),
        ({1: b"k" * 32}, 1, b"l" * 32, 0, "positive integer"),
    ],
)
def test_constructor_validation(
    keys: dict[int, bytes], active: int, lookup: bytes, version: int, message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        Keyring(keys, active, lookup, version)


def test_keyring_is_immutable_and_never_shows_key_material() -> None:
    keyring = Keyring.generate().with_new_key()
    with pytest.raises(AttributeError):
        keyring.active = 1  # type: ignore[misc]
    with pytest.raises(TypeError):
        keyring.keys[3] = b"x" * 32  # type: ignore[index]
    shown = repr(keyring) + str(keyring) + repr(PersonalDataCipher(keyring))
    assert shown.startswith("Keyring(keys=[1, 2], active=2, lookup_version=1)")
    assert not any(secret in shown for secret in _secrets_of(keyring))
    with pytest.raises(TypeError):
        pickle.dumps(keyring)
    assert copy.deepcopy(keyring) is keyring


# -- JSON -------------------------------------------------------------------------------------------


def test_json_round_trip_and_layout() -> None:
    keyring = Keyring.generate().with_new_key().with_new_key().without_key(2)
    text = keyring.to_json()
    document = json.loads(text)
    assert document["format"] == KEYRING_FORMAT == 1
    assert document["active"] == 3 and sorted(document["keys"]) == ["1", "3"]
    assert base64.b64decode(document["keys"]["3"]) == keyring.keys[3]
    assert document["lookup"] == {"version": 1, "key": base64.b64encode(keyring.lookup_key).decode()}
    assert Keyring.from_json(text) == keyring


def _document() -> dict[str, object]:
    return json.loads(Keyring.generate().with_new_key().to_json())  # type: ignore[no-any-return]


def _edit(path: str, value: object) -> str:
    document = _document()
    target: dict[str, object] = document
    *parents, last = path.split(".")
    for name in parents:
        target = target[name]  # type: ignore[assignment]
    if value is _DELETE:
        del target[last]
    else:
        target[last] = value
    return json.dumps(document)


_DELETE = object()
_B64_31 = base64.b64encode(b"x" * 31).decode()


@pytest.mark.parametrize(
    ("text", "en", "zh"),
    [
        ("not json {", "not valid JSON", "不是有效的 JSON"),
        ("[1, 2]", "must be a JSON object", "必须是 JSON 对象"),
        (_edit("format", 2), "unsupported keyring format 2", "不支持的密钥环格式 2"),
        (_edit("format", "1"), "unsupported keyring format", "不支持"),
        (_edit("format", True), "unsupported keyring format", "不支持"),
        (_edit("format", _DELETE), "lacks format", "缺少字段 format"),
        (_edit("extra", 1), 'unknown fields "extra"', "未知字段"),
        (_edit("keys", {}), "non-empty object", "非空对象"),
        (_edit("keys", ["a"]), "non-empty object", "非空对象"),
        (_edit("keys.01", _B64_31), "decimal integers", "十进制整数"),
        (_edit("keys.x", _B64_31), "decimal integers", "十进制整数"),
        (_edit("keys.0", _B64_31), "out of range", "超出范围"),
        (_edit("keys.256", _B64_31), "out of range", "超出范围"),
        (
            _edit("keys.1", "%%% not base64"),
            "data key 1 is not valid base64",
            "第 1 号数据密钥不是有效的 base64",
        ),
        (_edit("keys.2", _B64_31), "data key 2 must be 32 bytes", "实际为 31 字节"),
        (_edit("keys.2", 12), "data key 2 must be a base64 string", "base64 字符串"),
        (_edit("active", 5), "'active' must be the id", "'active'"),
        (_edit("active", "2"), "'active' must be the id", "'active'"),
        (_edit("lookup", "x"), "'lookup' must be an object", "'lookup'"),
        (_edit("lookup.version", 0), "positive integer", "正整数"),
        (_edit("lookup.version", 1.5), "positive integer", "正整数"),
        (_edit("lookup.key", _B64_31), "look-up key must be 32 bytes", "查找密钥必须为 32 字节"),
        (_edit("lookup.key", _DELETE), "lacks key", "缺少字段 key"),
        (_edit("lookup.salt", "x"), 'unknown fields "salt"', "未知字段"),
    ],
)
def test_json_validation_is_strict_bilingual_and_quotes_no_key(text: str, en: str, zh: str) -> None:
    with pytest.raises(ConfigError) as excinfo:
        Keyring.from_json(text)
    error = excinfo.value
    assert en in error.en and zh in error.zh
    assert error.__cause__ is None and (error.__context__ is None or error.__suppress_context__)
    for value in _long_strings(text):
        assert value not in error.en and value not in error.zh


def _long_strings(text: str) -> list[str]:
    """Every string in a JSON text long enough to be key material (base64 of 31 or 32 bytes)."""
    try:
        document = json.loads(text)
    except ValueError:
        return []
    found: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, str) and len(node) > 16:
            found.append(node)
        elif isinstance(node, dict):
            for item in node.values():
                walk(item)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(document)
    return found


def test_a_cipher_with_refresh_reads_a_rotated_keyring_once_it_meets_a_new_key() -> None:
    """A running worker started before a rotation opens tokens under the new key (and then seals
    under it too); without a source of truth it refuses clearly."""
    old = Keyring.generate()
    new = old.with_new_key()
    reads: list[int] = []

    def refresh() -> Keyring:
        reads.append(1)
        return new

    worker = PersonalDataCipher(old, refresh=refresh)
    token = PersonalDataCipher(new).encrypt("张三")
    assert worker.decrypt(token) == "张三" and reads == [1]
    assert worker.active_key_id == new.active and worker.key_id_of(worker.encrypt("x")) == new.active
    stranger = PersonalDataCipher(Keyring.generate().with_new_key().with_new_key()).encrypt("x")
    with pytest.raises(ConfigError):
        PersonalDataCipher(old).decrypt(stranger)
