"""An API over the test database: one key per role, a small portfolio, the shipped templates."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from dunning import flows
from dunning.access import Role
from dunning.core.crypto import PersonalDataCipher
from dunning.core.db import unit_of_work
from dunning.core.settings import Settings, reset_settings_cache
from tests.factories import T0, add_debtor


@dataclass
class Api:
    client: TestClient
    engine: Engine
    settings: Settings
    workdir: Path
    keys: dict[Role, str] = field(default_factory=dict)

    def headers(self, role: Role, **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[role]}", **extra}

    def get(self, path: str, role: Role = Role.ADMIN, **kw: Any) -> Any:
        return self.client.get(path, headers=self.headers(role), **kw)

    def post(
        self, path: str, role: Role = Role.ADMIN, headers: dict[str, str] | None = None, **kw: Any
    ) -> Any:
        return self.client.post(path, headers={**self.headers(role), **(headers or {})}, **kw)


def make_api(workdir: Path, engine: Engine, cipher: PersonalDataCipher, **settings: Any) -> Api:
    from dunning.api.app import create_app

    shutil.copy(Path(flows.__file__).parent / "defaults" / "templates_cn.yaml", workdir / "templates.yaml")
    reset_settings_cache()
    chosen = Settings(**{"provider_url": f"file://{workdir}/outbox.jsonl", **settings})
    with unit_of_work(engine) as conn:
        flows.init_install(conn, T0)
        keys: dict[Role, str] = {}
        for role in Role:
            name = "admin" if role == Role.ADMIN else f"{role.value}1"
            if role != Role.ADMIN:
                flows.add_operator(conn, name, role.value, by="admin", now=T0)
            keys[role] = flows.new_api_key(conn, name, "test", by="admin", now=T0)[1]
        for n in range(3):
            add_debtor(conn, cipher, f"D{n + 1:03d}", f"+861380013800{n}")
    client = TestClient(create_app(chosen, engine=engine), raise_server_exceptions=False)
    return Api(client, engine, chosen, workdir, keys)


@pytest.fixture
def api(workdir: Path, engine: Engine, cipher: PersonalDataCipher) -> Iterator[Api]:
    made = make_api(workdir, engine, cipher)
    with made.client:
        yield made
