"""Loading strategy files (``settings.strategy_file``) with bilingual, located errors."""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from dunning.core.errors import ConfigError
from dunning.core.profiles import Profile
from dunning.defaults import read_default
from dunning.strategy.models import Strategy
from dunning.templates._yaml import config_error, parse_yaml, read_text


def parse_strategy(text: str, source: str = "<text>") -> Strategy:
    """Parse and validate a strategy YAML document; ConfigError names the segment and step."""
    data = parse_yaml(text, source)
    if data is None:
        raise ConfigError(f"{source}: the file is empty", f"{source}：文件为空")
    try:
        return Strategy.model_validate(data)
    except ValidationError as exc:
        raise config_error(exc, data, source) from exc


def load_strategy(path: Path | str) -> Strategy:
    path = Path(path)
    return parse_strategy(read_text(path, what_zh="策略", what_en="strategy"), str(path))


def default_strategy_text(profile: Profile) -> str:
    return read_default(f"strategy_{profile.lower()}.yaml")


def adaptive_strategy_text(profile: Profile) -> str:
    """The shipped adaptive strategy of ``profile`` (``dunning strategy use adaptive``)."""
    return read_default(f"strategy_{profile.lower()}_adaptive.yaml")


def load_default_strategy(profile: Profile) -> Strategy:
    """The strategy shipped with dunning for ``profile`` (what `dunning init` copies)."""
    return parse_strategy(default_strategy_text(profile), f"strategy_{profile.lower()}.yaml (default)")
