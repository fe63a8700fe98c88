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


# ---- outcomes, kinds, identities and scope --------------------------------------------------------

NOTICE_CN = CN_OK.replace("已逾期15天，欠款3,456.78元，", "还款计划已生效，")
OTHER = {
    "signature": "【好借】",
    "creditor": "好借科技",
    "hotlines": ["4001234567"],
    "domains": ["haojie.example"],
}
OTHER_OK = "【好借】您好，好借科技提醒：还款计划已生效，详见 https://m.haojie.example/plan 。客服4001234567"


def _lines(*records: dict[str, Any]) -> str:
    return "\n".join(json.dumps(r, ensure_ascii=False) for r in records) + "\n"


def test_check_text_prints_the_outcome_review_and_score(isolated: Path) -> None:
    code, out = check_text(_lines({"id": 1, "text": CN_OK}, {"id": 2, "text": cn_with("等着坐牢。")}))
    assert code == 0
    assert [(o["outcome"], o["allowed"], o["review"]) for o in out] == [
        ("allowed", True, []),
        ("blocked", False, []),  # a broken rule is never also held for review
    ]
    # the second opinion's P(abusive) when it ran, null when it did not
    assert all(o["score"] is None or 0.0 <= o["score"] <= 1.0 for o in out)
    assert list(out[0]) == ["id", "outcome", "allowed", "violations", "review", "score"]


def test_a_line_held_for_review_is_not_allowed(isolated: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The second opinion's ``review`` reaches the output through Verdict alone."""
    from dunning.compliance import gate

    judged = gate.judge_records

    def second_opinion(records: Any, *args: Any, **kwargs: Any) -> list[gate.Verdict]:
        verdicts = judged(records, *args, **kwargs)
        held = [("classifier",) if "提醒" in r["body"] else () for r in records]
        return [
            gate.Verdict(v.violations, why, 0.91 if why else 0.02)
            for v, why in zip(verdicts, held, strict=True)
        ]

    monkeypatch.setattr(gate, "judge_records", second_opinion)
    code, out = check_text(_lines({"id": 1, "text": CN_OK}, {"id": 2, "text": cn_with("特此提醒。")}))
    assert code == 0
    assert [(o["outcome"], o["allowed"], o["review"], o["score"]) for o in out] == [
        ("allowed", True, [], 0.02),
        ("review", False, ["classifier"], 0.91),
    ]
    assert out[1]["violations"] == []


def test_check_text_kinds_and_their_aliases(isolated: Path) -> None:
    code, out = check_text(
        _lines(
            {"id": "reminder", "text": NOTICE_CN},
            {"id": "notice", "text": NOTICE_CN, "kind": "notice"},
            {"id": "alias", "text": NOTICE_CN, "kind": "Account notice"},
            {"id": "as-reminder", "text": NOTICE_CN, "kind": "reminder"},
            {"id": "help", "text": NOTICE_CN, "kind": "help"},
            {"id": "confirmation", "text": NOTICE_CN, "kind": "confirmation"},
            {"id": "bad", "text": NOTICE_CN, "kind": "letter"},
            {"id": "not-a-string", "text": NOTICE_CN, "kind": 7},
            {"id": "null", "text": NOTICE_CN, "kind": None},
        )
    )
    assert code == 0
    by_id = {o["id"]: o for o in out}
    rules = {i: [v["rule"] for v in o.get("violations", [])] for i, o in by_id.items()}
    assert (
        rules["reminder"] == rules["as-reminder"] == rules["null"] == ["required.amount", "required.overdue"]
    )
    assert rules["notice"] == rules["alias"] == rules["help"] == []
    assert rules["confirmation"] == ["required.amount"]  # a promise confirmation states the amount
    for bad in ("bad", "not-a-string"):
        assert "未知的短信类型" in by_id[bad]["error"] and "unknown message kind" in by_id[bad]["error"]
    assert [o["id"] for o in out] == [
        "reminder", "notice", "alias", "as-reminder", "help", "confirmation", "bad", "not-a-string", "null"
    ]  # fmt: skip


def test_check_text_identities(isolated: Path) -> None:
    wrong_link = OTHER_OK.replace("haojie.example", "evil.example")
    code, out = check_text(
        _lines(
            {"id": "deployment", "text": OTHER_OK, "kind": "notice"},
            {"id": "own", "text": OTHER_OK, "kind": "notice", "identity": OTHER},
            {"id": "wrong-link", "text": wrong_link, "kind": "notice", "identity": OTHER},
            {
                "id": "wrong-number",
                "text": OTHER_OK + "或致电4009999999",
                "kind": "notice",
                "identity": OTHER,
            },
            {"id": "unknown-key", "text": OTHER_OK, "identity": {"brand": "好借"}},
            {"id": "not-an-object", "text": OTHER_OK, "identity": ["好借"]},
            {"id": "bad-list", "text": OTHER_OK, "identity": {"hotlines": [4001234567]}},
            {"id": "again", "text": OTHER_OK, "kind": "notice", "identity": OTHER},
        )
    )
    assert code == 0
    by_id = {o["id"]: o for o in out}
    rules = {i: [v["rule"] for v in o.get("violations", [])] for i, o in by_id.items()}
    assert {"required.signature", "required.creditor", "link.not_allowed"} <= set(rules["deployment"])
    assert rules["own"] == rules["again"] == [] and by_id["own"]["outcome"] == "allowed"
    assert rules["wrong-link"] == ["link.not_allowed"]
    assert rules["wrong-number"] == ["number.not_allowed"]
    # the reason names the line's own numbers, not the deployment's
    (number,) = by_id["wrong-number"]["violations"]
    assert "4001234567" in number["reason"] and "95000" not in number["reason"]
    for bad in ("unknown-key", "not-an-object", "bad-list"):
        assert "identity" in by_id[bad]["error"] and " / " in by_id[bad]["error"], bad
        assert by_id[bad]["line"] >= 5


def test_check_text_content_scope(isolated: Path) -> None:
    lines = _lines(
        {"id": "bare", "text": "您好，请尽快处理。"},
        {"id": "link", "text": "您好，详见 https://m.haojie.example/plan"},
        {"id": "own-link", "text": "您好，详见 https://m.haojie.example/plan", "identity": OTHER},
        {"id": "other-link", "text": "您好，详见 https://evil.example/plan", "identity": OTHER},
        {"id": "threat", "text": "再不还钱就等着坐牢"},
    )
    code, full = check_text(lines, "--profile", "CN")
    assert code == 0 and all(o["outcome"] == "blocked" for o in full)
    code, content = check_text(lines, "--profile", "CN", "--scope", "content")
    assert code == 0
    rules = {o["id"]: [v["rule"] for v in o["violations"]] for o in content}
    assert rules == {
        "bare": [],
        "link": [],  # no identity: nothing to hold a link against
        "own-link": [],
        "other-link": ["link.not_allowed"],
        "threat": ["content.threat_arrest"],
    }
    bad = runner.invoke(app, ["compliance", "check-text", "--scope", "partial"], input="")
    assert bad.exit_code == 2 and "full" in bad.output and "content" in bad.output


def test_check_text_judges_each_batch_once_per_group(isolated: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Lines are batched (5,000) and judge_records, which groups by keys and identity, runs once per
    batch; results stay in input order across batches and groups."""
    from dunning.compliance import gate

    judged = gate.judge_records
    calls: list[int] = []

    def counting(records: Any, *args: Any, **kwargs: Any) -> list[gate.Verdict]:
        calls.append(len(records))
        return judged(records, *args, **kwargs)

    monkeypatch.setattr(gate, "judge_records", counting)
    monkeypatch.setattr(compliance_cmd, "_BATCH", 4)
    records = [
        {"id": i, "text": OTHER_OK, "kind": "notice", **({"identity": OTHER} if i % 2 else {})}
        for i in range(10)
    ]
    code, out = check_text(_lines(*records))
    assert code == 0 and calls == [4, 4, 2]
    assert [o["id"] for o in out] == list(range(10))
    assert [o["outcome"] for o in out] == ["blocked" if i % 2 == 0 else "allowed" for i in range(10)]
