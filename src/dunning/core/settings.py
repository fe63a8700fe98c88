"""Settings from the environment (``DUNNING_`` prefix) and an optional ``dunning.toml``.

Precedence: explicit arguments > environment > ``dunning.toml`` in the working directory > defaults.
Secrets (the data key, provider passwords) are never printed: ``Settings.redacted()`` is what logs see.
"""

from __future__ import annotations

import base64
import os
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from dunning.core.errors import ConfigError
from dunning.core.profiles import Profile


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="DUNNING_",
        toml_file="dunning.toml",
        extra="ignore",
    )

    database_url: str = Field(default="sqlite:///dunning.db")
    profile: Profile = "CN"
    # 32-byte AES key, base64. When unset, read from (or, on `dunning init`, written to) key_file.
    secret_key: SecretStr | None = None
    key_file: Path = Path("dunning.key")

    creditor: str = "安信消费金融"
    signature: str = "安信金融"
    hotline: str = "95000"
    app_name: str = "安信金融App"
    allowed_urls: list[str] = Field(default_factory=lambda: ["https://m.anxin.example/pay"])
    allowed_numbers: list[str] = Field(default_factory=lambda: ["95000", "4008000000"])

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

    def data_key(self, *, create: bool = False) -> bytes:
        """The AES-256 key for personal data. ``create`` writes a new key file (0600) if none exists."""
        if self.secret_key is not None:
            raw = self.secret_key.get_secret_value()
        elif self.key_file.exists():
            raw = self.key_file.read_text().strip()
        elif create:
            raw = base64.b64encode(secrets.token_bytes(32)).decode()
            fd = os.open(self.key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as fh:
                fh.write(raw + "\n")
        else:
            raise ConfigError(
                f"No data key: set DUNNING_SECRET_KEY or run `dunning init` to create {self.key_file}",
                f"缺少数据密钥：请设置 DUNNING_SECRET_KEY，或运行 `dunning init` 生成 {self.key_file}",
            )
        try:
            key = base64.b64decode(raw, validate=True)
        except ValueError as exc:
            raise ConfigError("The data key is not valid base64", "数据密钥不是有效的 base64") from exc
        if len(key) != 32:
            raise ConfigError("The data key must be 32 bytes (base64)", "数据密钥必须为 32 字节（base64）")
        return key

    def redacted(self) -> dict[str, Any]:
        """Settings safe to print: secrets and URL passwords removed."""
        from dunning.core.urls import redact_url

        data = self.model_dump(mode="json")
        data["secret_key"] = "***" if self.secret_key else None
        data["database_url"] = redact_url(self.database_url)
        data["provider_url"] = redact_url(self.provider_url)
        return data


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()


def reset_settings_cache() -> None:
    get_settings.cache_clear()
