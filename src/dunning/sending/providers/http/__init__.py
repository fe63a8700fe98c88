"""SMS providers over HTTP (vendor REST APIs), and the callbacks they post back."""

from dunning.sending.providers.http.base import (
    CallbackHandler,
    CallbackRequest,
    CallbackResult,
    callback_handler,
)

__all__ = ["CallbackHandler", "CallbackRequest", "CallbackResult", "callback_handler"]
