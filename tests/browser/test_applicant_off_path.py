"""The applicant's phone off the happy path (issue 27, items 1–6 and 15), as a person notices it:
where each page opens (scroll position read from the page), the home page with its API down (what
failed and 重新加载, which works once the API is back; no false 未绑定 / 暂无申报记录), the notice card
once declared (status and the way to it), 提交 asking first in manual 000's words, what was given
in an earlier declaration offered again, the ID number whole at 320 px, and axe clean at 390 and
320 px with the toast and the notice popup named. 李文静 (applicant2, bound to the company) declares
here; no other browser test uses her declarations."""
import re

from playwright.sync_api import expect

from tests.helpers import files
from tests.helpers.company_declaration import BASIC, WHO, grading_declaration
from tests.helpers.phone import axe, login
from tests.helpers.stack import Http

NARROW = {"width": 320, "height": 640}
WORK = [{"employer": "吉林化纤集团", "post": "技术员", "start_date": "2012-07-01", "end_date": "2016-06-30"},
        {"employer": "松花江精密制造有限公司", "post": "工程师", "start_date": "2016-07-01"}]


def scroll_y(page):
    return page.evaluate("() => Math.round(window.scrollY)")


def settle(page):
    page.wait_for_function("document.getAnimations().every(a => a.playState !== 'running')")


def test_home_with_the_api_down_says_what_failed_and_retries(browser, web_stack, shot):
    page = login(browser, web_stack, WHO)
    expect(page.get_by_role("heading", name="历史申报信息")).to_be_visible()
    # the declarations list fails (network down); everything else answers
    down = re.compile(r".*/declarations$")
    page.route(down, lambda route: route.abort("internetdisconnected"))
    page.reload()
    failure = page.locator("[data-test=load-error]")
    expect(failure).to_contain_text("首页信息加载失败")
    expect(failure).to_contain_text("网络连接失败")
    # never a false empty state
    for wrong in ("未绑定", "去绑定", "当前年度暂无申报通知", "暂无申报记录"):
        expect(page.get_by_text(wrong)).to_have_count(0)
    shot(page, "m-off-01-home-api-down")
    axe(page, "home, API down")
    page.unroute(down)
    failure.get_by_role("button", name="重新加载").click()
    expect(page.get_by_role("heading", name="历史申报信息")).to_be_visible()
    expect(page.locator("[data-test=load-error]")).to_have_count(0)
    expect(page.get_by_text("松花江精密制造有限公司（已绑定）")).to_be_visible()
    # a page of a declaration with its API down: the same, and 重新加载 brings it
    http = Http(web_stack.api_url)
    d = grading_declaration(http)
    one = re.compile(rf".*/declarations/{d}$")
    page.route(one, lambda route: route.fulfill(status=503, body='{"Code":"UNAVAILABLE","Message":"服务繁忙，请稍后重试"}',
                                                content_type="application/json"))
    page.goto(f"{web_stack.web_url}/#/m/declare/{d}")
    expect(page.locator("[data-test=load-error]")).to_contain_text("服务繁忙，请稍后重试")
    page.unroute(one)
    page.get_by_role("button", name="重新加载").click()
    expect(page.locator("[data-module-tab=basic]")).to_be_visible()
    page.context.close()


def test_pages_open_at_the_top_and_home_comes_back_to_its_place(browser, web_stack, shot):
    http = Http(web_stack.api_url)
    d = grading_declaration(http)
    page = login(browser, web_stack, WHO)
    history = page.locator(f".history[data-decl='{d}']")
    expect(history).to_be_visible()
    history.scroll_into_view_if_needed()
    page.evaluate("() => window.scrollTo(0, document.documentElement.scrollHeight)")
    place = scroll_y(page)
    assert place > 200, f"home is not taller than the screen ({place} px): nothing to restore"
    history.get_by_role("button", name="编辑").click()                       # manual 002's word
    expect(page.locator("[data-module-tab=basic]")).to_be_visible()
    assert scroll_y(page) == 0                                               # the declaration opens at its top
    page.evaluate("() => window.scrollTo(0, document.documentElement.scrollHeight)")
    page.get_by_role("button", name="返回").first.click()
    expect(history).to_be_visible()
    page.wait_for_function(f"() => Math.abs(window.scrollY - {place}) <= 4")   # back where the list was
    # 进度跟踪 and 查看通知 open at their top too; the browser's back restores home's place
    page.evaluate("() => window.scrollTo(0, 0)")
    page.locator("[data-test=notice-open-declaration]").first.click()
    expect(page.locator("[data-module-tab=basic]")).to_be_visible()
    assert scroll_y(page) == 0
    page.context.close()


def test_the_notice_card_shows_the_declaration_and_the_way_to_it(browser, web_stack, shot):
    http = Http(web_stack.api_url)
    d = grading_declaration(http)
    page = login(browser, web_stack, WHO)
    title = http.call("GET", f"/declarations/{d}", WHO)["notice_title"]
    card = page.locator("section[aria-labelledby=h-notices] .m-section-body", has_text=title)
    expect(card.locator("[data-test=notice-declaration]")).to_contain_text("我的申报：未提交")
    expect(card.get_by_role("button", name=re.compile("^申报："))).to_have_count(0)   # no dead 申报 button
    # the notice popup: its close control and overlay have names (axe aria-command-name)
    card.get_by_role("button", name=re.compile("^查看通知：")).click()
    dialog = page.get_by_role("dialog", name=title)
    expect(dialog).to_be_visible()
    settle(page)
    axe(page, "notice popup")
    page.get_by_role("button", name="关闭通知").first.click()
    expect(dialog).to_be_hidden()
    card.get_by_role("button", name=re.compile("^编辑：")).click()
    expect(page).to_have_url(re.compile(rf"/m/declare/{d}"))
    page.context.close()


def test_submit_asks_first_in_manual_000s_words(browser, web_stack, shot):
    http = Http(web_stack.api_url)
    d = grading_declaration(http)
    page = login(browser, web_stack, WHO)
    page.goto(f"{web_stack.web_url}/#/m/declare/{d}?step=2")
    page.locator("[data-test=pledge]").click()
    page.get_by_role("button", name="提交", exact=True).click()
    dialog = page.get_by_role("dialog", name="确认提交")
    expect(dialog).to_contain_text("点击提交后，整个申报流程就全部结束了")
    settle(page)
    shot(page, "m-off-02-submit-confirm")
    axe(page, "submit confirmation")
    dialog.get_by_role("button", name="再检查一下").click()
    expect(dialog).to_be_hidden()
    assert http.call("GET", f"/declarations/{d}", WHO)["status"] == "draft"       # nothing was sent
    # a toast is a status message, not an unnamed dialog (axe aria-dialog-name)
    page.get_by_role("button", name="上一步").click()
    page.locator("[data-save]").click()
    expect(page.get_by_role("status").filter(has_text="保存成功")).to_be_visible()
    axe(page, "toast")
    page.context.close()


def given_in_grading(http, d):
    """What 李文静 gave in her 人才分类定级 draft besides 基本信息: her 工作经历 (the current one at the
    company) and, verified, her photo and both sides of her 身份证."""
    decl = http.call("GET", f"/declarations/{d}", WHO)
    if not decl["modules"]["work"]["saved_at"]:
        http.call("PUT", f"/declarations/{d}/modules/work", WHO, headers={"If-Match": str(decl["modules"]["work"]["version"])},
                  json={"content": WORK})
    have = {(a["category"], a["slot"]) for a in decl["attachments"] if a["state"] == "verified"}
    for category, slot in (("photo", None), ("id_card", "正面"), ("id_card", "反面")):
        if (category, slot) not in have:
            done = http.upload(f"/declarations/{d}/attachments", lambda a: f"/declarations/{d}/attachments/{a}/complete",
                               WHO, f"{category}{slot or ''}.png", "image/png", files.png(), category=category,
                               **({"slot": slot} if slot else {}))
            assert done["state"] == "verified", done


def test_what_was_given_before_is_offered_on_the_next_declaration(browser, web_stack, shot):
    """A 职称 declaration after the 人才分类定级 one (issue 27 item 5): 基本信息 offers the 联系方式, the
    工作单位 (her current 工作经历) and the 最高学历 given there, editable, not saved until the applicant
    saves; then the photo and the 身份证 正面/反面 given there are offered (使用此文件), and once used
    the validation no longer asks for 基本信息, 近期照片 or 身份证."""
    http = Http(web_stack.api_url)
    given_in_grading(http, grading_declaration(http))
    unit = http.call("GET", "/bindings/me", WHO)["unit_code"]
    title_notice = next(n for n in http.call("GET", "/notices?matter_type=TITLE_NORMAL", WHO)["items"])
    decl = http.call("POST", "/declarations", WHO, json={"notice_id": title_notice["notice_id"], "unit_code": unit,
                                                          "confirmed": True})
    page = login(browser, web_stack, WHO)
    page.goto(f"{web_stack.web_url}/#/m/declare/{decl['decl_id']}?step=1&module=basic")
    note = page.locator("[data-test=prefilled]")
    for label in ("工作单位", "最高学历"):
        expect(note).to_contain_text(label)
    basic = page.locator("[data-module=basic]")
    expect(basic.locator("[data-field=education] select")).to_have_value("硕士研究生")
    expect(basic.locator("[data-field=phone] input")).to_have_value(BASIC["phone"])   # 联系方式 (her record's, or given)
    expect(basic.locator("[data-field=employer] input")).to_have_value("松花江精密制造有限公司")
    expect(basic).to_contain_text("保存后可使用以前申报时上传的近期照片")
    shot(page, "m-off-04-prefilled")
    axe(page, "prefilled basic")
    # moving on keeps the offer without a 放弃修改 prompt (nothing the applicant typed is lost)
    page.locator("[data-module-tab]").nth(1).click()
    expect(page.locator("[data-module=basic]")).to_have_count(0)
    expect(page.get_by_role("dialog", name="有未保存的修改")).to_have_count(0)
    page.locator("[data-module-tab=basic]").click()
    expect(basic.locator("[data-field=education] select")).to_have_value("硕士研究生")
    basic.locator("[data-field=education] select").select_option("博士研究生")    # editable
    expect(basic).to_contain_text("有未保存的修改")
    # offered, not stored: the earlier value reaches the record only when the applicant saves
    assert not http.call("GET", f"/declarations/{decl['decl_id']}", WHO)["modules"]["basic"]["content"].get("education")
    # she completes what only a 职称 declaration asks, and saves
    for label, value in (("民族", "汉族"), ("现从事专业技术工作", "精密加工"), ("申报专业", "机械工程"),
                         ("申报资格名称", "高级工程师")):
        basic.get_by_label(label, exact=True).fill(value)
    basic.get_by_label("参加工作时间", exact=True).fill("2013-07-01")
    for label, value in (("政治面貌", "群众"), ("最高学位", "硕士"), ("申报系列", "工程"), ("申报级别", "副高级"),
                         ("申报类别", "正常")):
        basic.get_by_label(label, exact=True).select_option(value)
    page.locator("[data-save=basic]").click()
    expect(page.get_by_role("status").filter(has_text="保存成功")).to_be_visible()
    saved = http.call("GET", f"/declarations/{decl['decl_id']}", WHO)["modules"]["basic"]["content"]
    assert (saved["phone"], saved["employer"], saved["education"]) == (BASIC["phone"], "松花江精密制造有限公司", "博士研究生")
    # the photo given before, offered for this one: 使用此文件
    offer = basic.locator("[data-given=photo]")
    expect(offer).to_contain_text("以前申报（人才分类定级评定）时上传过近期照片")
    axe(page, "photo offered")
    offer.get_by_role("button", name="使用此文件（以前上传的近期照片）").click()
    expect(basic.locator("[data-slot=photo] [data-test=attachment]")).to_contain_text("已上传")
    expect(basic.locator("[data-given=photo]")).to_have_count(0)
    # 附件上传: both sides of the 身份证 offered and used
    page.goto(f"{web_stack.web_url}/#/m/declare/{decl['decl_id']}?step=2")
    page.reload()
    section = page.locator("[data-category=id_card]")
    for side in ("正面", "反面"):
        section.locator(f"[data-given=id_card-{side}]").get_by_role("button", name=f"使用此文件（以前上传的身份证{side}）").click()
        expect(section.locator(f"[data-slot=id_card-{side}] [data-test=attachment]")).to_contain_text("已上传")
    expect(section.locator("[data-test=given-file]")).to_have_count(0)
    report = page.locator("[data-test=validation]")
    expect(report).to_be_visible()
    for asked in ("基本信息", "近期照片", "身份证"):
        expect(report).not_to_contain_text(asked)
    shot(page, "m-off-05-given-files-used")
    axe(page, "given files used")
    page.context.close()


def test_the_id_number_is_whole_at_320_px(browser, web_stack, shot):
    http = Http(web_stack.api_url)
    d = grading_declaration(http)
    ctx = browser.new_context(viewport=NARROW, locale="zh-CN", is_mobile=True, has_touch=True)
    page = ctx.new_page()
    page.goto(f"{web_stack.web_url}/#/login")
    page.click(f"[data-login='{WHO}']")
    page.wait_for_url(re.compile(r"#/m$"))
    expect(page.get_by_role("heading", name="历史申报信息")).to_be_visible()
    axe(page, "home at 320 px")
    page.goto(f"{web_stack.web_url}/#/m/declare/{d}?step=1&module=basic")
    field = page.locator("[data-module=basic] [data-field=id_number] input")
    expect(field).to_have_value(re.compile(r"^\d{17}[\dX]$"))
    cut = field.evaluate("el => el.scrollWidth - el.clientWidth")
    assert cut <= 0, f"the ID number is cut off by {cut} px at 320 px"
    assert page.evaluate("() => document.documentElement.scrollWidth") <= NARROW["width"]   # no sideways scroll
    shot(page, "m-off-03-basic-320")
    axe(page, "basic at 320 px")
    ctx.close()
