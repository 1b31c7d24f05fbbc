"""A pending verdict turns into 已上传 without a reload (issue 16 loose end).

Big images are verified by the S3-event verifier; the API's "complete" then answers the pending
state and the web calls "complete" again until a final verdict (web/src/api.js completeUntilFinal).
Here the first "complete" answer is held back by route interception and answered `pending` (what
the API says while the S3-event verifier works); every later call reaches the real API, whose
"complete" is idempotent and verifies the file."""
import json
import re
import time

import requests
from playwright.sync_api import expect

from devtools.seed import _id
from tests.helpers import files
from tests.helpers.phone import EDU_DEPT, PHONE, call, module

NEW_PERSON = ("孟凡清", _id("22010219870412605"))   # signs in for the first time here


def new_applicant_ready_to_declare(browser, stack):
    """A person new to the platform signs in on the identity platform's page, binds to a unit
    whose reporting info is complete, and the unit approves: the home page offers 申报."""
    page = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True).new_page()
    page.goto(f"{stack.web_url}/#/login")
    page.get_by_role("tab", name="个人登录").click()
    form = page.get_by_role("tabpanel", name="个人登录")
    form.get_by_label("姓名").fill(NEW_PERSON[0])
    form.get_by_label("身份证号码").fill(NEW_PERSON[1])
    form.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r"#/m$"))
    token = page.evaluate("() => JSON.parse(sessionStorage.getItem('talent.user') || '{}').token || ''")
    bound = requests.post(f"{stack.api_url}/bindings/me", json={"credit_code": EDU_DEPT[0]}, timeout=30,
                          headers={"Authorization": f"Bearer {token}"})
    assert bound.status_code == 201, bound.text
    pending = call(stack, "GET", "/binding-requests?kind=person&state=pending", "edu-dept-agent")["items"]
    req = next(r for r in pending if NEW_PERSON[0] in json.dumps(r, ensure_ascii=False))
    call(stack, "POST", f"/binding-requests/{req['request_id']}/decision", "edu-dept-agent",
         {"decision": "approve", "opinion": "同意"})
    page.reload()
    expect(page.locator("[data-test=bound-unit]")).to_contain_text(EDU_DEPT[1])
    return page


def test_a_pending_verdict_becomes_uploaded_without_a_reload(browser, web_stack, tmp_path):
    png = tmp_path / "photo.png"
    png.write_bytes(files.png(300, 400))
    page = new_applicant_ready_to_declare(browser, web_stack)
    page.get_by_role("button", name=re.compile("^申报：")).first.click()
    # manual 000: 查看申报注意事项 … 确认开始申报 (the API refuses a start without it)
    page.get_by_role("dialog", name="申报注意事项").get_by_role("button", name="确认开始申报").click()
    expect(page.get_by_role("heading", name="条件自检")).to_be_visible()
    page.get_by_role("button", name="下一步").click()
    basic = module(page, "basic")
    basic.get_by_label("联系方式").fill("13900000077")        # the photo slot opens once basic is saved
    basic.get_by_label("人员类别").select_option("专业技术人员")
    basic.get_by_label("学历").select_option("硕士研究生")
    basic.get_by_label("申请评定级别").select_option("D类")
    page.click("[data-save=basic]")
    expect(page.locator(".van-toast:visible")).to_contain_text("保存成功")
    page.evaluate("() => { window.__noReload = true; }")

    calls = []

    def complete(route):
        calls.append(route.request.url)
        if len(calls) == 1:     # the API's answer while the S3-event verifier still works
            aid = re.search(r"/attachments/([^/]+)/complete", route.request.url).group(1)
            route.fulfill(status=200, content_type="application/json",
                          body=json.dumps({"attachment_id": aid, "state": "pending", "file_name": "photo.png"}))
        else:
            route.fallback()

    page.route(re.compile(r".*/attachments/[^/]+/complete$"), complete)
    page.set_input_files("input[data-upload=photo]", str(png))
    expect(basic.locator("[data-test=attachment]")).to_contain_text("已上传", timeout=20000)
    assert len(calls) >= 2, calls            # the pending answer was followed by another complete
    expect(basic.locator("[data-test=upload-error]")).to_have_count(0)
    assert page.evaluate("() => window.__noReload === true")     # same document: no reload

    # --- a verifier that needs longer than the polling: 待核验 with 刷新, then the verdict -----------
    page.unroute(re.compile(r".*/attachments/[^/]+/complete$"))
    page.clock.install()             # the web's 1 s polling runs on Playwright's clock from here
    slow = []

    def still_pending(route):
        slow.append(route.request.url)
        aid = re.search(r"/attachments/([^/]+)/complete", route.request.url).group(1)
        route.fulfill(status=200, content_type="application/json",
                      body=json.dumps({"attachment_id": aid, "state": "pending", "file_name": "photo.png"}))

    page.route(re.compile(r".*/attachments/[^/]+/complete$"), still_pending)
    page.set_input_files("input[data-upload=photo]", str(png))      # replaces the photo
    error = basic.locator("[data-test=upload-error]")
    for tick in range(1, 40):
        deadline = time.monotonic() + 10
        while len(slow) < tick and error.count() == 0 and time.monotonic() < deadline:
            page.wait_for_timeout(20)
        if error.count():
            break
        assert len(slow) >= tick, f"complete call {tick} was not made"
        page.clock.run_for(1000)
    expect(error).to_contain_text("待核验")
    assert 25 <= len(slow) <= 31, len(slow)          # every second, for at most 30 seconds
    page.unroute(re.compile(r".*/attachments/[^/]+/complete$"))
    error.get_by_role("button", name="刷新").click()                 # asks for the verdict again
    expect(basic.locator("[data-test=attachment]")).to_contain_text("已上传", timeout=20000)
    expect(error).to_have_count(0)
    page.context.close()
