"""The compliance profiles dunning knows, and the facts that hang on each: one source for all of them."""

from __future__ import annotations

from typing import Literal, get_args

__all__ = ["PROFILES", "PROFILE_REGION", "PROFILE_TIME_ZONE", "Profile"]

Profile = Literal["CN", "US"]
PROFILES: tuple[Profile, ...] = get_args(Profile)

#: Each profile's main time zone: the default for debtors without one, and the zone of reports.
PROFILE_TIME_ZONE: dict[str, str] = {"CN": "Asia/Shanghai", "US": "America/New_York"}
#: The region a national number is read in (libphonenumber region code).
PROFILE_REGION: dict[str, str] = {"CN": "CN", "US": "US"}
