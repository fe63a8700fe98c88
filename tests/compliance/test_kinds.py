"""Message kinds: each answer is measured by the elements of its kind, and by every other rule."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from dunning import flows
from dunning.compliance import evaluate
from dunning.templates.render import render_frame

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
