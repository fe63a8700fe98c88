"""What happened and what to do: messages and their events, replies, promises, tasks, plans, runs,
reports and KPIs."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
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
from dunning.messages.status import MessageStatus
from dunning.replies import Intent
from dunning.tasks.repository import OUTCOMES

router = APIRouter(prefix="/v1", tags=["activity"])

Limit = Annotated[int, Query(ge=1, le=500)]
Cursor = Annotated[str | None, Query(max_length=64)]
Id = Annotated[int, PathParam(ge=1, le=2**31)]
_OUTCOME_PATTERN = "^(" + "|".join(OUTCOMES) + ")$"


def _zone(request: Request) -> str:
    return PROFILE_TIME_ZONE[surface(request).settings.profile]


@router.get("/messages", summary="短信列表 / List messages")
def list_messages(
    request: Request,
    principal: Annotated[Principal, Depends(Allow(Act.READ))],
    limit: Limit = 50,
    cursor: Cursor = None,
    debtor_id: Annotated[str | None, Query(max_length=64)] = None,
    status: MessageStatus | None = None,
    day: date | None = None,
    template_id: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    with unit_of_work(surface(request).engine) as conn:
        rows = flows.list_messages(
            conn,
            after=decode_cursor(cursor),
            limit=limit,
            debtor_ref=debtor_id,
            status=status,
            day=day,
            template_id=template_id,
        )
    return json_response(page(rows, limit, id_key="id"))


@router.get("/messages/{message_id}", summary="一条短信及其事件 / A message and its events")
def get_message(
    request: Request, message_id: Id, principal: Annotated[Principal, Depends(Allow(Act.READ))]
) -> Response:
    with unit_of_work(surface(request).engine) as conn:
        return json_response(flows.message_detail(conn, message_id))


@router.get("/replies", summary="回复列表 / List replies")
def list_replies(
    request: Request,
    principal: Annotated[Principal, Depends(Allow(Act.READ))],
    limit: Limit = 50,
    cursor: Cursor = None,
    intent: Intent | None = None,
    debtor_id: Annotated[str | None, Query(max_length=64)] = None,
    unmask: Annotated[
        bool, Query(description="显示回复原文（需权限，记录在案）/ show texts (role needed; logged)")
    ] = False,
) -> Response:
    s = surface(request)
    with unit_of_work(s.engine) as conn:
        rows = flows.list_replies(
            conn,
            after=decode_cursor(cursor),
            limit=limit,
            intent=intent,
            debtor_ref=debtor_id,
            unmask=unmask,
            cipher=s.cipher() if unmask else None,
            by=principal.name,
            now=utcnow(),
        )
    return json_response(page(rows, limit, id_key="id"))


@router.get("/promises", summary="还款承诺 / Promises to pay")
def list_promises(
    request: Request,
    principal: Annotated[Principal, Depends(Allow(Act.READ))],
    limit: Limit = 50,
    cursor: Cursor = None,
    status: Annotated[str | None, Query(pattern="^(pending|kept|partly_kept|broken|replaced)$")] = None,
) -> Response:
    with unit_of_work(surface(request).engine) as conn:
        rows = flows.list_promises(conn, after=decode_cursor(cursor), limit=limit, status=status)
    return json_response(page(rows, limit, id_key="id"))


# ---- tasks -----------------------------------------------------------------------------------------


@router.get("/tasks", tags=["tasks"], summary="任务列表 / Work queue")
def list_tasks(
    request: Request,
    principal: Annotated[Principal, Depends(Allow(Act.READ))],
    queue: Annotated[str | None, Query(max_length=32)] = None,
    status: Annotated[str, Query(pattern="^(active|open|claimed|closed|all)$")] = "active",
    owner: Annotated[str | None, Query(max_length=64)] = None,
    debtor_id: Annotated[str | None, Query(max_length=64)] = None,
    limit: Limit = 100,
) -> Response:
    with unit_of_work(surface(request).engine) as conn:
        rows = flows.list_tasks(
            conn,
            queue=queue,
            status=None if status == "all" else status,
            owner=owner,
            debtor_ref=debtor_id,
            limit=limit,
        )
    return json_response({"items": rows})


@router.get("/tasks/{task_id}", tags=["tasks"], summary="任务详情与备注 / A task and its notes")
def get_task(
    request: Request, task_id: Id, principal: Annotated[Principal, Depends(Allow(Act.READ))]
) -> Response:
    s = surface(request)
    with unit_of_work(s.engine) as conn:
        return json_response(flows.show_task(conn, task_id, cipher=s.cipher()))


@router.post("/tasks/{task_id}/claim", tags=["tasks"], summary="认领 / Claim")
def claim_task(
    request: Request, task_id: Id, principal: Annotated[Principal, Depends(Allow(Act.WORK_TASKS))]
) -> Response:
    with unit_of_work(surface(request).engine) as conn:
        return json_response(flows.claim_task(conn, task_id, by=principal.name, now=utcnow()).as_dict())


class NoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(min_length=1, max_length=2000)


@router.post("/tasks/{task_id}/notes", status_code=201, tags=["tasks"], summary="添加备注 / Add a note")
async def note_task(
    request: Request,
    task_id: Id,
    body: NoteIn,
    principal: Annotated[Principal, Depends(Allow(Act.WORK_TASKS))],
) -> Response:
    cipher = surface(request).cipher()

    def produce(conn: Connection) -> Any:
        flows.note_task(conn, task_id, body.text, by=principal.name, now=utcnow(), cipher=cipher)
        return {"task": task_id, "noted": True}

    return await idempotent(request, principal, produce)


class CloseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    outcome: str = Field(pattern=_OUTCOME_PATTERN, description="结果代码 / outcome code")
    note: str | None = Field(default=None, max_length=2000)
    promise_amount: Annotated[Decimal | None, Field(default=None, gt=0, max_digits=15, decimal_places=2)] = (
        None
    )
    promise_date: date | None = None


@router.post("/tasks/{task_id}/close", tags=["tasks"], summary="关闭（结果代码）/ Close with an outcome")
def close_task(
    request: Request,
    task_id: Id,
    body: CloseIn,
    principal: Annotated[Principal, Depends(Allow(Act.WORK_TASKS))],
) -> Response:
    s = surface(request)
    config, cipher = s.config(), s.cipher()
    with unit_of_work(s.engine) as conn:
        closed = flows.close_task(
            conn,
            task_id,
            body.outcome,
            by=principal.name,
            now=utcnow(),
            config=config,
            cipher=cipher,
            note=body.note,
            promise_amount=body.promise_amount,
            promise_date=body.promise_date,
        )
    return json_response(closed.as_dict())


# ---- plans, runs, reports ----------------------------------------------------------------------------


class PlanIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    dry_run: bool = False


@router.post("/plans", status_code=201, tags=["day"], summary="生成今日计划 / Plan today")
async def plan(
    request: Request, body: PlanIn, principal: Annotated[Principal, Depends(Allow(Act.RUN_DAY))]
) -> Response:
    config = surface(request).config()

    def produce(conn: Connection) -> Any:
        result = flows.plan_day(conn, config, utcnow(), dry_run=body.dry_run, actor=principal.name)
        return result.as_dict() if hasattr(result, "as_dict") else vars(result)

    return await idempotent(request, principal, produce)


@router.get("/plans", tags=["day"], summary="计划记录 / Plan runs")
def plans(
    request: Request, principal: Annotated[Principal, Depends(Allow(Act.READ))], limit: Limit = 20
) -> Response:
    with unit_of_work(surface(request).engine) as conn:
        rows = [e.as_dict() for e in flows.read_events(conn, kinds=["plan.run"], limit=limit)]
    return json_response({"items": rows})


@router.post(
    "/runs", status_code=202, tags=["day"], summary="发送到期短信（后台）/ Send what is due (background)"
)
def run(request: Request, principal: Annotated[Principal, Depends(Allow(Act.RUN_DAY))]) -> Response:
    s = surface(request)
    config, cipher = s.config(), s.cipher()
    with unit_of_work(s.engine) as conn:
        job = jobs.create_job(
            conn, "send", s.settings.provider_url.split("://", 1)[0], by=principal.name, now=utcnow()
        )
    s.jobs.submit(flows.run_send_job, s.engine, job.id, s.settings, config, cipher)
    return json_response(
        {**job.as_dict(), "url": f"/v1/jobs/{job.id}"},
        status_code=202,
        headers={"Location": f"/v1/jobs/{job.id}"},
    )


@router.get("/runs", tags=["day"], summary="发送任务 / Send runs")
def runs(request: Request, principal: Annotated[Principal, Depends(Allow(Act.READ))]) -> Response:
    with unit_of_work(surface(request).engine) as conn:
        rows = [j.as_dict() for j in jobs.list_jobs(conn, kind_prefix="send")]
    return json_response({"items": rows})


@router.get("/reports/day", tags=["reports"], summary="日报 / The day's report")
def report(
    request: Request,
    principal: Annotated[Principal, Depends(Allow(Act.READ))],
    at: Annotated[
        datetime | None, Query(description="那一天的任一时刻（含时区）/ any instant of that day")
    ] = None,
) -> Response:
    if at is not None and at.tzinfo is None:
        raise ApiError(400, "naive_time", "at needs a UTC offset", "at 须带时区偏移")
    with unit_of_work(surface(request).engine) as conn:
        return json_response(flows.report_day(conn, at or utcnow(), _zone(request)))
