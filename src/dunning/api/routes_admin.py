"""Who is who: the caller, operators, API keys (admin), and the event log (audit roles)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.engine import Connection

from dunning import flows
from dunning.access import list_api_keys, list_operators
from dunning.access.roles import ALLOWED, Act, Role
from dunning.api.security import Allow, Principal, idempotent, json_response, surface
from dunning.core.clock import utcnow
from dunning.core.db import unit_of_work

router = APIRouter(prefix="/v1", tags=["admin"])

OperatorName = Annotated[str, PathParam(min_length=1, max_length=64)]


@router.get("/me", summary="当前操作员及其权限 / The caller and what they may do")
def me(principal: Annotated[Principal, Depends(Allow(Act.READ))]) -> Response:
    acts = sorted(act.value for act, roles in ALLOWED.items() if principal.operator.role in roles)
    return json_response(
        {
            "operator": principal.operator.as_dict(),
            "key": principal.key.prefix if principal.key else None,
            "acts": acts,
        }
    )


@router.get("/operators", summary="操作员 / Operators")
def operators(request: Request, principal: Annotated[Principal, Depends(Allow(Act.READ))]) -> Response:
    with unit_of_work(surface(request).engine) as conn:
        return json_response({"items": [o.as_dict() for o in list_operators(conn)]})


class OperatorIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    username: str = Field(min_length=1, max_length=64, pattern=r"^[\w.@-]{1,64}$")
    role: Role
    display_name: str | None = Field(default=None, max_length=128)


@router.post("/operators", status_code=201, summary="新增操作员 / Add an operator")
async def add_operator(
    request: Request, body: OperatorIn, principal: Annotated[Principal, Depends(Allow(Act.MANAGE_OPERATORS))]
) -> Response:
    def produce(conn: Connection) -> Any:
        created = flows.add_operator(
            conn,
            body.username,
            body.role.value,
            by=principal.name,
            now=utcnow(),
            display_name=body.display_name,
        )
        return created.as_dict()

    return await idempotent(request, principal, produce)


@router.post("/operators/{username}/disable", summary="停用操作员 / Disable an operator")
def disable(
    request: Request,
    username: OperatorName,
    principal: Annotated[Principal, Depends(Allow(Act.MANAGE_OPERATORS))],
) -> Response:
    with unit_of_work(surface(request).engine) as conn:
        return json_response(
            flows.set_operator_active(conn, username, False, by=principal.name, now=utcnow()).as_dict()
        )


@router.post("/operators/{username}/enable", summary="启用操作员 / Enable an operator")
def enable(
    request: Request,
    username: OperatorName,
    principal: Annotated[Principal, Depends(Allow(Act.MANAGE_OPERATORS))],
) -> Response:
    with unit_of_work(surface(request).engine) as conn:
        return json_response(
            flows.set_operator_active(conn, username, True, by=principal.name, now=utcnow()).as_dict()
        )


@router.get("/keys", summary="API 密钥（不含密钥本身）/ API keys (never the secret)")
def keys(
    request: Request,
    principal: Annotated[Principal, Depends(Allow(Act.MANAGE_KEYS))],
    include_revoked: bool = False,
) -> Response:
    with unit_of_work(surface(request).engine) as conn:
        return json_response(
            {"items": [k.as_dict() for k in list_api_keys(conn, include_revoked=include_revoked)]}
        )


class KeyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    operator: str = Field(min_length=1, max_length=64)
    label: str = Field(default="api", min_length=1, max_length=64)


@router.post("/keys", status_code=201, summary="创建密钥（只显示一次）/ Create a key (shown once)")
async def create_key(
    request: Request, body: KeyIn, principal: Annotated[Principal, Depends(Allow(Act.MANAGE_KEYS))]
) -> Response:
    def produce(conn: Connection) -> Any:
        record, secret = flows.new_api_key(conn, body.operator, body.label, by=principal.name, now=utcnow())
        return {**record, "key": secret}

    return await idempotent(request, principal, produce)


@router.delete("/keys/{prefix}", summary="吊销密钥 / Revoke a key")
def revoke_key(
    request: Request,
    prefix: Annotated[str, PathParam(pattern=r"^[a-z0-9]{12}$")],
    principal: Annotated[Principal, Depends(Allow(Act.MANAGE_KEYS))],
) -> Response:
    with unit_of_work(surface(request).engine) as conn:
        return json_response(flows.revoke_api_key(conn, prefix, by=principal.name, now=utcnow()))


@router.get("/events", summary="事件日志（审计）/ The event log (audit)")
def events(
    request: Request,
    principal: Annotated[Principal, Depends(Allow(Act.READ_AUDIT))],
    kind: Annotated[list[str] | None, Query(max_length=20)] = None,
    debtor_id: Annotated[str | None, Query(max_length=64)] = None,
    after: Annotated[int, Query(ge=0, le=2**62)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> Response:
    with unit_of_work(surface(request).engine) as conn:
        rows = flows.read_events(conn, kinds=kind or (), debtor_ref=debtor_id, after_id=after, limit=limit)
    return json_response({"items": [e.as_dict() for e in rows]})


@router.get("/providers/pauses", tags=["sending"], summary="暂停中的通道 / Paused providers")
def pauses(request: Request, principal: Annotated[Principal, Depends(Allow(Act.READ))]) -> Response:
    with unit_of_work(surface(request).engine) as conn:
        return json_response({"items": flows.provider_pauses(conn, utcnow())})


@router.post("/providers/{provider}/resume", tags=["sending"], summary="恢复通道 / Resume a paused provider")
def resume(
    request: Request,
    provider: Annotated[str, PathParam(pattern=r"^[A-Za-z0-9_.-]{1,64}$")],
    principal: Annotated[Principal, Depends(Allow(Act.RUN_DAY))],
) -> Response:
    with unit_of_work(surface(request).engine) as conn:
        return json_response(
            {
                "provider": provider,
                "resumed": flows.resume_provider(conn, provider, by=principal.name, now=utcnow()),
            }
        )


@router.get("/templates-blocked", tags=["content"], summary="被通道拒绝的模板 / Templates a provider refused")
def template_blocks(request: Request, principal: Annotated[Principal, Depends(Allow(Act.READ))]) -> Response:
    with unit_of_work(surface(request).engine) as conn:
        return json_response({"items": flows.template_blocks(conn)})


@router.post(
    "/templates-blocked/{template_id}/release", tags=["content"], summary="解除模板封禁 / Release a block"
)
def release_block(
    request: Request,
    template_id: Annotated[str, PathParam(pattern=r"^[a-z0-9][a-z0-9_.-]{0,63}$")],
    principal: Annotated[Principal, Depends(Allow(Act.APPROVE_TEMPLATE))],
    version: Annotated[int | None, Query(ge=1, le=100_000)] = None,
) -> Response:
    with unit_of_work(surface(request).engine) as conn:
        released = flows.release_template(conn, template_id, version, by=principal.name, now=utcnow())
    return json_response({"template": template_id, "version": version, "released": released})
