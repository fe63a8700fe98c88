from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

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


def test_key_settings_and_their_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for key in ("DUNNING_KEYRING", "DUNNING_KEYRING_FILE", "DUNNING_SECRET_KEY", "DUNNING_KEY_FILE"):
        monkeypatch.delenv(key, raising=False)
    settings = Settings()
    assert settings.keyring is None and settings.keyring_file == Path("dunning.keyring")
    assert settings.secret_key is None and settings.key_file == Path("dunning.key")
    assert not hasattr(settings, "data_key")  # replaced by core.keyring.load_keyring
    monkeypatch.setenv("DUNNING_KEYRING", '{"format": 1}')
    assert Settings().keyring is not None and Settings().keyring.get_secret_value() == '{"format": 1}'  # type: ignore[union-attr]


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


def test_each_profile_has_its_own_identity_unless_given(
    in_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cn = Settings()
    assert (cn.creditor, cn.hotline) == ("安信消费金融", "95000")
    us = Settings(profile="US")
    assert (us.creditor, us.signature, us.hotline) == ("Harbor Lending", "Harbor Lending", "1-800-555-0100")
    assert us.allowed_numbers == ["18005550100"] and us.allowed_urls[0].startswith("https://")
    assert Settings(profile="US", creditor="Acme Credit").creditor == "Acme Credit"  # explicit wins
    monkeypatch.setenv("DUNNING_PROFILE", "US")
    monkeypatch.setenv("DUNNING_HOTLINE", "1-800-555-0199")
    monkeypatch.setenv("DUNNING_ALLOWED_NUMBERS", '["18005550199"]')
    from_env = Settings()
    assert (from_env.creditor, from_env.hotline, from_env.allowed_numbers) == (
        "Harbor Lending",
        "1-800-555-0199",
        ["18005550199"],
    )


def test_the_shipped_us_templates_render_to_one_or_two_gsm7_parts() -> None:
    from dunning.core.smstext import text_info
    from dunning.templates import RenderContext, load_default_templates, render_version, sample_values

    settings = Settings(profile="US")
    context = RenderContext.from_settings(settings)
    for template in load_default_templates("US").values():
        for version in template.versions:
            body = render_version(version, "US", sample_values("US", date(2026, 11, 28)), context)
            info = text_info(body)
            assert info.encoding == "GSM-7" and info.segments <= 2, (template.id, version.version, body)
