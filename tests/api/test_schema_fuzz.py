"""Property-based requests from the OpenAPI document (schemathesis): whatever is sent, the API
answers without a server error, and every error is the documented JSON shape."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from sqlalchemy.engine import Engine

from dunning.access import Role
from dunning.core.crypto import PersonalDataCipher
from tests.api.conftest import Api, make_api

pytestmark = pytest.mark.slow


@pytest.fixture
def fuzzed(workdir: Path, engine: Engine, cipher: PersonalDataCipher) -> Iterator[Api]:
    made = make_api(workdir, engine, cipher, api_rate=0)  # no rate limit: hypothesis sends many
    with made.client:
        yield made


def test_no_request_makes_a_server_error(fuzzed: Api) -> None:
    app = fuzzed.client.app
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [
        result.ok()
        for result in schema.get_all_operations()
        # Side effects that a later example would trip over, not errors: revoking the fuzzing key
        # and disabling operators are covered by their own tests.
        if not result.ok().path.startswith(("/v1/keys/{prefix}", "/v1/operators/{username}/disable"))
    ]
    assert len(operations) >= 35
    headers = fuzzed.headers(Role.ADMIN)
    failures: list[str] = []
    for operation in operations:

        @settings(
            max_examples=20,
            deadline=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        @given(case=operation.as_strategy())
        def check(case: schemathesis.Case) -> None:
            response = case.call(headers=headers)
            if response.status_code >= 500:
                failures.append(
                    f"{case.method} {case.formatted_path}: {response.status_code} {response.text[:200]}"
                )
            kind = response.headers.get("content-type") or [""]
            content_type = kind[0] if isinstance(kind, list) else str(kind)
            if response.status_code >= 400 and content_type.startswith("application/json"):
                error = response.json().get("error", {})
                if not (error.get("code") and error.get("zh") and error.get("en")):
                    failures.append(f"{case.method} {case.formatted_path}: error without code/zh/en")

        check()
    assert failures == []
