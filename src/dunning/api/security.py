"""Who is asking and whether they may: API keys (``Authorization: Bearer dk_…``), the roles of
:data:`dunning.access.roles.ALLOWED`, rate limits per key, and idempotent creates.

Each endpoint declares its act with ``Depends(Allow(Act.X))``; the role matrix test reads those
declarations from the routes, and the OpenAPI document lists the roles of every operation.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from fastapi import Depends, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from dunning.access import (
    ApiKeyRecord,
    OperatorRecord,
    Replay,
    authenticate,
    may,
    recall_idempotent,
    remember_idempotent,
)
from dunning.access.roles import ACT_NAMES, ALLOWED, Act
from dunning.api.errors import ApiError
from dunning.api.limits import RateLimiter
from dunning.core.clock import utcnow
from dunning.core.crypto import PersonalDataCipher
from dunning.core.db import unit_of_work
from dunning.core.errors import PermissionDenied
from dunning.core.settings import Settings

__all__ = ["Allow", "Principal", "Surface", "decode_cursor", "encode_cursor", "idempotent", "json_response"]

_bearer = HTTPBearer(auto_error=False, description="API key: `Authorization: Bearer dk_…`")


@dataclass
class Surface:
    """What every request of one server shares: settings, the engine, keys, limits, background work."""

    settings: Settings
    engine: Engine
    limiter: RateLimiter
    jobs: ThreadPoolExecutor = field(default_factory=lambda: ThreadPoolExecutor(max_workers=1))
    progress: dict[int, float] = field(default_factory=dict)
    upload_dir: Path = field(default_factory=lambda: Path(".dunning-uploads"))
    _cipher: PersonalDataCipher | None = None
    _config: Any = None
    _provider: Any = None
    _config_stamp: tuple[float, ...] = ()
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def cipher(self) -> PersonalDataCipher:
        if self._cipher is None:
            from dunning.core.keyring import load_cipher

            self._cipher = load_cipher(self.settings)
        return self._cipher

    def provider(self) -> Any:
        """The configured provider, for its callbacks (never opened here: the worker sends)."""
        with self._lock:
            if self._provider is None:
                from dunning.sending.providers.registry import build_provider

                self._provider = build_provider(self.settings.provider_url)
            return self._provider

    def config(self) -> Any:
        """The day's configuration (strategy, templates, profile), re-read when a file changes."""
        from dunning.flows import load_config

        files = (self.settings.strategy_file, self.settings.templates_file, self.settings.compliance_file)
        stamp = tuple(f.stat().st_mtime_ns if f.exists() else -1.0 for f in files)
        with self._lock:
            if self._config is None or stamp != self._config_stamp:
                self._config = load_config(self.settings)
                self._config_stamp = stamp
            return self._config


def surface(request: Request) -> Surface:
    found: Surface = request.app.state.surface
    return found


@dataclass(frozen=True, slots=True)
class Principal:
    key: ApiKeyRecord | None  # None for a dashboard session (the key stays in the browser's cookie)
    operator: OperatorRecord

    @property
    def name(self) -> str:
        return self.operator.username


def authenticate_key(request: Request, presented: str | None) -> tuple[ApiKeyRecord, OperatorRecord]:
    s = surface(request)
    with unit_of_work(s.engine) as conn:
        key, operator = authenticate(conn, presented, utcnow())
    wait = s.limiter.take(key.prefix)
    if wait > 0:
        raise ApiError(
            429,
            "rate_limited",
            f"too many requests for this key; retry in {math.ceil(wait)} s",
            f"该密钥请求过于频繁，请 {math.ceil(wait)} 秒后重试",
            headers={"Retry-After": str(math.ceil(wait))},
        )
    return key, operator


def check_role(operator: OperatorRecord, act: Act) -> None:
    if not may(operator.role, act):
        zh_act, en_act = ACT_NAMES[act]
        need = ", ".join(sorted(r.value for r in ALLOWED[act]))
        raise PermissionDenied(
            f"operator {operator.username!r} ({operator.role}) may not {en_act}: that needs the role {need}",
            f"操作员 {operator.username!r}（{operator.role}）无权{zh_act}：需要角色 {need}",
        )


class Allow:
    """The dependency of an endpoint: a valid key whose operator's role may do ``act``."""

    def __init__(self, act: Act) -> None:
        self.act = act

    def __call__(
        self, request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(_bearer)
    ) -> Principal:
        presented = credentials.credentials if credentials is not None else request.headers.get("x-api-key")
        key, operator = authenticate_key(request, presented)
        check_role(operator, self.act)
        return Principal(key, operator)


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"after:{last_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int:
    if not cursor:
        return 0
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        kind, _, value = text.partition(":")
        number = int(value)
        if kind != "after" or number < 0 or len(value) > 18:
            raise ValueError(text)
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "bad_cursor", "the cursor is not one this API gave out", "游标无效") from None
    return number


def page(items: list[dict[str, Any]], limit: int, id_key: str = "pk") -> dict[str, Any]:
    """A page of rows in id order; the row id (``pk``) is used for the cursor and not shown."""
    next_cursor = encode_cursor(int(items[-1][id_key])) if len(items) == limit and items else None
    if id_key == "pk":
        for item in items:
            item.pop("pk", None)
    return {"items": items, "next_cursor": next_cursor}


def json_response(payload: Any, status_code: int = 200, headers: dict[str, str] | None = None) -> Response:
    body = json.dumps(jsonable_encoder(payload), ensure_ascii=False).encode()
    return Response(body, status_code=status_code, media_type="application/json", headers=headers)


async def idempotent(
    request: Request,
    principal: Principal,
    produce: Callable[[Connection], Any],
    *,
    status_code: int = 201,
) -> Response:
    """Run a create in one transaction; with an ``Idempotency-Key`` header, store its answer in the
    same transaction and give a retry of the same request that answer again (409 for a different
    request under the same key)."""
    from starlette.concurrency import run_in_threadpool

    key = request.headers.get("idempotency-key")
    if key is not None and not (1 <= len(key) <= 128 and key.isprintable()):
        raise ApiError(
            400,
            "bad_idempotency_key",
            "Idempotency-Key must be 1–128 printable characters",
            "Idempotency-Key 须为 1–128 个可打印字符",
        )
    body = await request.body()
    digest = hashlib.sha256(
        b"\n".join(
            [request.method.encode(), request.url.path.encode(), str(request.url.query).encode(), body]
        )
    ).hexdigest()
    engine = surface(request).engine
    key_id = principal.key.id if principal.key is not None else None

    def work() -> Response:
        try:
            with unit_of_work(engine) as conn:
                if key is not None and key_id is not None:
                    stored = recall_idempotent(conn, key_id, key, digest)
                    if stored is not None:
                        return Response(
                            stored.body,
                            status_code=stored.status_code,
                            media_type="application/json",
                            headers={"Idempotent-Replayed": "true"},
                        )
                result = produce(conn)
                answer = json.dumps(jsonable_encoder(result), ensure_ascii=False).encode()
                if key is not None and key_id is not None:
                    remember_idempotent(conn, key_id, key, digest, Replay(status_code, answer), utcnow())
            return Response(answer, status_code=status_code, media_type="application/json")
        except IntegrityError:
            if key is None:
                raise
            raise ApiError(
                409,
                "idempotency_in_progress",
                "a request with this Idempotency-Key is being processed; retry",
                "相同 Idempotency-Key 的请求正在处理，请稍后重试",
            ) from None

    return await run_in_threadpool(work)
