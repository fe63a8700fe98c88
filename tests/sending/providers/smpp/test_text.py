from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dunning.core import smstext
from dunning.sending.providers.smpp import text as T
from dunning.sending.providers.smpp.pdu import SubmitSm, Tag, decode, encode

GSM_CHARS = smstext.GSM7_BASIC.replace("\x1b", "") + smstext.GSM7_EXTENSION
gsm_text = st.text(alphabet=GSM_CHARS, max_size=1500)
ext_heavy = st.text(alphabet=st.sampled_from(["a", "€", "{", "b", "^"]), max_size=1500)
emoji = st.characters(min_codepoint=0x1F300, max_codepoint=0x1FAFF)
mixed = st.text(
    alphabet=st.one_of(st.sampled_from(GSM_CHARS), emoji, st.characters(codec="utf-8")), max_size=1500
)
any_text = st.one_of(gsm_text, ext_heavy, mixed, st.text(alphabet=st.one_of(emoji, st.just("x"))))


def _air_octets(part: T.Part) -> int:
    """Size on the air interface: GSM-7 septets are packed there (the UDH is padded to septets)."""
    if part.data_coding == T.DC_UCS2:
        return len(part.short_message)
    if part.esm_class & T.ESM_UDHI:
        udh_len = part.short_message[0] + 1
        septets = -(-udh_len * 8 // 7) + len(part.short_message) - udh_len
    else:
        septets = len(part.short_message)
    return int(-(-septets * 7 // 8))


def _has_pairs(text: str) -> bool:
    if smstext.encoding_of(text) == "GSM-7":
        return any(ch in smstext.GSM7_EXTENSION for ch in text)
    return any(ord(ch) > 0xFFFF for ch in text)


@given(any_text, st.integers(0, 255))
def test_split_round_trip_and_sizes(text: str, ref: int) -> None:
    parts = T.split(text, ref)
    assert T.join_parts(parts) == text
    assert T.join_parts(list(reversed(parts))) == text
    info = smstext.text_info(text)
    if _has_pairs(text):
        assert info.segments <= len(parts) <= info.segments + 1
    else:
        assert len(parts) == info.segments
    for i, part in enumerate(parts, 1):
        assert _air_octets(part) <= 140
        assert len(part.short_message) <= 254
        assert (part.seq, part.total) == (i, len(parts))
        # each part decodes alone: no escape or surrogate pair cut at a boundary
        T.decode_text(part.short_message, part.data_coding, udhi=bool(part.esm_class))
        if len(parts) > 1:
            assert part.esm_class == T.ESM_UDHI
            concat, _ = T.parse_udh(part.short_message)
            assert concat == T.Concat(ref, len(parts), i)
        else:
            assert part.esm_class == 0


@given(any_text)
def test_payload_round_trip(text: str) -> None:
    enc = T.encode_text(text)
    assert enc.encoding == smstext.encoding_of(text)
    assert enc.data_coding == (T.DC_GSM7 if enc.encoding == "GSM-7" else T.DC_UCS2)
    assert T.decode_text(enc.data, enc.data_coding) == text
    units = len(enc.data) if enc.encoding == "GSM-7" else len(enc.data) // 2
    assert units == smstext.text_info(text).units
    if len(enc.data) <= 0xFFFF:
        pdu = SubmitSm(sequence=1, data_coding=enc.data_coding, tlvs={Tag.MESSAGE_PAYLOAD: enc.data})
        back = decode(encode(pdu))
        assert isinstance(back, SubmitSm)
        assert T.decode_text(back.tlvs[Tag.MESSAGE_PAYLOAD], back.data_coding) == text


@given(st.binary(max_size=200), st.sampled_from([0, 1, 3, 4, 8]), st.booleans())
def test_decode_random_only_text_error(data: bytes, dc: int, udhi: bool) -> None:
    with contextlib.suppress(T.TextDecodeError):
        T.decode_text(data, dc, udhi=udhi)


def test_known_encodings() -> None:
    assert T.encode_text("A€[").data == bytes([0x41, 0x1B, 0x65, 0x1B, 0x3C])
    assert T.encode_text("@£\n").data == bytes([0x00, 0x01, 0x0A])
    enc = T.encode_text("你好😀")
    assert enc.data_coding == 8
    assert enc.data == bytes.fromhex("4f60 597d d83d de00")


def test_boundary_pair_moves_whole() -> None:
    text = "a" * 152 + "€" + "b" * 10  # a plain split at 153 septets would cut ESC from '€'
    parts = T.split(text, 1)
    assert len(parts) == smstext.text_info(text).segments == 2
    assert parts[0].short_message[:6] == bytes.fromhex("050003010201")
    assert len(parts[0].short_message) == 6 + 152
    # the documented exception: 153*2 septets exactly, one pair straddling the first boundary
    text = "a" * 152 + "€" + "a" * 152
    assert smstext.text_info(text).segments == 2
    assert len(T.split(text, 1)) == 3
    text = "中" * 66 + "😀" + "中" * 66
    assert smstext.text_info(text).segments == 2
    assert len(T.split(text, 1)) == 3


def test_single_part_limits() -> None:
    assert len(T.split("a" * 160, 0)) == 1
    assert len(T.split("a" * 161, 0)) == 2
    assert len(T.split("中" * 70, 0)) == 1
    assert len(T.split("中" * 71, 0)) == 2
    assert T.split("", 0) == [T.Part(b"", 0, 0, 1, 1)]


def test_udh_16bit_reference_and_errors() -> None:
    concat, body = T.parse_udh(bytes.fromhex("0608041234030248 69"))
    assert concat == T.Concat(0x1234, 3, 2)
    assert T.decode_text(body, 0) == "Hi"
    with pytest.raises(T.TextDecodeError):
        T.parse_udh(b"\x05\x00\x03")
    with pytest.raises(T.TextDecodeError):
        T.decode_text(b"\x1b", 0)
    with pytest.raises(T.TextDecodeError):
        T.decode_text(b"\x80", 0)
    with pytest.raises(ValueError):
        T.split("a" * 153 * 256, 0)
    with pytest.raises(ValueError):
        T.split("a", 256)


def _per_character_split(text: str, ref: int) -> list[bytes]:
    """Reference: pack whole characters greedily (the straightforward form of ``split``)."""
    encoding = smstext.encoding_of(text)
    if encoding == "GSM-7":
        codes = [
            bytes((T.ESC, T._GSM_EXT_CODE[ch])) if ch in T._GSM_EXT_CODE else bytes((T._GSM_BASIC_CODE[ch],))
            for ch in text
        ]
        per_unit = 1
    else:
        codes = [ch.encode("utf-16-be") for ch in text]
        per_unit = 2
    data = b"".join(codes)
    if len(data) <= smstext.SINGLE[encoding] * per_unit:
        return [data]
    limit = smstext.MULTI[encoding] * per_unit
    chunks: list[bytes] = []
    current = b""
    for code in codes:
        if len(current) + len(code) > limit:
            chunks.append(current)
            current = b""
        current += code
    chunks.append(current)
    return [T.udh(ref, len(chunks), i) + c for i, c in enumerate(chunks, 1)]


@given(any_text)
def test_split_matches_per_character_packing(text: str) -> None:
    assert [p.short_message for p in T.split(text, 7)] == _per_character_split(text, 7)
    assert T.encode_text(text).encoding == smstext.encoding_of(text)


@given(st.binary(max_size=200))
def test_gsm7_decoding_fast_path_matches_octet_by_octet(data: bytes) -> None:
    try:
        expected: str | None = "".join(T._GSM_BASIC_CHAR[b] for b in data)
    except KeyError:
        expected = None
    if T.ESC in data or any(b >= 0x80 for b in data):
        return  # the octet-by-octet path itself decides these
    assert T.decode_text(data, T.DC_GSM7) == expected
