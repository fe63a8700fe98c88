"""Debtors, accounts, contacts, holds, portfolio uploads (as background jobs) and payments."""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi import Path as PathParam
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.engine import Connection

from dunning import flows, jobs
from dunning.access.roles import Act
from dunning.api.errors import ApiError
from dunning.api.security import Allow, Principal, decode_cursor, idempotent, json_response, page, surface
from dunning.core.clock import utcnow
from dunning.core.db import unit_of_work
from dunning.core.profiles import PROFILE_TIME_ZONE
from dunning.portfolio.dpd import BUCKETS

router = APIRouter(prefix="/v1", tags=["portfolio"])

Limit = Annotated[int, Query(ge=1, le=500, description="每页条数 / page size")]
Cursor = Annotated[
    str | None, Query(max_length=64, description="上一页的 next_cursor / next_cursor of the previous page")
]
Ref = Annotated[str, Field(min_length=1, max_length=64)]
DebtorRef = Annotated[str, PathParam(min_length=1, max_length=64)]
BucketName = Literal["current", "pre-due", "D0", "1-3", "4-7", "8-15", "16-30", "31-60", "61-90", "90+"]
assert set(BUCKETS) <= set(BucketName.__args__)  # type: ignore[attr-defined]


def _zone(request: Request) -> str:
    return PROFILE_TIME_ZONE[surface(request).settings.profile]


@router.get("/debtors", summary="债务人列表 / List debtors")
def list_debtors(
    request: Request,
    principal: Annotated[Principal, Depends(Allow(Act.READ))],
    limit: Limit = 50,
    cursor: Cursor = None,
    bucket: BucketName | None = None,
    dpd_min: Annotated[int | None, Query(ge=-3650, le=36500)] = None,
    dpd_max: Annotated[int | None, Query(ge=-3650, le=36500)] = None,
    q: Annotated[str | None, Query(max_length=64, description="债务人编号前缀 / debtor id prefix")] = None,
) -> Response:
    after = decode_cursor(cursor)
    with unit_of_work(surface(request).engine) as conn:
        if bucket == "current":
            rows = flows.list_debtors(
                conn, utcnow(), _zone(request), after=after, limit=limit, dpd_max=-4, search=q
            )
        else:
            rows = flows.list_debtors(
                conn,
                utcnow(),
                _zone(request),
                after=after,
                limit=limit,
                bucket=bucket,
                dpd_min=dpd_min,
                dpd_max=dpd_max,
                search=q,
            )
    return json_response(page(rows, limit))


@router.get("/debtors/{debtor_id}", summary="债务人详情与时间线 / Debtor detail and timeline")
def get_debtor(
    request: Request,
    debtor_id: DebtorRef,
    principal: Annotated[Principal, Depends(Allow(Act.READ))],
    unmask: Annotated[
        bool, Query(description="显示明文（需权限，记录在案）/ show in clear (role needed; logged)")
    ] = False,
) -> Response:
    s = surface(request)
    with unit_of_work(s.engine) as conn:
        detail = flows.debtor_detail(
            conn,
            debtor_id,
            unmask=unmask,
            cipher=s.cipher() if unmask else None,
            by=principal.name,
            now=utcnow(),
        )
    return json_response(detail)


@router.get("/debtors/{debtor_id}/contacts", summary="债务人的联系方式（脱敏）/ A debtor's contacts (masked)")
def debtor_contacts(
    request: Request, debtor_id: DebtorRef, principal: Annotated[Principal, Depends(Allow(Act.READ))]
) -> Response:
    with unit_of_work(surface(request).engine) as conn:
        detail = flows.debtor_detail(conn, debtor_id)
    return json_response({"items": detail["contacts"]})


class HoldIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=32, description="原因 / reason, e.g. hardship, review")
    until: datetime | None = Field(default=None, description="到期（含时区）/ expiry with offset")
    note: str | None = Field(default=None, max_length=500)


@router.post("/debtors/{debtor_id}/holds", status_code=201, summary="暂停联系 / Hold a debtor")
async def hold_debtor(
    request: Request,
    debtor_id: DebtorRef,
    body: HoldIn,
    principal: Annotated[Principal, Depends(Allow(Act.HOLD_DEBTOR))],
) -> Response:
    if body.until is not None and body.until.tzinfo is None:
        raise ApiError(400, "naive_time", "until needs a UTC offset", "until 须带时区偏移")

    def produce(conn: Connection) -> Any:
        hold_id, cancelled = flows.hold_debtor(
            conn, debtor_id, body.reason, by=principal.name, now=utcnow(), until=body.until, note=body.note
        )
        return {"hold_id": hold_id, "messages_cancelled": cancelled}

    return await idempotent(request, principal, produce)


@router.delete("/debtors/{debtor_id}/holds", summary="恢复联系 / Release a debtor's holds")
def release_debtor(
    request: Request, debtor_id: DebtorRef, principal: Annotated[Principal, Depends(Allow(Act.HOLD_DEBTOR))]
) -> Response:
    with unit_of_work(surface(request).engine) as conn:
        released = flows.release_debtor(conn, debtor_id, by=principal.name, now=utcnow())
    return json_response({"released": [h.hold_id for h in released]})


@router.get("/accounts", summary="账户列表 / List accounts")
def list_accounts(
    request: Request,
    principal: Annotated[Principal, Depends(Allow(Act.READ))],
    limit: Limit = 50,
    cursor: Cursor = None,
    debtor_id: Annotated[str | None, Query(max_length=64)] = None,
    open_only: bool = False,
) -> Response:
    with unit_of_work(surface(request).engine) as conn:
        rows = flows.list_accounts(
            conn, after=decode_cursor(cursor), limit=limit, debtor_ref=debtor_id, open_only=open_only
        )
    return json_response(page(rows, limit))


# ---- uploads ---------------------------------------------------------------------------------------

FileKindName = Literal["accounts", "contacts", "payments"]


@router.post(
    "/imports",
    status_code=202,
    summary="上传资产文件（后台导入）/ Upload a portfolio file (background import)",
)
async def upload(
    request: Request,
    principal: Annotated[Principal, Depends(Allow(Act.IMPORT_PORTFOLIO))],
    kind: Annotated[FileKindName, Form()],
    file: Annotated[UploadFile, File(description="CSV / XLSX / Parquet")],
    skip_invalid: Annotated[bool, Form()] = False,
) -> Response:
    s = surface(request)
    if kind == "payments":
        check_payments = Allow(Act.RECORD_PAYMENTS)
        from dunning.api.security import check_role

        check_role(principal.operator, check_payments.act)
    name = (file.filename or "upload").replace("/", "_").replace("\\", "_")[-120:] or "upload"
    s.upload_dir.mkdir(parents=True, exist_ok=True)
    target = s.upload_dir / f"{uuid.uuid4().hex}-{name}"
    digest = hashlib.sha256()
    with target.open("wb") as out:
        while chunk := await file.read(1 << 20):
            digest.update(chunk)
            out.write(chunk)
    config = s.config()
    cipher = s.cipher()
    with unit_of_work(s.engine) as conn:
        job = jobs.create_job(
            conn, f"import.{kind}", name, by=principal.name, now=utcnow(), sha256=digest.hexdigest()
        )

    def progress(fraction: float) -> None:
        s.progress[job.id] = fraction

    s.jobs.submit(
        flows.run_import_job,
        s.engine,
        job.id,
        kind,
        target,
        cipher=cipher,
        config=config,
        by=principal.name,
        skip_invalid=skip_invalid,
        on_progress=progress,
    )
    return json_response(
        {**job.as_dict(), "url": f"/v1/jobs/{job.id}"},
        status_code=202,
        headers={"Location": f"/v1/jobs/{job.id}"},
    )


@router.get("/jobs/{job_id}", tags=["jobs"], summary="后台任务状态 / A background job")
def get_job(
    request: Request,
    job_id: Annotated[int, PathParam(ge=1, le=2**31)],
    principal: Annotated[Principal, Depends(Allow(Act.READ))],
) -> Response:
    s = surface(request)
    with unit_of_work(s.engine) as conn:
        job = jobs.get_job(conn, job_id).as_dict()
    if job["status"] in ("queued", "running"):
        job["progress"] = s.progress.get(job_id, 0.0)
    else:
        job["progress"] = 1.0
    return json_response(job)


@router.get("/jobs", tags=["jobs"], summary="后台任务列表 / Background jobs")
def list_jobs(request: Request, principal: Annotated[Principal, Depends(Allow(Act.READ))]) -> Response:
    with unit_of_work(surface(request).engine) as conn:
        rows = [j.as_dict() for j in jobs.list_jobs(conn)]
    return json_response({"items": rows})


# ---- payments ----------------------------------------------------------------------------------------


class PaymentBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    payment_id: Ref
    account_id: Ref
    amount: Annotated[
        str, Field(pattern=r"^\d{1,15}(\.\d{1,4})?$", description="元，如 1500.00 / major units")
    ]
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
    paid_at: datetime


class PaymentsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    payments: Annotated[list[PaymentBody], Field(min_length=1, max_length=5000)]


@router.post("/payments", status_code=201, summary="登记还款（一笔或多笔）/ Record payments (one or many)")
async def post_payments(
    request: Request, body: PaymentsIn, principal: Annotated[Principal, Depends(Allow(Act.RECORD_PAYMENTS))]
) -> Response:
    s = surface(request)
    config = s.config()
    cipher = s.cipher()
    for p in body.payments:
        if p.paid_at.tzinfo is None:
            raise ApiError(
                400,
                "naive_time",
                f"paid_at of {p.payment_id} needs a UTC offset",
                f"{p.payment_id} 的 paid_at 须带时区偏移",
            )

    def produce(conn: Connection) -> Any:
        rows = [
            flows.PaymentIn(p.payment_id, p.account_id, p.amount, p.currency, p.paid_at.isoformat())
            for p in body.payments
        ]
        recorded = flows.record_payments(
            conn, rows, utcnow(), cipher=cipher, config=config, actor=principal.name
        )
        return recorded.as_dict()

    return await idempotent(request, principal, produce)


@router.get("/payments", summary="还款列表 / List payments")
def list_payments(
    request: Request,
    principal: Annotated[Principal, Depends(Allow(Act.READ))],
    limit: Limit = 50,
    cursor: Cursor = None,
    debtor_id: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    with unit_of_work(surface(request).engine) as conn:
        rows = flows.list_payments(conn, after=decode_cursor(cursor), limit=limit, debtor_ref=debtor_id)
    return json_response(page(rows, limit))
