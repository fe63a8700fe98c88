"""The HTTP server of ``dunning serve``: the REST API under ``/v1`` and the dashboard under ``/``.

One process holds one :class:`~dunning.api.security.Surface` (settings, engine, rate limits, a
thread for background jobs). Run it behind a reverse proxy in production; it binds to loopback by
default. OpenAPI at ``/openapi.json``, interactive docs at ``/docs``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute
from sqlalchemy.engine import Engine

from dunning import __version__
from dunning.access.roles import ALLOWED
from dunning.api.errors import install_error_handlers
from dunning.api.limits import BodySizeLimit, RateLimiter
from dunning.api.security import Allow, Surface
from dunning.core.settings import Settings

__all__ = ["api_routes", "create_app", "declared_act"]

_DESCRIPTION = """\
dunning 的 REST API：债务人、账户、还款、模板与策略、计划与发送、短信、回复、承诺、任务、报表。
The REST API of dunning: debtors, accounts, payments, templates and strategies, plans and runs,
messages, replies, promises, tasks and reports.

- 认证 / Auth: `Authorization: Bearer dk_…` (an operator's API key; `dunning keys create`).
- 每个接口注明允许的角色（`x-roles`）/ every operation lists the roles it allows (`x-roles`).
- 错误 / Errors: `{"error": {"code", "zh", "en"}}` with a 4xx status; never a stack trace.
- 创建类 POST 支持 `Idempotency-Key` / create POSTs accept an `Idempotency-Key` header.
- 分页 / Pages: `?limit=&cursor=` → `{"items": [...], "next_cursor": …}`.
"""


def declared_act(route: APIRoute) -> Any:
    """The act an endpoint declared with ``Depends(Allow(act))``, or None (public / webhooks)."""
    stack = list(route.dependant.dependencies)
    while stack:
        dep = stack.pop()
        if isinstance(dep.call, Allow):
            return dep.call.act
        stack.extend(dep.dependencies)
    return None


def create_app(settings: Settings | None = None, *, engine: Engine | None = None) -> FastAPI:
    from dunning.api import routes_activity, routes_admin, routes_compliance, routes_content, routes_portfolio
    from dunning.core.db import make_engine
    from dunning.core.settings import get_settings

    chosen = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        app.state.surface.jobs.shutdown(wait=True)  # a running import or send finishes first

    app = FastAPI(
        lifespan=lifespan,
        title="dunning",
        version=__version__,
        description=_DESCRIPTION,
        openapi_url="/openapi.json",
        docs_url="/docs",
        redoc_url=None,
    )
    app.state.surface = Surface(
        settings=chosen,
        engine=engine or make_engine(chosen.database_url),
        limiter=RateLimiter(chosen.api_rate, chosen.api_burst),
        upload_dir=Path(".dunning-uploads"),
    )
    install_error_handlers(app)
    routers = [
        m.router for m in (routes_portfolio, routes_content, routes_compliance, routes_activity, routes_admin)
    ]
    webhooks = _webhooks()
    if webhooks is not None:
        routers.append(webhooks)
    app.state.api_routes = [r for router in routers for r in router.routes if isinstance(r, APIRoute)]
    _document_roles(app.state.api_routes)
    for router in routers:
        app.include_router(router)
    _dashboard(app)

    @app.get("/healthz", tags=["meta"], summary="存活检查 / Liveness")
    def healthz() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    app.add_middleware(
        BodySizeLimit,  # type: ignore[arg-type]
        limit=chosen.api_max_body,
        upload_limit=chosen.api_max_upload,
        upload_prefixes=("/v1/imports",),
    )
    return app


def _webhooks() -> Any:
    try:
        from dunning.api import routes_webhooks
    except ImportError:  # pragma: no cover - the HTTP providers are part of the package
        return None
    return routes_webhooks.router


def _dashboard(app: FastAPI) -> None:
    try:
        from dunning.web import pages
    except ImportError:  # pragma: no cover
        return
    pages.install(app)


def api_routes(app: FastAPI) -> list[APIRoute]:
    """Every REST endpoint of the app (the routers' own routes, as declared)."""
    found: list[APIRoute] = app.state.api_routes
    return found


def _document_roles(routes: list[APIRoute]) -> None:
    """Put each operation's allowed roles into the OpenAPI document (``x-roles``, and the text)."""
    for route in routes:
        act = declared_act(route)
        if act is None:
            continue
        roles = sorted(r.value for r in ALLOWED[act])
        route.openapi_extra = {**(route.openapi_extra or {}), "x-act": act.value, "x-roles": roles}
        note = f"角色 / Roles: {', '.join(roles)}"
        route.description = f"{route.description}\n\n{note}" if route.description else note
