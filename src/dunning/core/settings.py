"""Settings from the environment (``DUNNING_`` prefix) and an optional ``dunning.toml``.

Precedence: explicit arguments > environment > ``dunning.toml`` in the working directory > defaults.
Secrets (the keyring, the legacy data key, provider passwords) are never printed:
``Settings.redacted()`` is what logs see.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from dunning.core.profiles import PROFILE_IDENTITY, Profile


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="DUNNING_",
        toml_file="dunning.toml",
        extra="ignore",
    )

    database_url: str = Field(default="sqlite:///dunning.db")
    profile: Profile = "CN"
    # Personal-data keys (core.keyring.load_keyring). First found wins: DUNNING_KEYRING (the keyring
    # JSON, e.g. from a secret manager) > keyring_file > DUNNING_SECRET_KEY > key_file; `dunning init`
    # writes a new keyring_file when none exists. The last two are the legacy single 32-byte key
    # (base64): read as data key 1, and once a keyring is saved the key file is no longer read.
    keyring: SecretStr | None = None
    keyring_file: Path = Path("dunning.keyring")
    secret_key: SecretStr | None = None
    key_file: Path = Path("dunning.key")

    # The deployment identity. Unless given (environment, dunning.toml, arguments), each takes the
    # profile's example value (core.profiles.PROFILE_IDENTITY): a US install signs in English.
    creditor: str = ""
    signature: str = ""
    hotline: str = ""
    app_name: str = ""
    allowed_urls: list[str] = Field(default_factory=list)
    allowed_numbers: list[str] = Field(default_factory=list)

    strategy_file: Path = Path("strategy.yaml")
    templates_file: Path = Path("templates.yaml")
    compliance_file: Path = Path("compliance.yaml")

    # The built-in SMSC simulator over real SMPP on loopback; a real SMSC: smpp://id:pw@host:port?tps=…
    provider_url: str = "smsc://embedded"
    sender_batch: int = 500
    # After the last batch, keep collecting receipts this many seconds while any are outstanding
    # (later ones are delivered by the SMSC at the next bind and matched then).
    receipt_wait: float = 10.0
    # After connecting, take in what the provider holds for us (replies, receipts) until the line has
    # been quiet this many seconds, before claiming anything: a waiting opt-out stops its messages.
    inbound_settle: float = 0.25
    # The built-in simulator delivers nothing: refused on PostgreSQL unless this is set (test installs).
    allow_embedded_smsc: bool = False
    # Who the CLI acts as when --by is not given.
    operator: str | None = None
    # `dunning serve`: loopback by default; in production bind behind a reverse proxy (docs: README).
    http_host: str = "127.0.0.1"
    http_port: int = 8000
    # The public base URL callbacks are addressed to (Twilio signs the URL it called), when a proxy
    # rewrites it; empty = the URL the request arrived on.
    public_url: str = ""
    # Signs the dashboard's session cookie; empty = a random secret per server start.
    session_secret: SecretStr | None = None
    # Per API key: sustained requests per second and the burst allowed above it.
    api_rate: float = 20.0
    api_burst: int = 60
    # Largest request body: JSON and form posts, and portfolio uploads.
    api_max_body: int = 1_048_576
    api_max_upload: int = 64 * 1_048_576

    @model_validator(mode="after")
    def _identity_of_the_profile(self) -> Settings:
        for name, value in PROFILE_IDENTITY[self.profile].items():
            if name not in self.model_fields_set:
                setattr(self, name, list(value) if isinstance(value, list) else value)
        return self

    @field_validator("profile", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls))

    def redacted(self) -> dict[str, Any]:
        """Settings safe to print: secrets and URL passwords removed."""
        from dunning.core.urls import redact_url

        data = self.model_dump(mode="json")
        data["secret_key"] = "***" if self.secret_key else None
        data["keyring"] = "***" if self.keyring else None
        data["database_url"] = redact_url(self.database_url)
        data["provider_url"] = redact_url(self.provider_url)
        return data


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


def reset_settings_cache() -> None:
    get_settings.cache_clear()
