"""Message kinds: which rules each kind of message is measured by.

A collection reminder needs every required element; an account notice (a statement, a plan approved,
a settlement) and the answers to what a debtor did need what makes sense for them (a payment-received
note states no days overdue; an opt-out confirmation carries no amount and no "reply TD to opt out").
Every kind still passes every content, personal-data, link, length and frequency rule (the table of
kinds × required elements is in docs.md). Two kinds may reach a debtor whom collection reminders may
not:

- ``opt_out_confirmation`` (US: at most one, within 5 minutes, FCC 24-24 / 47 CFR 64.1200(a)(12)) goes to
  the number that just opted out, whenever the request arrived: it is exempt from the opt-out, hold and
  send-window rules only.
- answers to a debtor who is held because they said they paid or promised (a promise confirmation, a
  help answer, a payment-received note) are exempt from the hold rule for those two hold reasons
  only; a complaint, dispute or hardship hold stops them like everything else.

The gate reads the optional ``kind`` column; a frame without it holds collection reminders only.
"""

from __future__ import annotations

import polars as pl

from dunning.core.kinds import MESSAGE_KINDS, MessageKind

__all__ = [
    "ANSWERED_HOLD_REASONS",
    "KIND_COLUMN",
    "MESSAGE_KINDS",
    "MessageKind",
    "exemption",
    "not_required",
]

KIND_COLUMN = "kind"

#: Holds under which a debtor may still get an answer to what they asked or did.
ANSWERED_HOLD_REASONS = ("promise", "paid_claim")

_NOT_REQUIRED: dict[str, frozenset[str]] = {
    "opt_out_confirmation": frozenset({"amount", "overdue", "contact", "opt_out_line"}),
    "promise_confirmation": frozenset({"overdue"}),
    "help_answer": frozenset({"amount", "overdue"}),
    "payment_received": frozenset({"overdue"}),
    # an account notice names who it is from and how to reach them, not what is owed
    "notice": frozenset({"amount", "overdue"}),
}
_ALWAYS_EXEMPT: dict[str, frozenset[str]] = {
    "opt_out_confirmation": frozenset(
        {"status.opt_out", "status.recipient_opted_out", "status.hold", "time.window"}
    ),
    "payment_received": frozenset({"status.paid"}),
}
_ANSWERING = ("promise_confirmation", "help_answer", "payment_received")


def not_required(kind: MessageKind) -> frozenset[str]:
    """The required elements ``kind`` is not measured by (``collection``: none)."""
    return _NOT_REQUIRED.get(kind, frozenset())


def _kinds_exempt(rule_id: str) -> list[str]:
    out = [k for k, rules in _ALWAYS_EXEMPT.items() if rule_id in rules]
    if rule_id == "content.opt_out_missing":  # the content-scope form of required.opt_out_line
        rule_id = "required.opt_out_line"
    if rule_id.startswith("required."):
        element = rule_id.removeprefix("required.")
        out += [k for k, elements in _NOT_REQUIRED.items() if element in elements]
    return sorted(set(out))


def exemption(rule_id: str) -> pl.Expr | None:
    """True on rows whose kind is exempt from ``rule_id``; None when no kind is."""
    kind = pl.col(KIND_COLUMN).cast(pl.String).fill_null("collection")
    parts: list[pl.Expr] = []
    exempt = _kinds_exempt(rule_id)
    if exempt:
        parts.append(kind.is_in(exempt))
    if rule_id == "status.hold":
        reason = pl.col("hold_reason").cast(pl.String).fill_null("")
        parts.append(kind.is_in(list(_ANSWERING)) & reason.is_in(list(ANSWERED_HOLD_REASONS)))
    return pl.any_horizontal(parts) if parts else None
