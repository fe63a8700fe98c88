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
    done = site.client.post(
        "/templates/cn-due/3/approve", data={"csrf": token, "reason": "品牌即债权人"}, follow_redirects=True
    )
    assert done.status_code == 200 and 'id="template-state">approved' in done.text


def _csrf(page: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]


def test_a_flagged_draft_needs_compliance_and_a_reason(site: Api) -> None:
    """cn-due v3 does not name the creditor: blocked on a text rule, so compliance may approve it
    with a reason; an admin may not; a draft the gate allows needs no reason."""
    login(site, Role.ADMIN)
    page = site.client.get("/templates/cn-due/3", headers={"Accept-Language": "en"}).text
    assert 'data-outcome="blocked"' in page and "required.creditor" in page
    assert (
        'id="approve"' not in page and 'id="approve-refused"' in page and "only the compliance role" in page
    )
    refused = site.client.post("/templates/cn-due/3/approve", data={"csrf": _csrf(page), "reason": "ok"})
    assert refused.status_code == 403 and "合规" in refused.text and "compliance role" in refused.text

    site.client.cookies.clear()
    login(site, Role.COMPLIANCE)
    page = site.client.get("/templates/cn-due/3").text
    assert 'id="approve-reason"' in page and 'name="reason" required' in page and "待人工复核" not in page
    no_reason = site.client.post("/templates/cn-due/3/approve", data={"csrf": _csrf(page)})
    assert (
        no_reason.status_code == 400 and "须填写理由" in no_reason.text and "needs a reason" in no_reason.text
    )
    blank = site.client.post("/templates/cn-due/3/approve", data={"csrf": _csrf(page), "reason": "  "})
    assert blank.status_code == 400
    assert 'id="template-state">draft' in site.client.get("/templates/cn-due/3").text
    done = site.client.post(
        "/templates/cn-due/3/approve",
        data={"csrf": _csrf(page), "reason": "品牌即债权人 / the brand is the creditor"},
        follow_redirects=True,
    )
    assert done.status_code == 200 and 'id="template-state">approved' in done.text
    assert 'id="override"' in done.text and "品牌即债权人" in done.text and "compliance1" in done.text
    (logged,) = site.get("/v1/events?kind=template.approved_override").json()["items"]
    assert logged["actor"] == "compliance1" and logged["detail"]["rules"] == ["required.creditor"]

    proposed = site.post(
        "/v1/templates/cn-due/versions",
        Role.SUPERVISOR,
        json={"body": "【{signature}】{masked_name}您好，您的{creditor}借款{amount}今天到期。客服{hotline}"},
    ).json()["version"]
    page = site.client.get(f"/templates/cn-due/{proposed}").text
    assert 'data-outcome="allowed"' in page and 'id="approve"' in page and 'id="approve-reason"' not in page
    done = site.client.post(
        f"/templates/cn-due/{proposed}/approve", data={"csrf": _csrf(page)}, follow_redirects=True
    )
    assert (
        done.status_code == 200
        and 'id="template-state">approved' in done.text
        and 'id="override"' not in done.text
    )


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
