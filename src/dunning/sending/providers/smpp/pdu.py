"""SMPP 3.4 PDUs: constants, small dataclasses, ``encode``/``decode`` and a stream splitter.

Pure: no I/O. ``decode`` validates strictly (header length, C-octet strings and their maximum
lengths, fixed-size time fields, ``short_message`` ≤ 254 octets, known TLV sizes) and raises
:class:`DecodeError` only. The error carries the command id and sequence number when the header
was readable, plus the command_status to answer with, so a caller can send ``generic_nack``
(:meth:`DecodeError.nack`).

Optional parameters are kept as an ordered ``dict[tag, raw value]``; unknown tags are preserved
and written back in the same order.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Final

from dunning.core.errors import ProtocolError

HEADER: Final = struct.Struct(">IIII")
HEADER_SIZE: Final = HEADER.size
MAX_PDU_SIZE: Final = 64 * 1024
MAX_SHORT_MESSAGE: Final = 254
INTERFACE_VERSION: Final = 0x34


class CommandId(IntEnum):
    GENERIC_NACK = 0x80000000
    BIND_TRANSCEIVER = 0x00000009
    BIND_TRANSCEIVER_RESP = 0x80000009
    UNBIND = 0x00000006
    UNBIND_RESP = 0x80000006
    ENQUIRE_LINK = 0x00000015
    ENQUIRE_LINK_RESP = 0x80000015
    SUBMIT_SM = 0x00000004
    SUBMIT_SM_RESP = 0x80000004
    DELIVER_SM = 0x00000005
    DELIVER_SM_RESP = 0x80000005


RESPONSE_BIT: Final = 0x80000000


class Status(IntEnum):
    """command_status values of SMPP 3.4 (section 5.1.3). Unknown values are kept as plain ints."""

    ESME_ROK = 0x00
    ESME_RINVMSGLEN = 0x01
    ESME_RINVCMDLEN = 0x02
    ESME_RINVCMDID = 0x03
    ESME_RINVBNDSTS = 0x04
    ESME_RALYBND = 0x05
    ESME_RINVPRTFLG = 0x06
    ESME_RINVREGDLVFLG = 0x07
    ESME_RSYSERR = 0x08
    ESME_RINVSRCADR = 0x0A
    ESME_RINVDSTADR = 0x0B
    ESME_RINVMSGID = 0x0C
    ESME_RBINDFAIL = 0x0D
    ESME_RINVPASWD = 0x0E
    ESME_RINVSYSID = 0x0F
    ESME_RCANCELFAIL = 0x11
    ESME_RREPLACEFAIL = 0x13
    ESME_RMSGQFUL = 0x14
    ESME_RINVSERTYP = 0x15
    ESME_RINVNUMDESTS = 0x33
    ESME_RINVDLNAME = 0x34
    ESME_RINVDESTFLAG = 0x40
    ESME_RINVSUBREP = 0x42
    ESME_RINVESMCLASS = 0x43
    ESME_RCNTSUBDL = 0x44
    ESME_RSUBMITFAIL = 0x45
    ESME_RINVSRCTON = 0x48
    ESME_RINVSRCNPI = 0x49
    ESME_RINVDSTTON = 0x50
    ESME_RINVDSTNPI = 0x51
    ESME_RINVSYSTYP = 0x53
    ESME_RINVREPFLAG = 0x54
    ESME_RINVNUMMSGS = 0x55
    ESME_RTHROTTLED = 0x58
    ESME_RINVSCHED = 0x61
    ESME_RINVEXPIRY = 0x62
    ESME_RINVDFTMSGID = 0x63
    ESME_RX_T_APPN = 0x64
    ESME_RX_P_APPN = 0x65
    ESME_RX_R_APPN = 0x66
    ESME_RQUERYFAIL = 0x67
    ESME_RINVOPTPARSTREAM = 0xC0
    ESME_ROPTPARNOTALLWD = 0xC1
    ESME_RINVPARLEN = 0xC2
    ESME_RMISSINGOPTPARAM = 0xC3
    ESME_RINVOPTPARAMVAL = 0xC4
    ESME_RDELIVERYFAILURE = 0xFE
    ESME_RUNKNOWNERR = 0xFF


#: Statuses after which the same submit may succeed later: the SMSC is busy or briefly failing,
#: or the bind was not ready. The message itself was not judged. Everything else non-zero is
#: permanent for that message.
RETRIABLE_STATUSES: Final = frozenset(
    {
        Status.ESME_RMSGQFUL,
        Status.ESME_RTHROTTLED,
        Status.ESME_RSYSERR,
        Status.ESME_RX_T_APPN,
        Status.ESME_RINVBNDSTS,
    }
)


def is_retriable(status: int) -> bool:
    return status in RETRIABLE_STATUSES


def is_permanent(status: int) -> bool:
    return status != Status.ESME_ROK and status not in RETRIABLE_STATUSES


def status_name(status: int) -> str:
    try:
        return Status(status).name
    except ValueError:
        return f"0x{status:08X}"


class Tag(IntEnum):
    """Optional parameter (TLV) tags we interpret."""

    USER_MESSAGE_REFERENCE = 0x0204
    SAR_MSG_REF_NUM = 0x020C
    SAR_TOTAL_SEGMENTS = 0x020E
    SAR_SEGMENT_SEQNUM = 0x020F
    SC_INTERFACE_VERSION = 0x0210
    NETWORK_ERROR_CODE = 0x0423
    MESSAGE_PAYLOAD = 0x0424
    MESSAGE_STATE = 0x0427
    RECEIPTED_MESSAGE_ID = 0x001E


# tag -> (min length, max length); receipted_message_id is a C-octet string of at most 65 octets.
_TLV_SIZES: Final[dict[int, tuple[int, int]]] = {
    Tag.USER_MESSAGE_REFERENCE: (2, 2),
    Tag.SAR_MSG_REF_NUM: (2, 2),
    Tag.SAR_TOTAL_SEGMENTS: (1, 1),
    Tag.SAR_SEGMENT_SEQNUM: (1, 1),
    Tag.SC_INTERFACE_VERSION: (1, 1),
    Tag.NETWORK_ERROR_CODE: (3, 3),
    Tag.MESSAGE_PAYLOAD: (0, 0xFFFF),
    Tag.MESSAGE_STATE: (1, 1),
    Tag.RECEIPTED_MESSAGE_ID: (1, 65),
}

Tlvs = dict[int, bytes]


class DecodeError(ProtocolError):
    """A PDU (or the stream) could not be decoded.

    ``command_id``/``sequence`` are set when the header was readable; ``status`` is the
    command_status to report back (in a generic_nack or the matching response).
    """

    def __init__(
        self,
        message: str,
        *,
        zh: str | None = None,
        status: int = Status.ESME_RSYSERR,
        command_id: int | None = None,
        sequence: int | None = None,
    ) -> None:
        super().__init__(message, zh or f"无法解码的 SMPP 数据：{message}")
        self.status = int(status)
        self.command_id = command_id
        self.sequence = sequence

    def nack(self) -> GenericNack:
        return GenericNack(sequence=self.sequence or 0, command_status=self.status)


class EncodeError(ProtocolError, ValueError):
    """A PDU holds a field value that cannot be put on the wire (a ValueError too)."""


# ---------------------------------------------------------------------------------------------
# PDU dataclasses


@dataclass(frozen=True, kw_only=True, slots=True)
class Pdu:
    sequence: int
    command_status: int = 0

    command_id: int = field(init=False, repr=False, default=0)


@dataclass(frozen=True, kw_only=True, slots=True)
class BindTransceiver(Pdu):
    system_id: str = ""
    password: str = ""
    system_type: str = ""
    interface_version: int = INTERFACE_VERSION
    addr_ton: int = 0
    addr_npi: int = 0
    address_range: str = ""
    command_id: int = field(init=False, repr=False, default=CommandId.BIND_TRANSCEIVER)


@dataclass(frozen=True, kw_only=True, slots=True)
class BindTransceiverResp(Pdu):
    """With a non-zero status and nothing else set, the body is omitted (SMPP 3.4, 4.1.6)."""

    system_id: str = ""
    tlvs: Tlvs = field(default_factory=dict)
    command_id: int = field(init=False, repr=False, default=CommandId.BIND_TRANSCEIVER_RESP)


@dataclass(frozen=True, kw_only=True, slots=True)
class Unbind(Pdu):
    command_id: int = field(init=False, repr=False, default=CommandId.UNBIND)


@dataclass(frozen=True, kw_only=True, slots=True)
class UnbindResp(Pdu):
    command_id: int = field(init=False, repr=False, default=CommandId.UNBIND_RESP)


@dataclass(frozen=True, kw_only=True, slots=True)
class EnquireLink(Pdu):
    command_id: int = field(init=False, repr=False, default=CommandId.ENQUIRE_LINK)


@dataclass(frozen=True, kw_only=True, slots=True)
class EnquireLinkResp(Pdu):
    command_id: int = field(init=False, repr=False, default=CommandId.ENQUIRE_LINK_RESP)


@dataclass(frozen=True, kw_only=True, slots=True)
class GenericNack(Pdu):
    command_id: int = field(init=False, repr=False, default=CommandId.GENERIC_NACK)


@dataclass(frozen=True, kw_only=True, slots=True)
class _ShortMessagePdu(Pdu):
    service_type: str = ""
    source_addr_ton: int = 0
    source_addr_npi: int = 0
    source_addr: str = ""
    dest_addr_ton: int = 0
    dest_addr_npi: int = 0
    destination_addr: str = ""
    esm_class: int = 0
    protocol_id: int = 0
    priority_flag: int = 0
    schedule_delivery_time: str = ""
    validity_period: str = ""
    registered_delivery: int = 0
    replace_if_present_flag: int = 0
    data_coding: int = 0
    sm_default_msg_id: int = 0
    short_message: bytes = b""
    tlvs: Tlvs = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True, slots=True)
class SubmitSm(_ShortMessagePdu):
    command_id: int = field(init=False, repr=False, default=CommandId.SUBMIT_SM)


@dataclass(frozen=True, kw_only=True, slots=True)
class DeliverSm(_ShortMessagePdu):
    command_id: int = field(init=False, repr=False, default=CommandId.DELIVER_SM)


@dataclass(frozen=True, kw_only=True, slots=True)
class SubmitSmResp(Pdu):
    """With a non-zero status and an empty message_id, the body is omitted."""

    message_id: str = ""
    command_id: int = field(init=False, repr=False, default=CommandId.SUBMIT_SM_RESP)


@dataclass(frozen=True, kw_only=True, slots=True)
class DeliverSmResp(Pdu):
    message_id: str = ""
    command_id: int = field(init=False, repr=False, default=CommandId.DELIVER_SM_RESP)


AnyPdu = (
    BindTransceiver
    | BindTransceiverResp
    | Unbind
    | UnbindResp
    | EnquireLink
    | EnquireLinkResp
    | GenericNack
    | SubmitSm
    | SubmitSmResp
    | DeliverSm
    | DeliverSmResp
)

# Maximum sizes of C-octet strings, including the terminating NUL (SMPP 3.4, section 4).
SYSTEM_ID_MAX: Final = 16
PASSWORD_MAX: Final = 9
SYSTEM_TYPE_MAX: Final = 13
ADDRESS_RANGE_MAX: Final = 41
SERVICE_TYPE_MAX: Final = 6
ADDR_MAX: Final = 21
TIME_SIZE: Final = 17
MESSAGE_ID_MAX: Final = 65


# ---------------------------------------------------------------------------------------------
# encoding


def _u8(value: int, name: str) -> bytes:
    if not 0 <= value <= 0xFF:
        raise EncodeError(f"{name} must fit one octet, got {value!r}")
    return bytes((value,))


def _cstr(value: str, max_size: int, name: str, *, exact: int | None = None) -> bytes:
    try:
        raw = value.encode("ascii")
    except UnicodeEncodeError as exc:
        raise EncodeError(f"{name} must be ASCII") from exc
    if b"\x00" in raw:
        raise EncodeError(f"{name} must not contain NUL")
    if len(raw) + 1 > max_size:
        raise EncodeError(f"{name} longer than {max_size - 1} characters")
    if exact is not None and raw and len(raw) != exact:
        raise EncodeError(f"{name} must be empty or {exact} characters")
    return raw + b"\x00"


def _check_tlv(
    tag: int,
    value: bytes,
    exc: type[Exception],
    *,
    command_id: int | None = None,
    sequence: int | None = None,
) -> None:
    size = _TLV_SIZES.get(tag)
    if size is None:
        return
    lo, hi = size
    if not lo <= len(value) <= hi:
        msg = f"TLV 0x{tag:04X} has length {len(value)}, expected {lo}..{hi}"
        if exc is DecodeError:
            raise DecodeError(msg, status=Status.ESME_RINVPARLEN, command_id=command_id, sequence=sequence)
        raise exc(msg)
    if tag == Tag.RECEIPTED_MESSAGE_ID and (value[-1] != 0 or b"\x00" in value[:-1]):
        msg = "receipted_message_id must be a NUL-terminated C-octet string"
        if exc is DecodeError:
            raise DecodeError(
                msg, status=Status.ESME_RINVOPTPARAMVAL, command_id=command_id, sequence=sequence
            )
        raise exc(msg)


def _tlvs(tlvs: Tlvs) -> bytes:
    out = bytearray()
    for tag, value in tlvs.items():
        if not 0 <= tag <= 0xFFFF:
            raise EncodeError(f"TLV tag {tag!r} out of range")
        if len(value) > 0xFFFF:
            raise EncodeError(f"TLV 0x{tag:04X} longer than 65535 octets")
        _check_tlv(tag, value, EncodeError)
        out += struct.pack(">HH", tag, len(value))
        out += value
    return bytes(out)


_BB: Final = struct.Struct(">BB")
_BBB: Final = struct.Struct(">BBB")
_BBBBB: Final = struct.Struct(">BBBBB")
_U32: Final = struct.Struct(">I")
_HH: Final = struct.Struct(">HH")
_RECEIPTED_MESSAGE_ID: Final = int(Tag.RECEIPTED_MESSAGE_ID)
_SUBMIT_SM: Final = int(CommandId.SUBMIT_SM)
_DELIVER_SM: Final = int(CommandId.DELIVER_SM)
_SUBMIT_SM_RESP: Final = int(CommandId.SUBMIT_SM_RESP)
_DELIVER_SM_RESP: Final = int(CommandId.DELIVER_SM_RESP)


def _cstr_fast(value: str, max_size: int) -> bytes | None:
    """``value`` as a C-octet string, or None when it is not plain valid ASCII of the right size."""
    if not value:
        return b"\x00"
    if len(value) < max_size and value.isascii() and "\x00" not in value:
        return value.encode("ascii") + b"\x00"
    return None


def _sm_body_fast(pdu: SubmitSm | DeliverSm) -> bytes | None:
    """The common case of :func:`_body` for submit_sm/deliver_sm; None means "take the slow path",
    which validates field by field and raises the precise :class:`EncodeError`."""
    service_type = _cstr_fast(pdu.service_type, SERVICE_TYPE_MAX)
    source = _cstr_fast(pdu.source_addr, ADDR_MAX)
    destination = _cstr_fast(pdu.destination_addr, ADDR_MAX)
    schedule = b"\x00" if not pdu.schedule_delivery_time else None
    validity = b"\x00" if not pdu.validity_period else None
    sm = pdu.short_message
    if (
        service_type is None
        or source is None
        or destination is None
        or schedule is None
        or validity is None
        or len(sm) > MAX_SHORT_MESSAGE
    ):
        return None
    try:
        return b"".join(
            (
                service_type,
                _BB.pack(pdu.source_addr_ton, pdu.source_addr_npi),
                source,
                _BB.pack(pdu.dest_addr_ton, pdu.dest_addr_npi),
                destination,
                _BBB.pack(pdu.esm_class, pdu.protocol_id, pdu.priority_flag),
                schedule,
                validity,
                _BBBBB.pack(
                    pdu.registered_delivery,
                    pdu.replace_if_present_flag,
                    pdu.data_coding,
                    pdu.sm_default_msg_id,
                    len(sm),
                ),
                bytes(sm),
                _tlvs(pdu.tlvs) if pdu.tlvs else b"",
            )
        )
    except (struct.error, TypeError):
        return None


def _body(pdu: AnyPdu) -> bytes:
    if type(pdu) is SubmitSm or type(pdu) is DeliverSm:
        fast = _sm_body_fast(pdu)
        if fast is not None:
            return fast
    return _body_checked(pdu)


def _body_checked(pdu: AnyPdu) -> bytes:
    """Field by field, with a precise :class:`EncodeError` for the first invalid one."""
    if isinstance(pdu, BindTransceiver):
        return b"".join(
            (
                _cstr(pdu.system_id, SYSTEM_ID_MAX, "system_id"),
                _cstr(pdu.password, PASSWORD_MAX, "password"),
                _cstr(pdu.system_type, SYSTEM_TYPE_MAX, "system_type"),
                _u8(pdu.interface_version, "interface_version"),
                _u8(pdu.addr_ton, "addr_ton"),
                _u8(pdu.addr_npi, "addr_npi"),
                _cstr(pdu.address_range, ADDRESS_RANGE_MAX, "address_range"),
            )
        )
    if isinstance(pdu, BindTransceiverResp):
        if pdu.command_status and not pdu.system_id and not pdu.tlvs:
            return b""
        return _cstr(pdu.system_id, SYSTEM_ID_MAX, "system_id") + _tlvs(pdu.tlvs)
    if isinstance(pdu, SubmitSm | DeliverSm):
        if len(pdu.short_message) > MAX_SHORT_MESSAGE:
            raise EncodeError(f"short_message longer than {MAX_SHORT_MESSAGE} octets")
        return b"".join(
            (
                _cstr(pdu.service_type, SERVICE_TYPE_MAX, "service_type"),
                _u8(pdu.source_addr_ton, "source_addr_ton"),
                _u8(pdu.source_addr_npi, "source_addr_npi"),
                _cstr(pdu.source_addr, ADDR_MAX, "source_addr"),
                _u8(pdu.dest_addr_ton, "dest_addr_ton"),
                _u8(pdu.dest_addr_npi, "dest_addr_npi"),
                _cstr(pdu.destination_addr, ADDR_MAX, "destination_addr"),
                _u8(pdu.esm_class, "esm_class"),
                _u8(pdu.protocol_id, "protocol_id"),
                _u8(pdu.priority_flag, "priority_flag"),
                _cstr(pdu.schedule_delivery_time, TIME_SIZE, "schedule_delivery_time", exact=16),
                _cstr(pdu.validity_period, TIME_SIZE, "validity_period", exact=16),
                _u8(pdu.registered_delivery, "registered_delivery"),
                _u8(pdu.replace_if_present_flag, "replace_if_present_flag"),
                _u8(pdu.data_coding, "data_coding"),
                _u8(pdu.sm_default_msg_id, "sm_default_msg_id"),
                _u8(len(pdu.short_message), "sm_length"),
                pdu.short_message,
                _tlvs(pdu.tlvs),
            )
        )
    if isinstance(pdu, SubmitSmResp):
        if pdu.command_status and not pdu.message_id:
            return b""
        return _cstr(pdu.message_id, MESSAGE_ID_MAX, "message_id")
    if isinstance(pdu, DeliverSmResp):
        return _cstr(pdu.message_id, MESSAGE_ID_MAX, "message_id")
    return b""


def encode(pdu: AnyPdu, sequence: int | None = None) -> bytes:
    """Serialise one PDU, header included. Raises :class:`EncodeError` on invalid fields.

    ``sequence``, when given, is written instead of ``pdu.sequence`` (saves copying the PDU).
    """
    if sequence is None:
        sequence = pdu.sequence
    if not 0 <= sequence <= 0xFFFFFFFF:
        raise EncodeError(f"sequence out of range: {sequence!r}")
    if not 0 <= pdu.command_status <= 0xFFFFFFFF:
        raise EncodeError(f"command_status out of range: {pdu.command_status!r}")
    body = _body(pdu)
    length = HEADER_SIZE + len(body)
    if length > MAX_PDU_SIZE:
        raise EncodeError(f"PDU of {length} octets exceeds {MAX_PDU_SIZE}")
    return HEADER.pack(length, pdu.command_id, pdu.command_status, sequence) + body


def encode_response(command_id: int, sequence: int, status: int = 0, message_id: str = "") -> bytes:
    """A submit_sm_resp / deliver_sm_resp (``message_id`` set or empty) or header-only response,
    without building a PDU object: the hot path of an SMSC and of an ESME answering receipts.

    Same bytes as :func:`encode` of the equivalent PDU; a submit_sm_resp with a non-zero status and
    no message_id has no body.
    """
    if command_id in (_SUBMIT_SM_RESP, _DELIVER_SM_RESP):
        if status and not message_id and command_id == _SUBMIT_SM_RESP:
            body = b""
        else:
            raw = _cstr_fast(message_id, MESSAGE_ID_MAX)
            body = raw if raw is not None else _cstr(message_id, MESSAGE_ID_MAX, "message_id")
    elif command_id in _HEADER_ONLY and command_id & RESPONSE_BIT:
        body = b""
    else:
        raise EncodeError(f"not a response encode_response knows: 0x{command_id:08X}")
    if not 0 <= sequence <= 0xFFFFFFFF or not 0 <= status <= 0xFFFFFFFF:
        raise EncodeError("sequence or command_status out of range")
    return HEADER.pack(HEADER_SIZE + len(body), command_id, status, sequence) + body


# ---------------------------------------------------------------------------------------------
# decoding


class _Cursor:
    __slots__ = ("command_id", "data", "pos", "sequence")

    def __init__(self, data: bytes, command_id: int, sequence: int) -> None:
        self.data = data
        self.pos = HEADER_SIZE
        self.command_id = command_id
        self.sequence = sequence

    def error(self, message: str, status: int) -> DecodeError:
        return DecodeError(message, status=status, command_id=self.command_id, sequence=self.sequence)

    @property
    def remaining(self) -> int:
        return len(self.data) - self.pos

    def u8(self, name: str) -> int:
        if self.pos >= len(self.data):
            raise self.error(f"truncated before {name}", Status.ESME_RINVCMDLEN)
        value = self.data[self.pos]
        self.pos += 1
        return value

    def octets(self, n: int, name: str) -> bytes:
        if self.remaining < n:
            raise self.error(f"truncated inside {name}", Status.ESME_RINVCMDLEN)
        value = self.data[self.pos : self.pos + n]
        self.pos += n
        return value

    def cstr(self, max_size: int, name: str, status: int, *, exact: int | None = None) -> str:
        end = self.data.find(b"\x00", self.pos, self.pos + max_size)
        if end < 0:
            if len(self.data) - self.pos < max_size:
                raise self.error(f"{name} not terminated", Status.ESME_RINVCMDLEN)
            raise self.error(f"{name} longer than {max_size - 1} characters", status)
        raw = self.data[self.pos : end]
        self.pos = end + 1
        if exact is not None and raw and len(raw) != exact:
            raise self.error(f"{name} must be empty or {exact} characters", status)
        try:
            return raw.decode("ascii")
        except UnicodeDecodeError:
            raise self.error(f"{name} is not ASCII", status) from None

    def tlvs(self) -> Tlvs:
        out: Tlvs = {}
        while self.remaining:
            if self.remaining < 4:
                raise self.error("truncated TLV header", Status.ESME_RINVOPTPARSTREAM)
            tag, length = struct.unpack_from(">HH", self.data, self.pos)
            self.pos += 4
            if self.remaining < length:
                raise self.error(f"TLV 0x{tag:04X} runs past the PDU", Status.ESME_RINVOPTPARSTREAM)
            if tag in out:
                raise self.error(f"TLV 0x{tag:04X} repeated", Status.ESME_RINVOPTPARSTREAM)
            value = self.data[self.pos : self.pos + length]
            self.pos += length
            _check_tlv(tag, value, DecodeError, command_id=self.command_id, sequence=self.sequence)
            out[tag] = value
        return out

    def end(self) -> None:
        if self.remaining:
            raise self.error(f"{self.remaining} unexpected octets after the body", Status.ESME_RINVCMDLEN)


def _decode_sm_fast(
    data: bytes, cls: type[SubmitSm] | type[DeliverSm], status: int, sequence: int
) -> SubmitSm | DeliverSm | None:
    """The common case of :func:`_decode_sm` in straight-line code; None means "take the slow
    path" (which raises the precise :class:`DecodeError`). Accepts exactly what the slow path
    accepts, with the same result."""
    find = data.find
    n = len(data)
    pos = HEADER_SIZE
    end = find(b"\x00", pos, pos + SERVICE_TYPE_MAX)
    if end < 0:
        return None
    service_type = data[pos:end]
    pos = end + 3
    if pos > n:
        return None
    source_addr_ton, source_addr_npi = data[end + 1], data[end + 2]
    end = find(b"\x00", pos, pos + ADDR_MAX)
    if end < 0:
        return None
    source_addr = data[pos:end]
    pos = end + 3
    if pos > n:
        return None
    dest_addr_ton, dest_addr_npi = data[end + 1], data[end + 2]
    end = find(b"\x00", pos, pos + ADDR_MAX)
    if end < 0:
        return None
    destination_addr = data[pos:end]
    pos = end + 4
    if pos > n:
        return None
    esm_class, protocol_id, priority_flag = data[end + 1], data[end + 2], data[end + 3]
    end = find(b"\x00", pos, pos + TIME_SIZE)
    if end < 0:
        return None
    schedule = data[pos:end]
    pos = end + 1
    end = find(b"\x00", pos, pos + TIME_SIZE)
    if end < 0:
        return None
    validity = data[pos:end]
    pos = end + 6
    if pos > n or (schedule and len(schedule) != 16) or (validity and len(validity) != 16):
        return None
    registered_delivery, replace_if_present_flag, data_coding, sm_default_msg_id, sm_length = data[
        end + 1 : pos
    ]
    if sm_length > MAX_SHORT_MESSAGE or n - pos < sm_length:
        return None
    short_message = data[pos : pos + sm_length]
    pos += sm_length
    tlvs: Tlvs = {}
    while pos < n:
        if n - pos < 4:
            return None
        tag, size = _HH.unpack_from(data, pos)
        pos += 4
        if n - pos < size or tag in tlvs:
            return None
        value = data[pos : pos + size]
        pos += size
        bounds = _TLV_SIZES.get(tag)
        if bounds is not None:
            if not bounds[0] <= size <= bounds[1]:
                return None
            if tag == _RECEIPTED_MESSAGE_ID and (value[-1] != 0 or b"\x00" in value[:-1]):
                return None
        tlvs[tag] = value
    strings = service_type + source_addr + destination_addr + schedule + validity
    if not strings.isascii():
        return None
    return cls(
        sequence=sequence,
        command_status=status,
        service_type=service_type.decode("ascii"),
        source_addr_ton=source_addr_ton,
        source_addr_npi=source_addr_npi,
        source_addr=source_addr.decode("ascii"),
        dest_addr_ton=dest_addr_ton,
        dest_addr_npi=dest_addr_npi,
        destination_addr=destination_addr.decode("ascii"),
        esm_class=esm_class,
        protocol_id=protocol_id,
        priority_flag=priority_flag,
        schedule_delivery_time=schedule.decode("ascii"),
        validity_period=validity.decode("ascii"),
        registered_delivery=registered_delivery,
        replace_if_present_flag=replace_if_present_flag,
        data_coding=data_coding,
        sm_default_msg_id=sm_default_msg_id,
        short_message=short_message,
        tlvs=tlvs,
    )


def _decode_sm(c: _Cursor, cls: type[SubmitSm] | type[DeliverSm], status: int) -> SubmitSm | DeliverSm:
    S = Status
    service_type = c.cstr(SERVICE_TYPE_MAX, "service_type", S.ESME_RINVSERTYP)
    source_addr_ton = c.u8("source_addr_ton")
    source_addr_npi = c.u8("source_addr_npi")
    source_addr = c.cstr(ADDR_MAX, "source_addr", S.ESME_RINVSRCADR)
    dest_addr_ton = c.u8("dest_addr_ton")
    dest_addr_npi = c.u8("dest_addr_npi")
    destination_addr = c.cstr(ADDR_MAX, "destination_addr", S.ESME_RINVDSTADR)
    esm_class = c.u8("esm_class")
    protocol_id = c.u8("protocol_id")
    priority_flag = c.u8("priority_flag")
    schedule = c.cstr(TIME_SIZE, "schedule_delivery_time", S.ESME_RINVSCHED, exact=16)
    validity = c.cstr(TIME_SIZE, "validity_period", S.ESME_RINVEXPIRY, exact=16)
    registered_delivery = c.u8("registered_delivery")
    replace_if_present_flag = c.u8("replace_if_present_flag")
    data_coding = c.u8("data_coding")
    sm_default_msg_id = c.u8("sm_default_msg_id")
    sm_length = c.u8("sm_length")
    if sm_length > MAX_SHORT_MESSAGE:
        raise c.error(f"sm_length {sm_length} exceeds {MAX_SHORT_MESSAGE}", S.ESME_RINVMSGLEN)
    if c.remaining < sm_length:
        raise c.error("short_message runs past the PDU", S.ESME_RINVMSGLEN)
    short_message = c.octets(sm_length, "short_message")
    tlvs = c.tlvs()
    return cls(
        sequence=c.sequence,
        command_status=status,
        service_type=service_type,
        source_addr_ton=source_addr_ton,
        source_addr_npi=source_addr_npi,
        source_addr=source_addr,
        dest_addr_ton=dest_addr_ton,
        dest_addr_npi=dest_addr_npi,
        destination_addr=destination_addr,
        esm_class=esm_class,
        protocol_id=protocol_id,
        priority_flag=priority_flag,
        schedule_delivery_time=schedule,
        validity_period=validity,
        registered_delivery=registered_delivery,
        replace_if_present_flag=replace_if_present_flag,
        data_coding=data_coding,
        sm_default_msg_id=sm_default_msg_id,
        short_message=short_message,
        tlvs=tlvs,
    )


_HEADER_ONLY: Final[dict[int, type[Unbind | UnbindResp | EnquireLink | EnquireLinkResp | GenericNack]]] = {
    CommandId.UNBIND: Unbind,
    CommandId.UNBIND_RESP: UnbindResp,
    CommandId.ENQUIRE_LINK: EnquireLink,
    CommandId.ENQUIRE_LINK_RESP: EnquireLinkResp,
    CommandId.GENERIC_NACK: GenericNack,
}


def decode(data: bytes) -> AnyPdu:
    """Parse exactly one complete PDU. Raises :class:`DecodeError` and nothing else."""
    data = bytes(data)
    if len(data) < HEADER_SIZE:
        raise DecodeError(f"{len(data)} octets is shorter than a header", status=Status.ESME_RINVCMDLEN)
    length, command_id, status, sequence = HEADER.unpack_from(data)
    if length != len(data):
        raise DecodeError(
            f"command_length {length} but {len(data)} octets given",
            status=Status.ESME_RINVCMDLEN,
            command_id=command_id,
            sequence=sequence,
        )
    if command_id == _SUBMIT_SM_RESP and (status == 0 or length > HEADER_SIZE):
        end = data.find(b"\x00", HEADER_SIZE, HEADER_SIZE + MESSAGE_ID_MAX)
        raw_id = data[HEADER_SIZE:end]
        if end == length - 1 and raw_id.isascii():
            return SubmitSmResp(sequence=sequence, command_status=status, message_id=raw_id.decode("ascii"))
    elif command_id in (_SUBMIT_SM, _DELIVER_SM):
        fast = _decode_sm_fast(data, SubmitSm if command_id == _SUBMIT_SM else DeliverSm, status, sequence)
        if fast is not None:
            return fast
    c = _Cursor(data, command_id, sequence)
    pdu: AnyPdu
    if command_id in _HEADER_ONLY:
        c.end()
        return _HEADER_ONLY[command_id](sequence=sequence, command_status=status)
    if command_id == CommandId.BIND_TRANSCEIVER:
        pdu = BindTransceiver(
            sequence=sequence,
            command_status=status,
            system_id=c.cstr(SYSTEM_ID_MAX, "system_id", Status.ESME_RINVSYSID),
            password=c.cstr(PASSWORD_MAX, "password", Status.ESME_RINVPASWD),
            system_type=c.cstr(SYSTEM_TYPE_MAX, "system_type", Status.ESME_RINVSYSTYP),
            interface_version=c.u8("interface_version"),
            addr_ton=c.u8("addr_ton"),
            addr_npi=c.u8("addr_npi"),
            address_range=c.cstr(ADDRESS_RANGE_MAX, "address_range", Status.ESME_RINVPARLEN),
        )
    elif command_id == CommandId.BIND_TRANSCEIVER_RESP:
        if status and not c.remaining:
            return BindTransceiverResp(sequence=sequence, command_status=status)
        system_id = c.cstr(SYSTEM_ID_MAX, "system_id", Status.ESME_RINVSYSID)
        pdu = BindTransceiverResp(
            sequence=sequence, command_status=status, system_id=system_id, tlvs=c.tlvs()
        )
    elif command_id in (CommandId.SUBMIT_SM, CommandId.DELIVER_SM):
        cls = SubmitSm if command_id == CommandId.SUBMIT_SM else DeliverSm
        pdu = _decode_sm(c, cls, status)
    elif command_id == CommandId.SUBMIT_SM_RESP:
        if status and not c.remaining:
            return SubmitSmResp(sequence=sequence, command_status=status)
        pdu = SubmitSmResp(
            sequence=sequence,
            command_status=status,
            message_id=c.cstr(MESSAGE_ID_MAX, "message_id", Status.ESME_RINVMSGID),
        )
    elif command_id == CommandId.DELIVER_SM_RESP:
        pdu = DeliverSmResp(
            sequence=sequence,
            command_status=status,
            message_id=c.cstr(MESSAGE_ID_MAX, "message_id", Status.ESME_RINVMSGID),
        )
    else:
        raise DecodeError(
            f"unsupported command_id 0x{command_id:08X}",
            status=Status.ESME_RINVCMDID,
            command_id=command_id,
            sequence=sequence,
        )
    c.end()
    return pdu


# ---------------------------------------------------------------------------------------------
# stream splitting


class PduReader:
    """Splits a byte stream into complete PDU frames, across arbitrary partial reads.

    ``feed`` returns the complete frames (undecoded, so one bad PDU can be nacked without
    losing the stream). A command_length below 16 or above ``max_size`` cannot be resynchronised:
    ``feed`` raises :class:`DecodeError` and the reader stays broken (close the connection).
    """

    __slots__ = ("_buf", "_error", "max_size")

    def __init__(self, max_size: int = MAX_PDU_SIZE) -> None:
        self._buf = bytearray()
        self._error: DecodeError | None = None
        self.max_size = max_size

    @property
    def buffered(self) -> int:
        return len(self._buf)

    def feed(self, data: bytes) -> list[bytes]:
        if self._error is not None:
            raise self._error
        if not self._buf and type(data) is bytes:
            # Nothing buffered: cut the frames straight out of ``data`` (one copy per frame).
            frames: list[bytes] = []
            unpack = _U32.unpack_from
            n = len(data)
            start = 0
            while n - start >= 4:
                (length,) = unpack(data, start)
                if length < HEADER_SIZE or length > self.max_size or n - start < length:
                    break
                frames.append(data[start : start + length])
                start += length
            if start == n:
                return frames
            self._buf += memoryview(data)[start:]
            return frames + self._feed_buffered()
        self._buf += data
        return self._feed_buffered()

    def _feed_buffered(self) -> list[bytes]:
        frames: list[bytes] = []
        buf = self._buf
        start = 0
        while len(buf) - start >= 4:
            (length,) = struct.unpack_from(">I", buf, start)
            if length < HEADER_SIZE or length > self.max_size:
                seq = None
                cid = None
                if len(buf) - start >= HEADER_SIZE:
                    _, cid, _, seq = HEADER.unpack_from(buf, start)
                self._error = DecodeError(
                    f"invalid command_length {length}",
                    status=Status.ESME_RINVCMDLEN,
                    command_id=cid,
                    sequence=seq,
                )
                del buf[:start]
                raise self._error
            if len(buf) - start < length:
                break
            frames.append(bytes(buf[start : start + length]))
            start += length
        del buf[:start]
        return frames
