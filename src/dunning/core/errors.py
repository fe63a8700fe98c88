"""The one error tree of dunning.

    DunningError                    every error we raise on purpose; carries zh + en text
    ├── ConfigError                 bad settings, missing key, unreadable YAML
    ├── InputError                  bad user input (CLI option, API body, file format)
    │   └── ImportRejected          a portfolio file with invalid rows (row report attached)
    ├── NotFound                    a named thing does not exist
    ├── ConcurrencyError            e.g. a second sender on SQLite
    └── ProviderError               a provider could not take a message
        ├── RetriableProviderError  try again after ``retry_after`` seconds
        └── PermanentProviderError  never retried; the message fails

Edges (CLI, API) turn a DunningError into a clear bilingual message and a non-zero exit or a 4xx,
never a traceback.
"""

from __future__ import annotations


class DunningError(Exception):
    """Base error. ``zh`` and ``en`` are user-facing texts."""

    def __init__(self, en: str, zh: str | None = None) -> None:
        super().__init__(en)
        self.en = en
        self.zh = zh or en

    def bilingual(self) -> str:
        return self.zh if self.zh == self.en else f"{self.zh} / {self.en}"


class ConfigError(DunningError):
    pass


class InputError(DunningError):
    pass


class ImportRejected(InputError):
    def __init__(self, en: str, zh: str, errors: list[object]) -> None:
        super().__init__(en, zh)
        self.errors = errors


class NotFound(DunningError):
    pass


class ConcurrencyError(DunningError):
    pass


class ProviderError(DunningError):
    pass


class RetriableProviderError(ProviderError):
    def __init__(self, en: str, zh: str | None = None, retry_after: float = 1.0) -> None:
        super().__init__(en, zh)
        self.retry_after = retry_after


class PermanentProviderError(ProviderError):
    pass


class PermissionDenied(DunningError):
    """The named operator may not do this (unknown to the act's roles, or disabled)."""
