from __future__ import annotations

import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dunning.sending.providers.smpp import pdu as P
from dunning.sending.providers.smpp.pdu import (
    AnyPdu,
    BindTransceiver,
    BindTransceiverResp,
    CommandId,
    DecodeError,
    DeliverSm,
    DeliverSmResp,
    EncodeError,
    EnquireLink,
    EnquireLinkResp,
    GenericNack,
    PduReader,
    Status,
    SubmitSm,
    SubmitSmResp,
    Tag,
    Unbind,
    UnbindResp,
    decode,
    encode,
)

# ---------------------------------------------------------------------------------------------
# strategies

u8 = st.integers(0, 0xFF)
u32 = st.integers(0, 0xFFFFFFFF)


def cstr(max_size: int) -> st.SearchStrategy[str]:
    return st.text(alphabet=st.characters(min_codepoint=1, max_codepoint=127), max_size=max_size - 1)


time_field = st.one_of(st.just(""), st.text(alphabet="0123456789+-R", min_size=16, max_size=16))

_KNOWN_TLV_VALUES: dict[int, st.SearchStrategy[bytes]] = {
    Tag.USER_MESSAGE_REFERENCE: st.binary(min_size=2, max_size=2),
    Tag.SAR_MSG_REF_NUM: st.binary(min_size=2, max_size=2),
    Tag.SAR_TOTAL_SEGMENTS: st.binary(min_size=1, max_size=1),
    Tag.SAR_SEGMENT_SEQNUM: st.binary(min_size=1, max_size=1),
    Tag.SC_INTERFACE_VERSION: st.just(b"\x34"),
    Tag.NETWORK_ERROR_CODE: st.binary(min_size=3, max_size=3),
    Tag.MESSAGE_PAYLOAD: st.binary(max_size=600),
    Tag.MESSAGE_STATE: st.binary(min_size=1, max_size=1),
    Tag.RECEIPTED_MESSAGE_ID: cstr(65).map(lambda s: s.encode() + b"\x00"),
}

tlv_item = st.one_of(
    st.sampled_from(sorted(_KNOWN_TLV_VALUES)).flatmap(lambda t: st.tuples(st.just(t), _KNOWN_TLV_VALUES[t])),
    st.tuples(st.integers(0, 0xFFFF).filter(lambda t: t not in _KNOWN_TLV_VALUES), st.binary(max_size=40)),
)
tlvs = st.lists(tlv_item, max_size=5, unique_by=lambda kv: kv[0]).map(dict)

header_fields = {"sequence": u32, "command_status": u32}


def sm(cls: type[SubmitSm] | type[DeliverSm]) -> st.SearchStrategy[SubmitSm | DeliverSm]:
    return st.builds(
        cls,
        **header_fields,
        service_type=cstr(P.SERVICE_TYPE_MAX),
        source_addr_ton=u8,
        source_addr_npi=u8,
        source_addr=cstr(P.ADDR_MAX),
        dest_addr_ton=u8,
        dest_addr_npi=u8,
        destination_addr=cstr(P.ADDR_MAX),
        esm_class=u8,
        protocol_id=u8,
        priority_flag=u8,
        schedule_delivery_time=time_field,
        validity_period=time_field,
        registered_delivery=u8,
        replace_if_present_flag=u8,
        data_coding=u8,
        sm_default_msg_id=u8,
        short_message=st.binary(max_size=254),
        tlvs=tlvs,
    )


any_pdu: st.SearchStrategy[AnyPdu] = st.one_of(
    st.builds(
        BindTransceiver,
        **header_fields,
        system_id=cstr(P.SYSTEM_ID_MAX),
        password=cstr(P.PASSWORD_MAX),
        system_type=cstr(P.SYSTEM_TYPE_MAX),
        interface_version=u8,
        addr_ton=u8,
        addr_npi=u8,
        address_range=cstr(P.ADDRESS_RANGE_MAX),
    ),
    st.builds(BindTransceiverResp, **header_fields, system_id=cstr(P.SYSTEM_ID_MAX), tlvs=tlvs),
    st.builds(Unbind, **header_fields),
    st.builds(UnbindResp, **header_fields),
    st.builds(EnquireLink, **header_fields),
    st.builds(EnquireLinkResp, **header_fields),
    st.builds(GenericNack, **header_fields),
    sm(SubmitSm),
    sm(DeliverSm),
    st.builds(SubmitSmResp, **header_fields, message_id=cstr(P.MESSAGE_ID_MAX)),
    st.builds(DeliverSmResp, **header_fields, message_id=cstr(P.MESSAGE_ID_MAX)),
)


# ---------------------------------------------------------------------------------------------
# properties


@given(any_pdu)
def test_round_trip(pdu: AnyPdu) -> None:
    data = encode(pdu)
    assert struct.unpack(">I", data[:4])[0] == len(data)
    back = decode(data)
    assert back == pdu
    assert type(back) is type(pdu)
    if hasattr(pdu, "tlvs"):
        assert list(back.tlvs) == list(pdu.tlvs)


@given(st.lists(any_pdu, max_size=8), st.data())
def test_reader_any_chunking(pdus: list[AnyPdu], data: st.DataObject) -> None:
    frames = [encode(p) for p in pdus]
    stream = b"".join(frames)
    cuts = sorted(data.draw(st.lists(st.integers(0, len(stream)), max_size=20)))
    reader = PduReader()
    got: list[bytes] = []
    prev = 0
    for cut in [*cuts, len(stream)]:
        got += reader.feed(stream[prev:cut])
        prev = cut
    assert got == frames
    assert reader.buffered == 0
    assert [decode(f) for f in got] == pdus


@given(st.binary(max_size=300))
def test_random_bytes_only_decode_error(data: bytes) -> None:
    try:
        pdu = decode(data)
    except DecodeError:
        return
    assert decode(encode(pdu)) == pdu


@given(
    st.sampled_from([int(c) for c in CommandId] + [0x103, 0x80000103]),
    u32,
    u32,
    st.binary(max_size=300),
)
def test_random_bodies_only_decode_error(command_id: int, status: int, seq: int, body: bytes) -> None:
    data = struct.pack(">IIII", 16 + len(body), command_id, status, seq) + body
    try:
        pdu = decode(data)
    except DecodeError as exc:
        assert exc.command_id == command_id
        assert exc.sequence == seq
        nack = exc.nack()
        assert nack.sequence == seq and nack.command_status == exc.status != 0
        return
    assert decode(encode(pdu)) == pdu


@given(st.binary(max_size=200), st.lists(st.integers(1, 50), max_size=10))
def test_reader_random_bytes(data: bytes, sizes: list[int]) -> None:
    reader = PduReader()
    pos = 0
    try:
        for size in [*sizes, len(data)]:
            for frame in reader.feed(data[pos : pos + size]):
                assert len(frame) == struct.unpack(">I", frame[:4])[0] >= 16
            pos += size
    except DecodeError as exc:
        assert exc.status == Status.ESME_RINVCMDLEN
        with pytest.raises(DecodeError):
            reader.feed(b"")


# ---------------------------------------------------------------------------------------------
# known answers

BIND_HEX = (
    "0000002f"  # command_length 47
    "00000009"  # bind_transceiver
    "00000000"  # status
    "00000001"  # sequence
    "534d50503354455354 00"  # system_id "SMPP3TEST"
    "7365637265743038 00"  # password "secret08"
    "5355424d495431 00"  # system_type "SUBMIT1"
    "34 01 01"  # interface_version, addr_ton, addr_npi
    "00"  # address_range ""
)


def test_bind_transceiver_known_bytes() -> None:
    raw = bytes.fromhex(BIND_HEX)
    pdu = BindTransceiver(
        sequence=1, system_id="SMPP3TEST", password="secret08", system_type="SUBMIT1", addr_ton=1, addr_npi=1
    )
    assert len(raw) == 47
    assert encode(pdu) == raw
    assert decode(raw) == pdu


SUBMIT_HEX = (
    "0000003f 00000004 00000000 0000002a"  # length 63, submit_sm, status 0, sequence 42
    "00"  # service_type ""
    "05 00"  # source ton alphanumeric, npi unknown
    "44756e6e696e67 00"  # source_addr "Dunning"
    "01 01"  # dest ton international, npi E.164
    "343437373030393030313233 00"  # destination_addr "447700900123"
    "00 00 00"  # esm_class, protocol_id, priority_flag
    "00 00"  # schedule_delivery_time "", validity_period ""
    "01 00 00 00"  # registered_delivery, replace_if_present, data_coding, sm_default_msg_id
    "05 48656c6c6f"  # sm_length 5, "Hello"
    "0204 0002 002a"  # user_message_reference = 42
)


def test_submit_sm_known_bytes() -> None:
    raw = bytes.fromhex(SUBMIT_HEX)
    pdu = SubmitSm(
        sequence=42,
        source_addr_ton=5,
        source_addr="Dunning",
        dest_addr_ton=1,
        dest_addr_npi=1,
        destination_addr="447700900123",
        registered_delivery=1,
        short_message=b"Hello",
        tlvs={Tag.USER_MESSAGE_REFERENCE: b"\x00\x2a"},
    )
    assert len(raw) == 63
    assert encode(pdu) == raw
    assert decode(raw) == pdu


def test_submit_sm_resp_error_has_no_body() -> None:
    raw = encode(SubmitSmResp(sequence=7, command_status=Status.ESME_RTHROTTLED))
    assert raw == bytes.fromhex("00000010 80000004 00000058 00000007")
    assert decode(raw) == SubmitSmResp(sequence=7, command_status=0x58)
    with pytest.raises(DecodeError):  # an OK response must carry a message_id
        decode(bytes.fromhex("00000010 80000004 00000000 00000007"))


def test_unknown_tlv_preserved_in_order() -> None:
    tl = {0x1401: b"vendor", Tag.MESSAGE_STATE: b"\x02", 0x0005: b""}
    pdu = DeliverSm(sequence=3, esm_class=0x04, tlvs=tl)
    assert list(decode(encode(pdu)).tlvs.items()) == list(tl.items())


# ---------------------------------------------------------------------------------------------
# errors


def _header(length: int, cid: int, seq: int = 9, status: int = 0) -> bytes:
    return struct.pack(">IIII", length, cid, status, seq)


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        (_header(20, CommandId.ENQUIRE_LINK), Status.ESME_RINVCMDLEN),  # length disagrees
        (_header(20, CommandId.ENQUIRE_LINK) + b"\0\0\0\0", Status.ESME_RINVCMDLEN),  # body on header-only
        (_header(16, 0x00000103), Status.ESME_RINVCMDID),  # data_sm not supported
        (_header(16 + 17, CommandId.BIND_TRANSCEIVER) + b"A" * 17, Status.ESME_RINVSYSID),
        (_header(16 + 4, CommandId.SUBMIT_SM_RESP) + b"abc\xff", Status.ESME_RINVCMDLEN),
    ],
)
def test_decode_errors_carry_header(raw: bytes, status: int) -> None:
    with pytest.raises(DecodeError) as info:
        decode(raw)
    assert info.value.status == status
    assert info.value.sequence == 9
    assert info.value.nack() == GenericNack(sequence=9, command_status=status)


def test_short_message_limits() -> None:
    base = encode(SubmitSm(sequence=1, short_message=b"x" * 254))
    assert decode(base)
    with pytest.raises(EncodeError):
        encode(SubmitSm(sequence=1, short_message=b"x" * 255))
    # patch sm_length to 255 and append a byte
    i = base.index(bytes([254]) + b"x")
    bad = bytearray(base[:i] + bytes([255]) + b"x" * 255)
    bad[0:4] = struct.pack(">I", len(bad))
    with pytest.raises(DecodeError) as info:
        decode(bytes(bad))
    assert info.value.status == Status.ESME_RINVMSGLEN


def test_known_tlv_length_checked() -> None:
    pdu = encode(DeliverSm(sequence=1)) + struct.pack(">HH", Tag.MESSAGE_STATE, 2) + b"\x01\x02"
    raw = struct.pack(">I", len(pdu)) + pdu[4:]
    with pytest.raises(DecodeError) as info:
        decode(raw)
    assert info.value.status == Status.ESME_RINVPARLEN
    with pytest.raises(EncodeError):
        encode(DeliverSm(sequence=1, tlvs={Tag.NETWORK_ERROR_CODE: b"\x01"}))


@pytest.mark.parametrize(
    "pdu",
    [
        BindTransceiver(sequence=1, system_id="x" * 16),
        BindTransceiver(sequence=1, password="pässwd"),
        SubmitSm(sequence=1, destination_addr="1\x002"),
        SubmitSm(sequence=1, validity_period="short"),
        SubmitSm(sequence=1, esm_class=256),
        EnquireLink(sequence=-1),
    ],
)
def test_encode_rejects_invalid(pdu: AnyPdu) -> None:
    with pytest.raises(EncodeError):
        encode(pdu)


def test_reader_rejects_bad_length() -> None:
    reader = PduReader()
    assert reader.feed(encode(EnquireLink(sequence=1))[:10]) == []
    assert reader.feed(encode(EnquireLink(sequence=1))[10:]) == [encode(EnquireLink(sequence=1))]
    with pytest.raises(DecodeError):
        reader.feed(_header(8, CommandId.ENQUIRE_LINK))
    with pytest.raises(DecodeError):
        PduReader(max_size=100).feed(_header(101, CommandId.SUBMIT_SM))


def test_status_classification() -> None:
    assert P.is_retriable(Status.ESME_RTHROTTLED) and P.is_retriable(0x14)
    assert not P.is_permanent(Status.ESME_ROK) and not P.is_retriable(Status.ESME_ROK)
    for s in (Status.ESME_RINVDSTADR, Status.ESME_RINVSRCADR, Status.ESME_RINVMSGLEN, 0x400):
        assert P.is_permanent(s) and not P.is_retriable(s)
    assert P.status_name(0x58) == "ESME_RTHROTTLED"
    assert P.status_name(0x400) == "0x00000400"


# ---------------------------------------------------------------------------------------------
# fast paths: the same bytes and objects as the field-by-field code, or a fall-back to it


@given(st.one_of(sm(SubmitSm), sm(DeliverSm)))
def test_fast_sm_encoding_matches_the_checked_path(pdu: SubmitSm | DeliverSm) -> None:
    fast = P._sm_body_fast(pdu)
    assert fast is None or fast == P._body_checked(pdu)
    if not pdu.tlvs and not pdu.schedule_delivery_time and not pdu.validity_period:
        assert fast is not None  # the common shape takes the fast path


@given(st.one_of(sm(SubmitSm), sm(DeliverSm)))
def test_fast_sm_decoding_matches_the_cursor_path(pdu: SubmitSm | DeliverSm) -> None:
    data = encode(pdu)
    cls = type(pdu)
    fast = P._decode_sm_fast(data, cls, pdu.command_status, pdu.sequence)
    slow = P._decode_sm(P._Cursor(data, pdu.command_id, pdu.sequence), cls, pdu.command_status)
    assert slow == pdu
    assert fast is None or fast == slow
    if not pdu.tlvs:
        assert fast == pdu


@given(st.sampled_from([SubmitSm, DeliverSm]), u32, st.binary(max_size=120))
def test_fast_sm_decoding_never_accepts_what_the_cursor_path_rejects(
    cls: type[SubmitSm] | type[DeliverSm], status: int, body: bytes
) -> None:
    command_id = CommandId.SUBMIT_SM if cls is SubmitSm else CommandId.DELIVER_SM
    data = struct.pack(">IIII", 16 + len(body), command_id, status, 7) + body
    fast = P._decode_sm_fast(data, cls, status, 7)
    try:
        slow = P._decode_sm(P._Cursor(data, command_id, 7), cls, status)
    except DecodeError:
        assert fast is None
        return
    assert fast is None or fast == slow


@given(u32, u32, cstr(P.MESSAGE_ID_MAX))
def test_encode_response_matches_encode(sequence: int, status: int, message_id: str) -> None:
    for pdu in (
        SubmitSmResp(sequence=sequence, command_status=status, message_id=message_id),
        DeliverSmResp(sequence=sequence, command_status=status, message_id=message_id),
        EnquireLinkResp(sequence=sequence, command_status=status),
        UnbindResp(sequence=sequence, command_status=status),
        GenericNack(sequence=sequence, command_status=status),
    ):
        message = getattr(pdu, "message_id", "")
        assert P.encode_response(pdu.command_id, sequence, status, message) == encode(pdu)


def test_encode_response_rejects_requests() -> None:
    with pytest.raises(EncodeError):
        P.encode_response(CommandId.SUBMIT_SM, 1)


def test_encode_with_a_sequence_overrides_the_pdus() -> None:
    pdu = SubmitSm(sequence=1, destination_addr="8613800138000", short_message=b"hi")
    assert encode(pdu, 99) == encode(
        SubmitSm(sequence=99, destination_addr="8613800138000", short_message=b"hi")
    )
    with pytest.raises(EncodeError):
        encode(pdu, -1)
