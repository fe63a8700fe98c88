"""``dunning simulate`` end to end on a small portfolio: the real planner, gate, SMPP sender."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from dunning.simulation.runner import simulate


def test_adaptive_days_log_every_choice_with_its_probability_and_spare_the_holdout(tmp_path: Path) -> None:
    result = simulate("adaptive", accounts=200, days=3, seed=3, directory=tmp_path / "run")
    assert result.messages > 0 and result.delivered > 0
    db = sqlite3.connect(tmp_path / "run" / "dunning.db")
    rows = db.execute("SELECT action, probability, p_send, arm FROM policy_decisions").fetchall()
    assert rows
    assert all(0 < p <= 1 and 0 <= ps <= 1 for _, p, ps, _ in rows)
    assert {a for _, _, _, a in rows} == {"adaptive", "holdout"}
    held = {r[0] for r in db.execute("SELECT debtor_id FROM experiment_assignments WHERE arm = 'holdout'")}
    messaged = {r[0] for r in db.execute("SELECT debtor_id FROM messages WHERE kind = 'collection'")}
    assert held and not (held & messaged)
    # Messages carry the probability that was logged for the choice.
    logged = db.execute(
        "SELECT count(*) FROM messages m JOIN policy_decisions d ON d.debtor_id = m.debtor_id "
        "AND substr(d.decided_at, 1, 10) = substr(m.created_at, 1, 10) "
        "AND d.action LIKE m.template_id || '@%' "
        "AND abs(d.probability - m.probability) < 1e-9 WHERE m.kind = 'collection'"
    ).fetchone()[0]
    assert logged >= result.messages * 0.9


def test_no_sms_sends_nothing_and_the_same_seed_gives_the_same_run(tmp_path: Path) -> None:
    a = simulate("none", accounts=150, days=2, seed=5, directory=tmp_path / "a")
    b = simulate("none", accounts=150, days=2, seed=5, directory=tmp_path / "b")
    assert a.messages == 0
    assert a.recovered == b.recovered and a.payers == b.payers > 0


def test_rules_and_oracle_run_through_the_gate(tmp_path: Path) -> None:
    rules = simulate("rules", accounts=150, days=2, seed=5, directory=tmp_path / "r")
    oracle = simulate("oracle", accounts=150, days=2, seed=5, directory=tmp_path / "o")
    assert rules.messages > 0 and oracle.messages > 0
    db = sqlite3.connect(tmp_path / "o" / "dunning.db")
    assert db.execute("SELECT count(*) FROM policy_decisions WHERE policy = 'oracle'").fetchone()[0] > 0
