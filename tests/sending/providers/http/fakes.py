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
