"""Time: every time-dependent command takes ``--now``; storage is timezone-aware UTC."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from dunning.core.errors import InputError


def utcnow() -> datetime:
    return datetime.now(UTC)


def parse_now(value: str | None) -> datetime:
    """``--now`` value: ISO 8601 with an offset (2026-11-28T09:00:00+08:00). None means the real clock."""
    if value is None or value == "":
        return utcnow()
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise InputError(
            f"--now must be ISO 8601 with an offset, e.g. 2026-11-28T09:00:00+08:00; got {value!r}",
            f"--now 须为带时区偏移的 ISO 8601 时间，例如 2026-11-28T09:00:00+08:00；收到 {value!r}",
        ) from exc
    if parsed.tzinfo is None:
        raise InputError(
            f"--now needs a UTC offset (e.g. +08:00 or Z): {value!r}",
            f"--now 需要带 UTC 偏移（如 +08:00 或 Z）：{value!r}",
        )
    return parsed.astimezone(UTC)


def zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InputError(f"unknown time zone {name!r}", f"未知时区 {name!r}") from exc


_ZONES: frozenset[str] | None = None


def is_known_zone(name: str) -> bool:
    global _ZONES
    if _ZONES is None:
        _ZONES = frozenset(available_timezones())
    return name in _ZONES


def local_date(instant: datetime, tz: str) -> date:
    return instant.astimezone(zone(tz)).date()


def local_window_utc(day: date, tz: str, start: time, end: time) -> tuple[datetime, datetime]:
    """[start, end) on local ``day`` in zone ``tz``, as UTC instants (DST-correct)."""
    z = zone(tz)
    begin = datetime.combine(day, start, tzinfo=z).astimezone(UTC)
    finish = datetime.combine(day, end, tzinfo=z).astimezone(UTC)
    if end <= start:  # a window crossing midnight ends the next day
        finish = datetime.combine(day + timedelta(days=1), end, tzinfo=z).astimezone(UTC)
    return begin, finish


def as_utc(value: datetime) -> datetime:
    """Values read back from SQLite are naive; they were stored as UTC."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
