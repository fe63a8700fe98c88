"""All SQL of the jobs domain."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dunning.core.errors import NotFound
from dunning.jobs.models import jobs

__all__ = ["JobRecord", "create_job", "finish_job", "get_job", "list_jobs", "set_progress", "start_job"]


@dataclass(frozen=True, slots=True)
class JobRecord:
    id: int
    kind: str
    status: str
    subject: str
    sha256: str | None
    total: int | None
    done: int
    result: Any
    error: Any
    created_by: str
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "status": self.status,
            "subject": self.subject,
            "sha256": self.sha256,
            "total": self.total,
            "done": self.done,
            "result": self.result,
            "error": self.error,
            "created_by": self.created_by,
            "created_at": self.created_at.isoformat(),
            "started_at": self.started_at.isoformat() if self.started_at else None,
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
        }


def _record(row: Any) -> JobRecord:
    m = row._mapping
    return JobRecord(
        id=int(m["id"]),
        kind=m["kind"],
        status=m["status"],
        subject=m["subject"],
        sha256=m["sha256"],
        total=m["total"],
        done=int(m["done"] or 0),
        result=json.loads(m["result"]) if m["result"] else None,
        error=json.loads(m["error"]) if m["error"] else None,
        created_by=m["created_by"],
        created_at=m["created_at"],
        started_at=m["started_at"],
        finished_at=m["finished_at"],
    )


def create_job(
    conn: Connection, kind: str, subject: str, *, by: str, now: datetime, sha256: str | None = None
) -> JobRecord:
    job_id = conn.execute(
        jobs.insert()
        .values(
            kind=kind,
            status="queued",
            subject=subject[:255],
            sha256=sha256,
            done=0,
            created_by=by,
            created_at=now,
        )
        .returning(jobs.c.id)
    ).scalar_one()
    return get_job(conn, int(job_id))


def get_job(conn: Connection, job_id: int) -> JobRecord:
    row = conn.execute(sa.select(jobs).where(jobs.c.id == job_id)).first()
    if row is None:
        raise NotFound(f"no job {job_id}", f"没有编号为 {job_id} 的任务")
    return _record(row)


def list_jobs(conn: Connection, *, kind_prefix: str | None = None, limit: int = 50) -> list[JobRecord]:
    query = sa.select(jobs).order_by(jobs.c.id.desc()).limit(limit)
    if kind_prefix:
        query = query.where(jobs.c.kind.startswith(kind_prefix, autoescape=True))
    return [_record(r) for r in conn.execute(query)]


def start_job(conn: Connection, job_id: int, now: datetime, *, total: int | None = None) -> None:
    conn.execute(
        jobs.update().where(jobs.c.id == job_id).values(status="running", started_at=now, total=total)
    )


def set_progress(conn: Connection, job_id: int, done: int, total: int | None) -> None:
    conn.execute(jobs.update().where(jobs.c.id == job_id).values(done=done, total=total))


def finish_job(
    conn: Connection, job_id: int, now: datetime, *, result: Any = None, error: Any = None
) -> JobRecord:
    conn.execute(
        jobs.update()
        .where(jobs.c.id == job_id)
        .values(
            status="failed" if error is not None else "done",
            finished_at=now,
            result=json.dumps(result, ensure_ascii=False, default=str) if result is not None else None,
            error=json.dumps(error, ensure_ascii=False) if error is not None else None,
        )
    )
    return get_job(conn, job_id)
