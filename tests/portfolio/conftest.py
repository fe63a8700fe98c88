"""Fixtures for portfolio tests: imports run in one unit of work at a fixed instant."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from dunning.core.crypto import PersonalDataCipher
from dunning.core.db import unit_of_work
from dunning.portfolio.importers import FileKind
from dunning.portfolio.service import ImportResult, import_file
from tests.portfolio.helpers import NOW

ImportRunner = Callable[..., ImportResult]


@pytest.fixture
def run_import(engine: Engine, cipher: PersonalDataCipher) -> ImportRunner:
    def run(kind: FileKind, path: Path, *, profile: str = "CN", skip_invalid: bool = False) -> ImportResult:
        with unit_of_work(engine) as conn:
            return import_file(
                conn, kind, path, cipher=cipher, profile=profile, now=NOW, skip_invalid=skip_invalid
            )

    return run
