"""Kinds of message: one vocabulary for templates, the gate, the message rows and the reports."""

from __future__ import annotations

from typing import Literal, get_args

__all__ = ["MESSAGE_KINDS", "MessageKind"]

#: ``collection``: a reminder the planner chose; the others answer what a debtor did
#: (dunning.compliance.kinds says which rules each is measured by).
MessageKind = Literal[
    "collection", "opt_out_confirmation", "promise_confirmation", "help_answer", "payment_received"
]
MESSAGE_KINDS: tuple[MessageKind, ...] = get_args(MessageKind)
