"""HTTP SMS providers: ``aliyun://`` (:mod:`.aliyun`), ``tencent://`` (:mod:`.tencent`), ``twilio://``
(:mod:`.twilio`, first-party lenders only) and a generic JSON aggregator ``webhook://``
(:mod:`.webhook`), over one shared base (:mod:`.base`: client, outcome rules, templates, callback
values) and one table of error codes per vendor (:mod:`.errors`). Database-free; our own request
signing over ``httpx`` (ADR 0018), the vendors' SDKs only cross-check it in the tests.

Each provider also parses and verifies the vendor's callbacks (delivery reports and replies) with
``handle_callback(kind, CallbackRequest) -> CallbackResult``; the API server calls it.
"""

from dunning.sending.providers.http.aliyun import AliyunProvider
from dunning.sending.providers.http.base import CallbackHandler, CallbackRequest, CallbackResult, HttpProvider
from dunning.sending.providers.http.tencent import TencentProvider
from dunning.sending.providers.http.twilio import TwilioProvider
from dunning.sending.providers.http.webhook import WebhookProvider

__all__ = [
    "AliyunProvider",
    "CallbackHandler",
    "CallbackRequest",
    "CallbackResult",
    "HttpProvider",
    "TencentProvider",
    "TwilioProvider",
    "WebhookProvider",
]
