"""Every screen of both apps at both widths through axe-core (issue 27 item 15): the applicants' phone
pages at 390×844 and 320×640 (home, 绑定推荐单位, each matter's 确认开始申报, every step and module of a
declaration, 进度跟踪, 我的证书, the public 证书查验) and the console at 1366×768 and 1920×1080 for a
unit's legal person and 经办人 and the provincial office (工作台, 业务审核, each review tab, 绑定审核,
经办人管理, 评审结果, 申报通知, 统计分析, 证书管理, a review page). A screen reader user meets no
serious or critical violation anywhere; the list names every screen that has one. The review pages
are of the sweep's own declarations (fresh applicants: one waiting at the institute, one at the
provincial office), so that each is swept whatever other tests left in the lists.

李文静's 人才分类定级 draft (test_applicant_off_path's) is the declaration shown; nothing is changed."""
import json
import re

from playwright.sync_api import expect

from tests.helpers.company_declaration import WHO, grading_declaration
from tests.helpers.own_people import at_the_city_bureau, pass_level, submitted, tag
from tests.helpers.paths import AXE
from tests.helpers.poll import poll
from tests.helpers.stack import Http, task_state

PHONES = {"390": {"width": 390, "height": 844}, "320": {"width": 320, "height": 640}}
DESKS = {"1366": {"width": 1366, "height": 768}, "1920": {"width": 1920, "height": 1080}}


# Loaded: no spinner or loading mask (networkidle never comes: the sign-in keeps a renewal frame)
# and no animation running. Settled, in addition: no change to the page for 300 ms. A violation
# found on a loaded page is judged again on the settled page: an answer landing while axe ran
# re-rendered a card whose el-tag zoomed in (Element Plus's appear transition), and axe measured
# its text at partial opacity (a contrast "violation" of 未完善 on the unit's 工作台, one run of
# five). A real violation is still there once settled; waiting 300 ms on every screen instead cost
# the sweep ~30 s.
LOADED = """() => !document.querySelector('.van-loading, .el-loading-mask, .el-skeleton')
    && document.getAnimations().every(a => a.playState !== 'running')"""
SETTLED = """() => {
    const s = window.__axeSettle || (window.__axeSettle = (() => {
        const state = {last: performance.now()};
        new MutationObserver(() => { state.last = performance.now(); }).observe(document.documentElement,
            {subtree: true, childList: true, attributes: true, characterData: true});
        return state;
    })());
    return performance.now() - s.last > 300
        && !document.querySelector('.van-loading, .el-loading-mask, .el-skeleton')
        && document.getAnimations().every(a => a.playState !== 'running');
}"""
RUN = """async () => (await axe.run(document, {resultTypes: ['violations']})).violations
    .filter(v => ['serious', 'critical'].includes(v.impact))
    .map(v => ({id: v.id, nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))"""


def violations(page):
    page.wait_for_function(LOADED)
    if not page.evaluate("() => !!window.axe"):
        page.add_script_tag(path=str(AXE))
    found = page.evaluate(RUN)
    if found:
        page.wait_for_function(SETTLED, timeout=15000)
        found = page.evaluate(RUN)
    return found


def visit(page, url, found, name):
    # a fresh load of each screen (the same route with another query is a new screen), once: from a
    # blank page rather than the app's own navigation to it followed by a reload
    page.goto("about:blank")
    page.goto(url)
    expect(page.locator("#app")).not_to_be_empty()
    assert "#/login" not in page.url, f"{name}: signed out"
    bad = violations(page)
    if bad:
        found[name] = bad


def signed_in(browser, stack, who, viewport, mobile):
    ctx = browser.new_context(viewport=viewport, locale="zh-CN", timezone_id="Asia/Shanghai",
                              is_mobile=mobile, has_touch=mobile)
    page = ctx.new_page()
    page.goto(f"{stack.web_url}/#/login")
    page.click(f"[data-login='{who}']")
    page.wait_for_url(re.compile(r"#/(m|console)$"))
    return page


def test_every_phone_screen_at_390_and_320(browser, web_stack):
    http = Http(web_stack.api_url)
    d = grading_declaration(http)
    modules = list(http.call("GET", f"/declarations/{d}", WHO)["modules"])
    base = web_stack.web_url
    screens = {"home": "/#/m", "binding": "/#/m/binding", "matter TALENT_GRADING": "/#/m/matter/TALENT_GRADING",
               "matter TITLE_NORMAL": "/#/m/matter/TITLE_NORMAL", "declare 条件自检": f"/#/m/declare/{d}?step=0",
               "declare 附件上传": f"/#/m/declare/{d}?step=2", "progress": f"/#/m/progress/{d}",
               "certificates": "/#/m/certificates", "verify": "/#/verify"}
    screens.update({f"declare {m}": f"/#/m/declare/{d}?step=1&module={m}" for m in modules if m != "attachments"})
    found = {}
    for width, viewport in PHONES.items():
        page = signed_in(browser, web_stack, WHO, viewport, True)
        for name, path in screens.items():
            visit(page, base + path, found, f"{name} @{width}")
        page.context.close()
    assert not found, json.dumps(found, ensure_ascii=False, indent=1)


def test_every_console_screen_at_1366_and_1920(browser, web_stack):
    base, http = web_stack.web_url, Http(web_stack.api_url)
    # a review page for each agent: a declaration of the sweep's own in its 待审核 list
    own = {"institute-agent": submitted(http, f"白若溪{tag()}")["name"]}
    at_province = at_the_city_bureau(http, f"白若川{tag()}")
    pass_level(http, "cc-bureau-agent", at_province["decl_id"], send=False)
    http.call("GET", "/me", "province-agent")       # token
    poll(lambda: task_state(http, "province-agent", at_province["decl_id"]) == "open")
    own["province-agent"] = at_province["name"]
    screens = {
        "institute-legal": ["", "/agents", "/bindings"],
        "institute-agent": ["", "/counts", "/reviews", "/reviews?tab=waiting", "/reviews?tab=done",
                            "/reviews?tab=returned", "/results"],
        "province-agent": ["", "/counts", "/reviews", "/results", "/notices", "/statistics", "/certificates"],
    }
    found = {}
    for width, viewport in DESKS.items():
        for who, paths in screens.items():
            page = signed_in(browser, web_stack, who, viewport, False)
            for path in paths:
                visit(page, f"{base}/#/console{path}", found, f"{who} {path or '/'} @{width}")
                if path in ("/results", "/reviews"):
                    # item 12: the 操作 column (评审结果's 导出, the list's 审核/审核进度) is on screen, whole
                    head = page.locator("th.el-table-fixed-column--right", has_text="操作").first
                    box = head.bounding_box()
                    assert box and box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"], (who, path, width, box)
            # a review page: the sweep's own declaration, in the agent's 待审核 list
            if who in own:
                page.goto("about:blank")
                page.goto(f"{base}/#/console/reviews")
                page.locator(f"[data-test=review-list] [data-review='{own[who]}']").click()
                page.wait_for_url(re.compile(r"/console/reviews/"))
                bad = violations(page)
                if bad:
                    found[f"{who} review page @{width}"] = bad
            page.context.close()
    assert not found, json.dumps(found, ensure_ascii=False, indent=1)
