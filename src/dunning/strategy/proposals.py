"""All SQL of strategy proposals: a new strategy file, proposed, then approved or rejected.

The text is parsed before it is stored, so a proposal that exists is a strategy that loads (and
passes the checks of :mod:`dunning.strategy.checks` that the loader runs).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dunning.core.errors import ConfigError, Conflict, InputError, NotFound
from dunning.strategy.loader import parse_strategy
from dunning.strategy.models import Strategy
from dunning.strategy.tables import strategy_versions

__all__ = ["StrategyProposal", "decide", "get_proposal", "list_proposals", "propose"]

_MAX_TEXT = 200_000


@dataclass(frozen=True, slots=True)
class StrategyProposal:
    id: int
    status: str
    text: str
    sha256: str
    summary: str
    proposed_by: str
    proposed_at: datetime
    decided_by: str | None
    decided_at: datetime | None

    def as_dict(self, *, with_text: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "status": self.status,
            "sha256": self.sha256,
            "summary": self.summary,
            "proposed_by": self.proposed_by,
            "proposed_at": self.proposed_at.isoformat(),
            "decided_by": self.decided_by,
            "decided_at": self.decided_at.isoformat() if self.decided_at else None,
        }
        if with_text:
            out["text"] = self.text
        return out


_COLUMNS = (
    strategy_versions.c.id, strategy_versions.c.status, strategy_versions.c.text,
    strategy_versions.c.sha256, strategy_versions.c.summary, strategy_versions.c.proposed_by,
    strategy_versions.c.proposed_at, strategy_versions.c.decided_by, strategy_versions.c.decided_at,
)  # fmt: skip


def _record(row: Any) -> StrategyProposal:
    return StrategyProposal(int(row[0]), *row[1:])


def parse_proposal(text: str) -> Strategy:
    """The strategy a proposed text describes; a bad text is the proposer's input error (400)."""
    if len(text) > _MAX_TEXT:
        raise InputError(
            f"a strategy file may be at most {_MAX_TEXT} characters", f"策略文件最多 {_MAX_TEXT} 个字符"
        )
    try:
        return parse_strategy(text, "<proposal>")
    except ConfigError as exc:
        raise InputError(exc.en, exc.zh) from exc


def propose(conn: Connection, text: str, *, by: str, now: datetime) -> StrategyProposal:
    strategy = parse_proposal(text)
    summary = f"{strategy.id} v{strategy.version}: {len(strategy.segments)} segments"
    new_id = conn.execute(
        strategy_versions.insert()
        .values(
            status="proposed",
            text=text,
            sha256=hashlib.sha256(text.encode()).hexdigest(),
            summary=summary[:255],
            proposed_by=by,
            proposed_at=now,
        )
        .returning(strategy_versions.c.id)
    ).scalar_one()
    return get_proposal(conn, int(new_id))


def get_proposal(conn: Connection, proposal_id: int) -> StrategyProposal:
    row = conn.execute(sa.select(*_COLUMNS).where(strategy_versions.c.id == proposal_id)).first()
    if row is None:
        raise NotFound(f"no strategy proposal {proposal_id}", f"没有编号为 {proposal_id} 的策略提案")
    return _record(row)


def list_proposals(conn: Connection, *, status: str | None = None, limit: int = 50) -> list[StrategyProposal]:
    query = sa.select(*_COLUMNS).order_by(strategy_versions.c.id.desc()).limit(limit)
    if status is not None:
        query = query.where(strategy_versions.c.status == status)
    return [_record(r) for r in conn.execute(query)]


def decide(conn: Connection, proposal_id: int, status: str, *, by: str, now: datetime) -> StrategyProposal:
    """Mark a proposal approved or rejected (once: a decided proposal is final, Conflict otherwise)."""
    if status not in ("approved", "rejected"):
        raise InputError(f"unknown decision {status!r}", f"未知的决定 {status!r}")
    current = get_proposal(conn, proposal_id)
    if current.status != "proposed":
        raise Conflict(
            f"strategy proposal {proposal_id} is already {current.status}",
            f"策略提案 {proposal_id} 已是 {current.status} 状态",
        )
    conn.execute(
        strategy_versions.update()
        .where(strategy_versions.c.id == proposal_id)
        .values(status=status, decided_by=by, decided_at=now)
    )
    return get_proposal(conn, proposal_id)
