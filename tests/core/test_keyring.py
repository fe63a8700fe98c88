"""Where the keyring lives: precedence, creation, legacy key files, atomic 0600 saves, env not writable."""

from __future__ import annotations

import base64
import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dunning.core.crypto import Keyring, PersonalDataCipher
from dunning.core.errors import ConfigError
from dunning.core.keyring import (
    KeyringOrigin,
    load_cipher,
    load_keyring,
    save_keyring,
    write_keyring_file,
)
from dunning.core.settings import Settings, reset_settings_cache

LEGACY = b"k" * 32
LEGACY_B64 = base64.b64encode(LEGACY).decode()
ENV = ("DUNNING_KEYRING", "DUNNING_KEYRING_FILE", "DUNNING_SECRET_KEY", "DUNNING_KEY_FILE")


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty working directory and no key settings in the environment."""
    monkeypatch.chdir(tmp_path)
    for name in ENV:
        monkeypatch.delenv(name, raising=False)
    yield tmp_path


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_no_keyring_is_a_bilingual_error(here: Path) -> None:
    with pytest.raises(ConfigError) as excinfo:
        load_keyring(Settings())
    assert "dunning init" in excinfo.value.en and "缺少密钥环" in excinfo.value.zh
    assert not (here / "dunning.keyring").exists()


def test_create_writes_a_private_keyring_file_once(here: Path) -> None:
    created = load_keyring(Settings(), create=True)
    path = here / "dunning.keyring"
    assert created.created and created.origin is KeyringOrigin.KEYRING_FILE and created.writable
    assert created.path == created.target == Path("dunning.keyring")
    assert _mode(path) == 0o600 and not created.legacy
    again = load_keyring(Settings(), create=True)
    assert not again.created and again.keyring == created.keyring
    assert Keyring.from_json(path.read_text()) == created.keyring
    assert [p.name for p in here.iterdir()] == ["dunning.keyring"]  # no temp file left


def test_create_keeps_a_keyring_another_process_wrote_first(here: Path) -> None:
    theirs = Keyring.generate()
    assert write_keyring_file(here / "dunning.keyring", theirs, exclusive=True)
    assert not write_keyring_file(here / "dunning.keyring", Keyring.generate(), exclusive=True)
    assert Keyring.from_json((here / "dunning.keyring").read_text()) == theirs
    assert [p.name for p in here.iterdir()] == ["dunning.keyring"]


def test_precedence_env_keyring_then_file_then_env_key_then_key_file(
    here: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from_env, from_file = Keyring.generate(), Keyring.generate()
    other_legacy = b"o" * 32
    (here / "dunning.key").write_text(base64.b64encode(other_legacy).decode() + "\n")
    write_keyring_file(here / "dunning.keyring", from_file)
    monkeypatch.setenv("DUNNING_SECRET_KEY", LEGACY_B64)
    monkeypatch.setenv("DUNNING_KEYRING", from_env.to_json())

    source = load_keyring(Settings(), create=True)
    assert source.origin is KeyringOrigin.ENV_KEYRING and source.keyring == from_env
    assert source.path is None and not source.writable and not source.created
    monkeypatch.delenv("DUNNING_KEYRING")
    source = load_keyring(Settings())
    assert source.origin is KeyringOrigin.KEYRING_FILE and source.keyring == from_file
    (here / "dunning.keyring").unlink()
    source = load_keyring(Settings(), create=True)
    assert source.origin is KeyringOrigin.ENV_SECRET_KEY and source.legacy and not source.writable
    assert source.keyring == Keyring.from_legacy_key(LEGACY)
    monkeypatch.delenv("DUNNING_SECRET_KEY")
    source = load_keyring(Settings(), create=True)
    assert source.origin is KeyringOrigin.KEY_FILE and source.path == Path("dunning.key")
    assert source.keyring == Keyring.from_legacy_key(other_legacy) and source.writable
    assert not (here / "dunning.keyring").exists()  # a legacy key file is a keyring: nothing created


def test_keyring_file_and_key_file_settings_move_the_files(
    here: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (here / "secrets").mkdir()
    monkeypatch.setenv("DUNNING_KEYRING_FILE", str(here / "secrets" / "ring.json"))
    source = load_keyring(Settings(), create=True)
    assert source.created and (here / "secrets" / "ring.json").exists()
    assert _mode(here / "secrets" / "ring.json") == 0o600


def test_legacy_key_file_is_saved_as_a_keyring_file_and_then_no_longer_read(here: Path) -> None:
    (here / "dunning.key").write_text(LEGACY_B64 + "\n")
    legacy = load_keyring(Settings())
    old_cipher = PersonalDataCipher(legacy.keyring)
    old_token = old_cipher.encrypt("张三")

    saved = save_keyring(legacy, legacy.keyring.with_new_key())
    assert saved.origin is KeyringOrigin.KEYRING_FILE and saved.path == Path("dunning.keyring")
    assert (here / "dunning.key").read_text() == LEGACY_B64 + "\n"  # left in place, untouched
    assert _mode(here / "dunning.keyring") == 0o600

    reloaded = load_keyring(Settings())
    assert reloaded.origin is KeyringOrigin.KEYRING_FILE and reloaded.keyring == saved.keyring
    assert reloaded.keyring.active == 2 and reloaded.keyring.keys[1] == LEGACY
    cipher = load_cipher(Settings())
    assert cipher.decrypt(old_token) == "张三" and cipher.key_id_of(cipher.encrypt("x")) == 2
    assert cipher.lookup_hash("+8613800138000") == old_cipher.lookup_hash("+8613800138000")
    # A second save from the stale legacy source would silently fork the keyring: refused.
    with pytest.raises(ConfigError, match="changed since it was read"):
        save_keyring(legacy, legacy.keyring.with_new_key())


def test_save_is_atomic_private_and_detects_a_concurrent_change(
    here: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = load_keyring(Settings(), create=True)
    path = here / "dunning.keyring"
    os.chmod(path, 0o644)  # even a loosened file comes back private
    rotated = save_keyring(source, source.keyring.with_new_key())
    assert _mode(path) == 0o600 and Keyring.from_json(path.read_text()) == rotated.keyring

    # A crash before the rename leaves the old file whole and no temp file behind.
    def boom(*_args: object) -> None:
        raise OSError(28, "No space left on device")

    before = path.read_bytes()
    with monkeypatch.context() as patch, pytest.raises(ConfigError) as excinfo:
        patch.setattr(os, "replace", boom)
        save_keyring(rotated, rotated.keyring.with_new_key())
    assert "No space left" in excinfo.value.en and "无法写入密钥环文件" in excinfo.value.zh
    assert path.read_bytes() == before and [p.name for p in here.iterdir()] == ["dunning.keyring"]

    # Two operators rotating from the same read: the second is refused, not lost.
    save_keyring(rotated, rotated.keyring.with_new_key())
    with pytest.raises(ConfigError, match="changed since it was read") as stale:
        save_keyring(rotated, rotated.keyring.with_new_key())
    assert "已被修改" in stale.value.zh


@pytest.mark.parametrize("variable", ["DUNNING_KEYRING", "DUNNING_SECRET_KEY"])
def test_a_keyring_from_the_environment_is_never_written(
    here: Path, monkeypatch: pytest.MonkeyPatch, variable: str
) -> None:
    value = Keyring.generate().to_json() if variable == "DUNNING_KEYRING" else LEGACY_B64
    monkeypatch.setenv(variable, value)
    source = load_keyring(Settings())
    with pytest.raises(ConfigError) as excinfo:
        save_keyring(source, source.keyring.with_new_key())
    assert variable in excinfo.value.en and "secret store" in excinfo.value.en
    assert "密钥管理系统" in excinfo.value.zh
    assert list(here.iterdir()) == []


def test_bad_sources_are_clear_errors_without_key_material(
    here: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    keyring = Keyring.generate()
    broken = keyring.to_json().replace('"format": 1', '"format": 9')
    (here / "dunning.keyring").write_text(broken)
    with pytest.raises(ConfigError) as excinfo:
        load_keyring(Settings())
    assert "keyring file dunning.keyring" in excinfo.value.en and "format 9" in excinfo.value.en
    assert "密钥环文件 dunning.keyring" in excinfo.value.zh
    secret = base64.b64encode(keyring.keys[1]).decode()
    assert secret not in excinfo.value.en + excinfo.value.zh

    monkeypatch.setenv("DUNNING_KEYRING", secret)  # a bare key where the JSON belongs
    with pytest.raises(ConfigError) as excinfo:
        load_keyring(Settings())
    assert excinfo.value.en == "DUNNING_KEYRING: the keyring is not valid JSON"
    monkeypatch.delenv("DUNNING_KEYRING")

    (here / "dunning.keyring").unlink()
    monkeypatch.setenv("DUNNING_SECRET_KEY", "a2V5")
    with pytest.raises(ConfigError, match="DUNNING_SECRET_KEY: the data key must be 32 bytes"):
        load_keyring(Settings())
    monkeypatch.delenv("DUNNING_SECRET_KEY")
    (here / "dunning.key").write_text("not base64!\n")
    with pytest.raises(ConfigError, match=r"key file dunning\.key: the data key is not valid base64"):
        load_keyring(Settings())


def test_redacted_hides_the_keyring(here: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    keyring = Keyring.generate()
    monkeypatch.setenv("DUNNING_KEYRING", keyring.to_json())
    settings = Settings()
    shown = settings.redacted()
    assert shown["keyring"] == "***" and shown["keyring_file"] == "dunning.keyring"
    assert base64.b64encode(keyring.keys[1]).decode() not in str(shown) + repr(settings)


def test_init_creates_the_keyring_when_none_exists(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from dunning.cli.main import app

    for name in ENV:
        monkeypatch.delenv(name, raising=False)
    reset_settings_cache()
    runner = CliRunner()
    first = runner.invoke(app, ["init"])
    assert first.exit_code == 0, first.output
    assert "Created keyring" in first.output and _mode(workdir / "dunning.keyring") == 0o600
    ring = (workdir / "dunning.keyring").read_text()
    second = runner.invoke(app, ["init"])
    assert second.exit_code == 0 and "Created keyring" not in second.output
    assert (workdir / "dunning.keyring").read_text() == ring
