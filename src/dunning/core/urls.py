"""URL helpers that keep secrets out of logs."""

from __future__ import annotations

import re

# scheme://user:password@ — anywhere in the text, so a value holding several URLs (a routed
# DUNNING_PROVIDER_URL) has every password hidden, not only the first.
_CREDENTIALS = re.compile(r"(?P<head>[A-Za-z][A-Za-z0-9+.\-]*://[^\s/@:|?#]*):[^\s/|?#]*@")
# ?secret=…, &callback_token=…, &password=…: query options that hold a secret (an HTTP provider's
# shared secret or callback token) are hidden too.
_SECRET_OPTIONS = re.compile(
    r"(?P<head>[?&](?:[A-Za-z0-9_.-]*_)?(?:secret|token|password|passwd|api_key|apikey)=)[^&\s|#]*",
    re.IGNORECASE,
)


def redact_url(url: str) -> str:
    """Replace the password of every ``scheme://user:password@host`` in ``url``, and the value of
    every secret query option (``secret``, ``*_token``, ``password``, ``api_key`` …), with ``***``."""
    hidden = _CREDENTIALS.sub(lambda m: f"{m.group('head')}:***@", url)
    return _SECRET_OPTIONS.sub(lambda m: f"{m.group('head')}***", hidden)
