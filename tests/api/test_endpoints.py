"""What the endpoints do, through HTTP: pages, masking and logged unmasking, payments with
idempotency keys, template and strategy review by separate roles, tasks, uploads as jobs."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import yaml

from dunning import flows
from dunning.access import Role
from dunning.core.clock import utcnow
from dunning.core.db import unit_of_work
from dunning.tasks import repository as tasks_repo
from tests.api.conftest import Api
from tests.factories import T0


def _events(api: Api, kind: str) -> list[Any]:
    with unit_of_work(api.engine) as conn:
        return flows.read_events(conn, kinds=[kind], limit=100)


def test_debtors_page_by_cursor_and_filter(api: Api) -> None:
    first = api.get("/v1/debtors?limit=2", Role.AUDITOR).json()
    assert [d["id"] for d in first["items"]] == ["D001", "D002"] and first["next_cursor"]
    second = api.get(f"/v1/debtors?limit=2&cursor={first['next_cursor']}", Role.AUDITOR).json()
    assert [d["id"] for d in second["items"]] == ["D003"] and second["next_cursor"] is None
    row = first["items"][0]
    assert "*" in row["name"] and row["outstanding_minor"] == 100_000 and row["bucket"]
    assert "pk" not in row
    bucket = row["bucket"]
    same = api.get(f"/v1/debtors?bucket={bucket}").json()["items"]
    assert len(same) == 3
    assert api.get("/v1/debtors?q=D00").json()["items"] and not api.get("/v1/debtors?q=X").json()["items"]


def test_detail_is_masked_and_unmasking_is_allowed_only_to_some_and_logged(api: Api) -> None:
    masked = api.get("/v1/debtors/D001", Role.OPERATOR).json()
    assert "*" in masked["debtor"]["name"] and "****" in masked["contacts"][0]["phone"]
    refused = api.get("/v1/debtors/D001?unmask=true", Role.AUDITOR)
    assert refused.status_code == 403
    clear = api.get("/v1/debtors/D001?unmask=true", Role.SUPERVISOR).json()
    assert clear["contacts"][0]["phone"] == "+8613800138000" and "*" not in clear["debtor"]["name"]
    viewed = _events(api, "personal_data.viewed")
    assert len(viewed) == 1 and viewed[0].actor == "supervisor1" and viewed[0].subject == "D001"
    assert api.get("/v1/debtors/NOPE").status_code == 404


def test_payments_are_idempotent_by_key(api: Api) -> None:
    accounts = api.get("/v1/accounts?debtor_id=D001").json()["items"]
    body = {"payments": [{"payment_id": "PAY-1", "account_id": accounts[0]["id"], "amount": "200.00",
                          "currency": "CNY", "paid_at": (T0 + timedelta(hours=1)).isoformat()}]}  # fmt: skip
    first = api.post("/v1/payments", Role.SUPERVISOR, json=body, headers={"Idempotency-Key": "k-1"})
    assert first.status_code == 201 and first.json()["payments"] == 1
    again = api.post("/v1/payments", Role.SUPERVISOR, json=body, headers={"Idempotency-Key": "k-1"})
    assert again.status_code == 201 and again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    other = {"payments": [{**body["payments"][0], "amount": "300.00"}]}
    clash = api.post("/v1/payments", Role.SUPERVISOR, json=other, headers={"Idempotency-Key": "k-1"})
    assert clash.status_code == 409
    listed = api.get("/v1/payments").json()["items"]
    assert [p["id"] for p in listed] == ["PAY-1"] and listed[0]["amount_minor"] == 20_000
    assert api.post("/v1/payments", Role.OPERATOR, json=body).status_code == 403


def test_a_bad_payment_row_writes_nothing_and_says_which(api: Api) -> None:
    body = {"payments": [{"payment_id": "PAY-9", "account_id": "NO-SUCH-ACCOUNT", "amount": "1.00",
                          "currency": "CNY", "paid_at": T0.isoformat()}]}  # fmt: skip
    response = api.post("/v1/payments", json=body)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "import_rejected" and error["rows"]
    assert api.get("/v1/payments").json()["items"] == []


def test_template_review_needs_two_roles(api: Api) -> None:
    body = {
        "body": "【{signature}】{masked_name}您好，您尾号{account_tail}借款{amount}"
        "将于{due_date}到期。客服{hotline}"
    }
    assert api.post("/v1/templates/cn-predue/versions", Role.OPERATOR, json=body).status_code == 403
    proposed = api.post("/v1/templates/cn-predue/versions", Role.SUPERVISOR, json=body)
    assert proposed.status_code == 201 and proposed.json() == {
        "id": "cn-predue",
        "version": 2,
        "state": "draft",
    }
    preview = api.get("/v1/templates/cn-predue/versions/2", Role.AUDITOR).json()
    assert preview["state"] == "draft" and "violations" in preview and preview["body"]
    # The draft does not name the creditor: the gate blocks its preview, on a text rule.
    assert (preview["outcome"], preview["allowed"], preview["overridable"]) == ("blocked", False, True)
    assert [v["rule"] for v in preview["violations"]] == ["required.creditor"]
    assert preview["review"] == [] and preview["override"] is None
    assert preview["score"] is None or 0.0 <= preview["score"] <= 1.0  # the second opinion, when it ran
    approve = "/v1/templates/cn-predue/versions/2/approve"
    assert api.post(approve, Role.AUDITOR).status_code == 403
    for role, payload, status in [
        (Role.COMPLIANCE, None, 400),  # no reason
        (Role.COMPLIANCE, {}, 400),
        (Role.ADMIN, {"reason": "the brand names the creditor"}, 403),  # not the compliance role
    ]:
        refused = api.post(approve, role, json=payload)
        assert refused.status_code == status, refused.text
        error = refused.json()["error"]
        assert "required.creditor" in error["en"] and "required.creditor" in error["zh"]
        assert error["zh"] != error["en"] and "合规" in error["zh"]
    assert api.post(approve, Role.COMPLIANCE, json={"reason": ""}).status_code == 422
    assert _events(api, "template.approved_override") == []
    approved = api.post(
        approve, Role.COMPLIANCE, json={"reason": "签名即债权人品牌 / the brand is the creditor"}
    )
    assert approved.status_code == 200, approved.text
    assert approved.json() == {
        "id": "cn-predue",
        "version": 2,
        "state": "approved",
        "approved_by": "compliance1",
        "override_outcome": "blocked",
        "override_flags": ["required.creditor"],
        "override_reason": "签名即债权人品牌 / the brand is the creditor",
    }
    on_file = yaml.safe_load((api.workdir / "templates.yaml").read_text(encoding="utf-8"))
    version = next(t for t in on_file["templates"] if t["id"] == "cn-predue")["versions"][-1]
    assert version["state"] == "approved" and version["approved_by"] == "compliance1"
    assert version["override_outcome"] == "blocked" and version["override_flags"] == ["required.creditor"]
    (logged,) = _events(api, "template.approved_override")
    assert (logged.actor, logged.subject) == ("compliance1", "cn-predue#2")
    assert logged.detail["outcome"] == "blocked" and logged.detail["rules"] == ["required.creditor"]
    assert (
        logged.detail["reason"].startswith("签名即债权人品牌") and logged.detail["operator"] == "compliance1"
    )
    assert _events(api, "template.approved") == []
    shown = api.get("/v1/templates/cn-predue/versions/2", Role.AUDITOR).json()
    assert (
        shown["override"]["reason"].startswith("签名即债权人品牌")
        and shown["override"]["by"] == "compliance1"
    )
    # A version the gate allows needs no reason, and an admin may approve it.
    fixed = {"body": body["body"].replace("借款", "{creditor}借款")}
    allowed = api.post("/v1/templates/cn-predue/versions", Role.SUPERVISOR, json=fixed).json()["version"]
    assert api.get(f"/v1/templates/cn-predue/versions/{allowed}").json()["outcome"] == "allowed"
    plain = api.post(f"/v1/templates/cn-predue/versions/{allowed}/approve", Role.ADMIN)
    assert plain.status_code == 200 and plain.json()["override_outcome"] is None
    assert [e.subject for e in _events(api, "template.approved")] == [f"cn-predue#{allowed}"]
    bad = api.post("/v1/templates/cn-predue/versions", Role.SUPERVISOR, json={"body": "hi {nope}"})
    assert bad.status_code == 400 and "nope" in bad.json()["error"]["en"]
    draft = api.post("/v1/templates/cn-due/versions", Role.SUPERVISOR, json={"body": "{masked_name} 请还款"})
    number = draft.json()["version"]
    rejected = api.post(
        f"/v1/templates/cn-due/versions/{number}/reject", Role.COMPLIANCE, json={"reason": "no signature"}
    )
    assert rejected.json()["state"] == "retired"
    assert [e.kind for e in _events(api, "template.proposed")] == ["template.proposed"] * 3


def test_a_strategy_is_proposed_then_approved_by_someone_else(api: Api) -> None:
    text = (flows.Path(flows.__file__).parent / "defaults" / "strategy_cn.yaml").read_text(encoding="utf-8")
    text = text.replace("version: 1", "version: 2", 1)
    assert (
        api.post("/v1/strategy/versions", Role.SUPERVISOR, json={"text": "segments: [}"}).status_code == 400
    )
    proposed = api.post("/v1/strategy/versions", Role.SUPERVISOR, json={"text": text})
    assert proposed.status_code == 201, proposed.text
    proposal = proposed.json()["id"]
    assert api.post(f"/v1/strategy/versions/{proposal}/approve", Role.SUPERVISOR).status_code == 403
    approved = api.post(f"/v1/strategy/versions/{proposal}/approve", Role.COMPLIANCE)
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    assert (api.workdir / "strategy.yaml").read_text(encoding="utf-8") == text
    assert api.get("/v1/strategy").json()["strategy"]["version"] == 2
    assert api.post(f"/v1/strategy/versions/{proposal}/reject", Role.COMPLIANCE).status_code == 409


def test_tasks_claim_note_close_with_a_promise(api: Api) -> None:
    with unit_of_work(api.engine) as conn:
        debtor = flows.portfolio.debtor_ids(conn, ["D002"])["D002"]
        task = tasks_repo.open_task(
            conn, queue="phone_collection", debtor_id=debtor, reason="no_response", priority=2,
            due_at=T0 + timedelta(hours=2), now=T0,
        )  # fmt: skip
    task_id = task[0]
    assert api.get("/v1/tasks").json()["items"][0]["debtor"] == "D002"
    assert api.post(f"/v1/tasks/{task_id}/claim", Role.AUDITOR).status_code == 403
    assert api.post(f"/v1/tasks/{task_id}/claim", Role.OPERATOR).json()["owner"] == "operator1"
    assert (
        api.post(f"/v1/tasks/{task_id}/notes", Role.OPERATOR, json={"text": "接通，答应周五还"}).status_code
        == 201
    )
    shown = api.get(f"/v1/tasks/{task_id}", Role.OPERATOR).json()
    assert "接通" in str(shown)
    due = (utcnow() + timedelta(days=3)).date().isoformat()  # the API's clock is the real one
    closed = api.post(
        f"/v1/tasks/{task_id}/close",
        Role.OPERATOR,
        json={"outcome": "PTP", "promise_amount": "500.00", "promise_date": due},
    )
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    promises = api.get("/v1/promises").json()["items"]
    assert promises[0]["debtor_id"] == "D002" and promises[0]["amount_minor"] == 50_000


def test_upload_runs_as_a_job_with_a_row_report(api: Api) -> None:
    header = "account_id,debtor_id,name,phone,currency,outstanding,due_date\n"
    good = header + "A-9,D009,王五,13900139000,CNY,800.00,2026-11-20\n"
    started = api.client.post(
        "/v1/imports", headers=api.headers(Role.SUPERVISOR), data={"kind": "accounts"},
        files={"file": ("accounts.csv", good.encode(), "text/csv")},
    )  # fmt: skip
    assert started.status_code == 202, started.text
    job = _wait(api, started.json()["id"])
    assert job["status"] == "done", job
    assert job["result"]["imported_rows"] == 1
    assert any(d["id"] == "D009" for d in api.get("/v1/debtors").json()["items"])
    bad = header + "A-10,D010,赵六,notaphone,CNY,x,2026-13-40\n"
    failed = api.client.post(
        "/v1/imports", headers=api.headers(Role.SUPERVISOR), data={"kind": "accounts"},
        files={"file": ("bad.csv", bad.encode(), "text/csv")},
    )  # fmt: skip
    report = _wait(api, failed.json()["id"])
    assert report["status"] == "failed" and report["error"]["code"] == "import_rejected"
    assert {row["line"] for row in report["error"]["rows"]} == {2}
    assert not any(d["id"] == "D010" for d in api.get("/v1/debtors").json()["items"])
    assert api.client.post(
        "/v1/imports", headers=api.headers(Role.OPERATOR), data={"kind": "accounts"},
        files={"file": ("a.csv", good.encode(), "text/csv")},
    ).status_code == 403  # fmt: skip


def _wait(api: Api, job_id: int) -> dict[str, Any]:
    for _ in range(200):
        job: dict[str, Any] = api.get(f"/v1/jobs/{job_id}").json()
        if job["status"] in ("done", "failed"):
            return job
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} did not finish")


def test_plan_then_report_and_messages(api: Api) -> None:
    planned = api.post("/v1/plans", Role.SUPERVISOR, json={"dry_run": False})
    assert planned.status_code == 201, planned.text
    report = api.get("/v1/reports/day").json()
    assert "planned" in report and "return_path" in report
    messages = api.get("/v1/messages").json()["items"]
    if messages:
        detail = api.get(f"/v1/messages/{messages[0]['id']}").json()
        assert detail["events"] and detail["debtor_id"].startswith("D")
    assert api.get("/v1/plans").json()["items"]
