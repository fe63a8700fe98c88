"""SMPP 3.4: the ``smpp://`` provider (:mod:`.provider`) over an asyncio session (:mod:`.session`) and a
bind pool (:mod:`.pool`), with our own PDU codec (:mod:`.pdu`, ADR 0008), text encoding and
splitting (:mod:`.text`), receipt parsing (:mod:`.receipts`), an exact token bucket
(:mod:`.ratelimit`) and URL options (:mod:`.config`). Database-free.
"""

__all__ = ["config", "pdu", "pool", "provider", "ratelimit", "receipts", "session", "text"]
