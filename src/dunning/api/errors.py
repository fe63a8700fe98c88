"""Every refusal is JSON with a machine-readable code and a reason in Chinese and English; no
response ever carries a stack trace (an unexpected error is logged here and answered 500)."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from dunning.core.errors import (
    ConcurrencyError,
    ConfigError,
    Conflict,
    DunningError,
    ImportRejected,
    InputError,
    NotFound,
    PermissionDenied,
    SignatureError,
    Unauthenticated,
)

__all__ = ["ApiError", "error_body", "install_error_handlers"]

log = logging.getLogger("dunning.api")

#: (status, code) per error type; the first match in this order wins (subclasses first).
_STATUS: tuple[tuple[type[DunningError], int, str], ...] = (
    (ImportRejected, 422, "import_rejected"),
    (Unauthenticated, 401, "unauthenticated"),
    (SignatureError, 403, "bad_signature"),
    (PermissionDenied, 403, "forbidden"),
    (NotFound, 404, "not_found"),
    (Conflict, 409, "conflict"),
    (ConcurrencyError, 409, "busy"),
    (InputError, 400, "bad_request"),
    (ConfigError, 503, "misconfigured"),
)

_HTTP_TEXT: dict[int, tuple[str, str, str]] = {
    400: ("bad_request", "请求无效", "bad request"),
    401: ("unauthenticated", "需要 API 密钥", "an API key is required"),
    403: ("forbidden", "无权访问", "forbidden"),
    404: ("not_found", "没有这个地址", "no such resource"),
    405: ("method_not_allowed", "不支持该请求方法", "method not allowed"),
    406: ("not_acceptable", "无法提供所需格式", "not acceptable"),
    413: ("too_large", "请求体过大", "request body too large"),
    415: ("unsupported_media_type", "不支持的内容类型", "unsupported media type"),
    429: ("rate_limited", "请求过于频繁", "too many requests"),
}


class ApiError(DunningError):
    """An edge-level refusal with its own status and code (size limit, rate limit, bad cursor)."""

    def __init__(
        self, status: int, code: str, en: str, zh: str, *, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(en, zh)
        self.status = status
        self.code = code
        self.headers = headers or {}


def error_body(code: str, zh: str, en: str, **extra: Any) -> dict[str, Any]:
    return {"error": {"code": code, "zh": zh, "en": en, **extra}}


def _for(exc: DunningError) -> tuple[int, str]:
    for kind, status, code in _STATUS:
        if isinstance(exc, kind):
            return status, code
    return 500, "internal_error"


def dunning_error_response(exc: DunningError) -> JSONResponse:
    if isinstance(exc, ApiError):
        return JSONResponse(error_body(exc.code, exc.zh, exc.en), status_code=exc.status, headers=exc.headers)
    status, code = _for(exc)
    extra: dict[str, Any] = {}
    if isinstance(exc, ImportRejected):
        extra["rows"] = [
            {
                "line": getattr(e, "line", None),
                "column": getattr(e, "column", None),
                "zh": getattr(e, "reason_zh", str(e)),
                "en": getattr(e, "reason_en", str(e)),
            }
            for e in exc.errors[:1000]
        ]
    if status >= 500:
        log.error("API configuration error: %s", exc.en)
    return JSONResponse(error_body(code, exc.zh, exc.en, **extra), status_code=status)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(DunningError)
    async def _dunning(request: Request, exc: DunningError) -> JSONResponse:
        return dunning_error_response(exc)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            {"where": ".".join(str(p) for p in e.get("loc", ())), "en": str(e.get("msg", ""))[:300]}
            for e in exc.errors()[:50]
        ]
        first = problems[0] if problems else {"where": "", "en": "invalid request"}
        return JSONResponse(
            error_body(
                "invalid_request",
                f"请求参数无效：{first['where']}",
                f"invalid request: {first['where']}: {first['en']}",
                problems=problems,
            ),
            status_code=422,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code, zh, en = _HTTP_TEXT.get(exc.status_code, ("http_error", "请求失败", "request failed"))
        return JSONResponse(
            error_body(code, zh, en), status_code=exc.status_code, headers=getattr(exc, "headers", None)
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unexpected error in %s %s", request.method, request.url.path)
        return JSONResponse(
            error_body("internal_error", "服务器内部错误（已记录）", "internal server error (logged)"),
            status_code=500,
        )
