"""Shared fixtures: a real database (SQLite file or PostgreSQL) and a working directory.

Pick the database with ``DUNNING_TEST_DB=sqlite|postgresql`` (``make test`` runs both). Without a
reachable PostgreSQL on a laptop the PostgreSQL run is skipped with a visible notice; under CI
(``CI=true``) it fails instead.
"""

from __future__ import annotations

import base64
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from dunning.core.crypto import PersonalDataCipher
from dunning.core.db import dispose_engines, make_engine, migrate
from dunning.core.settings import reset_settings_cache
from dunning.models import metadata

TEST_KEY = base64.b64encode(b"k" * 32).decode()
# Key sources a developer's shell may set; tests choose their own (core.keyring.load_keyring).
KEY_SETTINGS = ("DUNNING_KEYRING", "DUNNING_KEYRING_FILE", "DUNNING_SECRET_KEY", "DUNNING_KEY_FILE")
BACKEND = os.environ.get("DUNNING_TEST_DB", "sqlite")
PG_ADMIN_URL = os.environ.get("DUNNING_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def pytest_report_header(config: pytest.Config) -> str:
    return f"dunning test database: {BACKEND}"


def _pg_reachable() -> str | None:
    try:
        eng = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with eng.connect() as conn:
            conn.execute(sa.text("select 1"))
        eng.dispose()
        return None
    except Exception as exc:  # any failure to connect means "not here"
        return str(exc).splitlines()[0]


@pytest.fixture(scope="session")
def database_template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A migrated database for the session: a SQLite file to copy, or a PostgreSQL database."""
    if BACKEND == "postgresql":
        problem = _pg_reachable()
        if problem:
            if os.environ.get("CI"):
                pytest.fail(f"PostgreSQL is required in CI but unreachable: {problem}")
            pytest.skip(f"PostgreSQL unreachable, PostgreSQL run skipped: {problem}")
        name = f"dunning_test_{uuid.uuid4().hex[:10]}"
        admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
        migrate(url)
        yield url
        dispose_engines()
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    else:
        path = tmp_path_factory.mktemp("template") / "template.db"
        url = f"sqlite:///{path}"
        migrate(url)
        dispose_engines()
        yield str(path)


def _truncate_pg(engine: Engine) -> None:
    names = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture
def db_url(database_template: str, tmp_path: Path) -> Iterator[str]:
    """A clean, migrated database for one test."""
    if BACKEND == "postgresql":
        _truncate_pg(make_engine(database_template))
        yield database_template
    else:
        target = tmp_path / "dunning.db"
        shutil.copyfile(database_template, target)
        url = f"sqlite:///{target}"
        yield url
        dispose_engines()


@pytest.fixture
def engine(db_url: str) -> Engine:
    return make_engine(db_url)


@pytest.fixture
def cipher() -> PersonalDataCipher:
    return PersonalDataCipher(base64.b64decode(TEST_KEY))


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Run in an empty directory with default settings (no database needed), wide Rich output."""
    from dunning.cli.common import console, err_console

    monkeypatch.chdir(tmp_path)
    for name in ("DUNNING_PROFILE", "DUNNING_TEMPLATES_FILE", "DUNNING_STRATEGY_FILE", *KEY_SETTINGS):
        monkeypatch.delenv(name, raising=False)
    # Wide Rich output whatever the terminal (or xdist worker) looks like.
    for rich_console in (console, err_console):
        monkeypatch.setattr(rich_console, "_width", 300)
        monkeypatch.setattr(rich_console, "_height", 50)
    reset_settings_cache()
    yield tmp_path
    reset_settings_cache()


@pytest.fixture
def workdir(tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Run in a fresh directory with settings pointing at the test database, wide Rich output."""
    from dunning.cli.common import console, err_console

    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    for rich_console in (console, err_console):
        monkeypatch.setattr(rich_console, "_width", 300)
    monkeypatch.setenv("DUNNING_DATABASE_URL", db_url)
    for name in KEY_SETTINGS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DUNNING_SECRET_KEY", TEST_KEY)
    reset_settings_cache()
    yield work
    reset_settings_cache()


@pytest.fixture
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A working directory without dunning.toml or compliance.yaml, settings cache cleared."""
    monkeypatch.chdir(tmp_path)
    for key in ("DUNNING_PROFILE", "DUNNING_COMPLIANCE_FILE", "DUNNING_CREDITOR", "DUNNING_SIGNATURE"):
        monkeypatch.delenv(key, raising=False)
    reset_settings_cache()
    yield tmp_path
    reset_settings_cache()
