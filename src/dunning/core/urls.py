"""URL helpers that keep secrets out of logs."""

from __future__ import annotations

import re

# scheme://user:password@ — anywhere in the text, so a value holding several URLs (a routed
# DUNNING_PROVIDER_URL) has every password hidden, not only the first.
_CREDENTIALS = re.compile(r"(?P<head>[A-Za-z][A-Za-z0-9+.\-]*://[^\s/@:|?#]*):[^\s/|?#]*@")


def redact_url(url: str) -> str:
    """Replace the password of every ``scheme://user:password@host`` in ``url`` with ``***``."""
    return _CREDENTIALS.sub(lambda m: f"{m.group('head')}:***@", url)
