"""All SQL of template blocks: a provider refused a template's content or signature.

A blocked version is treated as not approved: the planner does not choose it and the submit-time
gate refuses it (``template.not_approved``) until a compliance officer releases the block.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dunning.templates.models import Template, TemplateCatalog
from dunning.templates.tables import template_blocks

__all__ = ["active_blocks", "block", "list_blocks", "release", "without_blocked"]


def block(
    conn: Connection, template_id: str, version: int | None, *, provider: str, error_code: str | None,
    reason: str, now: datetime,
) -> bool:  # fmt: skip
    """Block a template version (None = every version); False when it was blocked already."""
    t = template_blocks.c
    same = conn.execute(
        sa.select(t.id).where(
            t.template_id == template_id, t.released_at.is_(None),
            t.template_version.is_(None) if version is None else t.template_version == version,
        )
    ).first()  # fmt: skip
    if same is not None:
        return False
    conn.execute(
        template_blocks.insert().values(
            template_id=template_id, template_version=version, provider=provider[:64],
            error_code=(error_code or "")[:64] or None, reason=reason[:255], blocked_at=now,
        )
    )  # fmt: skip
    return True


def active_blocks(conn: Connection) -> set[tuple[str, int | None]]:
    t = template_blocks.c
    rows = conn.execute(sa.select(t.template_id, t.template_version).where(t.released_at.is_(None)))
    return {(str(tid), None if v is None else int(v)) for tid, v in rows}


def list_blocks(conn: Connection, *, include_released: bool = False) -> list[dict[str, Any]]:
    t = template_blocks.c
    query = sa.select(
        t.id,
        t.template_id,
        t.template_version,
        t.provider,
        t.error_code,
        t.reason,
        t.blocked_at,
        t.released_at,
        t.released_by,
    ).order_by(t.id)
    if not include_released:
        query = query.where(t.released_at.is_(None))
    return [dict(r._mapping) for r in conn.execute(query)]


def release(conn: Connection, template_id: str, version: int | None, *, by: str, now: datetime) -> int:
    t = template_blocks.c
    where = [t.template_id == template_id, t.released_at.is_(None)]
    if version is not None:
        where.append(sa.or_(t.template_version == version, t.template_version.is_(None)))
    result = conn.execute(template_blocks.update().where(*where).values(released_at=now, released_by=by))
    return int(result.rowcount or 0)


def without_blocked(catalog: TemplateCatalog, blocked: set[tuple[str, int | None]]) -> TemplateCatalog:
    """The catalog with blocked versions retired, so nothing chooses them."""
    if not blocked:
        return catalog
    changed: list[Template] = []
    for template in catalog.values():
        versions = tuple(
            v.model_copy(update={"state": "retired"})
            if v.state == "approved"
            and ((template.id, None) in blocked or (template.id, v.version) in blocked)
            else v
            for v in template.versions
        )
        changed.append(template.model_copy(update={"versions": versions}))
    return TemplateCatalog(changed, catalog.source)
