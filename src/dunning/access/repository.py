"""All SQL of the access domain: operators, and the check that an operator may do an act."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dunning.access.models import operators
from dunning.access.roles import ACT_NAMES, ALLOWED, Act, Role
from dunning.core.errors import InputError, NotFound, PermissionDenied

__all__ = [
    "DEFAULT_OPERATOR",
    "OperatorRecord",
    "add_operator",
    "authorize",
    "ensure_default_operator",
    "get_operator",
    "list_operators",
    "set_active",
]

#: The operator ``dunning init`` creates on a fresh install (an admin, so the first real operators
#: can be added with ``--by admin``).
DEFAULT_OPERATOR = "admin"
_NAME = re.compile(r"^[\w.@-]{1,64}$")


@dataclass(frozen=True, slots=True)
class OperatorRecord:
    id: int
    username: str
    display_name: str
    role: Role
    active: bool
    created_at: datetime

    def as_dict(self) -> dict[str, object]:
        return {
            "username": self.username,
            "display_name": self.display_name,
            "role": str(self.role),
            "active": self.active,
            "created_at": self.created_at.isoformat(),
        }


def _record(row: Any) -> OperatorRecord:
    return OperatorRecord(int(row[0]), row[1], row[2], Role(row[3]), bool(row[4]), row[5])


_COLUMNS = (
    operators.c.id,
    operators.c.username,
    operators.c.display_name,
    operators.c.role,
    operators.c.active,
    operators.c.created_at,
)


def _role(value: str) -> Role:
    try:
        return Role(value)
    except ValueError:
        names = ", ".join(r.value for r in Role)
        raise InputError(
            f"unknown role {value!r}; roles: {names}", f"未知角色 {value!r}；可选：{names}"
        ) from None


def get_operator(conn: Connection, username: str) -> OperatorRecord | None:
    row = conn.execute(sa.select(*_COLUMNS).where(operators.c.username == username)).first()
    return _record(row) if row is not None else None


def list_operators(conn: Connection, *, include_disabled: bool = True) -> list[OperatorRecord]:
    query = sa.select(*_COLUMNS).order_by(operators.c.username)
    if not include_disabled:
        query = query.where(operators.c.active.is_(True))
    return [_record(r) for r in conn.execute(query)]


def add_operator(
    conn: Connection, username: str, role: str, now: datetime, *, display_name: str | None = None
) -> OperatorRecord:
    """A new, active operator. The name is what ``--by`` gives: letters (any script), digits, ``._@-``."""
    name = username.strip()
    if not _NAME.match(name):
        raise InputError(
            f"operator name {username!r} must be 1–64 letters, digits or . _ @ -",
            f"操作员名称 {username!r} 须为 1–64 个字母、数字或 . _ @ -",
        )
    chosen = _role(role)
    if get_operator(conn, name) is not None:
        raise InputError(f"operator {name!r} already exists", f"操作员 {name!r} 已存在")
    conn.execute(
        operators.insert().values(
            username=name, display_name=(display_name or name)[:128], role=chosen, active=True, created_at=now
        )
    )
    found = get_operator(conn, name)
    assert found is not None
    return found


def set_active(conn: Connection, username: str, active: bool) -> OperatorRecord:
    found = get_operator(conn, username)
    if found is None:
        raise NotFound(f"no operator named {username!r}", f"没有名为 {username!r} 的操作员")
    conn.execute(operators.update().where(operators.c.id == found.id).values(active=active))
    return OperatorRecord(found.id, found.username, found.display_name, found.role, active, found.created_at)


def ensure_default_operator(conn: Connection, now: datetime) -> OperatorRecord | None:
    """On an install without any operator, create :data:`DEFAULT_OPERATOR` (admin); else None."""
    if conn.execute(sa.select(sa.func.count()).select_from(operators)).scalar_one():
        return None
    return add_operator(conn, DEFAULT_OPERATOR, Role.ADMIN, now, display_name="管理员 / Administrator")


def authorize(conn: Connection, username: str | None, act: Act) -> OperatorRecord:
    """The active operator ``username`` if their role may do ``act``; a clear refusal otherwise."""
    zh_act, en_act = ACT_NAMES[act]
    allowed = ALLOWED[act]
    need = " or ".join(sorted(r.value for r in allowed))
    need_zh = "或".join(sorted(r.value for r in allowed))
    if not username or not username.strip():
        raise InputError(
            f"to {en_act} name the operator with --by (or DUNNING_OPERATOR); it needs the role {need}",
            f"{zh_act}须用 --by（或 DUNNING_OPERATOR）注明操作员，且其角色须为 {need_zh}",
        )
    found = get_operator(conn, username.strip())
    if found is None:
        raise PermissionDenied(
            f"{username!r} is not an operator (list them with `dunning operators list`)",
            f"{username!r} 不是操作员（`dunning operators list` 可查看）",
        )
    if not found.active:
        raise PermissionDenied(
            f"operator {found.username!r} is disabled", f"操作员 {found.username!r} 已停用"
        )
    if found.role not in allowed:
        raise PermissionDenied(
            f"operator {found.username!r} ({found.role}) may not {en_act}: that needs the role {need}",
            f"操作员 {found.username!r}（{found.role}）无权{zh_act}：需要角色 {need_zh}",
        )
    return found
