"""The compliance profiles dunning knows, and the facts that hang on each: one source for all of them."""

from __future__ import annotations

from typing import Literal, get_args

__all__ = ["PROFILES", "PROFILE_IDENTITY", "PROFILE_REGION", "PROFILE_TIME_ZONE", "Profile"]

Profile = Literal["CN", "US"]
PROFILES: tuple[Profile, ...] = get_args(Profile)

#: Each profile's main time zone: the default for debtors without one, and the zone of reports.
PROFILE_TIME_ZONE: dict[str, str] = {"CN": "Asia/Shanghai", "US": "America/New_York"}
#: The region a national number is read in (libphonenumber region code).
PROFILE_REGION: dict[str, str] = {"CN": "CN", "US": "US"}

#: Each profile's example deployment identity: what messages are signed with and may contain unless
#: the deployment says otherwise (``DUNNING_CREDITOR`` …). A US default is an English, GSM-7 lender,
#: so a US message costs one or two GSM-7 parts, not three UCS-2 ones.
PROFILE_IDENTITY: dict[str, dict[str, str | list[str]]] = {
    "CN": {
        "creditor": "安信消费金融",
        "signature": "安信金融",
        "hotline": "95000",
        "app_name": "安信金融App",
        "allowed_urls": ["https://m.anxin.example/pay"],
        "allowed_numbers": ["95000", "4008000000"],
    },
    "US": {
        "creditor": "Harbor Lending",
        "signature": "Harbor Lending",
        "hotline": "1-800-555-0100",
        "app_name": "the Harbor Lending app",
        "allowed_urls": ["https://pay.harborlending.example"],
        "allowed_numbers": ["18005550100"],
    },
}
