"""Kinds of message: one vocabulary for templates, the gate, the message rows and the reports."""

from __future__ import annotations

from typing import Literal, get_args

from dunning.core.errors import InputError

__all__ = ["KIND_ALIASES", "MESSAGE_KINDS", "MessageKind", "parse_kind"]

#: ``collection``: a reminder the planner chose; ``notice``: an account notice (a statement, a plan
#: approved, a settlement); the others answer what a debtor did (dunning.compliance.kinds says which
#: rules each is measured by).
MessageKind = Literal[
    "collection",
    "opt_out_confirmation",
    "promise_confirmation",
    "help_answer",
    "payment_received",
    "notice",
]
MESSAGE_KINDS: tuple[MessageKind, ...] = get_args(MessageKind)

#: Other names accepted on input (check-text lines, template files), after lower-casing and turning
#: spaces and hyphens into underscores ("Help answer", "payment-received" are the kinds themselves).
KIND_ALIASES: dict[str, MessageKind] = {
    "reminder": "collection",
    "collection_reminder": "collection",
    "confirmation": "promise_confirmation",
    "promise": "promise_confirmation",
    "help": "help_answer",
    "payment": "payment_received",
    "opt_out": "opt_out_confirmation",
    "account_notice": "notice",
}


def parse_kind(value: object) -> MessageKind:
    """The kind ``value`` names (a kind or an alias, any case); InputError naming the choices."""
    if isinstance(value, str):
        key = "_".join(value.strip().lower().replace("-", " ").split())
        for kind in MESSAGE_KINDS:
            if key == kind:
                return kind
        if key in KIND_ALIASES:
            return KIND_ALIASES[key]
    kinds = ", ".join(MESSAGE_KINDS)
    aliases = ", ".join(f"{a} → {k}" for a, k in KIND_ALIASES.items())
    raise InputError(
        f"unknown message kind {value!r}; kinds: {kinds} (also {aliases})",
        f"未知的短信类型 {value!r}；可用：{'、'.join(MESSAGE_KINDS)}（别名：{aliases}）",
    )
