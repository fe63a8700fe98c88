"""Promises to pay: made from replies or calls, held until the date plus grace, settled by payments.

Owns ``promises``. What a promise does to the rest (holds, cancelled messages, escalation on a broken
one) is composed in :mod:`dunning.flows`; this package only keeps the record.
"""

from dunning.promises.repository import PENDING, SETTLED, PromiseRecord

__all__ = ["PENDING", "SETTLED", "PromiseRecord"]
