"""Loopback test doubles of vendor SMS APIs, following their documented request and response
formats (REFERENCE.md §2), served by a real HTTP server on 127.0.0.1 in a thread."""

from __future__ import annotations

import base64
import itertools
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


@contextmanager
def serve(app: Any) -> Iterator[str]:
    """Run an ASGI app on a free loopback port; yields its base URL."""
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(500):
        if server.started and server.servers:
            break
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=5)


@dataclass
class FakeTwilio:
    """``POST /2010-04-01/Accounts/{sid}/Messages.json``: basic auth, form fields To/Body/From (or
    MessagingServiceSid), 201 with a message resource; errors as Twilio's error JSON. A number in
    ``fail`` answers with that error code (HTTP 400, or 429 for 20429)."""

    account_sid: str = "AC" + "0" * 32
    auth_token: str = "secret-token"
    fail: dict[str, str] = field(default_factory=dict)
    requests: list[dict[str, str]] = field(default_factory=list)
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def app(self) -> Starlette:
        return Starlette(
            routes=[Route("/2010-04-01/Accounts/{sid}/Messages.json", self._create, methods=["POST"])]
        )

    async def _create(self, request: Request) -> JSONResponse:
        expected = "Basic " + base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        if request.headers.get("authorization") != expected or request.path_params["sid"] != self.account_sid:
            return JSONResponse({"code": 20003, "message": "Authenticate", "status": 401}, status_code=401)
        form = {k: str(v) for k, v in (await request.form()).items()}
        self.requests.append(form)
        if "To" not in form or "Body" not in form or not ({"From", "MessagingServiceSid"} & form.keys()):
            return JSONResponse(
                {"code": 21604, "message": "A 'To' phone number is required.", "status": 400}, 400
            )
        code = self.fail.get(form["To"])
        if code is not None:
            status = 429 if code == "20429" else 400
            headers = {"Retry-After": "2"} if status == 429 else None
            return JSONResponse(
                {"code": int(code), "message": f"error {code}", "status": status}, status, headers
            )
        sid = f"SM{next(self._ids):032x}"
        return JSONResponse(
            {
                "sid": sid,
                "status": "queued",
                "to": form["To"],
                "from": form.get("From"),
                "body": form["Body"],
                "account_sid": self.account_sid,
                "num_segments": "1",
                "error_code": None,
                "error_message": None,
                "api_version": "2010-04-01",
                "uri": f"/2010-04-01/Accounts/{self.account_sid}/Messages/{sid}.json",
            },
            status_code=201,
        )

    def status_form(self, sid: str, to: str, status: str = "delivered", error: str = "") -> dict[str, str]:
        """A status callback's parameters, as Twilio posts them."""
        form = {
            "AccountSid": self.account_sid,
            "ApiVersion": "2010-04-01",
            "From": "+15550001111",
            "To": to,
            "MessageSid": sid,
            "SmsSid": sid,
            "MessageStatus": status,
            "SmsStatus": status,
        }
        if error:
            form["ErrorCode"] = error
        if status == "delivered":
            form["RawDlrDoneDate"] = "2612020130"
        return form

    def inbound_form(self, sender: str, body: str, sid: str = "SM" + "f" * 32) -> dict[str, str]:
        return {
            "AccountSid": self.account_sid,
            "ApiVersion": "2010-04-01",
            "MessageSid": sid,
            "SmsSid": sid,
            "SmsMessageSid": sid,
            "From": sender,
            "To": "+15550001111",
            "Body": body,
            "NumMedia": "0",
            "NumSegments": "1",
            "SmsStatus": "received",
            "FromCountry": "US",
            "ToCountry": "US",
        }


@dataclass
class FakeAliyun:
    """Dysmsapi ``SendSms`` at ``POST /``: RPC parameters (form or query) with a valid v1 signature
    (checked), or — what the official SDK v4 sends — an ``x-acs-action`` request (its ACS3 signature
    is not re-computed here; its business parameters are checked the same way). Answers the
    documented ``{"Code": "OK", "BizId": …}``; a number in ``fail`` gets that Code."""

    key_id: str = "LTAI-test"
    secret: str = "aliyun-secret"
    fail: dict[str, str] = field(default_factory=dict)
    requests: list[dict[str, str]] = field(default_factory=list)
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(100))

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/", self._send, methods=["POST", "GET"])])

    async def _send(self, request: Request) -> JSONResponse:
        from dunning.sending.providers.http.aliyun import rpc_signature

        params = {k: str(v) for k, v in request.query_params.items()}
        params.update({k: str(v) for k, v in (await request.form()).items()})
        if "x-acs-action" in request.headers:
            params.setdefault("Action", request.headers["x-acs-action"])
        elif params.get("AccessKeyId") != self.key_id or params.pop("Signature", None) != rpc_signature(
            self.secret, request.method, {k: v for k, v in params.items()}
        ):
            return JSONResponse(
                {
                    "Code": "SignatureDoesNotMatch",
                    "Message": "Specified signature is not matched",
                    "RequestId": "R0",
                },
                status_code=400,
            )
        self.requests.append(params)
        missing = [k for k in ("PhoneNumbers", "SignName", "TemplateCode") if not params.get(k)]
        if params.get("Action") != "SendSms" or missing:
            return JSONResponse(
                {"Code": "MissingParameter", "Message": f"missing {missing}", "RequestId": "R1"}, 400
            )
        code = self.fail.get(params["PhoneNumbers"])
        if code is not None:
            return JSONResponse({"Code": code, "Message": code, "RequestId": "R2"})
        return JSONResponse(
            {"Code": "OK", "Message": "OK", "BizId": f"{next(self._ids)}^0", "RequestId": "R3"}
        )


@dataclass
class FakeTencent:
    """SendSms 2021-01-11 at ``POST /``: checks the TC3-HMAC-SHA256 ``Authorization`` header (the same
    check for our requests and the official SDK's), answers ``Response.SendStatusSet`` with per-number
    codes (HTTP 200) or ``Response.Error`` for a bad signature."""

    secret_id: str = "AKID-test"
    secret_key: str = "tencent-secret"
    fail: dict[str, str] = field(default_factory=dict)
    requests: list[dict[str, Any]] = field(default_factory=list)
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/", self._send, methods=["POST"])])

    async def _send(self, request: Request) -> JSONResponse:
        import json as _json

        from dunning.sending.providers.http.tencent import tc3_authorization

        payload = await request.body()
        stamp = int(request.headers.get("x-tc-timestamp", "0"))
        expected = tc3_authorization(
            self.secret_id,
            self.secret_key,
            host=request.headers.get("host", ""),
            content_type=request.headers.get("content-type", ""),
            payload=payload,
            timestamp=stamp,
        )
        if (
            request.headers.get("authorization") != expected
            or request.headers.get("x-tc-action") != "SendSms"
        ):
            return JSONResponse(
                {
                    "Response": {
                        "Error": {"Code": "AuthFailure.SignatureFailure", "Message": "signature mismatch"},
                        "RequestId": "r0",
                    }
                }
            )
        body = _json.loads(payload)
        self.requests.append(body)
        statuses = []
        for number in body.get("PhoneNumberSet", []):
            code = self.fail.get(number, "Ok")
            statuses.append(
                {
                    "SerialNo": f"2433:{next(self._ids):020d}" if code == "Ok" else "",
                    "PhoneNumber": number,
                    "Fee": 1 if code == "Ok" else 0,
                    "SessionContext": body.get("SessionContext", ""),
                    "Code": code,
                    "Message": "send success" if code == "Ok" else code,
                    "IsoCode": "CN",
                }
            )
        return JSONResponse({"Response": {"SendStatusSet": statuses, "RequestId": "r1"}})


@dataclass
class FakeAggregator:
    """A generic aggregator for ``webhook://``: checks the HMAC signature, answers ``{"id": …}``, or
    ``{"code": …}`` with HTTP 400 for a number in ``fail``."""

    secret: str = "agg-secret"
    fail: dict[str, str] = field(default_factory=dict)
    requests: list[dict[str, Any]] = field(default_factory=list)
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/send", self._send, methods=["POST"])])

    async def _send(self, request: Request) -> JSONResponse:
        import json as _json

        from dunning.sending.providers.http.webhook import webhook_signature

        body = await request.body()
        stamp = request.headers.get("x-dunning-timestamp", "")
        if request.headers.get("x-dunning-signature") != webhook_signature(self.secret, stamp, body):
            return JSONResponse({"code": "AUTH"}, status_code=401)
        data = _json.loads(body)
        self.requests.append(data)
        code = self.fail.get(data["to"])
        if code is not None:
            return JSONResponse({"code": code}, status_code=400)
        return JSONResponse({"id": f"agg-{next(self._ids)}"})
