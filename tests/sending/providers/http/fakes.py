"""Loopback fakes of the HTTP SMS vendors (Aliyun, Tencent, Twilio, a generic JSON aggregator).

Each fake is a small ``http.server`` on 127.0.0.1 (a free port) in a background thread that speaks
the vendor's documented request and answer formats. It checks what the vendor checks (the Aliyun
RPC signature, Tencent's TC3 signature, Twilio's basic auth, the aggregator's bearer token or
HMAC), records every request (``requests``) and every message it took (``sent``), can be scripted
to refuse or stall, and builds the vendor's callbacks for a message it took (signed where the
vendor signs). The signature checks here are written separately from the providers' signing code,
so a bug in one does not hide in the other; the vendors' SDKs cross-check both (test_sdk.py).

Use one as a context manager (or ``start()``/``stop()``; ``stop()`` joins every thread)::

    with FakeAliyun() as fake:
        provider = build_provider(fake.provider_url(callback_token="tok"))
        ...                                          # send through it
        fake.fail_number("13800000002", "isv.MOBILE_NUMBER_ILLEGAL")
        fake.answer_next(Answer(delay=2.0))          # the next call stalls (a read timeout)
        request = fake.status_request("https://api.example/v1/webhooks/aliyun/status?token=tok",
                                      fake.sent[0])  # a CallbackRequest for handle_callback

Scripting (every fake): ``answer_next(answer, times=1)`` applies to the next calls whatever their
number (for Tencent: a failure of the whole request); ``fail_number(number, code, times=None)``
answers every call (or the next ``times``) for that number (for Tencent: the per-number status).
An :class:`Answer` with no ``code`` and no ``body`` takes the message and answers normally, after
``delay`` seconds, or not at all with ``drop=True`` (the connection is closed: the message was
taken but the answer is lost).
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import itertools
import json
import re
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, HTTPServer
from socketserver import ThreadingMixIn
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

import phonenumbers

from dunning.sending.providers.base import OutgoingSms, SmsProvider, SubmitOutcome
from dunning.sending.providers.http.base import CallbackRequest

__all__ = [
    "Answer",
    "FakeAggregator",
    "FakeAliyun",
    "FakeServer",
    "FakeTencent",
    "FakeTwilio",
    "Recorded",
    "Sent",
    "form_request",
    "free_port",
    "json_request",
    "submit",
]

SHANGHAI_OFFSET = timedelta(hours=8)


def free_port() -> int:
    """A loopback port nobody listens on (bound, then released): connecting to it is refused."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def json_request(url: str, payload: object, headers: Mapping[str, str] | None = None) -> CallbackRequest:
    """A POST of ``payload`` as JSON to ``url``, as the web edge would hand it to a provider."""
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    return CallbackRequest("POST", url, {"content-type": "application/json", **(headers or {})}, body)


def form_request(
    url: str, params: Mapping[str, str], headers: Mapping[str, str] | None = None
) -> CallbackRequest:
    """A POST of ``params`` as a URL-encoded form to ``url``."""
    body = urlencode(params).encode("ascii")
    return CallbackRequest(
        "POST", url, {"content-type": "application/x-www-form-urlencoded", **(headers or {})}, body
    )


def _shanghai(at: datetime | None) -> str:
    when = (at or datetime.now(UTC)).astimezone(UTC) + SHANGHAI_OFFSET
    return when.strftime("%Y-%m-%d %H:%M:%S")


# -- the server ---------------------------------------------------------------------------------


@dataclass
class Answer:
    """A scripted answer: refuse with ``code`` (HTTP ``status``, default the vendor's usual), send
    ``body`` as is, or take the message and answer after ``delay`` seconds or never (``drop``)."""

    code: str | None = None
    status: int | None = None
    message: str = "scripted refusal"
    delay: float = 0.0
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | None = None
    drop: bool = False

    @property
    def refuses(self) -> bool:
        return self.code is not None or self.body is not None


@dataclass(frozen=True)
class Recorded:
    """One request as the fake received it (header names in lower case)."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))

    def form(self) -> dict[str, str]:
        return dict(parse_qsl(self.body.decode("utf-8"), keep_blank_values=True))


@dataclass(frozen=True)
class Sent:
    """A message the fake took: its provider id, the number and text as the request gave them,
    our reference (OutId / SessionContext / message id) and the template it named."""

    provider_id: str
    to: str
    text: str
    reference: str | None = None
    template: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class _Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    drop: bool = False
    media_type: str = "application/json"


class _Server(ThreadingMixIn, HTTPServer):
    daemon_threads = False  # server_close() joins the handler threads
    block_on_close = True
    allow_reuse_address = True


class FakeServer:
    """The loopback server and scripting shared by every fake; subclasses implement ``handle``."""

    vendor = "fake"

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self.sent: list[Sent] = []
        self._lock = threading.Lock()
        self._next: deque[Answer] = deque()
        self._numbers: dict[str, list[Any]] = {}  # number → [answer, remaining or None]
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._counter = itertools.count(1)
        #: The fake's idea of now (Unix seconds), for clock-skew checks: shift it to test them.
        self.clock: Callable[[], float] = time.time

    # -- lifecycle ----------------------------------------------------------------------------

    def start(self) -> Self:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            timeout = 5

            def do_POST(self) -> None:
                fake._serve(self)

            do_GET = do_POST

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = _Server(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.01}, name=f"fake-{self.vendor}"
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(5)
        self._server = self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._server is not None, "start() the fake first"
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # -- scripting ----------------------------------------------------------------------------

    def answer_next(self, answer: Answer | None = None, *, times: int = 1, **kwargs: Any) -> None:
        """The next ``times`` calls get ``answer`` (or ``Answer(**kwargs)``), whatever their number."""
        with self._lock:
            for _ in range(times):
                self._next.append(answer or Answer(**kwargs))

    def fail_number(self, number: str, code: str, *, times: int | None = None, **kwargs: Any) -> None:
        """Calls for ``number`` (as the request quotes it, or in E.164) are refused with ``code``."""
        with self._lock:
            self._numbers[number] = [Answer(code=code, **kwargs), times]

    def clear(self) -> None:
        with self._lock:
            self._next.clear()
            self._numbers.clear()

    def _pop_next(self) -> Answer | None:
        with self._lock:
            return self._next.popleft() if self._next else None

    def _for_number(self, *numbers: str) -> Answer | None:
        with self._lock:
            for number in numbers:
                entry = self._numbers.get(number)
                if entry is None:
                    continue
                answer, remaining = entry
                if remaining is not None:
                    if remaining <= 0:
                        continue
                    entry[1] = remaining - 1
                return answer  # type: ignore[no-any-return]
        return None

    def _take(self, *numbers: str) -> Answer | None:
        return self._pop_next() or self._for_number(*numbers)

    def _record(self, sent: Sent) -> None:
        with self._lock:
            self.sent.append(sent)

    def next_id(self) -> int:
        return next(self._counter)

    # -- serving ------------------------------------------------------------------------------

    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        try:
            length = int(handler.headers.get("content-length") or 0)
            body = handler.rfile.read(length) if length else b""
            parts = urlsplit(handler.path)
            request = Recorded(
                handler.command,
                parts.path,
                dict(parse_qsl(parts.query, keep_blank_values=True)),
                {k.lower(): v for k, v in handler.headers.items()},
                body,
            )
            with self._lock:
                self.requests.append(request)
            reply = self.handle(request)
            if reply.delay and self._stopping.wait(reply.delay):
                reply.drop = True  # stopped while stalling: never answer
            handler.close_connection = True
            if reply.drop:
                return
            handler.send_response(reply.status)
            handler.send_header("Content-Type", reply.media_type)
            for name, value in reply.headers.items():
                handler.send_header(name, value)
            handler.send_header("Content-Length", str(len(reply.body)))
            handler.send_header("Connection", "close")
            handler.end_headers()
            handler.wfile.write(reply.body)
        except OSError:
            handler.close_connection = True  # the client went away (a read-timeout test)

    def handle(self, request: Recorded) -> _Reply:
        raise NotImplementedError

    @staticmethod
    def _json(status: int, value: object, headers: Mapping[str, str] | None = None, **kw: Any) -> _Reply:
        body = json.dumps(value, ensure_ascii=False).encode("utf-8")
        return _Reply(status, body, dict(headers or {}), **kw)

    @staticmethod
    def _raw(answer: Answer, default_status: int = 200) -> _Reply:
        assert answer.body is not None
        return _Reply(answer.status or default_status, answer.body, dict(answer.headers))


def _options(values: Mapping[str, object]) -> str:
    return "&".join(f"{k}={quote(str(v), safe='')}" for k, v in values.items() if v is not None)


# -- Aliyun -------------------------------------------------------------------------------------


def _aliyun_encode(text: str) -> str:
    out = []
    for byte in text.encode("utf-8"):
        ch = chr(byte)
        out.append(ch if (ch.isascii() and (ch.isalnum() or ch in "-_.~")) else f"%{byte:02X}")
    return "".join(out)


def aliyun_expected_signature(method: str, params: Mapping[str, str], secret: str) -> str:
    """The RPC signature, computed independently of the provider's code."""
    pairs = sorted((k, v) for k, v in params.items() if k != "Signature")
    query = "&".join(_aliyun_encode(k) + "=" + _aliyun_encode(v) for k, v in pairs)
    to_sign = method + "&" + _aliyun_encode("/") + "&" + _aliyun_encode(query)
    mac = hmac.new(f"{secret}&".encode(), to_sign.encode("utf-8"), hashlib.sha1)
    return base64.b64encode(mac.digest()).decode()


class FakeAliyun(FakeServer):
    """Dysmsapi 2017-05-25 ``SendSms`` (RPC: parameters in the query and/or a form body)."""

    vendor = "aliyun"

    def __init__(
        self,
        access_key_id: str = "LTAI5tFakeKeyId",
        access_key_secret: str = "fake/secret+key=",
        *,
        templates: Mapping[str, Sequence[str]] | None = None,
        max_skew: float = 900.0,
    ) -> None:
        super().__init__()
        self.access_key_id = access_key_id
        self.access_key_secret = access_key_secret
        self.templates = dict(templates or {})  # vendor code → parameter names it needs
        self.max_skew = max_skew
        self._nonces: set[str] = set()

    def provider_url(self, **options: object) -> str:
        values: dict[str, object] = {"sign_name": "安信金融", "template_code": "SMS_100001"}
        values.update(options)
        values["endpoint"] = self.url
        values.setdefault("trust_env", 0)  # loopback only: no proxy from the environment
        secret = quote(self.access_key_secret, safe="")
        return f"aliyun://{self.access_key_id}:{secret}@dysmsapi.aliyuncs.com?{_options(values)}"

    def _error(
        self, status: int, code: str, message: str, headers: Mapping[str, str] | None = None
    ) -> _Reply:
        answer = {"Code": code, "Message": message, "RequestId": str(uuid.uuid4()).upper()}
        if status >= 400:
            answer["HostId"] = "dysmsapi.aliyuncs.com"
        return self._json(status, answer, headers)

    def handle(self, request: Recorded) -> _Reply:
        params = dict(request.query)
        if request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            params.update(parse_qsl(request.body.decode("utf-8"), keep_blank_values=True))
        if request.headers.get("authorization", "").startswith("ACS3-HMAC-SHA256 "):
            refusal = self._check_acs3(request, params)
        else:
            refusal = self._check_rpc(request, params)
        if refusal is not None:
            return refusal
        with self._lock:
            if params["SignatureNonce"] in self._nonces:
                return self._error(400, "SignatureNonceUsed", "Specified signature nonce was used already.")
            self._nonces.add(params["SignatureNonce"])
        return self._send(params)

    def _check_time(self, value: str) -> _Reply | None:
        try:
            stamp = datetime.strptime(value, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
        except ValueError:
            return self._error(400, "InvalidTimeStamp.Format", "Specified time stamp is not valid.")
        if abs(self.clock() - stamp.timestamp()) > self.max_skew:
            return self._error(
                400, "InvalidTimeStamp.Expired", "Specified time stamp or date header is expired."
            )
        return None

    def _check_rpc(self, request: Recorded, params: dict[str, str]) -> _Reply | None:
        """The RPC signature (HMAC-SHA1 over the canonical query): what AliyunProvider sends."""
        for name in (
            "AccessKeyId",
            "Signature",
            "SignatureMethod",
            "SignatureNonce",
            "Timestamp",
            "Version",
            "Action",
        ):
            if not params.get(name):
                return self._error(400, f"Missing{name}", f"{name} is mandatory for this action.")
        if params["AccessKeyId"] != self.access_key_id:
            return self._error(404, "InvalidAccessKeyId.NotFound", "Specified access key is not found.")
        if params["SignatureMethod"] != "HMAC-SHA1" or params.get("SignatureVersion", "1.0") != "1.0":
            return self._error(400, "InvalidSignatureMethod", "Specified signature method is not valid.")
        expected = aliyun_expected_signature(request.method, params, self.access_key_secret)
        if not hmac.compare_digest(expected, params["Signature"]):
            return self._error(
                400, "SignatureDoesNotMatch", "Specified signature does not match our calculation."
            )
        return self._check_time(params["Timestamp"])

    def _check_acs3(self, request: Recorded, params: dict[str, str]) -> _Reply | None:
        """The V3 signature (ACS3-HMAC-SHA256 over a canonical request): the SDK's default."""
        match = re.fullmatch(
            r"ACS3-HMAC-SHA256 Credential=([^,]+),SignedHeaders=([a-z0-9;-]+),Signature=([0-9a-f]{64})",
            request.headers["authorization"],
        )
        if match is None:
            return self._error(400, "InvalidAuthorization", "Authorization is malformed.")
        if match[1] != self.access_key_id:
            return self._error(404, "InvalidAccessKeyId.NotFound", "Specified access key is not found.")
        signed = match[2]
        payload_hash = request.headers.get("x-acs-content-sha256", "")
        if payload_hash != hashlib.sha256(request.body).hexdigest():
            return self._error(400, "ContentSHA256NotMatch", "x-acs-content-sha256 does not match the body.")
        query = "&".join(
            _aliyun_encode(k) + "=" + _aliyun_encode(v) for k, v in sorted(request.query.items())
        )
        lines = "".join(f"{name}:{request.headers.get(name, '').strip()}\n" for name in signed.split(";"))
        canonical = "\n".join([request.method, request.path or "/", query, lines, signed, payload_hash])
        to_sign = "ACS3-HMAC-SHA256\n" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()
        expected = hmac.new(self.access_key_secret.encode(), to_sign.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, match[3]):
            return self._error(
                400, "SignatureDoesNotMatch", "Specified signature does not match our calculation."
            )
        for name in ("x-acs-action", "x-acs-version", "x-acs-signature-nonce", "x-acs-date"):
            if name not in signed.split(";"):
                return self._error(400, "SignatureDoesNotMatch", f"{name} must be signed.")
        params.update(
            Action=request.headers["x-acs-action"],
            Version=request.headers["x-acs-version"],
            SignatureNonce=request.headers["x-acs-signature-nonce"],
            Format="JSON",
        )
        return self._check_time(request.headers["x-acs-date"])

    def _send(self, params: dict[str, str]) -> _Reply:
        if params["Version"] != "2017-05-25":
            return self._error(400, "InvalidVersion", "Specified parameter Version is not valid.")
        if params["Action"] != "SendSms":
            return self._error(400, "InvalidAction.NotFound", "Specified api is not found.")
        if params.get("Format", "XML").upper() != "JSON":
            return self._error(400, "InvalidParameter.Format", "this fake answers JSON only")
        for name in ("PhoneNumbers", "SignName", "TemplateCode"):
            if not params.get(name):
                return self._error(400, f"Missing{name}", f"{name} is mandatory for this action.")
        try:
            values = json.loads(params.get("TemplateParam") or "{}")
        except ValueError:
            values = None
        if not isinstance(values, dict):
            return self._error(200, "isv.INVALID_JSON_PARAM", "JSON参数不合法，只接受字符串值")
        needed = self.templates.get(params["TemplateCode"], ())
        if any(name not in values for name in needed):
            return self._error(200, "isv.TEMPLATE_MISSING_PARAMETERS", "模板缺少变量")
        numbers = params["PhoneNumbers"].split(",")
        answer = self._take(*numbers, *(f"+86{n}" if len(n) == 11 else f"+{n}" for n in numbers))
        if answer is not None and answer.body is not None:
            return self._raw(answer)
        if answer is not None and answer.code is not None:
            return self._error(answer.status or 200, answer.code, answer.message, answer.headers)
        biz_id = f"{900619746936498440 + self.next_id()}^0"
        text = "".join(str(v) for v in values.values())
        for number in numbers:
            self._record(
                Sent(
                    biz_id,
                    number,
                    text,
                    params.get("OutId"),
                    params["TemplateCode"],
                    {"sign_name": params["SignName"], "params": values},
                )
            )
        body = {"Code": "OK", "Message": "OK", "BizId": biz_id, "RequestId": str(uuid.uuid4()).upper()}
        reply = self._json(200, body)
        if answer is not None:
            reply.delay, reply.drop = answer.delay, answer.drop
        return reply

    # -- callbacks ----------------------------------------------------------------------------

    def status_payload(
        self,
        sent: Sent,
        *,
        success: bool = True,
        err_code: str = "DELIVERED",
        err_msg: str = "用户接收成功",
        report_time: datetime | None = None,
    ) -> dict[str, Any]:
        """One SmsReport item for ``sent``."""
        return {
            "phone_number": sent.to,
            "send_time": _shanghai(report_time and report_time - timedelta(seconds=5)),
            "report_time": _shanghai(report_time),
            "success": success,
            "err_code": err_code,
            "err_msg": err_msg,
            "sms_size": "1",
            "biz_id": sent.provider_id,
            "out_id": sent.reference or "",
        }

    def status_request(self, url: str, sent: Sent | Sequence[Sent], **kwargs: Any) -> CallbackRequest:
        """The SmsReport push (a JSON array) for one or several messages, to ``url``."""
        items = [sent] if isinstance(sent, Sent) else list(sent)
        return json_request(url, [self.status_payload(s, **kwargs) for s in items])

    def reply_payload(
        self,
        number: str,
        text: str,
        *,
        dest_code: str = "1234",
        sequence_id: int | str = 1,
        send_time: datetime | None = None,
        sign_name: str = "安信金融",
    ) -> dict[str, Any]:
        """One SmsUp item: ``number`` in national digits for +86."""
        digits = number.removeprefix("+")
        digits = digits[2:] if number.startswith("+86") else digits
        return {
            "phone_number": digits,
            "send_time": _shanghai(send_time),
            "content": text,
            "sign_name": sign_name,
            "dest_code": dest_code,
            "sequence_id": sequence_id,
        }

    def reply_request(self, url: str, number: str, text: str, **kwargs: Any) -> CallbackRequest:
        return json_request(url, [self.reply_payload(number, text, **kwargs)])


# -- Tencent ------------------------------------------------------------------------------------

_TC3 = re.compile(
    r"^TC3-HMAC-SHA256 Credential=(?P<id>[^/]+)/(?P<date>\d{4}-\d{2}-\d{2})/(?P<service>[a-z]+)/tc3_request,"
    r"\s*SignedHeaders=(?P<headers>[a-z0-9;-]+),\s*Signature=(?P<sig>[0-9a-f]{64})$"
)


def tencent_expected_signature(
    secret_key: str,
    method: str,
    path: str,
    query: str,
    headers: Mapping[str, str],
    signed: str,
    body: bytes,
    stamp: str,
    date: str,
    service: str,
) -> str:
    """The TC3-HMAC-SHA256 signature, computed independently of the provider's code."""
    canonical_headers = ""
    for name in signed.split(";"):
        canonical_headers += name + ":" + headers.get(name, "").strip().lower() + "\n"
    canonical = "\n".join([method, path, query, canonical_headers, signed, hashlib.sha256(body).hexdigest()])
    scope = f"{date}/{service}/tc3_request"
    to_sign = "\n".join(["TC3-HMAC-SHA256", stamp, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    key = ("TC3" + secret_key).encode()
    for part in (date, service, "tc3_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()


def _split_e164(number: str) -> tuple[str, str]:
    parsed = phonenumbers.parse(number if number.startswith("+") else "+" + number)
    return str(parsed.country_code), str(parsed.national_number)


class FakeTencent(FakeServer):
    """Tencent Cloud SMS 2021-01-11 ``SendSms`` (JSON POST signed with TC3-HMAC-SHA256)."""

    vendor = "tencent"

    def __init__(
        self,
        secret_id: str = "AKIDFakeSecretId",
        secret_key: str = "FakeSecretKey+/=",
        sdk_app_id: str = "1400000001",
        *,
        max_skew: float = 300.0,
    ) -> None:
        super().__init__()
        self.secret_id = secret_id
        self.secret_key = secret_key
        self.sdk_app_id = sdk_app_id
        self.max_skew = max_skew

    def provider_url(self, **options: object) -> str:
        values: dict[str, object] = {
            "sdk_app_id": self.sdk_app_id,
            "sign_name": "安信金融",
            "template_id": "100001",
        }
        values.update(options)
        values["endpoint"] = self.url
        values.setdefault("trust_env", 0)  # loopback only: no proxy from the environment
        secret = quote(self.secret_key, safe="")
        return f"tencent://{self.secret_id}:{secret}@sms.tencentcloudapi.com?{_options(values)}"

    def _error(
        self, code: str, message: str, status: int = 200, headers: Mapping[str, str] | None = None
    ) -> _Reply:
        answer = {"Response": {"Error": {"Code": code, "Message": message}, "RequestId": str(uuid.uuid4())}}
        return self._json(status, answer, headers)

    def handle(self, request: Recorded) -> _Reply:
        if request.method != "POST":
            return self._error("InvalidParameter", "this fake takes POST only")
        match = _TC3.match(request.headers.get("authorization", ""))
        if match is None:
            return self._error("AuthFailure.InvalidAuthorization", "Authorization is not TC3-HMAC-SHA256")
        if match["id"] != self.secret_id:
            return self._error("AuthFailure.SecretIdNotFound", "the SecretId is not found")
        stamp = request.headers.get("x-tc-timestamp", "")
        if not stamp.isdigit():
            return self._error("MissingParameter", "X-TC-Timestamp is required")
        if abs(self.clock() - int(stamp)) > self.max_skew:
            return self._error("AuthFailure.SignatureExpire", "the signature expired (clock skew)")
        date = datetime.fromtimestamp(int(stamp), UTC).strftime("%Y-%m-%d")
        signed = match["headers"]
        if match["date"] != date or {"content-type", "host"} - set(signed.split(";")):
            return self._error("AuthFailure.SignatureFailure", "credential date or signed headers are wrong")
        expected = tencent_expected_signature(
            self.secret_key,
            "POST",
            request.path,
            "",
            request.headers,
            signed,
            request.body,
            stamp,
            date,
            match["service"],
        )
        if match["service"] != "sms" or not hmac.compare_digest(expected, match["sig"]):
            return self._error("AuthFailure.SignatureFailure", "the signature does not match")
        if request.headers.get("x-tc-action", "").lower() != "sendsms":
            return self._error("InvalidAction", "the action does not exist")
        if request.headers.get("x-tc-version") != "2021-01-11":
            return self._error("NoSuchVersion", "the version does not exist")
        try:
            body = json.loads(request.body.decode("utf-8"))
        except ValueError:
            return self._error("InvalidParameter", "the body is not JSON")
        numbers = body.get("PhoneNumberSet")
        if not isinstance(numbers, list) or not numbers or not all(isinstance(n, str) for n in numbers):
            return self._error("MissingParameter", "PhoneNumberSet is required")
        if body.get("SmsSdkAppId") != self.sdk_app_id:
            return self._error("InvalidParameterValue.SdkAppIdNotExist", "SmsSdkAppId does not exist")
        if not body.get("TemplateId"):
            return self._error("MissingParameter", "TemplateId is required")
        params = body.get("TemplateParamSet") or []
        if not isinstance(params, list) or not all(isinstance(p, str) for p in params):
            return self._error(
                "InvalidParameterValue.TemplateParameterFormatError", "TemplateParamSet must be texts"
            )
        whole = self._pop_next()
        if whole is not None and whole.body is not None:
            return self._raw(whole)
        if whole is not None and whole.code is not None:
            return self._error(whole.code, whole.message, whole.status or 200, whole.headers)
        statuses = []
        for number in numbers:
            e164 = number if number.startswith("+") else "+86" + number
            nation, _ = _split_e164(e164)
            iso = phonenumbers.region_code_for_country_code(int(nation))
            refusal = self._for_number(number, e164, e164.removeprefix("+86"))
            entry: dict[str, Any] = {
                "SerialNo": "",
                "PhoneNumber": e164,
                "Fee": 0,
                "SessionContext": body.get("SessionContext", ""),
                "Code": "Ok",
                "Message": "send success",
                "IsoCode": iso,
            }
            if refusal is not None and refusal.code is not None:
                entry.update(Code=refusal.code, Message=refusal.message)
            else:
                entry.update(SerialNo=f"2640:{3370000000000000000 + self.next_id()}", Fee=1)
                self._record(
                    Sent(
                        entry["SerialNo"],
                        e164,
                        "".join(params),
                        body.get("SessionContext"),
                        str(body["TemplateId"]),
                        {"sign_name": body.get("SignName"), "params": params},
                    )
                )
            statuses.append(entry)
        reply = self._json(200, {"Response": {"SendStatusSet": statuses, "RequestId": str(uuid.uuid4())}})
        if whole is not None:
            reply.delay, reply.drop = whole.delay, whole.drop
        return reply

    # -- callbacks ----------------------------------------------------------------------------

    def status_payload(
        self,
        sent: Sent,
        *,
        success: bool = True,
        errmsg: str = "DELIVRD",
        description: str = "用户短信送达成功",
        receive_time: datetime | None = None,
    ) -> dict[str, Any]:
        nation, mobile = _split_e164(sent.to)
        return {
            "user_receive_time": _shanghai(receive_time),
            "nationcode": nation,
            "mobile": mobile,
            "report_status": "SUCCESS" if success else "FAIL",
            "errmsg": errmsg,
            "description": description,
            "sid": sent.provider_id,
        }

    def status_request(self, url: str, sent: Sent | Sequence[Sent], **kwargs: Any) -> CallbackRequest:
        """The status callback (a JSON array) for one or several messages, to ``url``."""
        items = [sent] if isinstance(sent, Sent) else list(sent)
        return json_request(url, [self.status_payload(s, **kwargs) for s in items])

    def reply_payload(
        self, number: str, text: str, *, extend: str = "", sign: str = "安信金融", at: datetime | None = None
    ) -> dict[str, Any]:
        nation, mobile = _split_e164(number)
        return {
            "extend": extend,
            "mobile": mobile,
            "nationcode": nation,
            "sign": sign,
            "text": text,
            "time": int((at or datetime.now(UTC)).timestamp()),
        }

    def reply_request(self, url: str, number: str, text: str, **kwargs: Any) -> CallbackRequest:
        """The reply callback (one JSON object), to ``url``."""
        return json_request(url, self.reply_payload(number, text, **kwargs))


# -- Twilio -------------------------------------------------------------------------------------


def twilio_expected_signature(token: str, url: str, params: Iterable[tuple[str, str]]) -> str:
    """X-Twilio-Signature, computed independently of the provider's code."""
    grouped: dict[str, list[str]] = {}
    for name, value in params:
        grouped.setdefault(name, []).append(value)
    data = url
    for name in sorted(grouped):
        for value in sorted(set(grouped[name])):
            data += name + value
    return base64.b64encode(hmac.new(token.encode(), data.encode("utf-8"), hashlib.sha1).digest()).decode()


class FakeTwilio(FakeServer):
    """Twilio's Messages API (``POST /2010-04-01/Accounts/{Sid}/Messages.json``, basic auth)."""

    vendor = "twilio"

    def __init__(
        self, account_sid: str = "AC" + "f" * 32, auth_token: str = "fake-auth-token-0123456789abcdef"
    ) -> None:
        super().__init__()
        self.account_sid = account_sid
        self.auth_token = auth_token

    def provider_url(self, **options: object) -> str:
        values: dict[str, object] = {"from": "+15005550006"}
        values.update(options)
        values["endpoint"] = self.url
        values.setdefault("trust_env", 0)  # loopback only: no proxy from the environment
        return (
            f"twilio://{self.account_sid}:{quote(self.auth_token, safe='')}@api.twilio.com?{_options(values)}"
        )

    def _error(
        self, status: int, code: int | str, message: str, headers: Mapping[str, str] | None = None
    ) -> _Reply:
        numeric = int(code) if str(code).isdigit() else code
        body = {
            "code": numeric,
            "message": message,
            "more_info": f"https://www.twilio.com/docs/errors/{code}",
            "status": status,
        }
        return self._json(status, body, headers)

    def handle(self, request: Recorded) -> _Reply:
        match = re.fullmatch(r"/2010-04-01/Accounts/([^/]+)/Messages\.json", request.path)
        if match is None or request.method != "POST":
            return self._error(404, 20404, "The requested resource was not found")
        auth = request.headers.get("authorization", "")
        try:
            user, _, token = base64.b64decode(auth.removeprefix("Basic ")).decode().partition(":")
        except ValueError:
            user = token = ""
        if not auth.startswith("Basic ") or user != self.account_sid or token != self.auth_token:
            return self._error(401, 20003, "Authenticate")
        if unquote(match[1]) != self.account_sid:
            return self._error(403, 20003, "the account in the URL is not the authenticated one")
        form = request.form()
        if not form.get("To"):
            return self._error(400, 21604, "A 'To' phone number is required.")
        if not form.get("Body"):
            return self._error(400, 21602, "Message body is required.")
        if not form.get("From") and not form.get("MessagingServiceSid"):
            return self._error(400, 21603, "A 'From' phone number is required.")
        answer = self._take(form["To"])
        if answer is not None and answer.body is not None:
            return self._raw(answer, 400)
        if answer is not None and answer.code is not None:
            status = answer.status or (429 if answer.code == "20429" else 400)
            return self._error(status, answer.code, answer.message, answer.headers)
        sid = "SM" + uuid.uuid4().hex
        now = format_datetime(datetime.now(UTC), usegmt=True)
        self._record(
            Sent(sid, form["To"], form["Body"], None, None, {"from": form.get("From"), "form": form})
        )
        uri = f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}.json"
        body = {
            "account_sid": self.account_sid,
            "api_version": "2010-04-01",
            "body": form["Body"],
            "date_created": now,
            "date_sent": None,
            "date_updated": now,
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": form.get("From"),
            "messaging_service_sid": form.get("MessagingServiceSid"),
            "num_media": "0",
            "num_segments": "1",
            "price": None,
            "price_unit": "USD",
            "sid": sid,
            "status": "queued" if form.get("From") else "accepted",
            "subresource_uris": {"media": uri.replace(".json", "/Media.json")},
            "to": form["To"],
            "uri": uri,
        }
        reply = self._json(201, body)
        if answer is not None:
            reply.delay, reply.drop = answer.delay, answer.drop
        return reply

    # -- callbacks ----------------------------------------------------------------------------

    def sign(self, url: str, params: Mapping[str, str] | Iterable[tuple[str, str]]) -> str:
        pairs = params.items() if isinstance(params, Mapping) else params
        return twilio_expected_signature(self.auth_token, url, pairs)

    def signed_request(self, url: str, params: Mapping[str, str]) -> CallbackRequest:
        """``params`` posted as a form to ``url`` with a valid X-Twilio-Signature."""
        return form_request(url, params, {"x-twilio-signature": self.sign(url, params)})

    def status_params(
        self,
        sent: Sent,
        status: str = "delivered",
        *,
        error_code: str | None = None,
        raw_dlr_done_date: str | None = None,
    ) -> dict[str, str]:
        params = {
            "AccountSid": self.account_sid,
            "ApiVersion": "2010-04-01",
            "From": str(sent.extra.get("from") or "+15005550006"),
            "MessageSid": sent.provider_id,
            "MessageStatus": status,
            "SmsSid": sent.provider_id,
            "SmsStatus": status,
            "To": sent.to,
        }
        if error_code is not None:
            params["ErrorCode"] = error_code
        if status == "delivered":
            params["RawDlrDoneDate"] = raw_dlr_done_date or datetime.now(UTC).strftime("%y%m%d%H%M")
        return params

    def status_request(
        self, url: str, sent: Sent, status: str = "delivered", **kwargs: Any
    ) -> CallbackRequest:
        """A signed status callback for ``sent``, to ``url``."""
        return self.signed_request(url, self.status_params(sent, status, **kwargs))

    def inbound_params(
        self, sender: str, body: str, *, to: str = "+15005550006", message_sid: str | None = None
    ) -> dict[str, str]:
        sid = message_sid or "SM" + uuid.uuid4().hex
        return {
            "ToCountry": "US",
            "ToState": "CA",
            "SmsMessageSid": sid,
            "NumMedia": "0",
            "ToCity": "",
            "FromZip": "",
            "SmsSid": sid,
            "FromState": "",
            "SmsStatus": "received",
            "FromCity": "",
            "Body": body,
            "FromCountry": "US",
            "To": to,
            "MessagingServiceSid": "",
            "ToZip": "",
            "NumSegments": "1",
            "MessageSid": sid,
            "AccountSid": self.account_sid,
            "From": sender,
            "ApiVersion": "2010-04-01",
        }

    def inbound_request(self, url: str, sender: str, body: str, **kwargs: Any) -> CallbackRequest:
        """A signed inbound-message webhook from ``sender``, to ``url``."""
        return self.signed_request(url, self.inbound_params(sender, body, **kwargs))


# -- the generic aggregator ---------------------------------------------------------------------


def aggregator_signature(secret: str, stamp: str, body: bytes) -> str:
    return hmac.new(secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()


class FakeAggregator(FakeServer):
    """A JSON aggregator as ``webhook://`` describes one: ``{to, text, message_id}`` in, ``{id}`` out,
    or ``{messages: [...]}`` in, ``{results: [{message_id, id} | {message_id, code, message}]}`` out;
    refusals as ``{code, message}``; bearer or HMAC (``X-Signature``) authentication."""

    vendor = "webhook"

    def __init__(
        self,
        secret: str = "fake-hook-secret",
        *,
        auth: str = "hmac",
        path: str = "/send",
        to_field: str = "to",
        text_field: str = "text",
        id_field: str = "message_id",
        max_skew: float = 300.0,
    ) -> None:
        super().__init__()
        self.secret = secret
        self.auth = auth
        self.path = path
        self.to_field, self.text_field, self.id_field = to_field, text_field, id_field
        self.max_skew = max_skew

    def provider_url(self, **options: object) -> str:
        values: dict[str, object] = {"secret": self.secret, "auth": self.auth}
        if self.to_field != "to":
            values["to_field"] = self.to_field
        if self.text_field != "text":
            values["text_field"] = self.text_field
        if self.id_field != "message_id":
            values["id_field"] = self.id_field
        values.update(options)
        values["endpoint"] = self.url + self.path
        values.setdefault("trust_env", 0)  # loopback only: no proxy from the environment
        return f"webhook://sms.example.com{self.path}?{_options(values)}"

    def _authorised(self, request: Recorded) -> str | None:
        """Why the request is refused, or None."""
        if self.auth == "bearer":
            given = request.headers.get("authorization", "")
            return None if hmac.compare_digest(given, f"Bearer {self.secret}") else "bad bearer token"
        if self.auth == "hmac":
            stamp = request.headers.get("x-signature-timestamp", "")
            given = request.headers.get("x-signature", "").removeprefix("sha256=")
            if not stamp.isdigit() or abs(self.clock() - int(stamp)) > self.max_skew:
                return "timestamp missing or too far from now"
            expected = aggregator_signature(self.secret, stamp, request.body)
            return None if hmac.compare_digest(expected, given) else "bad signature"
        return None

    def _one(self, item: Mapping[str, Any], answer: Answer | None) -> dict[str, Any]:
        ref = item.get(self.id_field)
        if answer is not None and answer.code is not None:
            return {self.id_field: ref, "code": answer.code, "message": answer.message}
        provider_id = f"agg-{self.next_id():06d}"
        self._record(Sent(provider_id, str(item.get(self.to_field)), str(item.get(self.text_field)), ref))
        return {self.id_field: ref, "id": provider_id, "status": "queued"}

    def handle(self, request: Recorded) -> _Reply:
        if request.path != self.path or request.method != "POST":
            return self._json(404, {"code": "NOT_FOUND", "message": "no such endpoint"})
        problem = self._authorised(request)
        if problem is not None:
            return self._json(401, {"code": "AUTH", "message": problem})
        try:
            body = request.json()
        except ValueError:
            return self._json(400, {"code": "BAD_JSON", "message": "the body is not JSON"})
        whole = self._pop_next()
        if whole is not None and whole.body is not None:
            return self._raw(whole)
        if whole is not None and whole.code is not None:
            return self._json(
                whole.status or 200, {"code": whole.code, "message": whole.message}, whole.headers
            )
        if isinstance(body, dict) and isinstance(body.get("messages"), list):
            results = [
                self._one(item, self._for_number(str(item.get(self.to_field)))) for item in body["messages"]
            ]
            reply = self._json(200, {"results": results})
        else:
            if not isinstance(body, dict) or not body.get(self.to_field) or self.text_field not in body:
                return self._json(400, {"code": "BAD_REQUEST", "message": "to and text are required"})
            refusal = self._for_number(str(body[self.to_field]))
            if refusal is not None and refusal.code is not None:
                answer = {"code": refusal.code, "message": refusal.message}
                return self._json(refusal.status or 200, answer, refusal.headers)
            result = self._one(body, None)
            reply = self._json(200, {"id": result["id"], "status": "queued"})
        if whole is not None:
            reply.delay, reply.drop = whole.delay, whole.drop
        return reply

    # -- callbacks ----------------------------------------------------------------------------

    def signed(self, url: str, payload: object, *, timestamp: int | None = None) -> CallbackRequest:
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        stamp = str(int(time.time()) if timestamp is None else timestamp)
        headers = {
            "content-type": "application/json",
            "x-signature-timestamp": stamp,
            "x-signature": "sha256=" + aggregator_signature(self.secret, stamp, body),
        }
        return CallbackRequest("POST", url, headers, body)

    def status_payload(
        self,
        sent: Sent,
        status: str = "delivered",
        *,
        error_code: str | None = None,
        at: datetime | None = None,
    ) -> dict[str, Any]:
        return {
            "id": sent.provider_id,
            "status": status,
            "time": (at or datetime.now(UTC)).isoformat(),
            "error_code": error_code,
            "to": sent.to,
        }

    def status_request(
        self,
        url: str,
        sent: Sent | Sequence[Sent],
        status: str = "delivered",
        *,
        timestamp: int | None = None,
        **kwargs: Any,
    ) -> CallbackRequest:
        """A signed status callback (an array) for one or several messages."""
        items = [sent] if isinstance(sent, Sent) else list(sent)
        return self.signed(
            url, [self.status_payload(s, status, **kwargs) for s in items], timestamp=timestamp
        )

    def reply_payload(
        self,
        number: str,
        text: str,
        *,
        to: str = "10690000",
        reply_id: str | None = None,
        at: datetime | None = None,
    ) -> dict[str, Any]:
        return {
            "id": reply_id or f"mo-{self.next_id()}",
            "from": number,
            "to": to,
            "text": text,
            "time": int((at or datetime.now(UTC)).timestamp()),
        }

    def reply_request(
        self, url: str, number: str, text: str, *, timestamp: int | None = None, **kwargs: Any
    ) -> CallbackRequest:
        """A signed reply callback (one object)."""
        return self.signed(url, self.reply_payload(number, text, **kwargs), timestamp=timestamp)


def submit(
    provider: SmsProvider, batch: Sequence[OutgoingSms], now: datetime | None = None
) -> list[SubmitOutcome]:
    """Open ``provider``, offer ``batch``, close it (a fresh event loop), and return the outcomes."""

    async def run() -> list[SubmitOutcome]:
        async with provider:
            return await provider.submit_batch(batch, now=now or datetime.now(UTC))

    return asyncio.run(run())
