"""Message kinds: each answer is measured by the elements of its kind, and by every other rule."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from dunning import flows
from dunning.compliance import evaluate
from dunning.compliance import kinds as kinds_module
from dunning.compliance.kinds import not_required
from dunning.core.errors import ConfigError, InputError
from dunning.core.kinds import MESSAGE_KINDS, parse_kind
from dunning.templates import parse_templates
from dunning.templates.render import render_frame
from tests.compliance.compliance_texts import CN_OK, US_OK

ROW = {
    "name_masked": "张*",
    "amount_minor": 50_000,
    "currency": "CNY",
    "due_date": date(2026, 12, 5),
    "days_past_due": 3,
    "account_tail": "1234",
    "n_accounts": 1,
}


@pytest.mark.parametrize("profile", ["CN", "US"])
def test_default_answers_pass_the_gate_of_their_kind_and_not_as_reminders(profile: str) -> None:
    config = flows.builtin_config(profile)
    answers = [t for t in config.catalog.values() if t.kind != "collection"]
    assert {t.kind for t in answers} >= {"promise_confirmation", "help_answer", "payment_received"}
    frame = pl.DataFrame(
        [{**ROW, "currency": "CNY" if profile == "CN" else "USD"} for _ in answers]
    ).with_columns(pl.Series("template_id", [t.id for t in answers]))
    rendered = render_frame(frame, config.catalog, config.context).with_columns(
        pl.Series("kind", [t.kind for t in answers])
    )
    as_kind = evaluate(rendered.select("body", "kind"), config.profile)
    assert as_kind["violations"].to_list() == [[] for _ in answers]
    as_reminder = evaluate(rendered.select("body"), config.profile)["violations"].to_list()
    assert any(v for v in as_reminder), "an answer lacks something a reminder needs"
    assert all(not any(r.startswith("content.") for r in v) for v in as_reminder)


def test_a_payment_note_needs_no_days_overdue_but_still_passes_the_content_rules() -> None:
    config = flows.builtin_config("CN")
    body = "【安信金融】张*您好，安信消费金融已收到您的还款500.00元，感谢。客服95000"
    threat = body.replace("感谢。", "否则上门找你家人。")
    frame = pl.DataFrame(
        {"body": [body, body, threat], "kind": ["payment_received", "collection", "payment_received"]}
    )
    found = evaluate(frame, config.profile)["violations"].to_list()
    assert found[0] == []
    assert "required.overdue" in found[1]
    assert any(r.startswith("content.") for r in found[2])


def test_an_opt_out_confirmation_may_reach_the_number_that_opted_out_and_nothing_else_may() -> None:
    config = flows.builtin_config("US")
    body = "Harbor Lending: You are unsubscribed and will get no more texts from us."
    frame = pl.DataFrame(
        {
            "body": [body, body],
            "kind": ["opt_out_confirmation", "help_answer"],
            "opt_out": [True, True],
            "recipient_opted_out": [True, True],
        }
    )
    found = evaluate(frame, config.profile)["violations"].to_list()
    assert found[0] == []
    assert {"status.opt_out", "status.recipient_opted_out"} <= set(found[1])


# ---- kinds × required elements, both ways ------------------------------------------------------

ELEMENTS = ("signature", "creditor", "amount", "overdue", "contact", "opt_out_line", "collector_disclosure")
#: What each kind must carry (the table in compliance/docs.md), where the profile requires it at all.
REQUIRED: dict[str, set[str]] = {
    "collection": set(ELEMENTS),
    "notice": set(ELEMENTS) - {"amount", "overdue"},
    "promise_confirmation": set(ELEMENTS) - {"overdue"},
    "help_answer": set(ELEMENTS) - {"amount", "overdue"},
    "payment_received": set(ELEMENTS) - {"overdue"},
    "opt_out_confirmation": {"signature", "creditor", "collector_disclosure"},
}
#: A complete message per profile, and how to take each element out of it alone.
COMPLETE = {
    "CN": (
        CN_OK,
        {
            "signature": ("【安信金融】", ""),
            "creditor": ("您在安信消费金融的借款", "您的借款"),
            "amount": ("欠款3,456.78元，", ""),
            "overdue": ("已逾期15天，", ""),
            "contact": ("客服95000", ""),
        },
    ),
    "US": (
        US_OK,
        {
            "creditor": ("Harbor Lending: ", ""),
            "amount": (" Balance: $345.78.", ""),
            "overdue": (" is 15 days past due.", " is open."),
            "contact": (" Call 1-800-555-0100.", ""),
            "opt_out_line": (" Reply STOP to opt out.", ""),
        },
    ),
}


def test_every_kind_has_a_row_in_the_table() -> None:
    assert set(REQUIRED) == set(MESSAGE_KINDS)
    for kind in MESSAGE_KINDS:
        assert not_required(kind) == set(ELEMENTS) - REQUIRED[kind], kind


@pytest.mark.parametrize("profile", ["CN", "US"])
@pytest.mark.parametrize("kind", MESSAGE_KINDS)
def test_each_kind_needs_its_elements_and_only_those(profile: str, kind: str) -> None:
    config = flows.builtin_config(profile)
    complete, removals = COMPLETE[profile]
    assert set(removals) == set(config.profile.required_elements)
    names = list(removals)
    bodies = [complete] + [complete.replace(*removals[name]) for name in names]
    assert all(body != complete for body in bodies[1:])
    found = evaluate(pl.DataFrame({"body": bodies, "kind": [kind] * len(bodies)}), config.profile)
    got = found["violations"].to_list()
    assert got[0] == [], "the complete message passes as every kind"
    for name, violations in zip(names, got[1:], strict=True):
        expected = [f"required.{name}"] if name in REQUIRED[kind] else []
        assert violations == expected, (kind, name, violations)


@pytest.mark.parametrize("kind", MESSAGE_KINDS)
def test_a_debt_collector_disclosure_is_required_of_every_kind(kind: str) -> None:
    config = flows.builtin_config("US")
    profile = config.profile.model_copy(
        update={"required_elements": (*config.profile.required_elements, "collector_disclosure")}
    )
    disclosed = US_OK + " " + profile.collector_disclosure
    found = evaluate(pl.DataFrame({"body": [US_OK, disclosed], "kind": [kind, kind]}), profile)
    assert found["violations"].to_list() == [["required.collector_disclosure"], []]


def test_a_notice_gets_no_exemption_from_holds_or_payment() -> None:
    config = flows.builtin_config("CN")
    notice = CN_OK.replace("已逾期15天，欠款3,456.78元，", "还款计划已生效，")
    frame = pl.DataFrame(
        {
            "body": [notice, notice, notice, notice],
            "kind": ["notice", "notice", "notice", "help_answer"],
            "hold_reason": [None, "promise", "dispute", "promise"],
            "paid": [False, False, True, False],
        }
    )
    found = evaluate(frame, config.profile)["violations"].to_list()
    assert found == [[], ["status.hold"], ["status.paid", "status.hold"], []]


# ---- names on input ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "kind"),
    [
        ("reminder", "collection"),
        ("Reminder", "collection"),
        ("confirmation", "promise_confirmation"),
        ("help", "help_answer"),
        ("help answer", "help_answer"),
        ("Payment received", "payment_received"),
        ("payment-received", "payment_received"),
        ("notice", "notice"),
        ("account notice", "notice"),
        ("opt-out", "opt_out_confirmation"),
        (" collection ", "collection"),
    ],
)
def test_the_issue_names_are_aliases(given: str, kind: str) -> None:
    assert parse_kind(given) == kind


@pytest.mark.parametrize("given", ["letter", "", None, 3, "reminders"])
def test_an_unknown_kind_is_refused_in_both_languages(given: object) -> None:
    with pytest.raises(InputError) as info:
        parse_kind(given)
    assert "notice" in info.value.en and "未知的短信类型" in info.value.zh


def test_template_files_accept_the_aliases_and_refuse_unknown_kinds() -> None:
    text = """templates:
  - id: t-{n}
    profile: CN
    kind: {kind}
    versions:
      - {{version: 1, state: draft, body: "【{{signature}}】您好，{{creditor}}通知。客服{{hotline}}"}}
"""
    assert parse_templates(text.format(n=1, kind="reminder"))["t-1"].kind == "collection"
    assert parse_templates(text.format(n=2, kind="Help"))["t-2"].kind == "help_answer"
    assert parse_templates(text.format(n=3, kind="notice"))["t-3"].kind == "notice"
    with pytest.raises(ConfigError) as info:
        parse_templates(text.format(n=4, kind="letter"))
    assert "t-4" in info.value.en and "letter" in info.value.en and "未知的短信类型" in info.value.zh


def test_the_docs_table_is_what_the_gate_does() -> None:
    docs = (Path(kinds_module.__file__).parent / "docs.md").read_text(encoding="utf-8")
    columns = ("signature", "creditor", "amount", "overdue", "contact", "opt_out_line")
    rows = {}
    for line in docs.splitlines():
        match = re.match(r"^\| `(\w+)`", line)
        if match and match.group(1) in MESSAGE_KINDS:
            cells = [c.strip() for c in line.strip("|").split("|")]
            rows[match.group(1)] = {
                name for name, cell in zip(columns, cells[1:7], strict=True) if cell == "✔"
            }
    assert rows == {kind: REQUIRED[kind] & set(columns) for kind in MESSAGE_KINDS}
