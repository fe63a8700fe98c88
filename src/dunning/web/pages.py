"""The dashboard's pages: server-rendered HTML over the same flows and role checks as the API.

Sessions: signing in with an operator's API key sets a signed cookie holding the key's public
prefix and a CSRF token; every request re-checks that the key and its operator are still active,
so revoking a key ends its sessions. Every form carries the token; a POST without it is refused.
"""

from __future__ import annotations

import csv
import inspect
import io
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from itsdangerous import BadSignature, URLSafeSerializer

from dunning import flows
from dunning.access import OperatorRecord, authenticate, key_holder, may
from dunning.access.roles import Act
from dunning.api.errors import _for as status_of_error
from dunning.api.security import check_role, surface
from dunning.core.clock import utcnow
from dunning.core.db import unit_of_work
from dunning.core.errors import DunningError, PermissionDenied, Unauthenticated
from dunning.core.profiles import PROFILE_TIME_ZONE
from dunning.tasks.repository import OUTCOMES
from dunning.web.i18n import LANGS, lang_of, translator

__all__ = ["install"]

_HERE = Path(__file__).parent
_COOKIE = "dunning_session"
templates = Jinja2Templates(directory=str(_HERE / "templates"))


def _serializer(request: Request) -> URLSafeSerializer:
    state = request.app.state
    if not hasattr(state, "session_secret"):
        configured = surface(request).settings.session_secret
        state.session_secret = configured.get_secret_value() if configured else secrets.token_urlsafe(32)
    return URLSafeSerializer(state.session_secret, salt="dunning-dashboard")


def _session(request: Request) -> dict[str, str] | None:
    raw = request.cookies.get(_COOKIE)
    if not raw:
        return None
    try:
        data = _serializer(request).loads(raw)
    except BadSignature:
        return None
    return data if isinstance(data, dict) and "p" in data and "c" in data else None


class _Login(Exception):
    pass


def _operator(request: Request) -> tuple[OperatorRecord, str]:
    session = _session(request)
    if session is None:
        raise _Login
    with unit_of_work(surface(request).engine) as conn:
        operator = key_holder(conn, session["p"])
    if operator is None:
        raise _Login
    return operator, session["c"]


def _csrf_ok(request: Request, token: str) -> None:
    session = _session(request)
    if session is None or not secrets.compare_digest(session["c"], token or ""):
        raise PermissionDenied("the form expired or did not come from this site; reload the page",
                               "表单已过期或来源不明，请刷新页面后重试")  # fmt: skip


def _render(
    request: Request, name: str, operator: OperatorRecord | None, csrf: str, **context: Any
) -> HTMLResponse:
    lang = lang_of(request)
    t = translator(lang)
    return templates.TemplateResponse(
        request,
        name,
        {
            "t": t,
            "lang": lang,
            "operator": operator,
            "csrf": csrf,
            "may": lambda act: operator is not None and may(operator.role, Act(act)),
            "msg": request.query_params.get("msg"),
            "path": request.url.path,
            **context,
        },
    )


def _page(handler: Callable[..., Any]) -> Callable[..., Any]:
    """Sign-in redirect and bilingual error pages around a page handler."""
    import functools

    @functools.wraps(handler)
    async def wrapper(request: Request, *args: Any, **kwargs: Any) -> Response:
        from starlette.concurrency import run_in_threadpool

        try:
            operator, csrf = await run_in_threadpool(_operator, request)
        except _Login:
            return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)
        try:
            result: Response = await run_in_threadpool(handler, request, operator, csrf, *args, **kwargs)
            return result
        except DunningError as exc:
            status, code = status_of_error(exc)
            response = _render(request, "error.html", operator, csrf, error=exc, code=code)
            response.status_code = status if status < 500 else 500
            return response

    # FastAPI reads the parameters from the signature: the page's own, without operator and csrf.
    signature = inspect.signature(handler)
    kept = [p for name, p in signature.parameters.items() if name not in ("operator", "csrf")]
    wrapper.__signature__ = signature.replace(parameters=kept)  # type: ignore[attr-defined]
    del wrapper.__wrapped__  # type: ignore[attr-defined]
    return wrapper


def _zone(request: Request) -> str:
    return PROFILE_TIME_ZONE[surface(request).settings.profile]


def _csv(rows: list[list[Any]], name: str) -> Response:
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        writer.writerow([_neutral(v) for v in row])
    return Response(
        "\ufeff" + out.getvalue(), media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
    )  # fmt: skip


def _neutral(value: object) -> str:
    """A spreadsheet must never run a cell as a formula: = + - @ tab CR get a quote in front."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _today(request: Request) -> dict[str, Any]:
    """The figures of today (or of ``?day=YYYY-MM-DD``, at local noon) in the profile's time zone."""
    from datetime import date, datetime, time

    from dunning.core.clock import zone
    from dunning.core.errors import InputError

    at = utcnow()
    if request.query_params.get("day"):
        try:
            day = date.fromisoformat(request.query_params["day"])
        except ValueError:
            raise InputError("day must be YYYY-MM-DD", "day 须为 YYYY-MM-DD") from None
        at = datetime.combine(day, time(12), tzinfo=zone(_zone(request)))
    with unit_of_work(surface(request).engine) as conn:
        report = flows.report_day(conn, at, _zone(request))
    back = report["return_path"]
    replies = back["replies_by_intent"]
    promises = back["promises"]
    recovered = back["recovered_minor"]
    funnel = [
        ("funnel_planned", report["planned"]),
        ("funnel_passed", report["planned"] - report["blocked"]),
        ("funnel_sent", report["sent"]),
        ("funnel_delivered", report["delivered"]),
        ("funnel_replied", back["replies"]),
        ("funnel_promised", promises.get("made", 0)),
        ("funnel_paid", back["payments_attributed"]),
    ]
    return {
        "report": report,
        "replies": sorted(replies.items(), key=lambda kv: -kv[1]),
        "blocked": sorted(report["blocked_by_rule"].items(), key=lambda kv: -kv[1]),
        "promises": promises,
        "recovered": {c: f"{m / 100:,.2f}" for c, m in recovered.items()},
        "payments": back["payments_attributed"],
        "complaints": replies.get("complaint", 0),
        "funnel": funnel,
        "tasks_by_queue": back["tasks_by_queue"],
    }


# ---- pages ---------------------------------------------------------------------------------------


def install(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=str(_HERE / "static")), name="static")

    @app.get("/login", include_in_schema=False)
    def login_form(request: Request) -> HTMLResponse:
        return _render(request, "login.html", None, "", next=request.query_params.get("next", "/"))

    @app.post("/login", include_in_schema=False)
    def login(request: Request, key: str = Form(""), next: str = Form("/")) -> Response:
        try:
            with unit_of_work(surface(request).engine) as conn:
                record, _operator_record = authenticate(conn, key, utcnow())
        except Unauthenticated as exc:
            refused = _render(request, "login.html", None, "", next=next, error=exc)
            refused.status_code = 401
            return refused
        target = next if next.startswith("/") and not next.startswith("//") else "/"
        response = RedirectResponse(target, status_code=303)
        token = _serializer(request).dumps({"p": record.prefix, "c": secrets.token_urlsafe(16)})
        response.set_cookie(
            _COOKIE, token, httponly=True, samesite="lax", secure=request.url.scheme == "https"
        )
        return response

    @app.post("/logout", include_in_schema=False)
    def logout(request: Request) -> Response:
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(_COOKIE)
        return response

    @app.get("/lang/{lang}", include_in_schema=False)
    def language(request: Request, lang: str) -> Response:
        back = request.headers.get("referer", "/")
        response = RedirectResponse(
            back if back.startswith(("/", str(request.base_url))) else "/", status_code=303
        )
        if lang in LANGS:
            response.set_cookie("lang", lang, samesite="lax", max_age=365 * 86400)
        return response

    @app.get("/", include_in_schema=False)
    @_page
    def today(request: Request, operator: OperatorRecord, csrf: str) -> Response:
        check_role(operator, Act.READ)
        figures = _today(request)
        table = request.query_params.get("csv")
        if table == "blocked":
            return _csv([["rule", "count"], *[list(r) for r in figures["blocked"]]], "blocked_by_rule")
        if table == "replies":
            return _csv([["intent", "count"], *[list(r) for r in figures["replies"]]], "replies_by_intent")
        if table == "funnel":
            return _csv([["stage", "count"], *[list(r) for r in figures["funnel"]]], "funnel")
        return _render(request, "today.html", operator, csrf, **figures)

    @app.get("/kpis/definitions", include_in_schema=False)
    @_page
    def definitions(request: Request, operator: OperatorRecord, csrf: str) -> Response:
        from dunning.analytics.kpis import DEFINITIONS

        return _render(request, "definitions.html", operator, csrf, definitions=DEFINITIONS)

    @app.get("/kpis", include_in_schema=False)
    @_page
    def kpis(request: Request, operator: OperatorRecord, csrf: str) -> Response:
        check_role(operator, Act.READ)
        with unit_of_work(surface(request).engine) as conn:
            k = flows.dashboard_kpis(conn, utcnow(), _zone(request))
        table = request.query_params.get("csv")
        roll = k["roll_rates"]
        if table == "roll":
            return _csv(
                [
                    ["month", *roll["transitions"]],
                    *[[m["month"], *m["rates"].values()] for m in roll["months"]],
                ],
                "roll_rates",
            )
        if table == "entry":
            keys = ["due_date", "accounts", "entered", "rate", "amount_rate"]
            return _csv([keys, *[[r[c] for c in keys] for r in k["entry_rate"]]], "entry_rate")
        if table == "bucket":
            keys = ["bucket", "accounts", "paid_minor", "still_owed_minor", "rate"]
            return _csv(
                [keys, *[[r[c] for c in keys] for r in k["recovery_by_bucket"]]], "recovery_by_bucket"
            )
        if table == "template":
            keys = ["template_id", "currency", "amount_minor", "payments"]
            return _csv(
                [keys, *[[r[c] for c in keys] for r in k["recovery_by_template"]]], "recovery_by_template"
            )
        if table == "promises":
            return _csv(
                [["stage", "count"], *[[a, b] for a, b in k["promise_funnel"].items()]], "promise_funnel"
            )
        funnel = k["promise_funnel"]
        promise_rows = [(name, funnel[name]) for name in ("made", "kept", "partly_kept", "broken", "pending")]
        bucket_rows = [(str(r["bucket"]), int(r["paid_minor"]) // 100) for r in k["recovery_by_bucket"]]
        template_rows = [
            (str(r["template_id"]), int(r["amount_minor"]) // 100) for r in k["recovery_by_template"]
        ]
        entry_rows = [(r["due_date"][5:], r["entered"]) for r in k["entry_rate"]]
        return _render(
            request,
            "kpis.html",
            operator,
            csrf,
            k=k,
            promise_rows=promise_rows,
            bucket_rows=bucket_rows,
            template_rows=template_rows,
            entry_rows=entry_rows,
        )

    @app.get("/fragments/today", include_in_schema=False)
    @_page
    def today_fragment(request: Request, operator: OperatorRecord, csrf: str) -> Response:
        check_role(operator, Act.READ)
        return _render(request, "_today_figures.html", operator, csrf, **_today(request))

    @app.get("/debtors", include_in_schema=False)
    @_page
    def debtors(request: Request, operator: OperatorRecord, csrf: str) -> Response:
        check_role(operator, Act.READ)
        from dunning.api.security import decode_cursor, encode_cursor

        bucket = request.query_params.get("bucket") or None
        search = request.query_params.get("q") or None
        with unit_of_work(surface(request).engine) as conn:
            rows = flows.list_debtors(
                conn, utcnow(), _zone(request), after=decode_cursor(request.query_params.get("cursor")),
                limit=50, bucket=bucket, search=search,
            )  # fmt: skip
        cursor = encode_cursor(int(rows[-1]["pk"])) if len(rows) == 50 else None
        from dunning.portfolio.dpd import BUCKETS

        return _render(request, "debtors.html", operator, csrf, rows=rows, cursor=cursor, buckets=BUCKETS,
                       bucket=bucket or "", q=search or "")  # fmt: skip

    @app.get("/debtors/{debtor_id}", include_in_schema=False)
    @_page
    def debtor(request: Request, operator: OperatorRecord, csrf: str, debtor_id: str) -> Response:
        check_role(operator, Act.READ)
        with unit_of_work(surface(request).engine) as conn:
            detail = flows.debtor_detail(conn, debtor_id)
        return _render(request, "debtor.html", operator, csrf, d=detail)

    @app.get("/tasks", include_in_schema=False)
    @_page
    def tasks(request: Request, operator: OperatorRecord, csrf: str) -> Response:
        check_role(operator, Act.READ)
        queue = request.query_params.get("queue") or None
        with unit_of_work(surface(request).engine) as conn:
            rows = flows.list_tasks(conn, queue=queue, limit=200)
        return _render(request, "tasks.html", operator, csrf, rows=rows, queue=queue or "")

    @app.get("/tasks/{task_id}", include_in_schema=False)
    @_page
    def task(request: Request, operator: OperatorRecord, csrf: str, task_id: int) -> Response:
        check_role(operator, Act.READ)
        s = surface(request)
        with unit_of_work(s.engine) as conn:
            shown = flows.show_task(conn, task_id, cipher=s.cipher())
        return _render(request, "task.html", operator, csrf, task=shown, outcomes=OUTCOMES)

    @app.post("/tasks/{task_id}/claim", include_in_schema=False)
    @_page
    def claim(request: Request, operator: OperatorRecord, csrf: str, task_id: int) -> Response:
        return _task_act(request, operator, task_id, "claim")

    @app.post("/tasks/{task_id}/note", include_in_schema=False)
    @_page
    def note(request: Request, operator: OperatorRecord, csrf: str, task_id: int) -> Response:
        return _task_act(request, operator, task_id, "note")

    @app.post("/tasks/{task_id}/close", include_in_schema=False)
    @_page
    def close(request: Request, operator: OperatorRecord, csrf: str, task_id: int) -> Response:
        return _task_act(request, operator, task_id, "close")

    @app.get("/templates", include_in_schema=False)
    @_page
    def template_list(request: Request, operator: OperatorRecord, csrf: str) -> Response:
        check_role(operator, Act.READ)
        return _render(
            request,
            "templates.html",
            operator,
            csrf,
            rows=flows.template_rows(surface(request).config(), utcnow()),
        )

    @app.get("/templates/{template_id}/{version}", include_in_schema=False)
    @_page
    def template_page(
        request: Request, operator: OperatorRecord, csrf: str, template_id: str, version: int
    ) -> Response:
        check_role(operator, Act.READ)
        preview = flows.template_preview(surface(request).config(), template_id, version, utcnow())
        return _render(request, "template.html", operator, csrf, p=preview)

    @app.post("/templates/{template_id}/{version}/{decision}", include_in_schema=False)
    @_page
    def template_decide(
        request: Request, operator: OperatorRecord, csrf: str, template_id: str, version: int, decision: str
    ) -> Response:
        return _template_act(request, operator, template_id, version, decision)

    @app.get("/strategy", include_in_schema=False)
    @_page
    def strategy(request: Request, operator: OperatorRecord, csrf: str) -> Response:
        check_role(operator, Act.READ)
        config = surface(request).config()
        return _render(request, "strategy.html", operator, csrf, s=config.strategy.model_dump(mode="json"),
                       source=config.strategy_source, rules=config.strategy.escalation_rules())  # fmt: skip

    @app.get("/segments", include_in_schema=False)
    @_page
    def segments(request: Request, operator: OperatorRecord, csrf: str) -> Response:
        """Ability × willingness, and what the adaptive policy has learned and chosen lately."""
        check_role(operator, Act.READ)
        config = surface(request).config()
        now = utcnow()
        with unit_of_work(surface(request).engine) as conn:
            cells = flows.portfolio_segments(conn, config, now)
            learned = flows.learning_report(conn, config, now, days=7)
        if request.query_params.get("csv") == "segments":
            keys = [
                "segment",
                "debtors",
                "share",
                "balance_minor",
                "mean_ability",
                "mean_willingness",
                "mean_dpd",
            ]
            return _csv([keys, *[[row[k] for k in keys] for row in cells["segments"]]], "segments")
        choices = [c for c in learned["choices"] if c["policy"] != "rules"][:20]
        pairs = [(row["segment"], row["debtors"]) for row in cells["segments"]]
        return _render(
            request,
            "segments.html",
            operator,
            csrf,
            cells=cells,
            learned=learned,
            choices=choices,
            pairs=pairs,
        )

    @app.get("/replies", include_in_schema=False)
    @_page
    def replies(request: Request, operator: OperatorRecord, csrf: str) -> Response:
        check_role(operator, Act.READ)
        with unit_of_work(surface(request).engine) as conn:
            rows = flows.list_replies(conn, limit=200, intent=request.query_params.get("intent") or None)
        return _render(request, "replies.html", operator, csrf, rows=rows)

    @app.get("/promises", include_in_schema=False)
    @_page
    def promises(request: Request, operator: OperatorRecord, csrf: str) -> Response:
        check_role(operator, Act.READ)
        with unit_of_work(surface(request).engine) as conn:
            rows = flows.list_promises(conn, limit=200)
        return _render(request, "promises.html", operator, csrf, rows=rows)


def _form(request: Request) -> dict[str, str]:
    import anyio

    async def read() -> dict[str, str]:
        form = await request.form()
        return {k: str(v) for k, v in form.items()}

    return anyio.from_thread.run(read)


def _task_act(request: Request, operator: OperatorRecord, task_id: int, act: str) -> Response:
    form = _form(request)
    _csrf_ok(request, form.get("csrf", ""))
    check_role(operator, Act.WORK_TASKS)
    s = surface(request)
    with unit_of_work(s.engine) as conn:
        if act == "claim":
            flows.claim_task(conn, task_id, by=operator.username, now=utcnow())
        elif act == "note":
            flows.note_task(
                conn, task_id, form.get("text", ""), by=operator.username, now=utcnow(), cipher=s.cipher()
            )
        else:
            from datetime import date
            from decimal import Decimal, InvalidOperation

            from dunning.core.errors import InputError

            try:
                amount = Decimal(form["promise_amount"]) if form.get("promise_amount") else None
                when = date.fromisoformat(form["promise_date"]) if form.get("promise_date") else None
            except (InvalidOperation, ValueError):
                raise InputError("the promised amount or date is not valid", "承诺金额或日期无效") from None
            flows.close_task(
                conn, task_id, form.get("outcome", ""), by=operator.username, now=utcnow(), config=s.config(),
                cipher=s.cipher(), note=form.get("note") or None, promise_amount=amount, promise_date=when,
            )  # fmt: skip
    return RedirectResponse(f"/tasks/{task_id}?msg=saved", status_code=303)


def _template_act(
    request: Request, operator: OperatorRecord, template_id: str, version: int, decision: str
) -> Response:
    form = _form(request)
    _csrf_ok(request, form.get("csrf", ""))
    s = surface(request)
    path = s.settings.templates_file
    with unit_of_work(s.engine) as conn:
        if decision == "approve":
            config = s.config()
            flows.approve_template(
                conn, path, template_id, version, profile=config.profile, context=config.context,
                by=operator.username, now=utcnow(), reason=form.get("reason") or None,
            )  # fmt: skip
        elif decision == "reject":
            flows.reject_template(
                conn,
                path,
                template_id,
                version,
                reason=form.get("reason", ""),
                by=operator.username,
                now=utcnow(),
            )
        elif decision == "propose":
            proposed = flows.propose_template(
                conn, path, template_id, form.get("body", ""), notes=form.get("notes") or None,
                by=operator.username, now=utcnow(),
            )  # fmt: skip
            version = proposed.version
        else:
            from dunning.core.errors import NotFound

            raise NotFound(f"no action {decision!r}", f"没有操作 {decision!r}")
    return RedirectResponse(f"/templates/{template_id}/{version}?msg=saved", status_code=303)
