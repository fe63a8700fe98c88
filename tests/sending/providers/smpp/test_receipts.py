"""Receipt text parsing, state mapping, id choice and receipt-vs-MO detection."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dunning.sending.providers.smpp.receipts import (
    ReceiptText,
    choose_receipt_id,
    interpret_receipt,
    is_receipt,
    match_keys,
    parse_receipt_date,
    parse_receipt_text,
    status_from_message_state,
    status_from_stat,
)

STANDARD = (
    "id:0123456789 sub:001 dlvrd:001 submit date:2401311530 done date:2401311531 "
    "stat:DELIVRD err:000 text:Your payment of 500"
)


def test_standard_receipt() -> None:
    r = parse_receipt_text(STANDARD)
    assert r.ok and r.final
    assert r.id == "0123456789"  # as quoted: leading zero kept, normalised only for matching
    assert (r.sub, r.dlvrd) == (1, 1)
    assert r.submit_date == datetime(2024, 1, 31, 15, 30)
    assert r.done_date == datetime(2024, 1, 31, 15, 31)
    assert (r.stat, r.status, r.err) == ("DELIVRD", "delivered", "000")
    assert r.text == "Your payment of 500"
    assert r.warnings == ()


def test_bytes_and_twelve_digit_dates_with_zone() -> None:
    cst = timezone(timedelta(hours=8))
    r = parse_receipt_text(
        b"id:7F3A submit date:240131153005 done date:240131153107 stat:UNDELIV err:01B", tz=cst
    )
    assert r.ok
    assert r.done_date == datetime(2024, 1, 31, 15, 31, 7, tzinfo=cst)
    assert r.submit_date == datetime(2024, 1, 31, 15, 30, 5, tzinfo=cst)
    assert (r.status, r.err, r.text) == ("undelivered", "01B", None)  # no text: field


def test_case_and_extra_spaces_and_missing_fields() -> None:
    r = parse_receipt_text("  ID : AbC12   Stat :  rejectd   DONE  DATE: 2402291200\x00")
    assert r.ok
    assert (r.id, r.stat, r.status) == ("AbC12", "REJECTD", "rejected")
    assert r.done_date == datetime(2024, 2, 29, 12, 0)
    assert (r.sub, r.dlvrd, r.submit_date, r.err, r.text) == (None, None, None, None, None)


def test_text_field_keeps_everything_after_it() -> None:
    r = parse_receipt_text("id:1 stat:EXPIRED text:id:999 stat:DELIVRD looks like a field")
    assert (r.id, r.status) == ("1", "expired")
    assert r.text == "id:999 stat:DELIVRD looks like a field"


@pytest.mark.parametrize(
    ("stat", "status"),
    [
        ("DELIVRD", "delivered"),
        ("UNDELIV", "undelivered"),
        ("REJECTD", "rejected"),
        ("EXPIRED", "expired"),
        ("DELETED", "failed"),
        ("ACCEPTD", None),
        ("UNKNOWN", None),
        ("ENROUTE", None),
        ("delivrd", "delivered"),
        ("Delivered", "delivered"),
        ("BOGUS", None),
        (None, None),
        ("", None),
    ],
)
def test_stat_mapping(stat: str | None, status: str | None) -> None:
    assert status_from_stat(stat) == status


@pytest.mark.parametrize(
    ("state", "status"),
    [
        (1, None),
        (2, "delivered"),
        (3, "expired"),
        (4, "failed"),
        (5, "undelivered"),
        (6, None),
        (7, None),
        (8, "rejected"),
        (0, None),
        (9, None),
        (None, None),
    ],
)
def test_message_state_mapping(state: int | None, status: str | None) -> None:
    assert status_from_message_state(state) == status


def test_non_final_stat_is_parsed_but_not_final() -> None:
    r = parse_receipt_text("id:5 stat:ENROUTE")
    assert r.ok and not r.final and r.status is None and r.stat == "ENROUTE"


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("", "not a receipt"),
        ("Hello, I will pay tomorrow", "not a receipt"),
        ("stat:DELIVRD", "no id"),
        ("id:123 err:000", "no stat"),
        ("sub:001 dlvrd:001", "no id: and no stat"),
        ("id: stat:DELIVRD", "no id"),
    ],
)
def test_unusable_texts_give_an_error(text: str, error: str) -> None:
    r = parse_receipt_text(text)
    assert not r.ok
    assert r.error is not None and error in r.error


def test_bad_values_are_warnings_not_errors() -> None:
    r = parse_receipt_text("id:9 sub:x dlvrd:1 submit date:2413011200 done date:99 stat:WHAT err:0")
    assert r.ok  # an id and a stat: usable, though the state is not recognised
    assert r.status is None and r.sub is None and r.dlvrd == 1
    assert r.submit_date is None and r.done_date is None
    assert len(r.warnings) == 4


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2401311530", datetime(2024, 1, 31, 15, 30)),
        ("240131153059", datetime(2024, 1, 31, 15, 30, 59)),
        ("20240131153059", datetime(2024, 1, 31, 15, 30, 59)),
        ("202401311530", None),  # 12 digits = YYMMDDhhmmss: month 24 is invalid
        ("2402301200", None),
        ("24013115", None),
        ("24013115300", None),
        ("２４０１３１１５３０", None),
        ("", None),
        (None, None),
    ],
)
def test_dates(value: str | None, expected: datetime | None) -> None:
    assert parse_receipt_date(value) == expected


@settings(max_examples=400)
@given(st.one_of(st.text(), st.binary()))
def test_parser_never_raises_on_arbitrary_input(raw: str | bytes) -> None:
    r = parse_receipt_text(raw)
    assert isinstance(r, ReceiptText)
    assert r.ok == (r.id is not None and r.stat is not None)


_field = st.sampled_from(
    ["id:", "ID :", "sub:", "dlvrd:", "submit date:", "done  date:", "stat:", "err:", "text:", " ", ":"]
)


@settings(max_examples=400)
@given(st.lists(st.one_of(_field, st.text(max_size=14)), max_size=20))
def test_parser_never_raises_on_field_soup(parts: list[str]) -> None:
    r = parse_receipt_text("".join(parts))
    assert isinstance(r, ReceiptText)
    interpret_receipt("".join(parts), receipted_message_id="".join(parts)[:8], message_state=2)


@settings(max_examples=200)
@given(
    rid=st.text(alphabet="0123456789abcdefABCDEF", min_size=1, max_size=20),
    stat=st.sampled_from(["DELIVRD", "UNDELIV", "REJECTD", "EXPIRED", "DELETED", "ACCEPTD", "ENROUTE"]),
    secs=st.booleans(),
    when=st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31)),
    sep=st.sampled_from([" ", "  ", " \t"]),
)
def test_generated_standard_texts_round_trip(
    rid: str, stat: str, secs: bool, when: datetime, sep: str
) -> None:
    fmt = "%y%m%d%H%M%S" if secs else "%y%m%d%H%M"
    text = sep.join(
        [
            f"id:{rid}",
            "sub:001",
            "dlvrd:001",
            f"submit date:{when:{fmt}}",
            f"done date:{when:{fmt}}",
            f"stat:{stat}",
            "err:000",
            "text:hello",
        ]
    )
    r = parse_receipt_text(text)
    assert r.ok and r.id == rid and r.stat == stat
    assert r.done_date == when.replace(microsecond=0, second=when.second if secs else 0)


@pytest.mark.parametrize(
    ("esm_class", "receipt"),
    [(0x00, False), (0x04, True), (0x44, True), (0x84, True), (0x08, False), (0x20, False), (0x40, False)],
)
def test_is_receipt(esm_class: int, receipt: bool) -> None:
    assert is_receipt(esm_class) is receipt


def test_choose_receipt_id_prefers_tlv() -> None:
    assert choose_receipt_id(b"00FF\x00", "255") == ("00FF", "tlv")
    assert choose_receipt_id("  \x00", "255") == ("255", "text")
    assert choose_receipt_id(None, " 0255 ") == ("0255", "text")
    assert choose_receipt_id(None, None) == (None, None)
    assert choose_receipt_id(b"", "") == (None, None)


def test_hex_and_decimal_ids_share_keys() -> None:
    # submit_sm_resp gave "0000FF" (hex); the receipt text quotes "255" (decimal)
    stored = match_keys("0000FF")
    assert "ff" in stored and "255" in stored
    receipt = interpret_receipt("id:255 stat:DELIVRD")
    assert receipt.provider_message_id == "255" and receipt.key == "255"
    assert set(match_keys(receipt.provider_message_id or "")) & set(stored)
    # case and leading zeros
    assert interpret_receipt("id:000aBc stat:DELIVRD").key == "abc"
    assert match_keys("00ABC", "same") == ("abc",)


def test_interpret_uses_tlvs() -> None:
    r = interpret_receipt(
        "id:1 stat:DELIVRD done date:2401311531",
        receipted_message_id=b"A1B2\x00",
        message_state=5,
    )
    assert (r.provider_message_id, r.id_source, r.status) == ("A1B2", "tlv", "delivered")  # text wins
    fallback = interpret_receipt(
        b"", receipted_message_id="77", message_state=5, network_error_code=b"\x03\x00\x01"
    )
    assert (fallback.provider_message_id, fallback.status, fallback.error_code) == (
        "77",
        "undelivered",
        "030001",
    )
    assert not fallback.parsed.ok
    assert interpret_receipt("id:1 stat:ENROUTE", message_state=2).status is None  # text is explicit


def test_to_receipt() -> None:
    received = datetime(2024, 2, 1, tzinfo=UTC)
    cst = timezone(timedelta(hours=8))
    done = interpret_receipt("id:01 stat:UNDELIV err:0x0B done date:2401311531", tz=cst)
    rec = done.to_receipt(received, raw="masked")
    assert rec is not None
    assert (rec.provider_message_id, rec.status, rec.error_code, rec.raw) == (
        "01",
        "undelivered",
        "0x0B",
        "masked",
    )
    assert rec.at == datetime(2024, 1, 31, 15, 31, tzinfo=cst)
    naive = interpret_receipt("id:01 stat:DELIVRD done date:2401311531").to_receipt(received)
    assert naive is not None and naive.at == received
    assert interpret_receipt("id:01 stat:ACCEPTD").to_receipt(received) is None
    assert interpret_receipt("stat:DELIVRD").to_receipt(received) is None


@settings(max_examples=300, deadline=None)
@given(
    rid=st.text(alphabet="0123456789abcdefABCDEF-:_", min_size=1, max_size=20),
    sub=st.sampled_from(["001", "1", "0000000001", "x"]),
    stat=st.sampled_from(
        ["DELIVRD", "UNDELIV", "REJECTD", "EXPIRED", "DELETED", "ACCEPTD", "Delivrd", "WEIRD"]
    ),
    date=st.sampled_from(["2401311530", "240131153059", "2413311530", "24013115", ""]),
    err=st.sampled_from(["000", "", "0a1"]),
    tail=st.text(max_size=25),
    zone=st.sampled_from([None, UTC, timezone(timedelta(hours=8))]),
)
def test_the_standard_layout_fast_path_agrees_with_the_tolerant_scanner(
    rid: str, sub: str, stat: str, date: str, err: str, tail: str, zone: timezone | None
) -> None:
    from dunning.sending.providers.smpp.receipts import _parse_fields

    dates = f"submit date:{date} done date:{date}"
    text = f"id:{rid} sub:{sub} dlvrd:{sub} {dates} stat:{stat} err:{err} text:{tail}"
    assert parse_receipt_text(text, zone) == _parse_fields(text.replace("\x00", " "), zone)
