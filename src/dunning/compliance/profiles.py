"""Compliance profiles (CN, US): the defaults of COMPLIANCE.md, deployment values, audited overrides.

A profile is immutable. Its defaults are the floor: ``compliance.yaml`` may make any setting
stricter (a shorter window, lower caps, more opt-out keywords, extra forbidden terms), but a value
looser than the floor is refused unless the file carries an ``overrides:`` entry for that setting
with a ``reason`` and ``approved_by``. Accepted overrides stay on the profile
(``audited_overrides``) so screens and audits can show them.

The CN send window defaults to 08:00–21:00 while the legal floor is "nothing 22:00–08:00": closing
as late as 22:00 needs no override there, in the US (Regulation F) it does.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, time
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from dunning.compliance.lexicon import FORBIDDEN, LITIGATION_WORDS
from dunning.compliance.normalise import compact, words
from dunning.core.errors import ConfigError, InputError
from dunning.core.profiles import PROFILES, Profile
from dunning.core.settings import Settings

__all__ = [
    "PROFILE_NAMES",
    "AuditedOverride",
    "ComplianceProfile",
    "RequiredElement",
    "default_profile",
    "load_profile",
]

ProfileName = Profile
PROFILE_NAMES: tuple[ProfileName, ...] = PROFILES
RequiredElement = Literal[
    "signature", "creditor", "amount", "overdue", "contact", "opt_out_line", "collector_disclosure"
]

_TIME_FIELDS = ("window_start", "window_end")


def _parse_time(value: Any) -> Any:
    # YAML 1.1 reads an unquoted 21:00 as the base-60 integer 1260, i.e. minutes of the day.
    if isinstance(value, int) and not isinstance(value, bool):
        if not 0 <= value < 24 * 60:
            raise ValueError("minute of day must be 0–1439")
        return time(value // 60, value % 60)
    if isinstance(value, str):
        hh, sep, mm = value.strip().partition(":")
        if not sep or not hh.isdigit() or not mm.isdigit():
            raise ValueError(f"expected HH:MM, got {value!r}")
        return time(int(hh), int(mm))
    return value


class AuditedOverride(BaseModel):
    """A setting made looser than its floor, with who approved it and why."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    profile: ProfileName | None = None  # None: applies to every profile
    setting: str
    value: Any
    reason: str = Field(min_length=1)
    approved_by: str = Field(min_length=1)
    approved_at: date | None = None
    ticket: str | None = None

    @field_validator("reason", "approved_by")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value.strip()

    @field_validator("profile", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value

    @field_validator("value", mode="before")
    @classmethod
    def _frozen(cls, value: Any) -> Any:
        return _freeze(value)

    def describe(self) -> str:
        when = f", {self.approved_at.isoformat()}" if self.approved_at else ""
        ticket = f", {self.ticket}" if self.ticket else ""
        return f"{self.setting} = {self.value!r} ({self.reason}; {self.approved_by}{when}{ticket})"


class ComplianceProfile(BaseModel):
    """Everything the rules need to know about a jurisdiction and a deployment."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: ProfileName
    # send window at the recipient's local time: [window_start, window_end)
    window_start: time
    window_end: time
    daily_cap: int = Field(ge=0)
    rolling_7d_cap: int = Field(ge=0)
    min_gap_hours: float = Field(ge=0)
    # state/province code → cap per rolling 7 days (Massachusetts: 2)
    region_7d_caps: tuple[tuple[str, int], ...] = ()
    max_chars: int | None = Field(default=None, ge=1)
    max_segments: int | None = Field(default=None, ge=1)
    required_elements: tuple[RequiredElement, ...]
    opt_out_line: str
    collector_disclosure: str = "This is a communication from a debt collector."
    opt_out_keywords: tuple[str, ...]
    litigation_words: tuple[str, ...]
    # rule id → extra terms a deployment forbids on top of the shipped lists
    extra_terms: tuple[tuple[str, tuple[str, ...]], ...] = ()

    # deployment values (from Settings)
    creditor: str
    signature: str
    hotline: str
    allowed_urls: tuple[str, ...] = ()
    allowed_numbers: tuple[str, ...] = ()
    # hosts (and their subdomains) any link may point to: a sender identity's domains
    allowed_domains: tuple[str, ...] = ()

    audited_overrides: tuple[AuditedOverride, ...] = ()

    @field_validator(*_TIME_FIELDS, mode="before")
    @classmethod
    def _time(cls, value: Any) -> Any:
        return _parse_time(value)

    @field_validator("region_7d_caps", mode="before")
    @classmethod
    def _regions(cls, value: Any) -> Any:
        if isinstance(value, Mapping):
            return tuple(sorted((str(k).strip().upper(), v) for k, v in value.items()))
        return value

    @field_validator("extra_terms", mode="before")
    @classmethod
    def _terms(cls, value: Any) -> Any:
        if isinstance(value, Mapping):
            items = ((str(k), tuple(v) if isinstance(v, list | tuple) else v) for k, v in value.items())
            return tuple(sorted(items))
        return value

    @field_validator(
        "opt_out_keywords",
        "litigation_words",
        "allowed_urls",
        "allowed_numbers",
        "allowed_domains",
        mode="before",
    )
    @classmethod
    def _strings(cls, value: Any) -> Any:
        if isinstance(value, list | tuple):
            return tuple(str(v).strip() for v in value if str(v).strip())
        return value

    @model_validator(mode="after")
    def _consistent(self) -> ComplianceProfile:
        if self.window_start >= self.window_end:
            raise ValueError("window_start must be before window_end")
        unknown = [rid for rid, _ in self.extra_terms if rid not in FORBIDDEN]
        if unknown:
            raise ValueError(
                f"extra_terms: unknown rule id(s) {', '.join(unknown)}; use {', '.join(FORBIDDEN)}"
            )
        if "signature" in self.required_elements and not self.signature.strip():
            raise ValueError("a signature is required (settings: signature)")
        if "creditor" in self.required_elements and not self.creditor.strip():
            raise ValueError("a creditor name is required (settings: creditor)")
        if "contact" in self.required_elements and not self.permitted_numbers:
            raise ValueError("a contact number is required (settings: hotline)")
        return self

    # ---- derived values -------------------------------------------------------------------------

    @property
    def window_start_min(self) -> int:
        return self.window_start.hour * 60 + self.window_start.minute

    @property
    def window_end_min(self) -> int:
        return self.window_end.hour * 60 + self.window_end.minute

    @property
    def min_gap_minutes(self) -> int:
        return round(self.min_gap_hours * 60)

    @property
    def permitted_numbers(self) -> tuple[str, ...]:
        """Digits of the official numbers (hotline and allow-list): the only ones a message may carry."""
        return tuple(dict.fromkeys(d for d in map(_digits, (self.hotline, *self.allowed_numbers)) if d))

    def extra_terms_for(self, rule_id: str) -> tuple[str, ...]:
        return next((terms for rid, terms in self.extra_terms if rid == rule_id), ())

    def reason_values(self) -> dict[str, str]:
        """Values the bilingual reason templates may cite."""
        caps = ", ".join(f"{region} ≤ {cap}" for region, cap in self.region_7d_caps) or "—"
        if self.max_segments is not None:
            limit_zh, limit_en = f"{self.max_segments} 段", f"{self.max_segments} segments"
        else:
            limit_zh, limit_en = f"{self.max_chars} 字", f"{self.max_chars} characters"
        gap = f"{self.min_gap_hours:g}"
        return {
            "profile": self.name,
            "window_start": self.window_start.strftime("%H:%M"),
            "window_end": self.window_end.strftime("%H:%M"),
            "daily_cap": str(self.daily_cap),
            "rolling_7d_cap": str(self.rolling_7d_cap),
            "min_gap_hours": gap,
            "region_caps": caps,
            "length_limit_zh": limit_zh,
            "length_limit_en": limit_en,
            "signature": self.signature,
            "creditor": self.creditor,
            "hotline": self.hotline,
            "opt_out_line": self.opt_out_line,
            "collector_disclosure": self.collector_disclosure,
            "allowed_urls": ", ".join((*self.allowed_urls, *self.allowed_domains)) or "—",
            "allowed_numbers": ", ".join(dict.fromkeys((self.hotline, *self.allowed_numbers))) or "—",
        }

    def is_opt_out(self, reply: str) -> bool:
        """Whether an inbound reply is one of the profile's opt-out keywords (whole reply, any case)."""
        text = compact(reply)
        return any(text == compact(k) for k in self.opt_out_keywords)


def _freeze(value: Any) -> Any:
    """Lists → tuples, mappings → sorted tuples of pairs: YAML values made hashable and comparable."""
    if isinstance(value, Mapping):
        return tuple(sorted((str(k), _freeze(v)) for k, v in value.items()))
    if isinstance(value, list | tuple):
        return tuple(_freeze(v) for v in value)
    return value


def _digits(value: str) -> str:
    return "".join(ch for ch in value if ch.isascii() and ch.isdigit())


# ---- defaults and floors ------------------------------------------------------------------------

_DEFAULTS: dict[str, dict[str, Any]] = {
    "CN": {
        "window_start": time(8, 0),
        "window_end": time(21, 0),
        "daily_cap": 2,
        "rolling_7d_cap": 7,
        "min_gap_hours": 4.0,
        "region_7d_caps": (),
        "max_chars": 500,
        "max_segments": None,
        "required_elements": ("signature", "creditor", "amount", "overdue", "contact"),
        "opt_out_line": "回复TD退订",
        "opt_out_keywords": ("退订", "TD", "T", "N", "R", "拒收", "别发了", "不要再发"),
        "litigation_words": LITIGATION_WORDS["CN"],
    },
    "US": {
        "window_start": time(8, 0),
        "window_end": time(21, 0),
        "daily_cap": 1,
        "rolling_7d_cap": 3,
        "min_gap_hours": 24.0,
        "region_7d_caps": (("MA", 2),),
        "max_chars": None,
        "max_segments": 3,
        "required_elements": ("creditor", "amount", "overdue", "contact", "opt_out_line"),
        "opt_out_line": "Reply STOP to opt out.",
        "opt_out_keywords": (
            "STOP",
            "STOPALL",
            "QUIT",
            "END",
            "REVOKE",
            "OPT OUT",
            "OPTOUT",
            "CANCEL",
            "UNSUBSCRIBE",
        ),
        "litigation_words": LITIGATION_WORDS["US"],
    },
}

# Where the legal floor differs from the default (CN: nothing 22:00–08:00).
_FLOOR_EXCEPTIONS: dict[str, dict[str, Any]] = {"CN": {"window_end": time(22, 0)}}

# Settings a compliance.yaml profile section may carry.
_EDITABLE = (
    "window_start",
    "window_end",
    "daily_cap",
    "rolling_7d_cap",
    "min_gap_hours",
    "region_7d_caps",
    "max_chars",
    "max_segments",
    "required_elements",
    "opt_out_line",
    "collector_disclosure",
    "opt_out_keywords",
    "litigation_words",
    "extra_terms",
)
_DEPLOYMENT = ("creditor", "signature", "hotline", "allowed_urls", "allowed_numbers")


def _floor(name: str, setting: str) -> Any:
    return _FLOOR_EXCEPTIONS.get(name, {}).get(setting, _DEFAULTS[name].get(setting))


def _looser(profile: ComplianceProfile, setting: str) -> str | None:
    """Why ``setting`` of ``profile`` is looser than its floor (en), or None."""
    name = profile.name
    value = getattr(profile, setting)
    floor = _floor(name, setting)
    if setting == "window_start" and value < floor:
        return f"window_start {value:%H:%M} is earlier than the floor {floor:%H:%M}"
    if setting == "window_end" and value > floor:
        return f"window_end {value:%H:%M} is later than the floor {floor:%H:%M}"
    if setting in ("daily_cap", "rolling_7d_cap") and value > floor:
        return f"{setting} {value} is higher than the floor {floor}"
    if setting in ("max_chars", "max_segments") and floor is not None and (value is None or value > floor):
        return f"{setting} {value} is higher than the floor {floor}"
    if setting == "min_gap_hours" and value < floor:
        return f"min_gap_hours {value:g} is shorter than the floor {floor:g}"
    if setting == "region_7d_caps":
        caps = dict(value)
        loose = [r for r, cap in floor if caps.get(r, cap + 1) > cap]
        if loose:
            return f"region_7d_caps raises or removes the cap for {', '.join(loose)}"
    if setting in ("required_elements", "litigation_words"):
        missing = [v for v in floor if v not in value]
        if missing:
            return f"{setting} drops {', '.join(missing)}"
    if setting == "opt_out_keywords":
        have = {compact(v) for v in value}
        missing = [v for v in floor if compact(v) not in have]
        if missing:
            return f"opt_out_keywords drops {', '.join(missing)}"
    if setting == "opt_out_line" and name == "US" and words("stop") not in words(value):
        return "opt_out_line must tell the recipient to reply STOP"
    if setting == "collector_disclosure" and name == "US" and words("debt collector") not in words(value):
        return "collector_disclosure must say this is from a debt collector"
    return None


def _deployment(settings: Settings) -> dict[str, Any]:
    return {
        "creditor": settings.creditor,
        "signature": settings.signature,
        "hotline": settings.hotline,
        "allowed_urls": tuple(settings.allowed_urls),
        "allowed_numbers": tuple(settings.allowed_numbers),
    }


def _profile_name(name: str) -> ProfileName:
    upper = name.strip().upper()
    if upper == "CN":
        return "CN"
    if upper == "US":
        return "US"
    raise InputError(
        f"unknown compliance profile {name!r}: use CN or US", f"未知的合规配置 {name!r}：请用 CN 或 US"
    )


def _build(values: dict[str, Any], source: str) -> ComplianceProfile:
    try:
        return ComplianceProfile(**values)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or 'profile'}: {err['msg']}" for err in exc.errors()
        )
        raise ConfigError(
            f"{source}: invalid compliance settings: {problems}", f"{source}：合规配置无效：{problems}"
        ) from exc


def default_profile(name: str, settings: Settings) -> ComplianceProfile:
    """The shipped defaults of profile ``name`` with the deployment values of ``settings``."""
    profile = _profile_name(name)
    return _build({"name": profile, **_DEFAULTS[profile], **_deployment(settings)}, "defaults")


def load_profile(name: str, settings: Settings, path: Path | None = None) -> ComplianceProfile:
    """Profile ``name`` with the overrides of ``path`` (default: ``settings.compliance_file`` if present)."""
    profile_name = _profile_name(name)
    if path is None:
        path = settings.compliance_file if settings.compliance_file.exists() else None
    base = default_profile(profile_name, settings)
    if path is None:
        return base
    data = _read_yaml(path)
    section = _section(data, profile_name, path)
    overrides = [o for o in _overrides(data, path) if o.profile in (None, profile_name)]

    values: dict[str, Any] = {"name": profile_name, **_DEFAULTS[profile_name], **_deployment(settings)}
    values.update(section)
    for override in overrides:
        if override.setting not in _EDITABLE:
            raise ConfigError(
                f"{path}: overrides: unknown setting {override.setting!r}",
                f"{path}：overrides 中的设置项 {override.setting!r} 不存在",
            )
        if override.setting in section and _freeze(section[override.setting]) != override.value:
            raise ConfigError(
                f"{path}: {profile_name}.{override.setting} differs from its approved override value "
                f"{override.value!r}",
                f"{path}：{profile_name}.{override.setting} 与审批的覆盖值 {override.value!r} 不一致",
            )
        values[override.setting] = override.value
    values["audited_overrides"] = tuple(overrides)
    profile = _build(values, str(path))

    approved = {o.setting for o in overrides}
    for setting in _EDITABLE:
        why = _looser(profile, setting)
        if why and setting not in approved:
            raise ConfigError(
                f"{path}: {profile_name}.{setting}: {why}. Looser than the legal floor is only accepted "
                "with an `overrides:` entry carrying reason and approved_by",
                f"{path}：{profile_name}.{setting} 比法定底线更宽松（{why}）。放宽须在 `overrides:` 中登记"
                "理由（reason）和审批人（approved_by）",
            )
    return profile


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}", f"无法读取 {path}：{exc.strerror}") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path} is not valid YAML: {exc}", f"{path} 不是有效的 YAML：{exc}") from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping at the top level", f"{path}：顶层应为映射（键: 值）")
    unknown = [k for k in data if k not in (*PROFILE_NAMES, "overrides")]
    if unknown:
        raise ConfigError(
            f"{path}: unknown top-level key(s) {', '.join(map(str, unknown))}; expected CN, US, overrides",
            f"{path}：未知的顶层键 {', '.join(map(str, unknown))}；应为 CN、US、overrides",
        )
    return data


def _section(data: dict[str, Any], name: str, path: Path) -> dict[str, Any]:
    section = data.get(name) or {}
    if not isinstance(section, dict):
        raise ConfigError(f"{path}: {name} must be a mapping", f"{path}：{name} 应为映射")
    for key in section:
        if key in _DEPLOYMENT:
            env = f"DUNNING_{key.upper()}"
            raise ConfigError(
                f"{path}: {name}.{key} is a deployment value: set it in dunning.toml or {env}",
                f"{path}：{name}.{key} 属于部署设置，请在 dunning.toml 或环境变量 {env} 中设置",
            )
        if key not in _EDITABLE:
            raise ConfigError(
                f"{path}: unknown setting {name}.{key}; known: {', '.join(_EDITABLE)}",
                f"{path}：未知设置项 {name}.{key}；可用：{', '.join(_EDITABLE)}",
            )
    return dict(section)


def _overrides(data: dict[str, Any], path: Path) -> list[AuditedOverride]:
    raw = data.get("overrides") or []
    if not isinstance(raw, list):
        raise ConfigError(f"{path}: overrides must be a list", f"{path}：overrides 应为列表")
    result = []
    for i, entry in enumerate(raw):
        try:
            result.append(AuditedOverride.model_validate(entry))
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
            raise ConfigError(
                f"{path}: overrides[{i}] needs setting, value, reason and approved_by ({problems})",
                f"{path}：overrides[{i}] 须包含 setting、value、reason 和 approved_by（{problems}）",
            ) from exc
    return result
