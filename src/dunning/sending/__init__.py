"""Sending: the outbox, the sender and the providers.

The lead's flows call :func:`dunning.sending.service.send_due` (or ``send_due_sync``) and
:func:`dunning.sending.outbox.cancel_queued_for_debtors`; see those modules for the lifecycle.
"""
