from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console
from typer.testing import CliRunner

from dunning.cli import compliance_cmd
from dunning.cli.main import app
from dunning.compliance import RULES
from dunning.core.settings import reset_settings_cache
from tests.compliance.compliance_texts import CN_OK, US_OK, cn_with

runner = CliRunner()


@pytest.fixture
def wide(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tables wide enough that no cell is folded, whatever terminal the tests run in."""
    monkeypatch.setattr(compliance_cmd, "console", Console(width=500, highlight=False))


def check_text(lines: str | bytes, *args: str) -> tuple[int, list[dict[str, Any]]]:
    result = runner.invoke(app, ["compliance", "check-text", *args], input=lines)
    out = [json.loads(line) for line in result.stdout.splitlines() if line.strip()]
    return result.exit_code, out


def test_check_text_batch(isolated: Path) -> None:
    lines = "\n".join(
        json.dumps(r, ensure_ascii=False)
        for r in [
            {"id": "a", "text": CN_OK},
            {"id": "b", "text": cn_with("再不还款就等着坐牢。")},
            {"id": 3, "text": cn_with("我司将依法起诉。"), "time_barred": True},
            {"id": 4, "text": cn_with("我司将依法起诉。"), "time_barred": False},
        ]
    )
    code, out = check_text(lines + "\n", "--profile", "CN")
    assert code == 0
    assert [o["id"] for o in out] == ["a", "b", 3, 4]
    assert [o["allowed"] for o in out] == [True, False, False, True]
    (violation,) = out[1]["violations"]
    assert violation["rule"] == "content.threat_arrest"
    assert violation["category"] == "forbidden_content"
    assert violation["reason"] == f"{violation['reason_zh']} / {violation['reason_en']}"
    assert violation["legal_basis"]
    assert [v["rule"] for v in out[2]["violations"]] == ["content.time_barred_litigation"]


def test_check_text_malformed_lines_continue(isolated: Path) -> None:
    lines = b"\n".join(
        [
            json.dumps({"id": 1, "text": CN_OK}, ensure_ascii=False).encode(),
            b"not json",
            b"",  # blank: skipped, no output
            b"   ",
            b'["a", "list"]',
            b'{"id": 5}',
            b'{"id": 6, "text": 42}',
            b'{"id": 7, "text": "x", "time_barred": "yes"}',
            b'{"id": 8, "text": "x", "colour": "red"}',
            b'{"id": {"nested": 1}, "text": "x"}',
            b'{"text": "\xff\xfe"}',
            b'\xff{"id": 11}',
            json.dumps({"id": 12, "text": CN_OK}, ensure_ascii=False).encode(),
        ]
    )
    code, out = check_text(lines, "--profile", "CN")
    assert code == 0
    errors = [o for o in out if "error" in o]
    assert [(e["id"], e["line"]) for e in errors] == [
        (None, 2),
        (None, 5),
        (5, 6),
        (6, 7),
        (7, 8),
        (8, 9),
        (None, 10),
        (None, 11),
        (None, 12),
    ]
    assert all(" / " in e["error"] for e in errors)  # 中文 / English
    assert "text" in errors[2]["error"]
    assert "time_barred" in errors[4]["error"]
    assert [o["id"] for o in out if "allowed" in o] == [1, 12]
    assert len(out) == 11  # blank lines are skipped


def test_check_text_in_several_batches(isolated: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(compliance_cmd, "_BATCH", 3)
    texts = [CN_OK if i % 2 else cn_with("后果自负。") for i in range(10)]
    lines = "\n".join(json.dumps({"id": i, "text": t}, ensure_ascii=False) for i, t in enumerate(texts))
    code, out = check_text(lines + "\nbroken\n", "--profile", "CN")
    assert code == 0
    assert [o["id"] for o in out] == [*range(10), None]
    assert [o.get("allowed") for o in out[:10]] == [i % 2 == 1 for i in range(10)]
    assert out[10]["line"] == 11


def test_check_text_us_profile(isolated: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DUNNING_CREDITOR", "Harbor Lending")
    monkeypatch.setenv("DUNNING_HOTLINE", "1-800-555-0100")
    monkeypatch.setenv("DUNNING_ALLOWED_NUMBERS", '["18005550100"]')
    reset_settings_cache()
    lines = (
        json.dumps({"id": "u1", "text": US_OK}) + "\n" + json.dumps({"id": "u2", "text": "We will sue you."})
    )
    code, out = check_text(lines, "--profile", "US")
    assert code == 0
    assert out[0]["allowed"] is True
    assert "required.opt_out_line" in [v["rule"] for v in out[1]["violations"]]


def test_check_text_uses_compliance_yaml(isolated: Path) -> None:
    (isolated / "compliance.yaml").write_text("CN:\n  extra_terms:\n    content.private_channel: [钉钉]\n")
    code, out = check_text(json.dumps({"id": 1, "text": cn_with("请加钉钉。")}, ensure_ascii=False))
    assert code == 0 and [v["rule"] for v in out[0]["violations"]] == ["content.private_channel"]


def test_bad_compliance_yaml_is_a_clean_error(isolated: Path) -> None:
    (isolated / "compliance.yaml").write_text("CN:\n  daily_cap: 9\n")
    result = runner.invoke(app, ["compliance", "check-text"], input="")
    assert result.exit_code == 1
    assert "daily_cap" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize("profile", ["CN", "US"])
def test_rules_lists_every_rule_of_the_profile(isolated: Path, wide: None, profile: str) -> None:
    result = runner.invoke(app, ["compliance", "rules", "--profile", profile])
    assert result.exit_code == 0
    for rule in RULES:
        if profile in rule.legal_basis:
            assert rule.id in result.output
            assert rule.legal_basis[profile] in result.output
    assert ("1006.6(b)(1)(i)" in result.output) is (profile == "US")


def test_profile_shows_audited_overrides(isolated: Path, wide: None) -> None:
    (isolated / "compliance.yaml").write_text(
        "overrides:\n"
        "  - {profile: CN, setting: window_end, value: '22:30', reason: night pilot,\n"
        "     approved_by: Li Compliance}\n"
    )
    result = runner.invoke(app, ["compliance", "profile", "--profile", "CN"])
    assert result.exit_code == 0
    assert "22:30" in result.output and "night pilot" in result.output and "Li Compliance" in result.output


def test_profile_as_json(isolated: Path) -> None:
    (isolated / "compliance.yaml").write_text(
        "CN:\n  daily_cap: 1\n"
        "overrides:\n"
        "  - {profile: CN, setting: window_end, value: '21:30', reason: night pilot,\n"
        "     approved_by: Li Compliance, approved_at: 2026-01-15}\n"
    )
    result = runner.invoke(app, ["compliance", "profile", "--profile", "CN", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["profile"] == "CN" and set(data) == {"profile", "settings", "audited_overrides"}
    assert data["settings"]["window_start"] == "08:00" and data["settings"]["window_end"] == "21:30"
    assert data["settings"]["daily_cap"] == 1
    keywords = data["settings"]["opt_out_keywords"]
    assert isinstance(keywords, list) and "退订" in keywords
    assert data["audited_overrides"] == [
        {
            "setting": "window_end",
            "value": "21:30",
            "reason": "night pilot",
            "approved_by": "Li Compliance",
            "approved_at": "2026-01-15",
        }
    ]
    us = json.loads(runner.invoke(app, ["compliance", "profile", "--profile", "US", "--json"]).stdout)
    assert us["profile"] == "US" and us["audited_overrides"] == []


@pytest.mark.parametrize("command", ["rules", "profile", "check-text", "corpus"])
def test_unknown_profile(isolated: Path, command: str) -> None:
    result = runner.invoke(app, ["compliance", command, "--profile", "UK"], input="")
    assert result.exit_code == 2
    assert "CN" in result.output and "Traceback" not in result.output


def test_corpus_command(isolated: Path, wide: None) -> None:
    result = runner.invoke(app, ["compliance", "corpus", "--strict"])
    assert result.exit_code == 0, result.output
    assert "CN" in result.output and "US" in result.output
    assert result.output.count("100.0%") >= 6
