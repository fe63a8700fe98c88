"""``dunning keys``: rotate the personal-data key on a live database, resumably, audited."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from dunning.cli.main import app
from dunning.core.crypto import Keyring, PersonalDataCipher
from dunning.core.db import make_engine, unit_of_work
from dunning.core.settings import reset_settings_cache
from dunning.flows import builtin_config, ingest_replies
from dunning.messages.wire import InboundSms
from dunning.portfolio.synthetic import populate_synthetic
from tests.factories import T0, add_operator

runner = CliRunner()
NOW = "2026-11-28T10:00:00+08:00"


def _ok(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def _all_open_under(url: str, keyring: Keyring, key_id: int) -> tuple[int, int]:
    """Every name and number decrypts with ``keyring`` alone and is sealed under ``key_id``."""
    cipher = PersonalDataCipher(keyring)
    with make_engine(url).connect() as conn:
        names = [bytes(t) for t in conn.execute(sa.text("SELECT name_enc FROM debtors")).scalars()]
        phones = [bytes(t) for t in conn.execute(sa.text("SELECT phone_enc FROM contacts")).scalars()]
    for token in names + phones:
        assert cipher.key_id_of(token) == key_id
        cipher.decrypt(token)
    return len(names), len(phones)


def test_rotate_a_demo_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """After ``dunning keys rotate`` every name and phone decrypts under the new key, ``dunning report``
    prints the same figures, a re-import of the same accounts file changes nothing, and the old key
    can be retired — each step in the event log."""
    monkeypatch.chdir(tmp_path)
    for key in ("DUNNING_DATABASE_URL", "DUNNING_PROFILE", "DUNNING_PROVIDER_URL", "DUNNING_SECRET_KEY"):
        monkeypatch.delenv(key, raising=False)
    reset_settings_cache()
    _ok("demo", "--dir", "demo", "--accounts", "600", "--now", NOW)
    demo = tmp_path / "demo"  # the demo left us in its directory, with its settings in the environment
    assert Path.cwd() == demo
    url = f"sqlite:///{demo / 'dunning.db'}"
    before = json.loads(_ok("report", "--now", NOW, "--json"))
    old = Keyring.from_json((demo / "dunning.keyring").read_text())

    denied = runner.invoke(app, ["keys", "rotate"])
    assert denied.exit_code == 2 and "--by" in denied.output
    out = _ok("keys", "rotate", "--by", "admin", "--now", NOW, "--batch", "100")
    assert "key 1 → key 2" in out
    new = Keyring.from_json((demo / "dunning.keyring").read_text())
    assert new.active == 2 and new.key_ids == (1, 2) and new.lookup_key == old.lookup_key
    names, phones = _all_open_under(url, new, 2)
    assert names > 300 and phones > names

    assert json.loads(_ok("report", "--now", NOW, "--json")) == before
    again = _ok("import", "accounts", "data/accounts.csv", "--now", NOW)
    assert "新增 / Inserted" in again
    with make_engine(url).connect() as conn:
        logged = conn.execute(
            sa.text("SELECT detail FROM event_log WHERE kind = 'portfolio.imported' ORDER BY id DESC")
        ).first()
    counts = json.loads(logged[0])["counts"]
    assert all(c["inserted"] == 0 and c["updated"] == 0 for c in counts.values()), counts

    status = json.loads(_ok("keys", "status", "--json"))
    assert status["active"] == 2 and status["pending"] == 0
    assert "pending" not in _ok("keys", "status")  # the table view, nothing left to do
    _ok("keys", "retire", "1", "--by", "admin", "--now", NOW)
    assert Keyring.from_json((demo / "dunning.keyring").read_text()).key_ids == (2,)
    refused = runner.invoke(app, ["keys", "retire", "2", "--by", "admin"])
    assert refused.exit_code != 0 and "Traceback" not in refused.output
    wanted = ("keys.rotated", "keys.reencrypted", "keys.retired")
    logged = json.loads(_ok("events", "--json", *[arg for kind in wanted for arg in ("--kind", kind)]))
    kinds = [e["kind"] for e in logged]
    assert kinds == ["keys.rotated", "keys.reencrypted", "keys.retired"]
    reset_settings_cache()


def test_rotation_killed_midway_resumes_and_look_ups_keep_working(
    workdir: Path, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """100,000 debtors: SIGKILL ``dunning keys rotate`` part-way, look a number up and take in an
    opt-out from it meanwhile, then ``dunning keys reencrypt`` finishes the job."""
    monkeypatch.delenv("DUNNING_SECRET_KEY")
    reset_settings_cache()
    _ok("init")
    keyring = Keyring.from_json((workdir / "dunning.keyring").read_text())
    cipher = PersonalDataCipher(keyring)
    engine = make_engine(db_url)
    with unit_of_work(engine) as conn:
        populate_synthetic(conn, 119_000, 7, T0, "CN", cipher)
        add_operator(conn, "keyholder", "admin")
        debtors = conn.execute(sa.text("SELECT count(*) FROM debtors")).scalar_one()
        number = cipher.decrypt(
            bytes(conn.execute(sa.text("SELECT phone_enc FROM contacts LIMIT 1")).scalar_one())
        )
    assert debtors >= 100_000
    env = {k: v for k, v in os.environ.items() if k != "DUNNING_SECRET_KEY"}
    env.update(DUNNING_DATABASE_URL=db_url, DUNNING_OPERATOR="keyholder", PYTHONUNBUFFERED="1")
    code = "from dunning.cli.main import app; app()"
    proc = subprocess.Popen(
        [sys.executable, "-c", code, "keys", "rotate", "--batch", "2000", "--now", NOW],
        cwd=workdir, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 120
        moved = 0
        while time.monotonic() < deadline and moved < 20_000:
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            with engine.connect() as conn:
                moved = conn.execute(
                    sa.text("SELECT count(*) FROM debtors WHERE substr(name_enc, 2, 1) = :k"),
                    {"k": bytes((2,))},
                ).scalar_one()
            time.sleep(0.05)
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert moved >= 20_000
    rotated = Keyring.from_json((workdir / "dunning.keyring").read_text())
    assert rotated.active == 2
    with engine.connect() as conn:
        left = conn.execute(
            sa.text("SELECT count(*) FROM debtors WHERE substr(name_enc, 2, 1) = :k"), {"k": bytes((1,))}
        ).scalar_one()
    assert left > 0, "the kill came after the rotation finished: nothing to resume"

    # Mid-rotation, with tokens under both keys: a reply from a known number still finds its contact.
    with unit_of_work(engine) as conn:
        summary = ingest_replies(
            conn,
            [InboundSms(number, "退订", T0)],
            T0,
            cipher=PersonalDataCipher(rotated),
            config=builtin_config("CN"),
            provider="test",
        )
    assert summary.unknown_sender == 0 and summary.contacts_opted_out >= 1

    reset_settings_cache()
    resumed = runner.invoke(app, ["keys", "reencrypt", "--by", "keyholder", "--now", NOW])
    assert resumed.exit_code == 0, resumed.output
    names, _ = _all_open_under(db_url, rotated, 2)
    assert names == debtors
    with engine.connect() as conn:
        bodies = conn.execute(sa.text("SELECT sender_enc, body_enc FROM inbound_messages")).all()
        hashes = conn.execute(sa.text("SELECT count(DISTINCT phone_hash) FROM contacts")).scalar_one()
    assert [PersonalDataCipher(rotated).decrypt(bytes(b)) for _, b in bodies] == ["退订"]
    assert hashes > 0
    reset_settings_cache()
