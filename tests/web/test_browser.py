"""The dashboard in a real browser: Debian's Chromium driven by Playwright, against a real server on
loopback. Every page renders without console errors; a screenshot per page passes a size and
content check; click-throughs approve a template, close a task and record a promise."""

from __future__ import annotations

import os
import shutil
import struct
from datetime import timedelta
from pathlib import Path

import pytest

from dunning.access import Role
from dunning.core.clock import utcnow
from tests.api.conftest import Api
from tests.serving import serve

CHROMIUM = "/usr/bin/chromium"

if not Path(CHROMIUM).exists() or shutil.which("chromium") is None:
    if os.environ.get("CI"):
        pytest.fail("Chromium is required in CI: apt-get install chromium (.ci/run does)", pytrace=False)
    pytest.skip(
        f"browser tests skipped: {CHROMIUM} not installed (apt-get install chromium)", allow_module_level=True
    )

playwright = pytest.importorskip("playwright.sync_api")

PAGES = {
    "/": "kpi-planned",
    "/kpis": "roll-table",
    "/kpis/definitions": "入催率",
    "/debtors": "D001",
    "/debtors/D002": "D002",
    "/tasks": "phone_collection",
    "/tasks/1": "phone_collection",
    "/replies": "",
    "/promises": "",
    "/templates": "cn-due",
    "/templates/cn-due/3": "draft",
    "/strategy": "cn-default",
}


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_pages_and_click_throughs_in_chromium(site: Api, tmp_path: Path) -> None:
    errors: list[str] = []
    with serve(site.client.app) as base, playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="zh-CN")
            page.on("console", lambda m: errors.append(f"{m.type}: {m.text}") if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(f"pageerror: {e}"))

            def sign_in(role: Role) -> None:
                page.goto(f"{base}/login")
                page.fill("#key", site.keys[role])
                page.click("#login-button")
                page.wait_for_url(f"{base}/")

            sign_in(Role.COMPLIANCE)
            for path, expected in PAGES.items():
                response = page.goto(f"{base}{path}")
                assert response is not None and response.status == 200, path
                html = page.content()
                assert expected in html, path
                shot = page.screenshot(full_page=False)
                width, height = _png_size(shot)
                assert (width, height) == (1280, 900) and len(shot) > 10_000, path
                (tmp_path / f"{path.strip('/').replace('/', '_') or 'today'}.png").write_bytes(shot)
            planned = page.goto(f"{base}/")
            assert planned is not None
            assert page.inner_text("#kpi-planned") == str(site.get("/v1/reports/day").json()["planned"])
            # The day's figures refresh themselves while the worker sends.
            with page.expect_response(lambda r: "/fragments/today" in r.url, timeout=8000) as refreshed:
                pass
            assert refreshed.value.status == 200 and page.inner_text("#kpi-planned")

            page.goto(f"{base}/templates/cn-due/3")  # blocked (no creditor): compliance gives a reason
            assert page.get_attribute("#outcome", "data-outcome") == "blocked"
            page.fill("#approve-reason", "品牌即债权人 / the brand is the creditor")
            page.click("#approve")
            page.wait_for_selector("#template-state")
            assert page.inner_text("#template-state") == "approved"

            page.click("text=退出")
            sign_in(Role.OPERATOR)
            page.goto(f"{base}/tasks/1")
            page.click("#claim")
            page.wait_for_selector("#close")
            page.select_option("#outcome", "PTP")
            page.fill("#promise_amount", "300.00")
            page.fill("#promise_date", (utcnow() + timedelta(days=4)).date().isoformat())
            page.click("#close")
            page.wait_for_selector(".flash")
            assert "closed" in page.content()
        finally:
            browser.close()
    assert errors == []
    promises = site.get("/v1/promises").json()["items"]
    assert promises and promises[0]["debtor_id"] == "D002" and promises[0]["amount_minor"] == 30_000
