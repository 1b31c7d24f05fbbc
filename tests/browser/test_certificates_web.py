"""证书管理 in the browser on a phone: 我的证书 (list, view, download link) and the public verify
page (no sign-in: number + 查验码 online, and the QR payload verified in the page with WebCrypto
against the published key), axe-core 0 serious/critical on each screen."""
import json
import re
import subprocess
import sys
import time

import requests
from playwright.sync_api import expect

from tests.helpers.paths import ROOT
from tests.helpers.phone import PHONE, login, visit

WHO = "applicant3"

SEED = """
import json
from chalicelib.models.accounts import DevLogin
from tests.helpers.certificates import seed_passed

class World:
    logins = {x: DevLogin.get(*DevLogin.key(x)) for x in (%r, "province-legal", "institute-legal")}
    def code(self, unit):
        return self.logins[unit + "-legal"].unit_code

print(json.dumps(seed_passed(World(), 1, login=%r, start=900)))
"""


def _issue(stack):
    """A 通过 result for WHO, issued by the province through the API and the local worker."""
    out = subprocess.run([sys.executable, "-c", SEED % (WHO, WHO)], cwd=ROOT, env=stack.env, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    token = requests.post(f"{stack.api_url}/dev/token", json={"login": "province-agent"}, timeout=10).json()["token"]
    h = {"Authorization": f"Bearer {token}"}
    job = requests.post(f"{stack.api_url}/certificates/issue", headers=h, timeout=10,
                        json={"matter_type": "TALENT_GRADING", "year": "2026"}).json()
    deadline = time.time() + 120
    while time.time() < deadline:
        state = requests.get(f"{stack.api_url}/certificate-jobs/{job['job_id']}", headers=h, timeout=10).json()
        if state["state"] in ("done", "failed"):
            break
        time.sleep(0.5)
    assert state["state"] == "done", state


def test_my_certificates_and_the_public_verify_page_on_a_phone(browser, web_stack, shot):
    _issue(web_stack)
    page = login(browser, web_stack, WHO)
    page.get_by_role("button", name="我的证书").click()
    card = page.locator("[data-test=certificate]").first
    expect(card).to_contain_text("吉林省人才分类定级证书")
    expect(card).to_contain_text("有效")
    visit(page, shot, "cert01-my-certificates")
    number = card.locator("dt:has-text('证书编号') + dd").inner_text().strip()
    code = card.locator("dt:has-text('查验码') + dd").inner_text().strip()
    assert re.match(r"^JLRC2026[0-9A-Z]{11}$", number)

    # the public page, signed out: online by number + 查验码
    ctx = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
    public = ctx.new_page()
    public.goto(f"{web_stack.web_url}/#/verify")
    public.get_by_label("证书编号").fill(number)
    public.get_by_label("查验码").fill(code)
    public.get_by_role("button", name="查验").click()
    result = public.locator("[data-test=verify-result]")
    expect(result).to_contain_text("证书状态：有效")
    expect(result).to_contain_text("*")                  # the holder's name partly masked
    visit(public, shot, "cert02-verify-online")
    public.get_by_label("查验码").fill("ZZZZZZ" if code != "ZZZZZZ" else "YYYYYY")
    public.get_by_role("button", name="查验").click()
    expect(public.get_by_role("alert")).to_contain_text("未查询到该证书")

    # the QR code's address: verified in the page (WebCrypto, published key)
    token = requests.post(f"{web_stack.api_url}/dev/token", json={"login": WHO}, timeout=10).json()["token"]
    payload = requests.get(f"{web_stack.api_url}/me/certificates", timeout=10,
                           headers={"Authorization": f"Bearer {token}"}).json()["items"][0]["payload"]
    scan = ctx.new_page()
    scan.goto(f"{web_stack.web_url}/#/verify?c={payload}")
    expect(scan.locator("[data-test=offline]")).to_contain_text("签名有效")
    visit(scan, shot, "cert03-verify-qr")
    body = payload.split(".")
    forged = f"{body[0]}.{body[1][:-4]}AAAA.{body[2]}"
    bad = ctx.new_page()
    bad.goto(f"{web_stack.web_url}/#/verify?c={forged}")
    expect(bad.locator("[data-test=offline]")).to_contain_text("无效或已被改动")
    ctx.close()


def test_the_province_lists_filters_and_exports_certificates_in_the_console(browser, web_stack, shot):
    """证书管理 in the console: the list filtered by 姓名, 导出 through the export worker, the file's
    row masked; axe 0 serious/critical."""
    import io

    import openpyxl

    from tests.helpers.console import axe
    from tests.helpers.console import login as console_login

    _issue(web_stack)                                        # issued once: a second batch skips it
    page = console_login(browser, web_stack, "province-agent")
    page.get_by_role("menuitem", name="证书管理").click()
    page.get_by_label("姓名").fill("测试人900")
    page.get_by_role("button", name="查询").click()
    table = page.locator("[data-test=certificates]")
    expect(table).to_contain_text("测试人900")
    expect(table.locator(".el-table__row")).to_have_count(1)
    page.get_by_role("button", name="导出", exact=True).click()
    link = page.locator("[data-test=certificate-export] a")
    expect(link).to_contain_text(".xlsx", timeout=60_000)
    expect(link).to_contain_text("（1 行）")
    shot(page, "cert04-console-export")
    axe(page, "console certificates")
    book = openpyxl.load_workbook(io.BytesIO(requests.get(link.get_attribute("href"), timeout=10).content),
                                  read_only=True)
    row = [list(r) for r in book.active.iter_rows(values_only=True)][2]
    assert row[2] == "测试人900" and "*" in row[3] and row[8] == "有效", row
    page.context.close()
