"""Templates and strategies: read, propose a new version, approve or reject (by another role)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.engine import Connection

from dunning import flows
from dunning.access.roles import Act
from dunning.api.security import Allow, Principal, idempotent, json_response, surface
from dunning.core.clock import utcnow
from dunning.core.db import unit_of_work
from dunning.core.errors import ConfigError

router = APIRouter(prefix="/v1", tags=["content"])

TemplateId = Annotated[str, PathParam(min_length=1, max_length=64, pattern=r"^[a-z0-9][a-z0-9_.-]{0,63}$")]
Version = Annotated[int, PathParam(ge=1, le=100_000)]


def _templates_file(request: Request) -> Any:
    path = surface(request).settings.templates_file
    if not path.exists():
        raise ConfigError(
            f"templates file not found: {path} (run `dunning init` first)",
            f"找不到模板文件：{path}（请先运行 `dunning init`）",
        )
    return path


@router.get("/templates", summary="模板及其版本 / Templates and their versions")
def list_templates(request: Request, principal: Annotated[Principal, Depends(Allow(Act.READ))]) -> Response:
    return json_response({"items": flows.template_rows(surface(request).config(), utcnow())})


@router.get(
    "/templates/{template_id}/versions/{version}",
    summary="渲染预览与合规判定 / Preview and the gate's verdict",
)
def preview(
    request: Request,
    template_id: TemplateId,
    version: Version,
    principal: Annotated[Principal, Depends(Allow(Act.READ))],
) -> Response:
    return json_response(flows.template_preview(surface(request).config(), template_id, version, utcnow()))


class ProposeTemplate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    body: str = Field(
        min_length=1, max_length=1000, description="正文，只能用 {变量} / body with {variables}"
    )
    notes: str | None = Field(default=None, max_length=500)


@router.post(
    "/templates/{template_id}/versions", status_code=201, summary="提交新版本（草稿）/ Propose a new version"
)
async def propose(
    request: Request,
    template_id: TemplateId,
    body: ProposeTemplate,
    principal: Annotated[Principal, Depends(Allow(Act.PROPOSE_TEMPLATE))],
) -> Response:
    path = _templates_file(request)

    def produce(conn: Connection) -> Any:
        version = flows.propose_template(
            conn, path, template_id, body.body, notes=body.notes, by=principal.name, now=utcnow()
        )
        return {"id": template_id, "version": version.version, "state": version.state}

    return await idempotent(request, principal, produce)


class Approval(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str | None = Field(
        default=None,
        min_length=1,
        max_length=500,
        description="放行理由：预览未通过合规检查时必填，仅合规角色 / why to approve a version the gate "
        "blocked or held for review (required then; compliance role only)",
    )


@router.post(
    "/templates/{template_id}/versions/{version}/approve",
    summary="审批（未通过合规检查的须由合规附理由）/ Approve (a flagged version: compliance, with a reason)",
)
def approve(
    request: Request,
    template_id: TemplateId,
    version: Version,
    principal: Annotated[Principal, Depends(Allow(Act.APPROVE_TEMPLATE))],
    body: Approval | None = None,
) -> Response:
    path = _templates_file(request)
    config = surface(request).config()
    with unit_of_work(surface(request).engine) as conn:
        approved = flows.approve_template(
            conn,
            path,
            template_id,
            version,
            profile=config.profile,
            context=config.context,
            by=principal.name,
            now=utcnow(),
            reason=body.reason if body is not None else None,
        )
    return json_response(
        {
            "id": template_id,
            "version": approved.version,
            "state": approved.state,
            "approved_by": approved.approved_by,
            "override_outcome": approved.override_outcome,
            "override_flags": list(approved.override_flags),
            "override_reason": approved.override_reason,
        }
    )


class Rejection(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=500)


@router.post("/templates/{template_id}/versions/{version}/reject", summary="驳回草稿 / Reject a draft")
def reject(
    request: Request,
    template_id: TemplateId,
    version: Version,
    body: Rejection,
    principal: Annotated[Principal, Depends(Allow(Act.APPROVE_TEMPLATE))],
) -> Response:
    path = _templates_file(request)
    with unit_of_work(surface(request).engine) as conn:
        rejected = flows.reject_template(
            conn, path, template_id, version, reason=body.reason, by=principal.name, now=utcnow()
        )
    return json_response({"id": template_id, "version": rejected.version, "state": rejected.state})


@router.get("/strategy", summary="当前策略 / The strategy in force")
def strategy(request: Request, principal: Annotated[Principal, Depends(Allow(Act.READ))]) -> Response:
    config = surface(request).config()
    return json_response(
        {"source": config.strategy_source, "strategy": config.strategy.model_dump(mode="json")}
    )


class ProposeStrategy(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(
        min_length=1, max_length=200_000, description="完整的策略 YAML / the whole strategy YAML"
    )


@router.get("/strategy/versions", summary="策略提案 / Strategy proposals")
def strategy_versions(
    request: Request,
    principal: Annotated[Principal, Depends(Allow(Act.READ))],
    status: Annotated[str | None, Query(pattern="^(proposed|approved|rejected)$")] = None,
) -> Response:
    from dunning.strategy.proposals import list_proposals

    with unit_of_work(surface(request).engine) as conn:
        rows = [p.as_dict() for p in list_proposals(conn, status=status)]
    return json_response({"items": rows})


@router.get("/strategy/versions/{proposal_id}", summary="一个策略提案（含全文）/ One proposal with its text")
def strategy_version(
    request: Request,
    proposal_id: Annotated[int, PathParam(ge=1, le=2**31)],
    principal: Annotated[Principal, Depends(Allow(Act.READ))],
) -> Response:
    from dunning.strategy.proposals import get_proposal

    with unit_of_work(surface(request).engine) as conn:
        found = get_proposal(conn, proposal_id).as_dict(with_text=True)
    return json_response(found)


@router.post("/strategy/versions", status_code=201, summary="提交策略新版本 / Propose a strategy")
async def propose_strategy(
    request: Request,
    body: ProposeStrategy,
    principal: Annotated[Principal, Depends(Allow(Act.PROPOSE_STRATEGY))],
) -> Response:
    return await idempotent(
        request,
        principal,
        lambda conn: flows.propose_strategy(conn, body.text, by=principal.name, now=utcnow()),
    )


@router.post(
    "/strategy/versions/{proposal_id}/approve", summary="审批策略（生效）/ Approve (it takes effect)"
)
def approve_strategy(
    request: Request,
    proposal_id: Annotated[int, PathParam(ge=1, le=2**31)],
    principal: Annotated[Principal, Depends(Allow(Act.APPROVE_STRATEGY))],
) -> Response:
    path = surface(request).settings.strategy_file
    with unit_of_work(surface(request).engine) as conn:
        decided = flows.decide_strategy(conn, proposal_id, True, path, by=principal.name, now=utcnow())
    return json_response(decided)


@router.post("/strategy/versions/{proposal_id}/reject", summary="驳回策略 / Reject a proposal")
def reject_strategy(
    request: Request,
    proposal_id: Annotated[int, PathParam(ge=1, le=2**31)],
    principal: Annotated[Principal, Depends(Allow(Act.APPROVE_STRATEGY))],
) -> Response:
    path = surface(request).settings.strategy_file
    with unit_of_work(surface(request).engine) as conn:
        decided = flows.decide_strategy(conn, proposal_id, False, path, by=principal.name, now=utcnow())
    return json_response(decided)
