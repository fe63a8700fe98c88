"""Every page for the roles that may see it; sign-in, sign-out, language, CSRF, role-aware buttons."""

from __future__ import annotations

import re

from dunning.access import Role
from tests.api.conftest import Api
from tests.web.conftest import login

PAGES = [
    "/", "/kpis", "/kpis/definitions", "/fragments/today", "/debtors", "/debtors/D001", "/tasks", "/tasks/1",
    "/replies", "/promises", "/templates", "/templates/cn-due/3", "/strategy", "/segments",
]  # fmt: skip


def test_pages_need_a_signed_in_operator(site: Api) -> None:
    for page in PAGES:
        response = site.client.get(page, follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"].startswith("/login")
    bad = site.client.post("/login", data={"key": "dk_nope", "next": "/"})
    assert bad.status_code == 401 and "API 密钥无效" in bad.text


def test_every_role_sees_every_page_in_its_language(site: Api) -> None:
    for role in Role:
        site.client.cookies.clear()
        login(site, role)
        for page in PAGES:
            response = site.client.get(page, headers={"Accept-Language": "en-GB,en;q=0.9"})
            assert response.status_code == 200, (role, page, response.text[:300])
            assert "Traceback" not in response.text
        english = site.client.get("/", headers={"Accept-Language": "en"}).text
        assert 'lang="en"' in english and "Debtors in scope" in english
        chinese = site.client.get("/", headers={"Accept-Language": "zh-CN"}).text
        assert 'lang="zh-CN"' in chinese and "在催债务人" in chinese


def test_the_toggle_overrides_the_browser(site: Api) -> None:
    login(site, Role.AUDITOR)
    site.client.get("/lang/en", headers={"Referer": "/"})
    assert "Debtors in scope" in site.client.get("/", headers={"Accept-Language": "zh"}).text


def test_today_shows_the_day_figures_and_a_table_for_each_chart(site: Api) -> None:
    login(site, Role.SUPERVISOR)
    page = site.client.get("/").text
    planned = int(re.search(r'id="kpi-planned">(\d+)', page).group(1))  # type: ignore[union-attr]
    assert planned == site.get("/v1/reports/day").json()["planned"] > 0
    assert page.count("<svg") >= 1 and page.count('<table class="numbers">') == 3
    csv = site.client.get("/?csv=funnel")
    assert csv.headers["content-type"].startswith("text/csv") and "funnel_planned" in csv.text


def test_buttons_follow_the_role_and_posts_check_it_again(site: Api) -> None:
    login(site, Role.AUDITOR)
    page = site.client.get("/templates/cn-due/3").text
    assert 'id="approve"' not in page and 'id="claim"' not in site.client.get("/tasks/1").text
    token = re.search(r'name="csrf" value="([^"]*)"', page)
    forced = site.client.post("/templates/cn-due/3/approve", data={"csrf": token.group(1) if token else ""})
    assert forced.status_code == 403
    site.client.cookies.clear()
    login(site, Role.COMPLIANCE)
    page = site.client.get("/templates/cn-due/3").text
    assert 'id="approve"' in page
    assert site.client.post("/templates/cn-due/3/approve", data={"csrf": "forged"}).status_code == 403
    token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    done = site.client.post("/templates/cn-due/3/approve", data={"csrf": token}, follow_redirects=True)
    assert done.status_code == 200 and 'id="template-state">approved' in done.text


def test_a_revoked_key_ends_its_session(site: Api) -> None:
    login(site, Role.OPERATOR)
    assert site.client.get("/tasks", follow_redirects=False).status_code == 200
    prefix = next(k["prefix"] for k in site.get("/v1/keys").json()["items"] if k["operator"] == "operator1")
    site.client.delete(f"/v1/keys/{prefix}", headers=site.headers(Role.ADMIN))
    assert site.client.get("/tasks", follow_redirects=False).status_code == 303
    site.client.post("/logout")


def test_the_segments_page_shows_every_cell_and_its_csv(site: Api) -> None:
    login(site, Role.AUDITOR)
    page = site.client.get("/segments", headers={"Accept-Language": "zh-CN"}).text
    for cell in ("能还愿还", "能还不愿还", "愿还无力", "无力且不愿"):
        assert cell in page
    assert 'id="choices-table"' in page
    csv = site.client.get("/segments?csv=segments")
    assert csv.status_code == 200 and csv.text.lstrip("\ufeff").startswith("segment,debtors")
