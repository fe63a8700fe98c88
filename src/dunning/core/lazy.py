"""Lazy package exports (PEP 562): ``import dunning.x`` stays cheap until a name is used.

A package lists its public names in ``__all__`` and maps each to the module that defines it; the
module is imported on first access. This keeps ``dunning --help`` and pure modules (a provider that
imports a value type) from loading the database layer or Polars they do not need.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["lazy_exports"]


def lazy_exports(package: str, exports: Mapping[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` that imports ``exports[name]`` on first use and caches the value."""

    def __getattr__(name: str) -> Any:
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        setattr(sys.modules[package], name, value)
        return value

    return __getattr__
