"""The intents a reply can carry, and which one drives the action when a reply carries several."""

from __future__ import annotations

from enum import StrEnum

__all__ = ["PRIORITY", "Intent"]


class Intent(StrEnum):
    OPT_OUT = "opt_out"
    PAID = "paid"
    PROMISE = "promise"
    HARDSHIP = "hardship"
    DISPUTE = "dispute"
    WRONG_NUMBER = "wrong_number"
    COMPLAINT = "complaint"
    HELP = "help"
    OTHER = "other"


#: Most action-driving first. A complaint or a stop request must never be lost behind a promise;
#: a dispute or a wrong party stops collection on the account before any payment bookkeeping.
PRIORITY: tuple[Intent, ...] = (
    Intent.COMPLAINT,
    Intent.OPT_OUT,
    Intent.DISPUTE,
    Intent.WRONG_NUMBER,
    Intent.PAID,
    Intent.PROMISE,
    Intent.HARDSHIP,
    Intent.HELP,
    Intent.OTHER,
)

RANK: dict[Intent, int] = {intent: i for i, intent in enumerate(PRIORITY)}
