"""The shape of the house, enforced: who may import whom (docs: ARCHITECTURE notes in each docs.md).

Every ``import`` in ``src/dunning`` counts — at module level, inside a function, or under
``TYPE_CHECKING`` — because a lazy import is still a dependency.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src" / "dunning"
DOMAINS = (
    "access",
    "analytics",
    "compliance",
    "core",
    "events",
    "jobs",
    "learning",
    "messages",
    "portfolio",
    "promises",
    "propensity",
    "replies",
    "sending",
    "strategy",
    "tasks",
    "templates",
    "tracking",
)
EDGES = ("dunning.flows", "dunning.cli", "dunning.simulation")


def _module(path: Path) -> str:
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Absolute names of everything ``path`` imports (relative imports resolved)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    here = _module(path).split(".")
    if path.name != "__init__.py":
        here = here[:-1]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                prefix = here[: len(here) - node.level + 1]
                base = ".".join([*prefix, base] if base else prefix)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    # String mappings of lazy exports (``lazy_exports``) name modules too.
    for node in ast.walk(tree):
        value = node.value if isinstance(node, ast.Constant) else None
        if (
            isinstance(value, str)
            and value.startswith("dunning.")
            and all(p.isidentifier() for p in value.split("."))
        ):
            found.add(value)
    return found


def _files(package: str) -> list[Path]:
    root = SRC / package.replace(".", "/")
    return sorted(root.rglob("*.py")) if root.is_dir() else [root.with_suffix(".py")]


def _offenders(package: str, forbidden: tuple[str, ...]) -> list[str]:
    bad = []
    for path in _files(package):
        for name in sorted(_imports(path)):
            if any(name == f or name.startswith(f + ".") for f in forbidden):
                bad.append(f"{path.relative_to(SRC)} imports {name}")
    return bad


def test_sending_never_imports_tracking_and_tracking_never_imports_sending() -> None:
    assert _offenders("sending", ("dunning.tracking",)) == []
    assert _offenders("tracking", ("dunning.sending",)) == []


def test_the_provider_contract_imports_no_concrete_provider() -> None:
    concrete = tuple(
        f"dunning.sending.providers.{p.stem if p.is_file() else p.name}"
        for p in (SRC / "sending" / "providers").iterdir()
        if p.name not in ("__init__.py", "base.py", "__pycache__") and (p.suffix == ".py" or p.is_dir())
    )
    assert "dunning.sending.providers.smpp" in concrete and "dunning.sending.providers.file" in concrete
    bad = [
        name
        for name in _imports(SRC / "sending" / "providers" / "base.py")
        if any(name == c or name.startswith(c + ".") for c in concrete)
    ]
    assert bad == []


@pytest.mark.parametrize("domain", DOMAINS)
def test_no_domain_imports_the_flows_or_an_edge(domain: str) -> None:
    assert _offenders(domain, EDGES) == []


def test_the_kernel_imports_no_domain() -> None:
    others = tuple(f"dunning.{d}" for d in DOMAINS if d != "core")
    assert _offenders("core", (*others, *EDGES)) == []


def test_providers_and_pure_modules_load_without_the_database_layer() -> None:
    """A provider is database-free: importing every provider (and the message values they speak)
    loads neither SQLAlchemy nor the sender, the tracking domain or the flows."""
    modules = [
        _module(p)
        for p in sorted((SRC / "sending" / "providers").rglob("*.py"))
        if p.name != "__init__.py" or p.parent != SRC / "sending" / "providers"
    ]
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r} + ['dunning.messages.wire', 'dunning.messages.status']:\n"
        "    importlib.import_module(m)\n"
        "bad = sorted(m for m in sys.modules if m == 'sqlalchemy' or m.startswith(('dunning.tracking',"
        " 'dunning.flows', 'dunning.sending.worker', 'dunning.messages.repository')))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", out.stdout


def test_the_cli_starts_without_loading_what_its_commands_need() -> None:
    """``dunning --help`` must not pay for the database layer, Polars or the flows."""
    code = (
        "import sys\nimport dunning.cli.main\n"
        "heavy = ('sqlalchemy', 'polars', 'dunning.flows', 'pydantic_settings', 'cryptography')\n"
        "print(','.join(sorted(m for m in heavy if m in sys.modules)))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", out.stdout


def test_the_reply_classifier_is_pure() -> None:
    """Understanding a reply needs no database, provider or other domain: only the kernel."""
    others = tuple(f"dunning.{d}" for d in DOMAINS if d not in ("core", "replies"))
    assert _offenders("replies", (*others, *EDGES, "sqlalchemy")) == []
