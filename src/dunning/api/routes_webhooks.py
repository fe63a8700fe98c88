"""Provider callbacks: delivery reports and replies, posted by the vendor. No API key: each
proves itself by the vendor's signature (or a shared token), checked by the provider; a callback
that fails is refused (403) and recorded. Retried callbacks are stored once (receipts settle a
message once; replies are de-duplicated by the provider's id or the text's hash)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi import Path as PathParam
from fastapi.responses import Response

from dunning import flows
from dunning.api.security import surface
from dunning.core.clock import utcnow
from dunning.core.db import unit_of_work
from dunning.core.errors import SignatureError
from dunning.sending.providers.http import CallbackRequest
from dunning.sending.providers.routing import callback_handler

router = APIRouter(prefix="/v1/webhooks", tags=["webhooks"])

Name = Annotated[
    str, PathParam(pattern=r"^[A-Za-z0-9_.-]{1,32}$", description="通道或路由名 / provider or route name")
]
Kind = Annotated[str, PathParam(pattern=r"^[a-z_]{1,16}$", description="status | reply | inbound")]


def _called_url(request: Request) -> str:
    """The URL as the vendor called it: behind a proxy, the configured public base URL."""
    base = surface(request).settings.public_url.rstrip("/")
    if not base:
        return str(request.url)
    query = request.url.query
    return f"{base}{request.url.path}" + (f"?{query}" if query else "")


@router.post("/{name}/{kind}", summary="通道回调（回执、上行）/ Provider callback (receipts, replies)")
async def callback(request: Request, name: Name, kind: Kind) -> Response:
    from starlette.concurrency import run_in_threadpool

    s = surface(request)
    provider = s.provider()
    handler = callback_handler(provider, name)
    incoming = CallbackRequest(
        method=request.method,
        url=_called_url(request),
        headers={k.lower(): v for k, v in request.headers.items()},
        body=await request.body(),
        query=dict(request.query_params),
    )

    def work() -> Response:
        now = utcnow()
        try:
            result = handler.handle_callback(kind, incoming, now=now)
        except SignatureError as exc:
            with unit_of_work(s.engine) as conn:
                flows.record_webhook_refusal(conn, name, kind, exc.en, now)
            raise
        config, cipher = s.config(), s.cipher()
        with unit_of_work(s.engine) as conn:
            if result.replies:  # replies first: an opt-out must stop what follows
                flows.ingest_replies(conn, result.replies, now, cipher=cipher, config=config, provider=name)
            if result.receipts:
                flows.ingest_receipts(
                    conn, result.receipts, now, provider=provider.name,
                    id_format=getattr(handler, "receipt_id_format", provider.receipt_id_format),
                    cipher=cipher,
                )  # fmt: skip
        return Response(result.body, status_code=result.status_code, media_type=result.media_type)

    return await run_in_threadpool(work)
