"""Shared values for the template tests."""

from __future__ import annotations

from datetime import date

import polars as pl

from dunning.templates import RenderContext, RowValues

CN_CONTEXT = RenderContext("安信消费金融", "安信金融", "95000", "安信金融App", "https://m.anxin.example/pay")
US_CONTEXT = RenderContext(
    "Acme Lending", "Acme", "1-800-555-0100", "the Acme app", "https://acme.example/pay"
)

FRAME_SCHEMA: dict[str, pl.DataType] = {
    "template_id": pl.Utf8(),
    "name_masked": pl.Utf8(),
    "amount_minor": pl.Int64(),
    "currency": pl.Utf8(),
    "due_date": pl.Date(),
    "days_past_due": pl.Int32(),
    "account_tail": pl.Utf8(),
    "n_accounts": pl.Int32(),
}


def frame_of(rows: list[tuple[str | None, RowValues]]) -> pl.DataFrame:
    """A Debtor-like frame from (template_id, values) pairs."""
    return pl.DataFrame(
        {
            "template_id": [t for t, _ in rows],
            "name_masked": [v.name_masked for _, v in rows],
            "amount_minor": [v.amount_minor for _, v in rows],
            "currency": [v.currency for _, v in rows],
            "due_date": [v.due_date for _, v in rows],
            "days_past_due": [v.days_past_due for _, v in rows],
            "account_tail": [v.account_tail for _, v in rows],
            "n_accounts": [v.n_accounts for _, v in rows],
        },
        schema=FRAME_SCHEMA,
    )


def values(**changes: object) -> RowValues:
    """Typical CN values with some fields replaced."""
    base: dict[str, object] = {
        "name_masked": "张*",
        "amount_minor": 123450,
        "currency": "CNY",
        "due_date": date(2026, 11, 28),
        "days_past_due": 5,
        "account_tail": "1234",
        "n_accounts": 1,
    }
    base.update(changes)
    return RowValues(**base)  # type: ignore[arg-type]
