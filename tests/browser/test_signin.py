"""Signing in through the identity platform's own page (the local OIDC provider), as people do:
an applicant, a legal person, an agent just created in 经办人管理, the province; a session that
outlives its access token; 安全退出; tokens the API must refuse; a disabled agent."""
import base64
import hashlib
import json
import os
import secrets
import time
import urllib.parse

import requests
from playwright.sync_api import expect

from devtools.seed import _code, _id
from tests.helpers.poll import poll
from tests.helpers.stack import ACCESS_TOKEN_TTL

DESK = {"width": 1400, "height": 900}
UNIVERSITY = _code("12220000412756703")
INSTITUTE = _code("12220104412756804")


def platform_page(browser, stack, path="/#/login"):
    """A fresh browser; the web sends it to the identity platform's login page."""
    ctx = browser.new_context(viewport=DESK, locale="zh-CN")
    page = ctx.new_page()
    page.goto(f"{stack.web_url}{path}")
    expect(page.get_by_role("tab", name="个人登录")).to_be_visible()
    assert page.url.startswith(stack.oidc.issuer), page.url
    return page


def panel(page, name):
    page.get_by_role("tab", name=name).click()
    return page.get_by_role("tabpanel", name=name)


def web_token(page) -> str:
    return page.evaluate("() => JSON.parse(sessionStorage.getItem('talent.user') || '{}').token || ''")


def claims(token: str) -> dict:
    payload = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def test_applicant_signs_in_on_the_platform_page_and_lands_home(browser, web_stack, shot):
    page = platform_page(browser, web_stack)
    for name in ("个人登录", "法人登录", "经办人账号登录"):
        expect(page.get_by_role("tab", name=name)).to_be_visible()
    shot(page, "signin-01-platform")
    page.click("[data-login='applicant1']")
    expect(page.locator("[data-test=bound-unit]")).to_contain_text("长白理工大学先进材料研究院")
    assert page.url.startswith(web_stack.web_url) and "#/m" in page.url
    token = claims(web_token(page))
    assert token["iss"] == web_stack.oidc.issuer and token["aud"] == "talent-grading-api"
    assert token["account_kind"] == "person" and "role" not in token and "legal" not in token
    page.context.close()


def test_a_new_person_is_validated_then_gets_an_account_on_first_sign_in(browser, web_stack):
    page = platform_page(browser, web_stack)
    person = panel(page, "个人登录")
    person.get_by_label("姓名").fill("周新民")
    person.get_by_label("身份证号码").fill("220102199001011230")      # wrong check character
    person.get_by_role("button", name="登录").click()
    expect(page.get_by_role("alert")).to_contain_text("身份证号码不正确")
    person = panel(page, "个人登录")
    person.get_by_label("身份证号码").fill(_id("22010219900101123"))
    person.get_by_role("button", name="登录").click()
    expect(page.get_by_text("周新民").first).to_be_visible()
    assert "#/m" in page.url
    me = requests.get(f"{web_stack.api_url}/persons/me", timeout=30,
                      headers={"Authorization": f"Bearer {web_token(page)}"})
    assert me.status_code == 200 and me.json()["name"] == "周新民"
    page.context.close()


def test_legal_person_signs_in_with_the_credit_code(browser, web_stack, shot):
    page = platform_page(browser, web_stack)
    legal = panel(page, "法人登录")
    legal.get_by_label("统一社会信用代码").fill(UNIVERSITY)
    legal.get_by_role("button", name="登录").click()
    expect(page.get_by_role("menuitem", name="经办人管理")).to_be_visible()
    expect(page.get_by_text("长白理工大学（法人）")).to_be_visible()
    shot(page, "signin-02-legal-console")
    page.context.close()


def test_agent_added_in_agent_management_signs_in_at_once_and_is_refused_once_disabled(browser, web_stack):
    legal = platform_page(browser, web_stack)
    legal.click("[data-login='university-legal']")
    legal.get_by_role("menuitem", name="经办人管理").click()
    legal.get_by_label("经办人姓名").fill("钱晓峰")
    legal.get_by_label("经办人手机号").fill("13512340001")
    legal.get_by_role("button", name="添加").click()
    row = legal.locator(".el-table__row", has_text="钱晓峰")
    expect(row).to_contain_text("启用")

    agent = platform_page(browser, web_stack)
    form = panel(agent, "经办人账号登录")
    form.get_by_label("单位统一社会信用代码").fill(UNIVERSITY)
    form.get_by_label("经办人手机号/身份证号").fill("13512340001")
    form.get_by_role("button", name="登录").click()
    expect(agent.get_by_text("钱晓峰（单位）")).to_be_visible()
    expect(agent.get_by_role("menuitem", name="经办人管理")).to_have_count(0)   # not the legal person
    token = web_token(agent)

    row.get_by_role("button", name="停用").click()
    expect(row.get_by_role("button", name="启用")).to_be_visible()
    resp = requests.get(f"{web_stack.api_url}/me", timeout=30, headers={"Authorization": f"Bearer {token}"})
    assert resp.status_code == 401 and resp.json()["Code"] == "AGENT_DISABLED"
    if os.environ.get("AUTHORIZER_CACHE", "1") != "0":     # the local stack caches as API Gateway does:
        listed = requests.get(f"{web_stack.api_url}/units/me", timeout=30,    # the cached principal still
                              headers={"Authorization": f"Bearer {token}"})   # reads a masked page, so
        assert listed.status_code == 200                    # only the web's /me re-check ends the session
    agent.reload()     # the page load asks /me (standing read afresh); the web signs in again and says why
    expect(agent.get_by_role("alert")).to_contain_text("经办人账号已停用", timeout=20000)
    legal.context.close()
    agent.context.close()


def test_agent_added_with_an_id_number_signs_in_with_credit_code_and_id_number(browser, web_stack, shot):
    agent_id = _id("22010219880808123")
    legal = platform_page(browser, web_stack)
    legal.click("[data-login='university-legal']")
    legal.get_by_role("menuitem", name="经办人管理").click()
    legal.get_by_label("经办人姓名").fill("周敏")
    legal.get_by_label("经办人手机号").fill("13512340077")
    legal.get_by_label("经办人身份证号").fill(agent_id)
    legal.get_by_role("button", name="添加").click()
    row = legal.locator(".el-table__row", has_text="周敏")
    expect(row).to_contain_text(agent_id[:6] + "********" + agent_id[-4:])   # masked in the list
    expect(row).not_to_contain_text(agent_id)

    agent = platform_page(browser, web_stack)
    form = panel(agent, "经办人账号登录")
    form.get_by_label("单位统一社会信用代码").fill(UNIVERSITY)
    form.get_by_label("经办人手机号/身份证号").fill(agent_id[:-1] + ("0" if agent_id[-1] != "0" else "1"))
    form.get_by_role("button", name="登录").click()
    expect(agent.get_by_role("alert")).to_contain_text("身份证号码不正确")
    form = panel(agent, "经办人账号登录")
    form.get_by_label("单位统一社会信用代码").fill(UNIVERSITY)
    form.get_by_label("经办人手机号/身份证号").fill(agent_id)
    form.get_by_role("button", name="登录").click()
    expect(agent.get_by_text("周敏（单位）")).to_be_visible()
    token = claims(web_token(agent))
    assert token["account_kind"] == "agent" and token["id_number"] == agent_id and "phone_number" not in token
    shot(agent, "signin-05-agent-by-id-number")
    legal.context.close()
    agent.context.close()


def test_province_signs_in(browser, web_stack):
    page = platform_page(browser, web_stack)
    page.click("[data-login='province-legal']")
    expect(page.get_by_text("吉林省人力资源和社会保障厅（法人）")).to_be_visible()
    expect(page.get_by_role("menuitem", name="申报通知")).to_be_visible()
    page.context.close()


def test_a_session_outlives_its_access_token_and_keeps_the_form(browser, web_stack, shot):
    page = platform_page(browser, web_stack)
    page.click("[data-login='institute-legal']")
    page.get_by_role("menuitem", name="经办人管理").click()
    page.get_by_label("经办人姓名").fill("孙雅琴")          # typing, then the token runs out
    first = web_token(page)
    expires = claims(first)["exp"]
    assert expires - time.time() <= ACCESS_TOKEN_TTL + 5
    renewed = poll(lambda: (web_token(page) != first and time.time() > expires) and web_token(page),
                   ACCESS_TOKEN_TTL * 3, interval=0.25, what="a renewed access token after the first one expired")
    assert claims(renewed)["exp"] > expires
    expect(page.get_by_label("经办人姓名")).to_have_value("孙雅琴")   # nothing typed was lost
    assert page.url.endswith("#/console/agents")
    page.get_by_label("经办人手机号").fill("13512340002")
    page.get_by_role("button", name="添加").click()
    expect(page.locator(".el-table__row", has_text="孙雅琴")).to_be_visible()
    shot(page, "signin-03-after-renewal")
    page.context.close()


def test_sign_out_ends_the_session_at_the_platform(browser, web_stack):
    page = platform_page(browser, web_stack)
    page.click("[data-login='applicant3']")
    expect(page.get_by_role("button", name="安全退出")).to_be_visible()
    page.get_by_role("button", name="安全退出").click()
    # Back to the platform's login page, not silently signed in again.
    expect(page.get_by_role("tab", name="个人登录")).to_be_visible()
    assert page.url.startswith(web_stack.oidc.issuer)
    assert page.evaluate("() => sessionStorage.getItem('talent.user')") is None
    page.goto(f"{web_stack.web_url}/#/m")
    expect(page.get_by_role("tab", name="个人登录")).to_be_visible()
    page.context.close()


def test_returns_to_the_page_the_user_was_on(browser, web_stack):
    page = platform_page(browser, web_stack, "/#/console/agents")
    page.click("[data-login='edu-dept-legal']")
    expect(page.get_by_label("经办人姓名")).to_be_visible()
    assert page.url.endswith("#/console/agents")
    page.context.close()


def _code_flow(stack, login):
    """The authorization-code flow without a browser: the platform's tokens for a demo login."""
    s = requests.Session()
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    redirect = stack.oidc.redirect_uris[0]
    r = s.get(f"{stack.oidc.issuer}/auth", timeout=10, params=dict(
        client_id="talent-grading-web", redirect_uri=redirect, response_type="code", state="s",
        scope="openid profile api", code_challenge=challenge, code_challenge_method="S256"))
    r = s.post(r.url + "/login", data={"kind": "demo", "login": login}, allow_redirects=False, timeout=10)
    for _ in range(6):
        location = r.headers.get("location", "")
        if location.startswith(redirect):
            break
        r = s.get(urllib.parse.urljoin(r.url, location), allow_redirects=False, timeout=10)
    code = urllib.parse.parse_qs(urllib.parse.urlparse(r.headers["location"]).query)["code"][0]
    tokens = s.post(f"{stack.oidc.issuer}/token", timeout=10, data=dict(
        grant_type="authorization_code", code=code, redirect_uri=redirect,
        client_id="talent-grading-web", code_verifier=verifier))
    tokens.raise_for_status()
    return tokens.json()


def test_tokens_for_another_audience_or_issuer_are_refused(web_stack):
    import jwt
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    me = f"{web_stack.api_url}/me"
    tokens = _code_flow(web_stack, "applicant2")
    ok = requests.get(me, timeout=30, headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert ok.status_code == 200 and ok.json()["subject"] == "p-demo-0002"
    # The ID token: same platform, same key, but its audience is the web client, not the API.
    assert claims(tokens["id_token"])["aud"] == "talent-grading-web"
    resp = requests.get(me, timeout=30, headers={"Authorization": f"Bearer {tokens['id_token']}"})
    assert resp.status_code == 401 and resp.json()["Code"] == "UNAUTHORIZED"
    # Another issuer with its own key, claiming the same person.
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    body = {**claims(tokens["access_token"]), "iss": "https://evil.example"}
    forged = jwt.encode(body, pem, algorithm="RS256", headers={"kid": "evil"})
    resp = requests.get(me, timeout=30, headers={"Authorization": f"Bearer {forged}"})
    assert resp.status_code == 401 and resp.json()["Code"] == "UNAUTHORIZED"
