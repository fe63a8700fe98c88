from __future__ import annotations

from pathlib import Path

import pytest

from dunning.core.errors import ConfigError
from dunning.core.settings import Settings


def test_toml_file_then_environment_override(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for key in ("DUNNING_DATABASE_URL", "DUNNING_PROFILE", "DUNNING_HOTLINE", "DUNNING_SECRET_KEY"):
        monkeypatch.delenv(key, raising=False)
    assert Settings().database_url == "sqlite:///dunning.db"
    (tmp_path / "dunning.toml").write_text(
        'database_url = "postgresql+psycopg://postgres@127.0.0.1/x"\nprofile = "us"\nhotline = "4001234567"\n'
    )
    from_file = Settings()
    assert from_file.profile == "US" and from_file.hotline == "4001234567"
    monkeypatch.setenv("DUNNING_PROFILE", "CN")
    assert Settings().profile == "CN"  # the environment wins over the file


def test_key_file_is_created_once_with_private_mode(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DUNNING_SECRET_KEY", raising=False)
    settings = Settings()
    with pytest.raises(ConfigError):
        settings.data_key()
    key = settings.data_key(create=True)
    assert len(key) == 32 and settings.data_key() == key
    assert (tmp_path / "dunning.key").stat().st_mode & 0o777 == 0o600


def test_redacted_hides_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DUNNING_PROVIDER_URL", "smpp://bank:s3cret@127.0.0.1:2775")
    monkeypatch.setenv("DUNNING_SECRET_KEY", "a2V5")
    shown = Settings().redacted()
    assert "s3cret" not in str(shown) and shown["secret_key"] == "***"


def test_every_password_of_a_routed_provider_value_is_hidden() -> None:
    from dunning.core.urls import redact_url

    value = "smpp://a:pw1@h:1?route_prefix=+86 | smpp://b:p@ss2@h:2?source=x@y\nfile:///tmp/o.jsonl"
    shown = redact_url(value)
    assert "pw1" not in shown and "ss2" not in shown
    assert shown == "smpp://a:***@h:1?route_prefix=+86 | smpp://b:***@h:2?source=x@y\nfile:///tmp/o.jsonl"
    assert redact_url("smpp://a@h:1") == "smpp://a@h:1"
