"""Phone numbers: parse with libphonenumber, store E.164, find the time zones of a number."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import phonenumbers
from phonenumbers import timezone as pn_timezone

from dunning.core.errors import InputError


@dataclass(frozen=True, slots=True)
class ParsedPhone:
    e164: str
    region: str | None
    is_mobile: bool


class PhoneError(InputError, ValueError):
    """Not a usable phone number (a ValueError too, for callers that validate values)."""


def handset_e164(number: str) -> str:
    """A handset number as an SMSC reports it (receipt or reply source) in the E.164 form contacts are
    hashed in: blanks removed, a bare run of digits read as international (SMSCs often drop the "+")."""
    compact = "".join(number.split())
    return "+" + compact if compact.isdigit() else compact


def parse_phone(raw: str, default_region: str) -> ParsedPhone:
    """Parse ``raw`` as dialled in ``default_region``; raise PhoneError with a bilingual reason."""
    text = str(raw).strip()
    if not text:
        raise PhoneError("phone number is empty", "手机号为空")
    letters = sorted({ch for ch in text if ch.isalpha()})
    if letters:
        # libphonenumber reads letters as keypad digits (138abc38000 → 13822238000): a number with a
        # letter in it is a typo or a vanity word, never what a debtor's phone is.
        shown = "".join(letters[:5])
        raise PhoneError(
            f"a phone number may not contain letters ({shown!r})", f"手机号中不能含有字母（{shown}）"
        )
    try:
        number = phonenumbers.parse(text, default_region)
    except phonenumbers.NumberParseException as exc:
        raise PhoneError(f"not a phone number: {exc}", "无法识别的手机号") from exc
    if not phonenumbers.is_valid_number(number):
        raise PhoneError(
            f"not a valid number for region {phonenumbers.region_code_for_number(number) or default_region}",
            "手机号无效（号段或位数不符）",
        )
    kind = phonenumbers.number_type(number)
    mobile = kind in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    )
    return ParsedPhone(
        e164=phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164),
        region=phonenumbers.region_code_for_number(number),
        is_mobile=mobile,
    )


@lru_cache(maxsize=4096)
def time_zones_for(e164: str) -> tuple[str, ...]:
    """Candidate IANA zones of a number (a US area code can span two zones)."""
    number = phonenumbers.parse(e164, None)
    zones = tuple(z for z in pn_timezone.time_zones_for_number(number) if z != "Etc/Unknown")
    return zones
