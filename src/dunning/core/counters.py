"""Summaries of a run as counters that add up: one ``merge`` and one ``as_dict`` for all of them.

A subclass is a plain dataclass of counts. ``merge`` adds another instance field by field: numbers
add, booleans OR, dicts add per key, lists extend, nested counters merge, anything else keeps the
first value that is set (names such as a worker id). ``as_dict`` gives the JSON shape scripts read: lists are
shown as their length (they hold records, such as unmatched receipts, that may carry personal data),
nested counters as dicts.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any, Self

__all__ = ["Counters"]


@dataclass(slots=True)
class Counters:
    def merge(self, other: Self) -> None:
        """Add ``other``'s figures to this one's (a replayed day runs several passes)."""
        for spec in fields(self):
            mine, theirs = getattr(self, spec.name), getattr(other, spec.name)
            if isinstance(mine, Counters):
                mine.merge(theirs)
            elif isinstance(mine, bool):
                setattr(self, spec.name, mine or bool(theirs))
            elif isinstance(mine, int | float):
                setattr(self, spec.name, mine + theirs)
            elif isinstance(mine, dict):
                for key, value in theirs.items():
                    mine[key] = mine.get(key, 0) + value
            elif isinstance(mine, list):
                mine.extend(theirs)
            elif not mine:
                setattr(self, spec.name, theirs)  # a name (worker, provider) the empty total takes on

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for spec in fields(self):
            value = getattr(self, spec.name)
            if isinstance(value, Counters):
                out[spec.name] = value.as_dict()
            elif isinstance(value, list):
                out[spec.name] = len(value)
            elif isinstance(value, dict):
                out[spec.name] = dict(value)
            else:
                out[spec.name] = value
        return out
