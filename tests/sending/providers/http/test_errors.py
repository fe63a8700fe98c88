"""Every error code REFERENCE.md §2 names lands in its class, and each class becomes the right outcome."""

from __future__ import annotations

import pytest

from dunning.messages.wire import ERROR_CLASSES, ErrorClass
from dunning.sending.providers.http import errors
from dunning.sending.providers.http.errors import classify, http_status_class, outcome_for

# Transcribed from REFERENCE.md §2.1–2.3 (the codes and the class the table there gives them).
DOCUMENTED: dict[str, dict[ErrorClass, tuple[str, ...]]] = {
    "aliyun": {
        "retry": ("isp.SYSTEM_ERROR",),
        "defer": ("isv.BUSINESS_LIMIT_CONTROL",),
        "pause": (
            "isv.DAY_LIMIT_CONTROL",
            "isv.MONTH_LIMIT_CONTROL",
            "isv.AMOUNT_NOT_ENOUGH",
            "isv.OUT_OF_SERVICE",
            "isp.RAM_PERMISSION_DENY",
        ),
        "suppress": ("isv.MOBILE_NUMBER_ILLEGAL", "isv.BLACK_KEY_CONTROL_LIMIT"),
        "block_template": (
            "isv.SMS_TEMPLATE_ILLEGAL",
            "isv.TEMPLATE_MISSING_PARAMETERS",
            "isv.SMS_SIGNATURE_SCENE_ILLEGAL",
            "isv.SMS_CONTENT_ILLEGAL",
            "isv.PARAM_NOT_SUPPORT_URL",
        ),
    },
    "tencent": {
        "retry": (
            "InternalError.Timeout",
            "60008",
            "RequestLimitExceeded",
            "RequestLimitExceeded.UinLimitExceeded",
        ),
        "pause": (
            "AuthFailure.SignatureExpire",
            "1031",
            "1033",
            "FailedOperation.InsufficientBalanceInSmsPackage",
        ),
        "defer": (
            "LimitExceeded.DeliveryFrequencyLimit",
            "LimitExceeded.PhoneNumberThirtySecondLimit",
            "LimitExceeded.PhoneNumberOneHourLimit",
            "LimitExceeded.PhoneNumberDailyLimit",
            "1023",
            "1024",
            "1025",
            "1026",
        ),
        "suppress": ("FailedOperation.PhoneNumberInBlacklist", "InvalidParameterValue.IncorrectPhoneNumber"),
        "block_template": (
            "FailedOperation.TemplateIncorrectOrUnapproved",
            "FailedOperation.SignatureIncorrectOrUnapproved",
            "FailedOperation.ContainSensitiveWord",
        ),
    },
    "twilio": {
        "retry": ("20429", "30001", "30003", "30008"),
        "suppress": ("21211", "21614", "30006", "21610", "30005"),
        "block_template": ("30007",),
        "pause": ("30863",),
    },
}


@pytest.mark.parametrize(
    ("provider", "cls", "code"),
    [(p, c, code) for p, classes in DOCUMENTED.items() for c, codes in classes.items() for code in codes],
)
def test_every_documented_code_has_its_class(provider: str, cls: ErrorClass, code: str) -> None:
    assert classify(provider, code) == cls


def test_tables_hold_only_known_classes_and_unknown_codes_are_plain_failures() -> None:
    for table in errors.TABLES.values():
        assert set(table.values()) <= set(ERROR_CLASSES)
    assert classify("aliyun", "isv.SOMETHING_NEW") is None
    assert classify("tencent", None) is None
    assert classify("nosuch", "isp.SYSTEM_ERROR") is None


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (429, "retry"),
        (500, "retry"),
        (502, "retry"),
        (503, "retry"),
        (401, "pause"),
        (403, "pause"),
        (400, None),
    ],
)
def test_http_status_alone(status: int, cls: ErrorClass | None) -> None:
    assert http_status_class(status) == cls


def test_outcomes_of_each_class() -> None:
    retry = outcome_for(1, "retry", "X", "x", 7.0)
    assert (retry.retriable, retry.retry_after, retry.error_class) == (True, 7.0, "retry")
    assert outcome_for(1, "retry", "X", "x").retry_after == errors.DEFAULT_RETRY_AFTER
    defer = outcome_for(1, "defer", "X", "x")
    assert (defer.retriable, defer.error_class) == (True, "defer")
    pause = outcome_for(1, "pause", "X", "x")
    assert (pause.retriable, pause.retry_after, pause.error_class) == (
        True,
        errors.DEFAULT_PAUSE_AFTER,
        "pause",
    )
    for cls in ("suppress", "block_template", None):
        out = outcome_for(1, cls, "X", "x")  # type: ignore[arg-type]
        assert out.permanent_error and out.error_class == cls and out.error_code == "X"
