"""What each HTTP provider's error codes mean to the sender: one table per provider, as data.

A code maps to an :data:`~dunning.messages.wire.ErrorClass` (REFERENCE.md §2):

==================  ===========================================================================
``retry``           the provider did not take it and may take it later: retry after a backoff
``defer``           a per-number or per-period frequency limit: send in the next window, never
                    hot-retry
``pause``           the account cannot send (quota, balance, credentials, clock): stop the
                    provider and alert; the message is offered again later
``suppress``        the number is unusable (invalid, landline, unsubscribed at the carrier)
``block_template``  the provider refuses the content, template or signature: no message of the
                    template may go until someone fixes it
==================  ===========================================================================

A code not in a table is a plain permanent refusal (the message fails, nothing else happens) unless
the HTTP status says otherwise (:func:`http_status_class`). The tables are what a test checks every
documented code against, so change them here and nowhere else.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from dunning.messages.wire import ErrorClass, SubmitOutcome

__all__ = [
    "ALIYUN",
    "DEFAULT_PAUSE_AFTER",
    "DEFAULT_RETRY_AFTER",
    "PREFIXES",
    "TABLES",
    "TENCENT",
    "TWILIO",
    "classify",
    "http_status_class",
    "outcome_for",
]

DEFAULT_RETRY_AFTER: Final = 5.0  # seconds, when the provider gives no Retry-After
DEFAULT_PAUSE_AFTER: Final = 300.0  # seconds a paused provider's message waits by default

#: Alibaba Cloud Dysmsapi 2017-05-25 (``Code`` of a SendSms answer).
ALIYUN: Final[Mapping[str, ErrorClass]] = {
    # retry with backoff (on a timeout the message is unknown instead: see the provider)
    "isp.SYSTEM_ERROR": "retry",
    "Throttling": "retry",
    "Throttling.User": "retry",
    "Throttling.Api": "retry",
    "ServiceUnavailable": "retry",
    "InternalError": "retry",
    # defer: the per number + sign + template frequency limit
    "isv.BUSINESS_LIMIT_CONTROL": "defer",
    # pause the account
    "isv.DAY_LIMIT_CONTROL": "pause",
    "isv.MONTH_LIMIT_CONTROL": "pause",
    "isv.AMOUNT_NOT_ENOUGH": "pause",
    "isv.OUT_OF_SERVICE": "pause",
    "isp.RAM_PERMISSION_DENY": "pause",
    "isv.ACCOUNT_NOT_EXISTS": "pause",
    "isv.ACCOUNT_ABNORMAL": "pause",
    "InvalidAccessKeyId.NotFound": "pause",
    "InvalidAccessKeyId.Inactive": "pause",
    "SignatureDoesNotMatch": "pause",
    "InvalidTimeStamp.Expired": "pause",  # our clock is off
    "Forbidden.RAM": "pause",
    # suppress the number
    "isv.MOBILE_NUMBER_ILLEGAL": "suppress",
    "isv.BLACK_KEY_CONTROL_LIMIT": "suppress",
    # block the template
    "isv.SMS_TEMPLATE_ILLEGAL": "block_template",
    "isv.TEMPLATE_MISSING_PARAMETERS": "block_template",
    "isv.SMS_SIGNATURE_SCENE_ILLEGAL": "block_template",
    "isv.SMS_SIGNATURE_ILLEGAL": "block_template",
    "isv.SMS_CONTENT_ILLEGAL": "block_template",
    "isv.PARAM_NOT_SUPPORT_URL": "block_template",
}

#: Tencent Cloud SMS 2021-01-11 (``SendStatusSet[].Code`` or ``Response.Error.Code``), with the
#: legacy numeric codes of the older API that some gateways still quote.
TENCENT: Final[Mapping[str, ErrorClass]] = {
    # retry
    "InternalError.Timeout": "retry",
    "60008": "retry",
    "RequestLimitExceeded": "retry",
    "InternalError.RequestTimeException": "retry",
    # defer: frequency limits per number
    "LimitExceeded.DeliveryFrequencyLimit": "defer",
    "LimitExceeded.PhoneNumberThirtySecondLimit": "defer",
    "LimitExceeded.PhoneNumberOneHourLimit": "defer",
    "LimitExceeded.PhoneNumberDailyLimit": "defer",
    "LimitExceeded.PhoneNumberSameContentDailyLimit": "defer",
    "1023": "defer",
    "1024": "defer",
    "1025": "defer",
    "1026": "defer",
    # pause: balance, arrears, application quota, credentials, our clock
    "FailedOperation.InsufficientBalanceInSmsPackage": "pause",
    "UnauthorizedOperation.SerivceSuspendDueToArrears": "pause",  # sic: Tencent's spelling
    "UnauthorizedOperation.ServiceSuspendDueToArrears": "pause",
    "UnauthorizedOperation.SmsSdkAppIdVerifyFail": "pause",
    "UnauthorizedOperation.IndividualUserMarketingSmsPermissionDeny": "pause",
    "LimitExceeded.AppDailyLimit": "pause",
    "LimitExceeded.AppGlobalDailyLimit": "pause",
    "LimitExceeded.AppCountryOrRegionDailyLimit": "pause",
    "AuthFailure.SignatureExpire": "pause",  # more than 5 minutes of clock skew: fix the clock
    "AuthFailure.SignatureFailure": "pause",
    "AuthFailure.SecretIdNotFound": "pause",
    "AuthFailure.InvalidSecretId": "pause",
    "AuthFailure.UnauthorizedOperation": "pause",
    "1031": "pause",
    "1033": "pause",
    # suppress the number
    "FailedOperation.PhoneNumberInBlacklist": "suppress",
    "InvalidParameterValue.IncorrectPhoneNumber": "suppress",
    "FailedOperation.PhoneNumberParseFail": "suppress",
    # block the template
    "FailedOperation.TemplateIncorrectOrUnapproved": "block_template",
    "FailedOperation.SignatureIncorrectOrUnapproved": "block_template",
    "FailedOperation.ContainSensitiveWord": "block_template",
    "FailedOperation.TemplateParamSetNotMatchApprovedTemplate": "block_template",
    "InvalidParameterValue.ProhibitedUseUrlInTemplateParameter": "block_template",
}

#: Twilio REST API error codes (``code`` of an error answer; also a status callback's ErrorCode).
TWILIO: Final[Mapping[str, ErrorClass]] = {
    "20429": "retry",  # too many requests
    "30001": "retry",  # queue overflow
    "30003": "retry",  # unreachable handset
    "30008": "retry",  # unknown error
    "21611": "retry",  # the sender's queue is full
    "20003": "pause",  # authentication
    "20005": "pause",  # account not active
    "21606": "pause",  # the From number cannot send
    "21608": "pause",  # trial account
    "30863": "pause",  # campaign verification refused (e.g. third-party collection)
    "21211": "suppress",  # invalid To
    "21614": "suppress",  # not a mobile number
    "30006": "suppress",  # landline or unreachable carrier: do not retry
    "21610": "suppress",  # the handset unsubscribed (STOP)
    "30005": "suppress",  # unknown destination handset
    "30007": "block_template",  # carrier filtering: do not resend the same content
}

#: Code prefixes that classify every code under them (``RequestLimitExceeded.UinLimitExceeded``).
PREFIXES: Final[Mapping[str, Mapping[str, ErrorClass]]] = {
    "aliyun": {"Throttling.": "retry"},
    "tencent": {"RequestLimitExceeded.": "retry", "AuthFailure.": "pause"},
    "twilio": {},
}

TABLES: Final[Mapping[str, Mapping[str, ErrorClass]]] = {
    "aliyun": ALIYUN,
    "tencent": TENCENT,
    "twilio": TWILIO,
}


def classify(provider: str, code: str | None) -> ErrorClass | None:
    """The class of ``provider``'s error ``code``; ``None`` for a plain permanent refusal."""
    if code is None:
        return None
    table = TABLES.get(provider, {})
    if code in table:
        return table[code]
    for prefix, cls in PREFIXES.get(provider, {}).items():
        if code.startswith(prefix):
            return cls
    return None


def http_status_class(status: int) -> ErrorClass | None:
    """What an HTTP status alone says (no error code the table knows): 429 and 500/502/503 retry,
    401/403 pause; anything else is permanent. (504 and other 5xx are *unknown*: the caller leaves
    the message without an outcome, because a gateway timeout may hide a message that was taken.)"""
    if status in (429, 500, 502, 503):
        return "retry"
    if status in (401, 403):
        return "pause"
    return None


def outcome_for(
    message_id: int,
    error_class: ErrorClass | None,
    code: str | None,
    error: str,
    retry_after: float | None = None,
) -> SubmitOutcome:
    """The :class:`SubmitOutcome` of a refused message of class ``error_class``."""
    if error_class == "retry":
        return SubmitOutcome.retry(message_id, code, error, retry_after or DEFAULT_RETRY_AFTER)
    if error_class == "defer":
        return SubmitOutcome.deferred(message_id, code, error)
    if error_class == "pause":
        return SubmitOutcome.paused(message_id, code, error, retry_after or DEFAULT_PAUSE_AFTER)
    return SubmitOutcome.permanent(message_id, code, error, error_class=error_class)
