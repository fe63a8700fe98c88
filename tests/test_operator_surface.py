"""Issue 9's definition of done, end to end: ``dunning demo``, then the server of ``dunning serve``
on that directory: the dashboard shows the demo's figures; ``/v1/debtors`` without a key is 401; an
auditor cannot approve a template (403), a compliance officer can; a Twilio status callback with a
bad signature is refused and recorded."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlencode

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from dunning import flows
from dunning.cli.main import app as cli
from dunning.core.clock import utcnow
from dunning.core.db import make_engine, unit_of_work
from dunning.core.settings import Settings, reset_settings_cache

NOW = "2026-11-28T10:00:00+08:00"


@pytest.mark.slow
def test_demo_then_serve(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from dunning.api.app import create_app

    monkeypatch.chdir(tmp_path)
    for key in ("DUNNING_DATABASE_URL", "DUNNING_PROFILE", "DUNNING_PROVIDER_URL", "DUNNING_SECRET_KEY"):
        monkeypatch.delenv(key, raising=False)
    reset_settings_cache()
    demo = tmp_path / "demo"
    result = CliRunner().invoke(cli, ["demo", "--dir", str(demo), "--accounts", "400", "--now", NOW])
    assert result.exit_code == 0, result.output
    assert "serve" in result.output and (demo / "admin.apikey").exists()
    monkeypatch.chdir(demo)
    reset_settings_cache()
    twilio = "twilio://AC00:token@api.twilio.com?" + urlencode({"from": "+15550001111"})
    settings = Settings(database_url=f"sqlite:///{demo / 'dunning.db'}", provider_url=twilio)
    engine = make_engine(settings.database_url)
    client = TestClient(create_app(settings, engine=engine))
    with client:
        assert client.get("/v1/debtors").status_code == 401
        key = (demo / "admin.apikey").read_text().strip()
        client.post("/login", data={"key": key, "next": "/"})
        page = client.get("/?day=2026-11-28").text
        planned = int(re.search(r'id="kpi-planned">(\d+)', page).group(1))  # type: ignore[union-attr]
        with unit_of_work(engine) as conn:
            report = flows.report_day(
                conn, flows.datetime.fromisoformat("2026-11-28T12:00:00+08:00"), "Asia/Shanghai"
            )
        assert planned == report["planned"] > 0
        assert f'id="kpi-delivered">{report["delivered"]}<' in page

        admin = {"Authorization": f"Bearer {key}"}
        keys = {}
        for role in ("auditor", "compliance"):
            client.post("/v1/operators", headers=admin, json={"username": f"{role}1", "role": role})
            keys[role] = client.post("/v1/keys", headers=admin, json={"operator": f"{role}1"}).json()["key"]
        body = (
            "【{signature}】{masked_name}您好，{creditor}借款{amount}今天到期，"
            "请在{app_name}还款。客服{hotline}"
        )
        draft = client.post("/v1/templates/cn-due/versions", headers=admin, json={"body": body}).json()
        path = f"/v1/templates/cn-due/versions/{draft['version']}/approve"
        assert client.post(path, headers={"Authorization": f"Bearer {keys['auditor']}"}).status_code == 403
        approved = client.post(path, headers={"Authorization": f"Bearer {keys['compliance']}"})
        assert approved.status_code == 200 and approved.json()["state"] == "approved"

        form = {"MessageSid": "SM1", "MessageStatus": "delivered", "AccountSid": "AC00"}
        refused = client.post(
            "/v1/webhooks/twilio/status", data=form, headers={"X-Twilio-Signature": "forged"}
        )
        assert refused.status_code == 403
        with unit_of_work(engine) as conn:
            assert flows.read_events(conn, kinds=["webhook.refused"])
    assert utcnow()
    reset_settings_cache()
