"""The top-level commands a user runs: init, plan, send, run, demo."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dunning.cli.main import app
from dunning.core.settings import reset_settings_cache

runner = CliRunner()
NOW = "2026-11-28T10:00:00+08:00"
PHONE = re.compile(r"1\d{10}")


def _ok(args: list[str]) -> str:
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture
def portfolio(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    # A test installation: the built-in simulator is allowed on PostgreSQL too.
    monkeypatch.setenv("DUNNING_ALLOW_EMBEDDED_SMSC", "1")
    reset_settings_cache()
    _ok(["init"])
    _ok(
        [
            "sample",
            "--accounts",
            "600",
            "--seed",
            "5",
            "--profile",
            "CN",
            "--out",
            "data",
            "--as-of",
            "2026-11-28",
        ]
    )
    for kind in ("accounts", "contacts", "payments"):
        _ok(["import", kind, f"data/{kind}.csv", "--now", NOW])
    return workdir


def test_init_writes_example_files_once(workdir: Path) -> None:
    out = _ok(["init"])
    assert "strategy.yaml" in out and "templates.yaml" in out and "compliance.yaml" in out
    assert (workdir / "strategy.yaml").exists()
    (workdir / "strategy.yaml").write_text((workdir / "strategy.yaml").read_text() + "\n# edited\n")
    second = _ok(["init"])  # upgrades the schema, keeps the user's files
    assert "strategy.yaml" not in second
    assert (workdir / "strategy.yaml").read_text().endswith("# edited\n")


def test_plan_dry_run_then_plan_then_send(portfolio: Path) -> None:
    dry = json.loads(_ok(["plan", "--now", NOW, "--dry-run", "--json"]))
    assert dry["dry_run"] and dry["queued"] > 0
    planned = json.loads(_ok(["plan", "--now", NOW, "--json"]))
    assert planned["queued"] == dry["queued"] and planned["blocked"] == dry["blocked"]
    again = json.loads(_ok(["plan", "--now", NOW, "--json"]))
    assert again["queued"] == 0 and again["already_planned"] == planned["queued"] + planned["blocked"]
    sent = json.loads(_ok(["send", "--now", NOW, "--json"]))
    assert sent["submitted"] > 0  # those whose window is open at 10:00; the rest wait for theirs
    report = json.loads(_ok(["report", "--now", NOW, "--json"]))
    assert report["planned"] == planned["queued"] + planned["blocked"]
    assert report["sent"] == sent["submitted"]
    assert sum(report["blocked_by_rule"].values()) >= planned["blocked"]


def test_run_prints_plan_send_and_report_without_personal_data(portfolio: Path) -> None:
    out = _ok(["run", "--now", NOW])
    assert "排期 / Plan" in out and "发送 / Send" in out and "每日报表 / Daily report" in out
    assert not PHONE.search(out)


def test_bad_now_is_a_clear_error(workdir: Path) -> None:
    result = runner.invoke(app, ["plan", "--now", "tomorrow"])
    assert result.exit_code == 2
    assert "ISO 8601" in result.output and "Traceback" not in result.output


def test_demo_runs_the_whole_loop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for key in ("DUNNING_DATABASE_URL", "DUNNING_PROFILE", "DUNNING_PROVIDER_URL", "DUNNING_SECRET_KEY"):
        monkeypatch.setenv(key, "placeholder")
        monkeypatch.delenv(key)
    reset_settings_cache()
    try:
        out = _ok(["demo", "--dir", str(tmp_path / "demo"), "--accounts", "800", "--now", NOW])
    finally:
        reset_settings_cache()
    demo = tmp_path / "demo"
    # The demo spoke SMPP to the built-in SMSC: every message sent is in the SMSC's journal, once.
    assert (demo / "dunning.db").exists() and (demo / "smsc-journal.jsonl").exists()
    journal = [
        json.loads(line) for line in (demo / "smsc-journal.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    assert len(journal) > 50
    first_parts = [j["message_id"] for j in journal if j["part_seq"] in (None, 1)]
    assert len(first_parts) == len(set(first_parts))
    with sqlite3.connect(demo / "dunning.db") as db:
        sent = dict(
            db.execute(
                "SELECT provider_message_id, status FROM messages WHERE provider_message_id IS NOT NULL"
            )
        )
    assert set(sent) == set(first_parts)
    assert set(sent.values()) <= {"delivered", "undelivered", "rejected", "expired"}  # all receipts in
    assert "已送达 / Delivered" in out and "按规则拦截 / Blocked by rule" in out
    assert not PHONE.search(out)
    # A second demo into the same directory starts afresh; a foreign directory is refused.
    _ok(["demo", "--dir", str(demo), "--accounts", "100", "--now", NOW])
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "keep.txt").write_text("x")
    refused = runner.invoke(app, ["demo", "--dir", str(foreign)])
    assert refused.exit_code == 2 and (foreign / "keep.txt").exists()


def test_send_refuses_the_simulator_on_a_production_database(workdir: Path, db_url: str) -> None:
    del workdir
    _ok(["init"])
    result = runner.invoke(app, ["send", "--now", NOW])
    if db_url.startswith("sqlite"):
        assert result.exit_code == 0, result.output
    else:
        assert result.exit_code == 1 and "DUNNING_ALLOW_EMBEDDED_SMSC" in result.output
        assert "Traceback" not in result.output


def test_init_names_the_default_operator_once(workdir: Path) -> None:
    del workdir
    first = _ok(["init"])
    assert "Default operator: admin (admin)" in first
    assert "Default operator" not in _ok(["init"])
    listed = json.loads(_ok(["operators", "list", "--json"]))
    assert [(o["username"], o["role"], o["active"]) for o in listed] == [("admin", "admin", True)]


def test_the_demo_explore_hint_names_a_command_that_exists(tmp_path: Path) -> None:
    """Run as ``make demo`` does (a relative path to the script): the hint printed at the end must
    name an executable that exists, not one resolved against the demo directory."""
    import os
    import subprocess
    import sys

    script = Path(sys.executable).parent / "dunning"
    relative = os.path.relpath(script, tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith("DUNNING_")}
    env["PATH"] = "/usr/bin:/bin"  # dunning not on PATH: the hint must give its full path
    done = subprocess.run(
        [relative, "demo", "--dir", "demo", "--accounts", "300", "--now", NOW],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    hint = re.search(r"&& (\S+) report --now", done.stdout)
    assert hint is not None, done.stdout[-500:]
    assert Path(hint.group(1)).is_file() and Path(hint.group(1)).resolve() == script.resolve()


def test_send_obeys_an_opt_out_the_smsc_held_before_it_bound(
    workdir: Path, db_url: str, tmp_path: Path
) -> None:
    """Driven from outside, one command at a time: a 退订 reaches the SMSC while no sender is bound;
    the next `dunning send` takes it in right after binding, before its first batch, so the message
    due for that number is cancelled and never submitted."""
    import sqlalchemy as sa

    from dunning.core.crypto import PersonalDataCipher
    from dunning.core.db import make_engine
    from dunning.sending.smsc import SimulatorThread
    from tests.conftest import TEST_KEY
    from tests.sending.kill_helpers import (
        finish,
        phone_of,
        read_journal,
        seed_outbox,
        sender_env,
        start_sender,
    )

    del workdir
    import base64

    engine = make_engine(db_url)
    ids = seed_outbox(engine, PersonalDataCipher(base64.b64decode(TEST_KEY)), 3)
    journal = tmp_path / "smsc.jsonl"
    with SimulatorThread(journal=journal, password="pw") as sim:
        assert sim.send_mo(phone_of(1).lstrip("+"), "退订", "95000") is False  # held: nobody bound
        env = sender_env(db_url, TEST_KEY, sim.port, tps=1000, receipt_wait=2.0)
        summary = finish(start_sender(tmp_path / "send", env, "send"), tmp_path / "send", "send", timeout=60)
    assert summary["replies"]["opt_outs"] == 1 and summary["replies"]["cancelled"] == 1
    assert summary["submitted"] == 2
    with engine.connect() as conn:
        status = dict(conn.execute(sa.text("SELECT id, status FROM messages")).all())
    assert status[ids[1]] == "cancelled" and status[ids[0]] == status[ids[2]] == "delivered"
    sent_to = {e["destination"] for e in read_journal(journal)}
    assert phone_of(1).lstrip("+") not in sent_to and len(sent_to) == 2


def test_the_us_demo_sends_english_gsm7_messages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for key in ("DUNNING_DATABASE_URL", "DUNNING_PROFILE", "DUNNING_PROVIDER_URL", "DUNNING_SECRET_KEY"):
        monkeypatch.delenv(key, raising=False)
    reset_settings_cache()
    try:
        _ok(
            [
                "demo",
                "--profile",
                "US",
                "--dir",
                "demo",
                "--accounts",
                "1500",
                "--now",
                "2026-11-28T10:00:00-05:00",
            ]
        )
    finally:
        reset_settings_cache()
    with sqlite3.connect(tmp_path / "demo" / "dunning.db") as db:
        parts = dict(db.execute("SELECT encoding || '/' || segments, count(*) FROM messages GROUP BY 1"))
        signed = db.execute(
            "SELECT count(*) FROM messages WHERE instr(body, 'Harbor Lending') > 0"
        ).fetchone()[0]
        chinese = db.execute("SELECT count(*) FROM messages WHERE instr(body, '安信') > 0").fetchone()[0]
        total = db.execute("SELECT count(*) FROM messages WHERE body <> ''").fetchone()[0]
    assert set(parts) <= {"GSM-7/1", "GSM-7/2"}, parts
    assert total > 50 and signed == total and chinese == 0
