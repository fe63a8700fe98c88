"""Thin kernel shared by every domain package. Imports no domain package (see docs.md here)."""

__all__ = [
    "clock",
    "counters",
    "crypto",
    "db",
    "errors",
    "frames",
    "lazy",
    "masking",
    "money",
    "phone",
    "profiles",
    "settings",
    "smstext",
    "urls",
]
