"""The gate as a service: check texts before they become templates (agencies writing for several
lenders send each text with its sender's identity)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from dunning.access.roles import Act
from dunning.api.security import Allow, Principal, json_response, surface

router = APIRouter(prefix="/v1", tags=["compliance"])


class SenderIdentity(BaseModel):
    model_config = ConfigDict(extra="forbid")
    signature: str | None = Field(default=None, max_length=40, description="【签名】")
    creditor: str | None = Field(default=None, max_length=100)
    hotlines: list[str] = Field(default_factory=list, max_length=20)
    domains: list[str] = Field(default_factory=list, max_length=20)


class TextToCheck(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str | int | None = None
    text: str = Field(max_length=2000)
    kind: str | None = Field(
        default=None, description="reminder, confirmation, help, payment_received, notice …"
    )
    identity: SenderIdentity | None = None


class CheckRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    scope: Literal["full", "content"] = "full"
    texts: list[TextToCheck] = Field(min_length=1, max_length=1000)


@router.post(
    "/compliance/check",
    summary="检查短信文本（允许 / 拦截 / 复核）/ Check texts: allowed, blocked or held for review",
)
def check_texts(
    request: Request, body: CheckRequest, principal: Annotated[Principal, Depends(Allow(Act.READ))]
) -> Response:
    from dunning.compliance.gate import Identity, explain, judge_records
    from dunning.core.kinds import parse_kind

    profile = surface(request).config().profile
    records: list[dict[str, Any]] = []
    identities: list[Identity | None] = []
    for item in body.texts:
        record: dict[str, Any] = {"body": item.text}
        if item.kind is not None:
            record["kind"] = parse_kind(item.kind)  # InputError → 400 with both languages
        records.append(record)
        identities.append(Identity.parse(item.identity.model_dump()) if item.identity else None)
    verdicts = judge_records(records, profile, scope=body.scope, identities=identities)
    items = []
    for item, verdict in zip(body.texts, verdicts, strict=True):
        explained = [explain(rule, profile) for rule in verdict.violations]
        items.append(
            {
                "id": item.id,
                "outcome": verdict.outcome,
                "allowed": verdict.outcome == "allowed",
                "violations": [
                    {
                        "rule": v.rule,
                        "category": v.category,
                        "reason_zh": v.reason_zh,
                        "reason_en": v.reason_en,
                        "legal_basis": v.legal_basis,
                    }
                    for v in explained
                ],
                "review": list(verdict.review),
                "score": verdict.score,
            }
        )
    return json_response({"profile": profile.name, "scope": body.scope, "items": items})
