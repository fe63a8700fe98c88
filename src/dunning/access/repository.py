"""All SQL of the access domain: operators, and the check that an operator may do an act."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from dunning.access.models import api_keys, idempotency_keys, operators
from dunning.access.roles import ACT_NAMES, ALLOWED, Act, Role
from dunning.core.errors import Conflict, InputError, NotFound, PermissionDenied, Unauthenticated

__all__ = [
    "DEFAULT_OPERATOR",
    "ApiKeyRecord",
    "OperatorRecord",
    "Replay",
    "add_operator",
    "authenticate",
    "authorize",
    "create_api_key",
    "ensure_default_operator",
    "get_operator",
    "list_api_keys",
    "list_operators",
    "may",
    "recall_idempotent",
    "remember_idempotent",
    "revoke_api_key",
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


def may(role: Role, act: Act) -> bool:
    """Whether ``role`` may do ``act`` (the same table :func:`authorize` reads)."""
    return role in ALLOWED[act]


# --------------------------------------------------------------------------------------------------
# API keys: ``dk_<prefix>_<secret>``. The prefix finds the row; only a SHA-256 of the secret is kept.
# The secret is 32 random bytes, so a fast hash is enough (nothing to brute-force, unlike a password).

_KEY = re.compile(r"^dk_([a-z0-9]{12})_([A-Za-z0-9_-]{43})$")
_TOUCH_EVERY = 60.0  # seconds between writes of last_used_at for one key


@dataclass(frozen=True, slots=True)
class ApiKeyRecord:
    id: int
    prefix: str
    label: str
    operator: str
    role: Role
    created_at: datetime
    created_by: str
    last_used_at: datetime | None
    revoked_at: datetime | None

    def as_dict(self) -> dict[str, object]:
        return {
            "prefix": self.prefix,
            "label": self.label,
            "operator": self.operator,
            "role": str(self.role),
            "created_at": self.created_at.isoformat(),
            "created_by": self.created_by,
            "last_used_at": self.last_used_at.isoformat() if self.last_used_at else None,
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
        }


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


_KEY_COLUMNS = (
    api_keys.c.id,
    api_keys.c.prefix,
    api_keys.c.label,
    operators.c.username,
    operators.c.role,
    api_keys.c.created_at,
    api_keys.c.created_by,
    api_keys.c.last_used_at,
    api_keys.c.revoked_at,
)


def _key_record(row: Any) -> ApiKeyRecord:
    return ApiKeyRecord(int(row[0]), row[1], row[2], row[3], Role(row[4]), row[5], row[6], row[7], row[8])


def create_api_key(
    conn: Connection, username: str, label: str, *, by: str, now: datetime
) -> tuple[ApiKeyRecord, str]:
    """A new key for operator ``username``; returns the record and the full key (shown once)."""
    found = get_operator(conn, username.strip())
    if found is None:
        raise NotFound(f"no operator named {username!r}", f"没有名为 {username!r} 的操作员")
    if not found.active:
        raise Conflict(f"operator {found.username!r} is disabled", f"操作员 {found.username!r} 已停用")
    name = label.strip()[:64] or "api"
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    conn.execute(
        api_keys.insert().values(
            operator_id=found.id,
            prefix=prefix,
            secret_hash=_digest(secret),
            label=name,
            created_at=now,
            created_by=by,
        )
    )
    record = _key_by_prefix(conn, prefix)
    assert record is not None
    return record, f"dk_{prefix}_{secret}"


def _key_by_prefix(conn: Connection, prefix: str) -> ApiKeyRecord | None:
    row = conn.execute(
        sa.select(*_KEY_COLUMNS)
        .select_from(api_keys.join(operators, operators.c.id == api_keys.c.operator_id))
        .where(api_keys.c.prefix == prefix)
    ).first()
    return _key_record(row) if row is not None else None


def list_api_keys(conn: Connection, *, include_revoked: bool = False) -> list[ApiKeyRecord]:
    query = (
        sa.select(*_KEY_COLUMNS)
        .select_from(api_keys.join(operators, operators.c.id == api_keys.c.operator_id))
        .order_by(api_keys.c.id)
    )
    if not include_revoked:
        query = query.where(api_keys.c.revoked_at.is_(None))
    return [_key_record(r) for r in conn.execute(query)]


def revoke_api_key(conn: Connection, prefix: str, *, by: str, now: datetime) -> ApiKeyRecord:
    found = _key_by_prefix(conn, prefix)
    if found is None:
        raise NotFound(f"no API key {prefix!r}", f"没有 API 密钥 {prefix!r}")
    if found.revoked_at is None:
        conn.execute(api_keys.update().where(api_keys.c.id == found.id).values(revoked_at=now, revoked_by=by))
    updated = _key_by_prefix(conn, prefix)
    assert updated is not None
    return updated


def authenticate(
    conn: Connection, presented: str | None, now: datetime
) -> tuple[ApiKeyRecord, OperatorRecord]:
    """The key and its operator, for an active key of an active operator; Unauthenticated otherwise."""
    if not presented:
        raise Unauthenticated(
            "an API key is required (Authorization: Bearer dk_…)",
            "需要 API 密钥（Authorization: Bearer dk_…）",
        )
    match = _KEY.match(presented.strip())
    row = None
    if match is not None:
        row = conn.execute(
            sa.select(api_keys.c.id, api_keys.c.secret_hash, api_keys.c.revoked_at, api_keys.c.last_used_at,
                      api_keys.c.operator_id)
            .where(api_keys.c.prefix == match.group(1))
        ).first()  # fmt: skip
    if row is None or match is None or not hmac.compare_digest(row[1], _digest(match.group(2))):
        raise Unauthenticated("unknown API key", "API 密钥无效")
    if row[2] is not None:
        raise Unauthenticated("this API key has been revoked", "该 API 密钥已被吊销")
    operator = conn.execute(sa.select(*_COLUMNS).where(operators.c.id == row[4])).first()
    if operator is None or not bool(operator[4]):
        raise Unauthenticated("the operator of this API key is disabled", "该 API 密钥的操作员已停用")
    last = row[3]
    if last is None or (now - last).total_seconds() > _TOUCH_EVERY:
        conn.execute(api_keys.update().where(api_keys.c.id == row[0]).values(last_used_at=now))
    record = _key_by_prefix(conn, match.group(1))
    assert record is not None
    return record, _record(operator)


# --------------------------------------------------------------------------------------------------
# Idempotency keys: the first answer to a create request, replayed to a retry of the same request.


@dataclass(frozen=True, slots=True)
class Replay:
    status_code: int
    body: bytes


def recall_idempotent(conn: Connection, api_key_id: int, key: str, request_hash: str) -> Replay | None:
    """The stored answer for ``key``, or None; Conflict when the key was used for another request."""
    t = idempotency_keys.c
    row = conn.execute(
        sa.select(t.request_hash, t.status_code, t.response).where(t.api_key_id == api_key_id, t.key == key)
    ).first()
    if row is None:
        return None
    if row[0] != request_hash:
        raise Conflict(
            "this Idempotency-Key was already used for a different request",
            "该 Idempotency-Key 已用于另一个不同的请求",
        )
    return Replay(int(row[1]), bytes(row[2]))


def remember_idempotent(
    conn: Connection, api_key_id: int, key: str, request_hash: str, replay: Replay, now: datetime
) -> None:
    conn.execute(
        idempotency_keys.insert().values(
            api_key_id=api_key_id,
            key=key,
            request_hash=request_hash,
            status_code=replay.status_code,
            response=replay.body,
            created_at=now,
        )
    )


def key_holder(conn: Connection, prefix: str) -> OperatorRecord | None:
    """The operator of an active key (by its public prefix), if both are still active: a session
    opened with a key ends when the key is revoked or its operator disabled."""
    found = _key_by_prefix(conn, prefix)
    if found is None or found.revoked_at is not None:
        return None
    operator = get_operator(conn, found.operator)
    return operator if operator is not None and operator.active else None
