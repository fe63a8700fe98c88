"""The columns of the portfolio files and the account flags: pure constants, one source for the
importers, the tables, the debtor frame, the samples and the CLI's help."""

from __future__ import annotations

from typing import Literal

__all__ = ["FLAGS", "KINDS", "OPTIONAL", "RELATIONS", "REQUIRED", "STATE_FLAGS", "FileKind"]

FileKind = Literal["accounts", "contacts", "payments"]
KINDS: tuple[FileKind, ...] = ("accounts", "contacts", "payments")

#: Who a number belongs to, as the contacts file says.
RELATIONS = ("self", "spouse", "guarantor", "emergency", "employer", "other")
#: Account flags the lender's file carries.
FLAGS = ("dispute", "complaint", "bankrupt", "deceased", "time_barred", "opt_out")
#: The flags whose change means queued messages were planned on stale facts (time_barred changes
#: only the wording a message may use).
STATE_FLAGS = tuple(f for f in FLAGS if f != "time_barred")

REQUIRED: dict[FileKind, tuple[str, ...]] = {
    "accounts": ("account_id", "debtor_id", "name", "phone", "outstanding", "currency", "due_date"),
    "contacts": ("debtor_id", "phone", "relation", "verified"),
    "payments": ("payment_id", "account_id", "amount", "currency", "paid_at"),
}
OPTIONAL: dict[FileKind, tuple[str, ...]] = {
    "accounts": ("product", "principal", "timezone", "region", "risk_score", *FLAGS),
    "contacts": (),
    "payments": (),
}
