"""Masked forms of personal data, for messages, logs and screens (张*, 138****0013)."""

from __future__ import annotations

import re

_LATIN = re.compile(r"[A-Za-z]")


def mask_name(name: str) -> str:
    """Surname (first character) + '*' for Chinese names; first initial + '.' for Latin names.

    Only letters survive: whatever else a name holds (digits, URLs, punctuation) cannot reach a
    message through its masked form.
    """
    name = name.strip()
    if not name:
        return "*"
    first = name[0]
    if _LATIN.match(first):
        # The surname is personal data too: an initial only ("Jane Doe" → "J.").
        return f"{first.upper()}."
    if not first.isalpha():
        return "*"
    return f"{first}*"


def mask_phone(e164: str) -> str:
    """Keep the first 3 and last 4 digits of the national number: +8613800138000 → 138****8000."""
    digits = re.sub(r"\D", "", e164)
    national = digits[2:] if e164.startswith("+86") else digits[1:] if e164.startswith("+1") else digits
    if len(national) <= 7:
        return "*" * max(len(national) - 2, 0) + national[-2:]
    return f"{national[:3]}{'*' * (len(national) - 7)}{national[-4:]}"


def account_tail(account_id: str) -> str:
    """Last four digits (or characters) of an account id."""
    digits = re.sub(r"\D", "", account_id)
    source = digits if len(digits) >= 4 else re.sub(r"\W", "", account_id)
    return source[-4:]
