"""The one error tree of dunning. Every error we raise on purpose is a ``DunningError``: it carries an
English text (``en``, also ``str(exc)``) and a Chinese one (``zh``), and ``bilingual()`` joins them.
Edges (CLI, API) turn one into a clear message and a non-zero exit or a 4xx, never a traceback.

    DunningError                    core.errors
    ├── ConfigError                 core.errors          bad settings, missing key, unreadable YAML
    ├── InputError                  core.errors          bad user input (option, body, file)
    │   ├── ImportRejected          core.errors          a file with invalid rows (row report attached)
    │   ├── CellError               portfolio.importers  one invalid cell (also a ValueError)
    │   ├── PhoneError              core.phone           not a usable phone number (also a ValueError)
    │   ├── RenderError             templates.render     a value a template needs is missing
    │   └── Bilingual               templates._yaml      a template/strategy file problem found in a
    │                                                    validator (also a ValueError, for pydantic)
    ├── NotFound                    core.errors          a named thing does not exist
    ├── PermissionDenied            core.errors          the operator may not do this act
    ├── Unauthenticated             core.errors          no key, or a key that is unknown or revoked
    ├── SignatureError              core.errors          a provider callback failed its signature check
    ├── Conflict                    core.errors          a state that forbids the act (409)
    ├── ApiError                    api.errors           an edge refusal with its own status (413, 429…)
    ├── ConcurrencyError            core.errors          e.g. a second sender on SQLite
    └── ProviderError               core.errors          a provider could not take a message
        ├── RetriableProviderError  core.errors          nothing handed over: retry after ``retry_after``
        ├── PermanentProviderError  core.errors          never retried; the batch is refused
        ├── BindError               sending.providers.smpp.session  refused or unanswered bind
        ├── SessionClosedError      sending.providers.smpp.session  the connection is gone
        └── ProtocolError           core.errors          bytes on the wire that are not SMPP
            ├── DecodeError         sending.providers.smpp.pdu
            ├── EncodeError         sending.providers.smpp.pdu   (also a ValueError)
            └── TextDecodeError     sending.providers.smpp.text  (also a ValueError)

Row-level reports are data, not exceptions, with the same names: ``RowError`` (portfolio.importers)
and ``Problem`` (strategy.checks) have ``en``, ``zh`` and ``bilingual()``. Only ``BindError`` and
``SessionClosedError`` are neither retriable nor permanent on purpose: a sender that meets them
records what was in flight as unknown (it may have left) instead of offering it again.
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


class ProtocolError(ProviderError):
    """Bytes on the wire that are not the protocol (a PDU that does not decode or encode)."""

    def __init__(self, en: str, zh: str | None = None) -> None:
        super().__init__(en, zh or f"短信协议错误：{en}")


class PermissionDenied(DunningError):
    """The named operator may not do this (unknown to the act's roles, or disabled)."""


class Unauthenticated(DunningError):
    """No credentials, or credentials that match no active key (HTTP 401)."""


class SignatureError(DunningError):
    """A provider callback whose signature (or shared token) does not verify: refused, recorded."""


class Conflict(DunningError):
    """The thing exists but its state forbids the act (an idempotency key reused for another body,
    a task already closed): HTTP 409."""
