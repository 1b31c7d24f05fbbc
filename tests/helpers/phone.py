"""The applicants' phone pages in the browser tier (390×844): sign in as a demo applicant, each
screen settled, screenshotted and axe-clean, the declaration's module navigator and its 保存成功
toast, and the API as another user (the unit approving a binding) by its dev token."""
import json
import re
import urllib.request

from playwright.sync_api import expect

from tests.helpers.paths import AXE

PHONE = {"width": 390, "height": 844}
WHO = "applicant4"          # 赵雪, not bound yet (applicant1 is test_e2e's)
EDU_DEPT = ("112200000135446027", "吉林省教育厅")


def login(browser, stack, who=WHO):
    ctx = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
    page = ctx.new_page()
    page.goto(f"{stack.web_url}/#/login")
    page.click(f"[data-login='{who}']")
    page.wait_for_url(re.compile(r"#/m$"))
    return page


def axe(page, name):
    """Run axe-core on the current screen; fail on serious/critical violations (listed)."""
    if not page.evaluate("() => !!window.axe"):
        page.add_script_tag(path=str(AXE))
    result = page.evaluate("""async () => {
        const r = await axe.run(document, { resultTypes: ['violations'] });
        return r.violations.filter(v => ['serious', 'critical'].includes(v.impact))
          .map(v => ({ id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map(n => n.target.join(' ')) }));
    }""")
    assert result == [], f"{name}: axe serious/critical violations: {json.dumps(result, ensure_ascii=False)}"


def call(stack, method, path, who, body=None):
    """The API as another user (the unit approving a binding), by its dev token."""
    def req(m, p, headers, data=None):
        r = urllib.request.Request(stack.api_url + p, method=m, headers={"Content-Type": "application/json", **headers},
                                   data=json.dumps(data).encode() if data is not None else None)
        with urllib.request.urlopen(r) as resp:
            text = resp.read()
            return json.loads(text) if text else None
    token = req("POST", "/dev/token", {}, {"login": who})["token"]
    return req(method, path, {"Authorization": f"Bearer {token}"}, body)


def visit(page, shot, name):
    """Every screen: settled, screenshot kept, axe clean."""
    # "load", not "networkidle": the silent token renewal (30 s tokens in the test stack) may be
    # talking to the identity platform at any moment
    page.wait_for_load_state("load")
    expect(page.locator(".van-toast:visible")).to_have_count(0, timeout=10000)
    shot(page, name)
    axe(page, name)


def module(page, key):
    page.locator(f"[data-module-tab={key}]").click()
    expect(page.locator(f"[data-module={key}]")).to_be_visible()
    return page.locator(f"[data-module={key}]")


def saved(page):
    expect(page.locator(".van-toast:visible")).to_contain_text("保存成功")
    expect(page.locator(".van-toast:visible")).to_have_count(0, timeout=10000)
