"""Example configuration shipped with dunning: strategies, templates and compliance settings.

`dunning init` copies them into the working directory; loaders fall back to them when a file is absent.
"""

from __future__ import annotations

from importlib import resources

__all__ = ["read_default"]


def read_default(name: str) -> str:
    """The text of a shipped file, e.g. ``strategy_cn.yaml``."""
    return resources.files(__name__).joinpath(name).read_text(encoding="utf-8")
