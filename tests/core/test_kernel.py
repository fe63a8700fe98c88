from __future__ import annotations

from datetime import UTC, date, datetime, time
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from dunning.core.clock import local_window_utc, parse_now
from dunning.core.crypto import PersonalDataCipher
from dunning.core.db import schema_revision
from dunning.core.errors import InputError
from dunning.core.masking import account_tail, mask_name, mask_phone
from dunning.core.money import format_money, from_minor, to_minor
from dunning.core.phone import PhoneError, parse_phone, time_zones_for
from dunning.core.smstext import text_info


def test_schema_is_at_head(engine: Engine) -> None:
    assert schema_revision(engine) == "0007"
    names = set(sa.inspect(engine).get_table_names())
    assert {"debtors", "accounts", "contacts", "payments", "messages", "message_events"} <= names


def test_cipher_round_trip_and_lookup_hash(cipher: PersonalDataCipher) -> None:
    token = cipher.encrypt("张三")
    assert b"\xe5\xbc\xa0" not in token  # no plaintext bytes
    assert cipher.decrypt(token) == "张三"
    assert cipher.encrypt("张三") != token  # fresh nonce each time
    assert cipher.lookup_hash("+8613800138000") == cipher.lookup_hash("+8613800138000")
    other = PersonalDataCipher(b"x" * 32)
    assert other.lookup_hash("+8613800138000") != cipher.lookup_hash("+8613800138000")


def test_masking() -> None:
    assert mask_name("张三丰") == "张*"
    assert mask_name("Jane Doe") == "J."
    assert mask_name("http://evil") == "H."
    assert mask_name("加微信") == "加*"
    assert mask_phone("+8613800138000") == "138****8000"
    assert mask_phone("+12025550123") == "202***0123"
    assert account_tail("LN-2024-000123456") == "3456"


def test_phone_parsing() -> None:
    assert parse_phone("13800138000", "CN").e164 == "+8613800138000"
    assert parse_phone("+86 138 0013 8000", "CN").is_mobile
    with pytest.raises(PhoneError):
        parse_phone("12345", "CN")
    assert "America/New_York" in time_zones_for(parse_phone("(212) 555-0123", "US").e164)
    for lettered in ("138abc38000", "1-800-FLOWERS", "13800138000x1", "１３８ＡＢＣ３８０００"):
        with pytest.raises(PhoneError) as info:
            parse_phone(lettered, "US" if "800" in lettered[:5] else "CN")
        assert "letters" in info.value.en and "字母" in info.value.zh
    assert parse_phone("１３８-００１３-８０００", "CN").e164 == "+8613800138000"  # full-width digits


def test_money() -> None:
    assert to_minor(Decimal("1234.5"), "CNY") == 123450
    assert from_minor(123450, "CNY") == Decimal("1234.50")
    assert format_money(123450, "CNY") == "1,234.50元"
    assert format_money(5000, "USD") == "$50.00"
    with pytest.raises(ValueError):
        to_minor(Decimal("1.005"), "CNY")
    assert to_minor(Decimal("100"), "JPY") == 100


def test_now_and_windows() -> None:
    assert parse_now("2026-11-28T09:00:00+08:00") == datetime(2026, 11, 28, 1, tzinfo=UTC)
    with pytest.raises(InputError):
        parse_now("2026-11-28T09:00:00")
    start, end = local_window_utc(date(2026, 3, 8), "America/New_York", time(8), time(21))
    assert start.hour == 12  # DST starts that morning: 08:00 EDT = 12:00 UTC
    assert end.hour == 1


def test_sms_text_info() -> None:
    assert text_info("Pay now").encoding == "GSM-7"
    assert text_info("【安信】您好").encoding == "UCS-2"
    assert text_info("a" * 160).segments == 1
    assert text_info("a" * 161).segments == 2
    assert text_info("中" * 70).segments == 1
    assert text_info("中" * 71).segments == 2
    assert text_info("€" * 80).units == 160
