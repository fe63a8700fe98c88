from __future__ import annotations

import json
from typing import Any

from typer.testing import CliRunner

from dunning.cli.main import app

runner = CliRunner()
NOW = "2026-12-02T10:00:00+08:00"


def classify(lines: str | bytes, *args: str) -> tuple[int, list[dict[str, Any]]]:
    result = runner.invoke(app, ["replies", "classify", *args], input=lines)
    return result.exit_code, [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


def test_classify_lines() -> None:
    lines = "\n".join(
        json.dumps(r, ensure_ascii=False)
        for r in [
            {"id": "a", "text": "下周一还五百"},
            {"id": 2, "text": "退订"},
            {"id": 3, "text": "明天还", "now": "2026-12-02T23:30:00+00:00"},
            {"id": 4, "text": "明天还", "now": "2026-12-03T07:30:00"},  # naive: Shanghai time
            {"id": 5, "text": "周五还一半", "amount_due": "3000"},
        ]
    )
    code, out = classify(lines + "\n", "--profile", "CN", "--now", NOW)
    assert code == 0
    assert [o["id"] for o in out] == ["a", 2, 3, 4, 5]
    assert out[0] == {
        "id": "a",
        "intent": "promise",
        "confidence": out[0]["confidence"],
        "promise": {"amount": "500.00", "date": "2026-12-07"},
    }
    assert 0.0 <= out[0]["confidence"] <= 1.0
    assert out[1]["intent"] == "opt_out" and out[1]["promise"] is None and out[1]["confidence"] == 1.0
    assert out[2]["promise"]["date"] == "2026-12-04"
    assert out[3]["promise"]["date"] == "2026-12-04"
    assert out[4]["promise"] == {"amount": "1500.00", "date": "2026-12-04"}


def test_malformed_lines_get_an_error_and_the_rest_classify() -> None:
    lines = b"\n".join(
        [
            json.dumps({"id": 1, "text": "已还"}, ensure_ascii=False).encode(),
            b"not json",
            b"",
            b"[1, 2]",
            json.dumps({"id": 9}).encode(),
            json.dumps({"id": 10, "text": "ok", "now": "yesterday"}).encode(),
            b"\xff\xfe",
            json.dumps({"id": 11, "text": "wrong number"}).encode(),
        ]
    )
    code, out = classify(lines + b"\n", "--profile", "US", "--now", NOW)
    assert code == 0
    assert len(out) == 7  # the blank line is skipped
    assert out[0]["intent"] == "paid" or out[0]["intent"]  # CN text in a US run still classifies
    assert [o.get("error", {}).get("code") for o in out[1:6]] == [
        "invalid_json",
        "not_object",
        "missing_text",
        "bad_now",
        "not_utf8",
    ]
    assert out[3]["id"] == 9 and out[4]["id"] == 10
    assert all(set(o["error"]) == {"code", "zh", "en"} for o in out[1:6])
    assert out[6] == {"id": 11, "intent": "wrong_number", "confidence": out[6]["confidence"], "promise": None}


def test_unknown_profile() -> None:
    result = runner.invoke(app, ["replies", "classify", "--profile", "XX"], input="")
    assert result.exit_code == 2


def test_corpus_json() -> None:
    result = runner.invoke(app, ["replies", "corpus", "--json"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert set(data) == {"cross_validated", "holdout"}
    assert set(data["cross_validated"]["per_intent"]) >= {"opt_out", "promise", "other"}
    assert 0.0 <= data["holdout"]["accuracy"] <= 1.0
