"""Every endpoint × every role: a role the endpoint's act allows gets past the check (any answer
but 401/403), any other role gets 403 with a bilingual reason. Requests are shaped to change
nothing (unknown ids, invalid bodies), so one database serves the whole matrix."""

from __future__ import annotations

import re

import pytest
from fastapi.routing import APIRoute

from dunning.access import ALLOWED, Role
from dunning.api.app import api_routes, declared_act
from tests.api.conftest import Api

#: A harmless value for each path parameter: nothing by that name exists.
PATH_VALUES = {
    "debtor_id": "NOPE",
    "template_id": "no-such-template",
    "provider": "nobody",
    "version": "99",
    "proposal_id": "999999",
    "task_id": "999999",
    "message_id": "999999",
    "job_id": "999999",
    "username": "nobody",
    "prefix": "000000000000",
    "name": "nobody",
    "kind": "status",
}

#: Public on purpose: liveness, the schema and docs, the dashboard's own pages, provider callbacks
#: (which prove themselves by signature, not by key).
PUBLIC = re.compile(r"^/(healthz|openapi\.json|docs.*|v1/webhooks/.*|static.*|login|logout|lang.*|$)")


def _routes(api: Api) -> list[APIRoute]:
    app = api.client.app
    return [r for r in api_routes(app) if r.path.startswith("/v1/")]  # type: ignore[arg-type]


def _url(route: APIRoute) -> str:
    return re.sub(r"\{(\w+)(:[^}]*)?\}", lambda m: PATH_VALUES[m.group(1)], route.path)


def test_every_v1_endpoint_declares_its_act(api: Api) -> None:
    undeclared = [r.path for r in _routes(api) if declared_act(r) is None and not PUBLIC.match(r.path)]
    assert undeclared == []
    assert len(_routes(api)) >= 35


@pytest.mark.parametrize("role", list(Role))
def test_each_role_gets_exactly_its_endpoints(api: Api, role: Role) -> None:
    for route in _routes(api):
        act = declared_act(route)
        if act is None:
            continue
        for method in sorted(route.methods - {"HEAD"}):
            body = {"__not_a_field__": 1} if method in ("POST", "PUT", "PATCH") else None
            response = api.client.request(method, _url(route), headers=api.headers(role), json=body)
            where = f"{method} {route.path} as {role}"
            if role in ALLOWED[act]:
                assert response.status_code not in (401, 403, 500), f"{where}: {response.text[:300]}"
            else:
                assert response.status_code == 403, f"{where}: {response.status_code} {response.text[:300]}"
                error = response.json()["error"]
                assert error["code"] == "forbidden" and error["zh"] != error["en"], where


def test_no_key_is_401_everywhere(api: Api) -> None:
    for route in _routes(api):
        if declared_act(route) is None:
            continue
        for method in route.methods - {"HEAD"}:
            response = api.client.request(method, _url(route))
            assert response.status_code == 401, f"{method} {route.path}"
            assert response.json()["error"]["code"] == "unauthenticated"


def test_openapi_lists_the_roles_of_every_operation(api: Api) -> None:
    schema = api.client.get("/openapi.json").json()
    for path, operations in schema["paths"].items():
        if not path.startswith("/v1/") or path.startswith("/v1/webhooks"):
            continue
        for method, operation in operations.items():
            assert operation.get("x-roles"), f"{method} {path}"
            assert "Roles:" in operation["description"]
