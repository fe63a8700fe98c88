"""Keys, refusals, limits: 401 and 403 with reasons in both languages, 413, 429, no tracebacks."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import Engine

from dunning import flows
from dunning.access import Role
from dunning.core.crypto import PersonalDataCipher
from dunning.core.db import unit_of_work
from tests.api.conftest import Api, make_api
from tests.factories import T0


def test_unauthenticated_and_bad_keys_are_401(api: Api) -> None:
    assert api.client.get("/v1/debtors").status_code == 401
    for presented in ("dk_nope", "dk_000000000000_" + "a" * 43, api.keys[Role.ADMIN] + "x", "Basic abc"):
        response = api.client.get("/v1/debtors", headers={"Authorization": f"Bearer {presented}"})
        assert response.status_code == 401
        error = response.json()["error"]
        assert error["code"] == "unauthenticated" and error["zh"] and error["en"]
    assert api.client.get("/v1/debtors", headers={"X-API-Key": api.keys[Role.AUDITOR]}).status_code == 200


def test_a_revoked_key_or_a_disabled_operator_stops_at_once(api: Api) -> None:
    keys = api.get("/v1/keys").json()["items"]
    auditor = next(k for k in keys if k["operator"] == "auditor1")
    assert api.get("/v1/me", Role.AUDITOR).status_code == 200
    assert (
        api.client.delete(f"/v1/keys/{auditor['prefix']}", headers=api.headers(Role.ADMIN)).status_code == 200
    )
    response = api.get("/v1/me", Role.AUDITOR)
    assert response.status_code == 401 and "revoked" in response.json()["error"]["en"]
    assert api.post("/v1/operators/operator1/disable").status_code == 200
    assert api.get("/v1/me", Role.OPERATOR).status_code == 401


def test_a_new_key_is_shown_once_and_works(api: Api) -> None:
    created = api.post("/v1/keys", json={"operator": "compliance1", "label": "loan system"})
    assert created.status_code == 201
    key = created.json()["key"]
    assert key.startswith("dk_")
    listed = api.get("/v1/keys").json()["items"]
    assert all("key" not in k and key not in str(k) for k in listed)
    me = api.client.get("/v1/me", headers={"Authorization": f"Bearer {key}"}).json()
    assert me["operator"]["username"] == "compliance1" and "template.approve" in me["acts"]
    with unit_of_work(api.engine) as conn:
        kinds = [e.kind for e in flows.read_events(conn, kinds=["api_key.created"], limit=50)]
    assert len(kinds) == 6  # five from the fixture, one here


def test_wrong_role_is_403_with_both_languages(api: Api) -> None:
    response = api.post("/v1/templates/cn-predue/versions/1/approve", Role.AUDITOR)
    assert response.status_code == 403
    error = response.json()["error"]
    assert error["code"] == "forbidden" and "auditor" in error["en"] and "审批模板" in error["zh"]


def test_bodies_over_the_limit_are_413(workdir: Path, engine: Engine, cipher: PersonalDataCipher) -> None:
    small = make_api(workdir, engine, cipher, api_max_body=2048)
    with small.client:
        big = {"payments": [{"payment_id": f"P{i}", "account_id": "A", "amount": "1.00", "currency": "CNY",
                             "paid_at": "2026-11-28T10:00:00+08:00"} for i in range(100)]}  # fmt: skip
        response = small.post("/v1/payments", Role.ADMIN, json=big)
        assert response.status_code == 413
        assert response.json()["error"]["code"] == "too_large"


def test_rate_limit_per_key_is_429_with_retry_after(
    workdir: Path, engine: Engine, cipher: PersonalDataCipher
) -> None:
    slow = make_api(workdir, engine, cipher, api_rate=0.5, api_burst=3)
    with slow.client:
        codes = [slow.get("/v1/me", Role.AUDITOR).status_code for _ in range(5)]
        assert codes[:3] == [200, 200, 200] and codes[3:] == [429, 429]
        limited = slow.get("/v1/me", Role.AUDITOR)
        assert int(limited.headers["Retry-After"]) >= 1
        assert slow.get("/v1/me", Role.SUPERVISOR).status_code == 200  # another key has its own bucket


def test_malformed_input_is_a_4xx_with_a_reason(api: Api) -> None:
    cases = [
        api.get("/v1/debtors?limit=0"),
        api.get("/v1/debtors?bucket=M9"),
        api.get("/v1/debtors?cursor=%%%"),
        api.post("/v1/payments", json={"payments": []}),
        api.post("/v1/payments", content=b"{not json", headers={"Content-Type": "application/json"}),
        api.post("/v1/tasks/1/close", json={"outcome": "DROP TABLE"}),
        api.get("/v1/messages/0"),
    ]
    for response in cases:
        assert 400 <= response.status_code < 500, response.text
        error = response.json()["error"]
        assert error["code"] and error["zh"] and error["en"]
        assert "Traceback" not in response.text


def test_health_and_docs_are_public(api: Api) -> None:
    assert api.client.get("/healthz").json()["status"] == "ok"
    assert api.client.get("/docs").status_code == 200
    assert "/v1/debtors" in api.client.get("/openapi.json").json()["paths"]


def test_keys_are_stored_hashed(api: Api) -> None:
    import sqlalchemy as sa

    from dunning.access.models import api_keys

    with unit_of_work(api.engine) as conn:
        stored = [tuple(r) for r in conn.execute(sa.select(api_keys.c.prefix, api_keys.c.secret_hash))]
    for key in api.keys.values():
        secret = key.split("_", 2)[2]  # "dk_{prefix}_{secret}": the secret itself may hold "_"
        assert all(secret not in h for _, h in stored)
    assert all(len(h) == 64 for _, h in stored)
    assert T0  # the fixture's clock
