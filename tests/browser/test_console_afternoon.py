"""A 经办人's afternoon in the console (issue 27, items 7–14), at 1366×768 and 1920×1080: 业务审核
opens the counts page (manual 001 §3.3); a clean pass takes ≤ 4 clicks from the list (审核, 全部无误,
保存); 上一条/下一条 walk the filtered list; 终止审核 and 批量送审 are confirmed naming the people and
manual 004's consequence; 常用意见 start with defaults and are added, edited and deleted with
feedback; 已退回 shows its columns and opens the declaration; 返回 from 审核进度 comes back to the tab
it left; the binding dialog keeps the reviewer's choice with the error at the field; the 操作
column stays on screen; axe finds nothing serious on each screen. Five new people sign in through
the identity platform's page, their names marked by a tag drawn for the module (no other test, and no
earlier set-up on the same stack, has them): three 欧阳 declare for the walk and the clean pass, a
上官 declares for 终止审核/退回修改, and a 司马 asks to bind; each test looks only at its own people,
so the tests pass in any order and whatever else waits at the institute."""
import random
import re

import pytest
import requests
from playwright.sync_api import expect

from devtools.seed import _id
from tests.helpers import files
from tests.helpers.console import login, settle
from tests.helpers.own_people import tag
from tests.helpers.paths import AXE
from tests.helpers.poll import poll
from tests.helpers.stack import Http

SMALL = {"width": 1366, "height": 768}
LARGE = {"width": 1920, "height": 1080}
WALKERS = ("欧阳{}晨", "欧阳{}霖", "欧阳{}雪")    # the walk and the clean pass: test_a_clean_pass_…'s own
RETURNED = "上官{}岚"      # 终止审核 asked then cancelled, 退回修改: test_terminate_…'s own
JOINER = "司马{}航"        # asks to bind only: 绑定审核
BASIC = {"personnel_category": "专业技术人员", "education": "博士研究生", "applied_level": "C类",
         "talent_category": "高层次人才"}


def axe(page, name):
    if not page.evaluate("() => !!window.axe"):
        page.add_script_tag(path=str(AXE))
    found = page.evaluate("""async () => (await axe.run(document, {resultTypes: ['violations']})).violations
        .filter(v => ['serious', 'critical'].includes(v.impact))
        .map(v => ({id: v.id, nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))""")
    assert not found, f"{name}: {found}"


class Person:
    """A new person signed in on the identity platform's page; API calls carry the web's current
    token (renewed in the page every 30 s)."""

    def __init__(self, browser, stack, name):
        id_base = f"2201021988{random.randrange(1, 13):02d}{random.randrange(1, 29):02d}{random.randrange(1000):03d}"
        self.ctx = browser.new_context(viewport=SMALL, locale="zh-CN")
        self.page = self.ctx.new_page()
        self.page.goto(f"{stack.web_url}/#/login")
        person = self.page.get_by_role("tabpanel", name="个人登录")
        self.page.get_by_role("tab", name="个人登录").click()
        person.get_by_label("姓名").fill(name)
        person.get_by_label("身份证号码").fill(_id(id_base))
        person.get_by_role("button", name="登录").click()
        expect(self.page.get_by_text(name).first).to_be_visible(timeout=30000)
        self.base, self.name, self.id_number = stack.api_url, name, _id(id_base)

    def call(self, method, path, **kw):
        token = self.page.evaluate("() => JSON.parse(sessionStorage.getItem('talent.user') || '{}').token")
        r = requests.request(method, self.base + path, headers={"Authorization": f"Bearer {token}",
                                                                **kw.pop("headers", {})}, timeout=30, **kw)
        assert r.status_code < 300, (method, path, r.status_code, r.text[:300])
        return r.json() if r.content else None

    def upload(self, category, data, ctype, slot=None):
        d = self.decl
        slot_body = {"file_name": f"{category}.{ctype.split('/')[1]}", "content_type": ctype, "size": len(data),
                     "category": category, **({"slot": slot} if slot else {})}
        s = self.call("POST", f"/declarations/{d}/attachments", json=slot_body)
        up = s["upload"]
        r = requests.post(up["url"], data=up["fields"], files={"file": (slot_body["file_name"], data, ctype)}, timeout=60)
        assert r.status_code == 204, r.text[:200]     # S3's answer to a POST upload
        self.call("POST", f"/declarations/{d}/attachments/{s['attachment']['attachment_id']}/complete")


def bind(http, person, institute):
    person.call("PUT", "/persons/me", json={"name": person.name, "id_type": "居民身份证（户口簿）",
                                            "id_number": person.id_number, "phone": "13700001111"})
    person.call("POST", "/bindings/me", json={"credit_code": institute})
    return person.call("GET", "/bindings/me")["request_id"]


@pytest.fixture(scope="module")
def queue(browser, web_stack):
    """Four declarations waiting at the institute (the walk's three 欧阳, the returned test's 上官),
    and one binding request; the names carry the module's tag."""
    http = Http(web_stack.api_url)
    institute = http.call("GET", "/units/me", "institute-agent")["credit_code"]
    png, pdf = files.png(300, 400), files.pdf()
    decls, t = [], tag()
    for name in (*(w.format(t) for w in WALKERS), RETURNED.format(t)):
        p = Person(browser, web_stack, name)
        req = bind(http, p, institute)
        http.call("POST", f"/binding-requests/{req}/decision", "institute-agent", json={"decision": "approve"})
        notice = next(n for n in p.call("GET", "/notices?matter_type=TALENT_GRADING")["items"])
        decl = p.call("POST", "/declarations", json={"notice_id": notice["notice_id"], "confirmed": True})
        p.decl = decl["decl_id"]
        contents = {"basic": {"name": name, "phone": "13700001111", **BASIC},
                    "work": [{"employer": "长白理工大学", "post": "研究员", "start_date": "2012-07-01"}],
                    "achievements": "主持省级科研项目两项。",
                    "honours": [{"name": "吉林省青年科技奖", "granted_on": "2020-09-10", "representative": True}]}
        for module, content in contents.items():
            p.call("PUT", f"/declarations/{p.decl}/modules/{module}",
                   headers={"If-Match": str(decl["modules"][module]["version"])}, json={"content": content})
        for category, data, ctype, slot in (("photo", png, "image/png", None), ("id_card", png, "image/png", "正面"),
                                            ("id_card", png, "image/png", "反面"),
                                            ("talent_certificate", pdf, "application/pdf", None),
                                            ("contract", pdf, "application/pdf", None)):
            p.upload(category, data, ctype, slot)
        poll(lambda: p.call("GET", f"/declarations/{p.decl}/validation").get("ok"))
        p.call("POST", f"/declarations/{p.decl}/pledge", json={"accepted": True})
        p.call("POST", f"/declarations/{p.decl}/submit")
        decls.append((name, p.decl))
        p.ctx.close()
    joiner = Person(browser, web_stack, JOINER.format(t))
    bind(http, joiner, institute)
    joiner.ctx.close()
    for _, d in decls:
        poll(lambda: http.call("GET", f"/reviews/{d}", "institute-agent", expect_status=(200, 403, 404))
             .get("task", {}).get("state") == "open")
    return {"http": http, "decls": decls, "walk": WALKERS[0].format(t)[:-1], "returned": RETURNED.format(t),
            "joiner": JOINER.format(t)}


def count_clicks(page):
    page.evaluate("() => { window.__clicks = 0; document.addEventListener('click', () => { window.__clicks += 1; }, true); }")


def clicks(page):
    return page.evaluate("() => window.__clicks")


def in_view(page, locator, viewport):
    box = locator.bounding_box()
    return box is not None and 0 <= box["x"] and box["x"] + box["width"] <= viewport["width"] \
        and 0 <= box["y"] and box["y"] + box["height"] <= viewport["height"]


def pending_list(page, name_filter):
    page.get_by_role("menuitem", name="业务审核").click()
    expect(page.locator("[data-test=review-counts]")).to_be_visible()
    page.locator("[data-count='TALENT_GRADING:pending']").click()
    expect(page.locator("[data-test=review-list]")).to_be_visible()
    if name_filter:
        page.get_by_role("textbox", name="姓名").fill(name_filter)
        page.get_by_role("button", name="查询").click()
    return page.locator("[data-test=review-list] .el-table__body-wrapper tr")


def test_a_clean_pass_and_the_walk_at_1366(browser, web_stack, queue, shot):
    http, decls = queue["http"], dict(queue["decls"])
    page = login(browser, web_stack, "institute-agent", SMALL)
    # 业务审核 opens the counts page (manual 001 §3.3); its tiles are above the fold at 1366×768
    page.get_by_role("menuitem", name="业务审核").click()
    expect(page.locator("[data-test=unit-info]")).to_have_count(0)
    assert in_view(page, page.locator("[data-tile=pending]"), SMALL)
    shot(page, "console-afternoon-01-counts-1366")
    axe(page, "counts at 1366")
    rows = pending_list(page, queue["walk"])
    expect(rows).to_have_count(len(WALKERS))
    # the 操作 column (审核, 审核进度) is on screen at 1366 px
    assert in_view(page, rows.first.get_by_role("button", name="审核进度"), SMALL)
    shot(page, "console-afternoon-02-list-1366")
    axe(page, "pending list at 1366")

    # 上一条/下一条 walk the same filtered list, in its order
    order = [b.get_attribute("data-review") for b in page.locator("[data-test=review-list] [data-review]").all()]
    first, second = decls[order[0]], decls[order[1]]
    rows.first.get_by_role("button", name="审核", exact=True).click()
    expect(page.locator("[data-test=previous]")).to_be_disabled()
    page.locator("[data-test=next]").click()
    expect(page).to_have_url(re.compile(rf"/console/reviews/{second}$"))
    expect(page.locator("[data-test=previous]")).to_be_enabled()
    page.locator("[data-test=previous]").click()
    expect(page).to_have_url(re.compile(rf"/console/reviews/{first}$"))
    page.get_by_text("返回").first.click()
    # the list comes back without the filter: whatever else waits at the institute, and the walk's three
    expect(page.get_by_role("textbox", name="姓名")).to_have_value("")
    expect(rows.filter(has_text=queue["walk"])).to_have_count(len(WALKERS))

    # a clean pass: ≤ 4 clicks from the list (审核, 全部无误, 保存)
    target = order[0]
    count_clicks(page)
    page.locator(f"[data-review='{target}']").click()
    page.locator("[data-test=all-correct]").click()
    expect(page.locator("[data-test=module-nav]")).to_contain_text("已标记 7 / 7 个模块")
    shot(page, "console-afternoon-03-review-1366")
    axe(page, "review page at 1366")
    page.locator("[data-test=decision-panel]").get_by_role("button", name="保存").click()
    expect(page.locator("[data-test=review-list]")).to_be_visible()
    assert clicks(page) <= 4, clicks(page)
    poll(lambda: http.call("GET", f"/reviews/{decls[target]}", "institute-agent")["task"]["state"] != "open")

    # 返回 from 审核进度 comes back to the tab it left (待送审)
    page.locator(".el-radio-button", has_text="待送审").click()
    waiting = page.locator("[data-test=review-list] .el-table__body-wrapper tr", has_text=target)
    expect(waiting).to_be_visible()
    waiting.get_by_role("button", name="审核进度").click()
    expect(page.get_by_text("进度跟踪").first).to_be_visible()
    page.get_by_text("返回").first.click()
    expect(page.get_by_role("radio", name="待送审")).to_be_checked()
    expect(waiting).to_be_visible()

    # 批量送审: confirmed, naming the people
    waiting.locator(".el-checkbox").click()
    page.get_by_role("button", name="批量送审").click()
    box = page.get_by_role("dialog", name="批量送审")
    expect(box).to_contain_text(target)
    settle(page)
    axe(page, "批量送审 confirmation")
    box.get_by_role("button", name="取消").click()
    expect(page.locator("[data-test=send-results]")).to_have_count(0)
    page.context.close()


def test_terminate_common_opinions_and_the_returned_list(browser, web_stack, queue, shot):
    http, decls = queue["http"], dict(queue["decls"])
    page = login(browser, web_stack, "institute-agent", LARGE)
    rows = pending_list(page, queue["returned"])
    expect(rows).to_have_count(1)
    name = page.locator("[data-test=review-list] [data-review]").get_attribute("data-review")
    assert name == queue["returned"], name
    page.locator(f"[data-review='{name}']").click()
    panel = page.locator("[data-test=decision-panel]")
    expect(panel).to_contain_text("注意：选择终止审核后，申报者将无法参与本次申报！")

    # 终止审核: confirmed, naming the person and the consequence (manual 004); 取消 changes nothing
    page.locator("[data-test=all-correct]").click()
    panel.get_by_text("资格不符，终止审核").click()
    panel.get_by_role("textbox", name="审核意见").fill("经审核，不符合申报条件，终止审核。")
    panel.get_by_role("button", name="保存").click()
    box = page.get_by_role("dialog", name="终止审核")
    expect(box).to_contain_text(name)
    expect(box).to_contain_text("申报者将无法参与本次申报")
    settle(page)
    axe(page, "terminate confirmation")
    box.get_by_role("button", name="取消").click()
    assert http.call("GET", f"/reviews/{decls[name]}", "institute-agent")["task"]["state"] == "open"
    expect(box).to_be_hidden()      # its fading overlay took the next click once on a loaded machine
    settle(page)

    # 常用意见: the level's defaults, 存为常用意见 with feedback, then edit and delete
    panel.get_by_role("combobox", name="常用意见").click(force=True)
    options = page.locator(".el-select-dropdown__item:visible")
    expect(options.first).to_be_visible()
    assert options.count() >= 3
    page.keyboard.press("Escape")
    panel.get_by_role("textbox", name="审核意见").fill("申报材料齐全，同意推荐至上级主管部门。")
    panel.locator("[data-test=save-opinion]").click()
    expect(page.locator(".el-message")).to_contain_text("已存为常用意见")
    panel.locator("[data-test=manage-opinions]").click()
    manager = page.get_by_role("dialog", name="维护常用意见")
    line = manager.locator("li", has_text="申报材料齐全，同意推荐至上级主管部门。")
    expect(line).to_be_visible()
    settle(page)
    axe(page, "常用意见 dialog")
    line.get_by_role("button", name=re.compile("^修改")).click()
    manager.get_by_role("textbox", name="修改常用意见").fill("申报材料齐全，同意推荐。")
    manager.get_by_role("button", name="保存").click()
    expect(page.locator(".el-message", has_text="常用意见已修改")).to_be_visible()
    line = manager.locator("li", has_text="申报材料齐全，同意推荐。")
    line.get_by_role("button", name=re.compile("^删除")).click()
    page.get_by_role("dialog", name="删除常用意见").get_by_role("button", name="删除").click()
    expect(page.locator(".el-message", has_text="常用意见已删除")).to_be_visible()
    expect(manager.locator("li", has_text="申报材料齐全，同意推荐。")).to_have_count(0)
    page.keyboard.press("Escape")

    # 退回修改, then the 已退回 list shows its columns and opens the declaration read-only
    panel.get_by_text("退回修改").click()
    page.locator("[data-mark=work]").get_by_text("是").click()
    panel.locator("[data-problem=work]").click()
    panel.get_by_role("textbox", name="审核意见").fill("工作经历请补充证明材料。")
    panel.get_by_role("button", name="保存").click()
    expect(page.locator("[data-test=review-list]")).to_be_visible()
    page.locator(".el-radio-button", has_text="已退回").click()
    row = page.locator("[data-test=review-list] .el-table__body-wrapper tr", has_text=name)
    expect(row).to_contain_text("长白理工大学先进材料研究院")
    expect(row).to_contain_text("C类")
    expect(row).to_contain_text("第1轮")
    expect(row).to_contain_text(re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}"))
    shot(page, "console-afternoon-04-returned-1920")
    axe(page, "returned list at 1920")
    row.get_by_role("button", name="查看").click()
    expect(page.locator("[data-test=read-only]")).to_contain_text("已退回申报人修改")
    expect(page.locator("[data-test=decision-panel]")).to_have_count(0)
    page.context.close()


def test_the_binding_dialog_keeps_the_choice_and_shows_the_error_at_the_field(browser, web_stack, queue, shot):
    page = login(browser, web_stack, "institute-agent", SMALL)
    page.get_by_role("menuitem", name="绑定审核").click()
    page.locator(f"[data-binding='{queue['joiner']}']").click()
    dialog = page.get_by_role("dialog", name="个人绑定推荐单位申请")
    form = dialog.locator("[data-test=binding-decision]")
    expect(form).to_contain_text("信息是否有误？")
    expect(form).to_contain_text("注意：选择终止审核后，申报者将无法参与本次申报！")
    expect(form.get_by_role("radio", name="审核通过")).not_to_be_checked()       # nothing preselected
    dialog.get_by_role("button", name="保存").click()
    expect(form).to_contain_text("请选择审核结果")
    form.get_by_text("资格不符，终止审核").click()
    dialog.get_by_role("button", name="保存").click()
    expect(dialog).to_be_visible()                                              # still open, at the field
    at_opinion = form.locator(".el-form-item", has=page.get_by_role("textbox", name="审核意见"))
    expect(at_opinion.locator(".el-form-item__error")).to_contain_text("请填写审核意见")
    expect(form.get_by_text("请选择审核结果")).to_have_count(0)
    expect(form.get_by_role("radio", name="资格不符，终止审核")).to_be_checked()   # the choice kept
    settle(page)
    shot(page, "console-afternoon-05-binding-1366")
    axe(page, "binding dialog")
    page.context.close()
