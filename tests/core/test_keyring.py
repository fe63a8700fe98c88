"""Where the keyring lives: precedence, creation, legacy key files, atomic 0600 saves, env not writable."""

from __future__ import annotations

import base64
import os
import stat
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import cast

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from typer.testing import CliRunner

from dunning.core.crypto import Keyring, PersonalDataCipher
from dunning.core.db import unit_of_work
from dunning.core.errors import ConfigError
from dunning.core.keyring import (
    KeyringOrigin,
    count_by_key,
    load_cipher,
    load_keyring,
    reencrypt_batch,
    save_keyring,
    write_keyring_file,
)
from dunning.core.settings import Settings, reset_settings_cache
from dunning.portfolio.models import Contact, Debtor
from dunning.portfolio.synthetic import populate_synthetic

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


# -- re-encryption in batches --------------------------------------------------------------------------


def _debtor_rows(tokens: list[bytes]) -> list[dict[str, object]]:
    now = datetime(2026, 11, 28, tzinfo=UTC)
    return [
        {
            "id": i,
            "external_id": f"D{i}",
            "name_enc": token,
            "name_masked": "张*",
            "time_zones": "Asia/Shanghai",
            "created_at": now,
            "updated_at": now,
        }
        for i, token in enumerate(tokens, start=1)
    ]


def _pass(
    engine: Engine, table: sa.Table, columns: list[str], cipher: PersonalDataCipher, limit: int
) -> tuple[int, int]:
    """Batches (one transaction each) until none is left: (batches, rows changed)."""
    after, batches, changed = 0, 0, 0
    while True:
        with unit_of_work(engine) as conn:
            last, rows = reencrypt_batch(conn, table, "id", columns, cipher, after_id=after, limit=limit)
        if last is None:
            return batches, changed
        after, batches, changed = last, batches + 1, changed + rows


def test_reencrypt_batch_handles_nullable_and_several_token_columns(engine: Engine) -> None:
    old = PersonalDataCipher(LEGACY)
    new = PersonalDataCipher(old.keyring.with_new_key())
    table = sa.Table(
        f"kr_test_{uuid.uuid4().hex[:8]}",
        sa.MetaData(),
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("a", sa.LargeBinary, nullable=True),
        sa.Column("b", sa.LargeBinary, nullable=True),
    )
    table.create(engine)
    try:
        rows = [
            (old.encrypt("a1"), None),  # 1: stale, NULL beside it
            (None, old.encrypt("b2")),  # 2: NULL, then stale
            (new.encrypt("a3"), old.encrypt("b3")),  # 3: half done
            (new.encrypt("a4"), new.encrypt("b4")),  # 4: done
            (None, None),  # 5: nothing to do
            (old.encrypt("a6"), old.encrypt("b6")),  # 6: both stale
        ]
        with unit_of_work(engine) as conn:
            conn.execute(sa.insert(table), [{"id": i, "a": a, "b": b} for i, (a, b) in enumerate(rows, 1)])
            assert count_by_key(conn, table, ["a", "b"]) == {1: 4, 2: 2}
            assert count_by_key(conn, table, ["a"]) == {1: 2, 2: 2}
            # Nothing to do after the last stale row; each batch returns the last id it read.
            assert reencrypt_batch(conn, table, "id", ["a", "b"], new, after_id=6, limit=10) == (None, 0)
            assert reencrypt_batch(conn, table, "id", ["a", "b"], new, after_id=0, limit=2) == (2, 2)
            assert reencrypt_batch(conn, table, "id", ["a", "b"], new, after_id=2, limit=2) == (6, 2)
            assert reencrypt_batch(conn, table, "id", ["a", "b"], new, after_id=6, limit=2) == (None, 0)
            assert count_by_key(conn, table, ["a", "b"]) == {2: 5}
            stored = conn.execute(sa.select(table).order_by(table.c.id)).all()
        for (_id, a, b), (old_a, old_b) in zip(stored, rows, strict=True):
            assert (a is None) == (old_a is None) and (b is None) == (old_b is None)
            for token, before in ((a, old_a), (b, old_b)):
                if token is not None:
                    assert new.key_id_of(bytes(token)) == 2
                    assert new.decrypt(bytes(token)) == new.decrypt(before)  # type: ignore[arg-type]
        # A row already under the active key is not rewritten (same token, same nonce).
        assert bytes(stored[3][1]) == rows[3][0] and bytes(stored[2][1]) == rows[2][0]
    finally:
        table.drop(engine)


class _InterferingCipher(PersonalDataCipher):
    """Runs ``hook`` once, after the batch has read its rows and before it writes them back."""

    hook: Callable[[], None] | None = None

    def reencrypt(self, token: bytes, associated: bytes = b"") -> bytes | None:
        hook, self.hook = self.hook, None
        if hook is not None:
            hook()
        return super().reencrypt(token, associated)


def test_a_row_changed_between_read_and_write_is_not_overwritten(engine: Engine) -> None:
    old = PersonalDataCipher(LEGACY)
    new = _InterferingCipher(old.keyring.with_new_key())
    table = cast(sa.Table, Debtor.__table__)
    with unit_of_work(engine) as conn:
        conn.execute(sa.insert(table), _debtor_rows([old.encrypt(f"债务人{i}") for i in range(1, 11)]))

    def concurrent_writer() -> None:
        # Another process (still on the old keyring) renames debtor 3 and commits.
        with engine.begin() as other:
            other.execute(sa.update(table).where(table.c.id == 3).values(name_enc=old.encrypt("改名")))

    new.hook = concurrent_writer
    with unit_of_work(engine) as conn:
        assert reencrypt_batch(conn, table, "id", ["name_enc"], new, after_id=0, limit=100) == (10, 9)
    with engine.connect() as conn:
        names = dict(conn.execute(sa.select(table.c.id, table.c.name_enc)).all())
        assert count_by_key(conn, table, ["name_enc"]) == {1: 1, 2: 9}
    assert new.decrypt(names[3]) == "改名" and new.key_id_of(names[3]) == 1  # theirs, kept
    # The next pass picks it up.
    assert _pass(engine, table, ["name_enc"], new, 100) == (1, 1)
    with engine.connect() as conn:
        names = dict(conn.execute(sa.select(table.c.id, table.c.name_enc)).all())
    assert new.decrypt(names[3]) == "改名" and {new.key_id_of(t) for t in names.values()} == {2}
    assert [new.decrypt(names[i]) for i in (1, 2, 4)] == ["债务人1", "债务人2", "债务人4"]


@pytest.mark.slow
def test_reencrypt_100k_debtors_and_their_contacts(engine: Engine, cipher: PersonalDataCipher) -> None:
    """The legacy-key portfolio rotated to key 2 in batches; phone hashes and look-ups never move."""
    debtors, contacts = cast(sa.Table, Debtor.__table__), cast(sa.Table, Contact.__table__)
    started = time.perf_counter()
    with unit_of_work(engine) as conn:
        written = populate_synthetic(conn, 119_000, 7, datetime(2026, 11, 28, 2, tzinfo=UTC), "CN", cipher)
    assert written["debtors"] >= 100_000
    loaded = time.perf_counter()

    def snapshot() -> tuple[dict[int, bytes], dict[int, tuple[bytes, str]]]:
        with engine.connect() as conn:
            names = {i: bytes(t) for i, t in conn.execute(sa.select(debtors.c.id, debtors.c.name_enc))}
            phones = {
                i: (bytes(t), h)
                for i, t, h in conn.execute(
                    sa.select(contacts.c.id, contacts.c.phone_enc, contacts.c.phone_hash)
                )
            }
        return names, phones

    names_before, phones_before = snapshot()
    assert len(names_before) == written["debtors"] and len(phones_before) == written["contacts"]
    clear_names = {i: cipher.decrypt(t) for i, t in names_before.items()}
    probe_id = max(phones_before)  # the last contact: re-encrypted in the last batch
    probe_phone = cipher.decrypt(phones_before[probe_id][0])

    rotated = PersonalDataCipher(cipher.keyring.with_new_key())
    probe_hash = rotated.lookup_hash(probe_phone)
    assert probe_hash == phones_before[probe_id][1]

    def look_up() -> None:
        with engine.connect() as conn:
            found = conn.execute(
                sa.select(contacts.c.id, contacts.c.phone_enc).where(contacts.c.phone_hash == probe_hash)
            ).all()
        assert probe_id in {row.id for row in found}
        assert {rotated.decrypt(bytes(row.phone_enc)) for row in found} == {probe_phone}

    batches = 0
    for table, column in ((debtors, "name_enc"), (contacts, "phone_enc")):
        after: int | None = 0
        while after is not None:
            with unit_of_work(engine) as conn:
                after, _changed = reencrypt_batch(
                    conn, table, "id", [column], rotated, after_id=after, limit=25_000
                )
            batches += 1
            look_up()  # between batches, the number is still found by its unchanged hash
        with engine.connect() as conn:
            assert count_by_key(conn, table, [column]) == {
                2: len(names_before if table is debtors else phones_before)
            }
    rotated_at = time.perf_counter()

    names_after, phones_after = snapshot()
    final = PersonalDataCipher(rotated.keyring.without_key(1))  # key 1 is no longer needed at all
    assert {i: final.decrypt(t) for i, t in names_after.items()} == clear_names
    assert {final.key_id_of(t) for t in names_after.values()} == {2}
    assert {i: h for i, (_t, h) in phones_after.items()} == {i: h for i, (_t, h) in phones_before.items()}
    assert all(final.decrypt(t) == cipher.decrypt(phones_before[i][0]) for i, (t, _h) in phones_after.items())
    assert {final.key_id_of(t) for t, _h in phones_after.values()} == {2}
    assert batches >= 2 * 4
    print(
        f"\n100k rotation: {written['debtors']:,} debtors + {written['contacts']:,} contacts; "
        f"load {loaded - started:.1f}s, re-encrypt {rotated_at - loaded:.1f}s in {batches} batches"
    )
