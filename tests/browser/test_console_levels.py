"""The reviewers' console at every level (manuals 001, 003, 004) on a 1440×900 desktop: a unit
agent, a superior unit, a city bureau and the provincial office. A declaration with 人才认定分类
高层次人才 is prepared over HTTP by a fresh applicant (real uploads by presigned POST) and passed by the
lower levels: one that no test changes, and one of their own for each test that decides at a level;
each level's pages are checked, screenshotted into test-artifacts/screenshots/console-*.png and
scanned with axe-core (0 serious or critical violations)."""
import pytest
from playwright.sync_api import expect

from tests.helpers.console import DESK, axe, login, settle
from tests.helpers.own_people import at_the_city_bureau, pass_level, tag
from tests.helpers.paths import ROOT
from tests.helpers.poll import poll
from tests.helpers.stack import Http, task_state


@pytest.fixture(scope="module")
def scene(web_stack):
    """The declaration the read-only tests look at (the unit's and the superior's lists and results,
    the bureau's lists): no test changes it. A test that decides at a level has its own (`own_scene`),
    so that no test depends on another having run first, or not."""
    return at_the_city_bureau(Http(web_stack.api_url), f"孙立新{tag()}")


@pytest.fixture
def own_scene(web_stack):
    """A declaration of the test's own, waiting at 长春市人社局."""
    return at_the_city_bureau(Http(web_stack.api_url), f"钱立文{tag()}")


def menu(page, label):
    page.get_by_role("menuitem", name=label).click()
    if label == "业务审核":      # its counts page (manual 001 §3.3): 人才分类定级评定's 待审核 opens the list
        page.locator("[data-count='TALENT_GRADING:pending']").click()


def test_console_unit_agent(browser, web_stack, scene, shot):
    name = scene["name"]
    page = login(browser, web_stack, "institute-agent")
    expect(page.locator("[data-test=region]")).to_contain_text("长春市朝阳区（220104）")
    expect(page.locator("[data-test=reporting-form]")).to_be_visible()
    expect(page.locator("[data-tile=done_total] .tile-num")).not_to_have_text("0")
    expect(page.locator("[data-tile=all]")).to_contain_text("全部")
    shot(page, "console-unit-01-workbench")
    axe(page, "unit workbench")
    page.locator("[data-tile=done_total]").click()
    row = page.locator("[data-test=review-list] .el-table__body tr", has_text=name)
    expect(row).to_have_count(1)
    expect(row).to_contain_text("长白理工大学先进材料研究院")
    expect(row).to_contain_text("C类")
    expect(row.locator("[data-test=round]")).to_have_text("第1轮")
    expect(row).to_contain_text("审核通过")
    expect(page.locator("[data-test=review-list] thead")).to_contain_text("申报日期")
    shot(page, "console-unit-02-done-list")
    axe(page, "unit task list")
    menu(page, "评审结果")
    results = page.locator("[data-test=results] .el-table__body tr", has_text=name)
    expect(results).to_have_count(1)
    expect(results.first).to_contain_text("高层次人才")
    expect(results.first).to_contain_text("未认定")
    # the default matter (the server's) with its own wording: 评审后评定级别 and what 未认定/通过/未通过 mean
    expect(page.locator("[data-test=results] thead")).to_contain_text("评审后评定级别")
    expect(page.locator("[data-test=results-note]")).to_contain_text("“未认定”表示申报者及其材料暂未经过线下评审认定环节")
    shot(page, "console-unit-03-results")
    axe(page, "unit results")
    # per-row export: a queued job, then a download link
    page.locator(f"[data-export='{name}']").click()
    expect(page.locator("[data-test=export-link]")).to_be_visible(timeout=60000)
    page.context.close()


def test_console_superior_unit(browser, web_stack, scene, shot):
    http, name = scene["http"], scene["name"]
    page = login(browser, web_stack, "university-agent")
    expect(page.locator("[data-test=superior]")).to_contain_text("吉林省教育厅")
    expect(page.locator("[data-tile=done_total] .tile-num")).not_to_have_text("0")
    shot(page, "console-superior-01-workbench")
    axe(page, "superior workbench")
    menu(page, "评审结果")
    mine = page.locator("[data-test=results] .el-table__body tr", has_text=name)
    expect(mine).to_have_count(1)
    expect(mine.first).to_contain_text("长白理工大学先进材料研究院")
    shot(page, "console-superior-02-results")
    # binding requests: the detail view moves with 上一条/下一条 (manual 001 §3.3)
    menu(page, "绑定审核")
    expect(page.locator("[data-test=binding-list] .el-table__body tr").first).to_be_visible()
    page.locator("[data-test=binding-list] .el-table__body tr").first.get_by_role("button").click()
    detail = page.locator("[data-test=binding-detail]")
    expect(detail).to_be_visible()
    expect(page.get_by_role("button", name="上一条")).to_be_disabled()
    expect(page.get_by_role("button", name="下一条")).to_be_visible()
    expect(detail).to_contain_text("待审核")
    settle(page)
    shot(page, "console-superior-03-binding-detail")
    axe(page, "binding detail")
    page.context.close()
    assert http


def test_console_city_bureau_review_page(browser, web_stack, own_scene, shot):
    d, name = own_scene["decl_id"], own_scene["name"]
    page = login(browser, web_stack, "cc-bureau-agent")
    expect(page.locator("[data-test=unit-info]")).to_be_visible()
    expect(page.locator("[data-test=reporting-form]")).to_have_count(0)       # unit-only form
    expect(page.locator("[data-tile=pending] .tile-num")).not_to_have_text("0")
    shot(page, "console-city-01-workbench")
    axe(page, "city workbench")
    menu(page, "业务审核")
    expect(page.get_by_role("radio", name="待送审")).to_have_count(0)
    row = page.locator("[data-test=review-list] .el-table__body tr", has_text=name)
    expect(row).to_have_count(1)
    expect(row).to_contain_text("长白理工大学先进材料研究院")
    # nothing on the review page moves once shown: the lower levels' opinions (above the modules) and
    # the photos come with it or in a box kept for them, so a 是/否 does not slide from under the pointer
    page.evaluate("""() => { window.__shifts = [];
        new PerformanceObserver((l) => window.__shifts.push(...l.getEntries().map((e) => e.value)))
            .observe({type: 'layout-shift'}); }""")
    page.locator(f"[data-review='{name}']").click()
    # the lower levels' 推荐报告/申报函 and every lower level's opinion
    expect(page.locator("[data-test=lower-reports]")).to_contain_text("吉林省教育厅")
    expect(page.locator("[data-test=lower-reports]")).to_contain_text("长白理工大学先进材料研究院")
    opinions = page.locator("[data-test=lower-opinions]")
    # each lower level's decision (its opinion text shows as soon as the progress record carries it)
    for text in ("长白理工大学先进材料研究院 · 审核通过", "长白理工大学 · 审核通过", "吉林省教育厅 · 审核通过"):
        expect(opinions).to_contain_text(text)
    # attachments labelled by category; no empty table for an empty list module
    expect(page.locator("[data-att-group='身份证']")).to_contain_text("身份证（2）")
    expect(page.locator("[data-att-group='聘用合同']")).to_be_visible()
    expect(page.locator("#review-module-education")).to_contain_text("（未填写）")
    expect(page.locator("#review-module-education .el-table")).to_have_count(0)
    page.wait_for_function("[...document.images].every((i) => i.complete)")
    shifted = page.evaluate("window.__shifts.reduce((a, b) => a + b, 0)")
    assert shifted < 0.01, f"the review page moved after it was shown (layout shift {shifted:.3f})"
    nav = page.locator("[data-test=module-nav]")
    expect(nav).to_contain_text("已标记 0 / 7 个模块")
    page.locator("[data-mark=basic]").get_by_text("否").click()
    expect(nav).to_contain_text("已标记 1 / 7 个模块")
    page.evaluate("window.scrollTo(0, 0)")
    shot(page, "console-city-02-review-top")
    axe(page, "review page")
    # the decision panel stays in view at the bottom of the long page
    page.locator("[data-nav=attachments]").click()
    page.mouse.wheel(0, 20000)
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    box = page.locator("[data-test=decision-panel]").bounding_box()
    assert box and 0 <= box["y"] and box["y"] + box["height"] <= DESK["height"], box
    expect(page.locator("[data-test=decision-panel]").get_by_role("button", name="保存")).to_be_in_viewport()
    page.screenshot(path=str(ROOT / "test-artifacts" / "screenshots" / "console-city-03-review-bottom.png"))
    for module in ("education", "continuing", "work", "achievements", "honours", "attachments"):
        page.locator(f"[data-mark={module}]").get_by_text("否").click()
    expect(nav).to_contain_text("已标记 7 / 7 个模块")
    page.get_by_role("textbox", name="审核意见").fill("长春市人社局：同意上报")
    page.locator("[data-test=decision-panel]").get_by_role("button", name="保存").click()
    expect(page.locator("[data-test=review-list]")).to_be_visible()
    page.context.close()
    http = own_scene["http"]
    poll(lambda: task_state(http, "cc-bureau-agent", d) == "done")       # the bureau's decision was saved


def test_console_province(browser, web_stack, own_scene, shot):
    http, d, name = own_scene["http"], own_scene["decl_id"], own_scene["name"]
    pass_level(http, "cc-bureau-agent", d, send=False)         # the bureau passes by API
    page = login(browser, web_stack, "province-agent")
    expect(page.locator("[data-test=reporting-form]")).to_have_count(0)
    shot(page, "console-province-01-workbench")
    urls = []
    page.on("request", lambda r: urls.append(r.url))
    menu(page, "评审结果")
    rows = page.locator("[data-test=results] .el-table__body tr")
    expect(rows.filter(has_text=name)).to_have_count(1)
    expect(rows.filter(has_text=name)).to_contain_text("长春市")     # other tests add rows of their own
    # 证件号码 search: the number travels in the body, never in a URL
    number = http.call("GET", f"/declarations/{d}", own_scene["applicant"])["modules"]["basic"]["content"]["id_number"]
    page.get_by_label("证件号码", exact=True).fill(number)
    page.get_by_role("button", name="查询").click()
    expect(rows).to_have_count(1)
    page.get_by_label("证件号码", exact=True).fill("")
    page.get_by_label("人才认定分类", exact=True).fill("高层次人才")
    page.get_by_role("button", name="查询").click()
    expect(rows.filter(has_text=name)).to_have_count(1)
    assert not [u for u in urls if number in u or number.lower() in u]
    shot(page, "console-province-02-results")
    axe(page, "province results")
    page.locator("[data-test=export-all]").click()
    expect(page.locator("[data-test=export-link]")).to_be_visible(timeout=60000)
    # the province's own review level, then the committee page has no 信息是否有误 radios
    http.call("GET", "/me", "province-agent")
    pass_level(http, "province-agent", d, send=False)
    poll(lambda: task_state(http, "province-agent", d) == "open")      # the committee's task
    menu(page, "业务审核")
    # the committee's task is a stage of its own, not a second 审核 with an empty 办理期限 (issue 27)
    row = page.locator("[data-test=review-list] .el-table__body-wrapper tr", has=page.locator(f"[data-review='{name}']"))
    expect(row.locator("[data-test=stage]")).to_have_text("评委会结果录入")
    expect(row.locator("[data-test=due]")).to_have_text("评委会评审后录入，不设办理期限")
    page.locator(f"[data-review='{name}']").click()
    expect(page.locator("[data-test=stage-line]")).to_contain_text("办理环节：评委会结果录入")
    expect(page.locator("[data-test=decision-panel]")).to_contain_text("评委会结果录入")
    expect(page.locator("[data-mark]")).to_have_count(0)
    expect(page.get_by_role("radiogroup", name="信息是否有误：")).to_have_count(0)
    # every lower level's decision, the city bureau's included
    expect(page.locator("[data-test=lower-opinions]")).to_contain_text("长春市人力资源和社会保障局 · 审核通过")
    expect(page.locator("[data-test=lower-reports]")).to_contain_text("吉林省教育厅")
    shot(page, "console-province-03-committee")
    axe(page, "committee page")
    page.context.close()


def test_a_late_answer_for_the_tab_left_does_not_fill_the_list(browser, web_stack, scene):
    """A reviewer clicks 待审核 then 办结 at once; the 待审核 answer arrives last. The list shows 办结's
    items, not the late answer's (CI once saw the 待送审 tab over the 待审核 list). The late answer's
    rows are renamed so that they are told apart whatever the lists hold."""
    page = login(browser, web_stack, "cc-bureau-agent")
    held, done_items = [], []

    def hold_first_pending(route):
        body = route.request.post_data_json or {}
        if body.get("bucket") == "pending" and not held:
            held.append(route)          # answered below, after the 办结 answer
        elif body.get("bucket") == "done":
            answer = route.fetch()
            done_items.extend(answer.json()["items"])
            route.fulfill(response=answer)
        else:
            route.continue_()
    page.route("**/reviews/search", hold_first_pending)
    menu(page, "业务审核")
    poll(lambda: held or page.wait_for_timeout(50), timeout=15)
    with page.expect_response(lambda r: "/reviews/search" in r.url and (r.request.post_data_json or {}).get("bucket") == "done"):
        page.get_by_role("radio", name="办结").click(force=True)
    late = held[0].fetch().json()
    late["items"] = [dict(i, person_name="迟到的应答") for i in (late["items"] or done_items[:1])]
    assert late["items"], "the scene leaves its declaration pending at the bureau"
    with page.expect_response(lambda r: "/reviews/search" in r.url and (r.request.post_data_json or {}).get("bucket") == "pending"):
        held[0].fulfill(json=late)
    page.evaluate("() => new Promise((done) => requestAnimationFrame(() => setTimeout(done, 50)))")   # Vue applied it
    expect(page.get_by_role("radio", name="办结")).to_be_checked()
    expect(page.locator("[data-test=review-list]")).not_to_contain_text("迟到的应答")
    # and 待审核, clicked again, is answered and shown as usual
    page.get_by_role("radio", name="待审核").click(force=True)
    expect(page.get_by_role("radio", name="待审核")).to_be_checked()
    expect(page.locator("[data-test=review-list]")).not_to_contain_text("迟到的应答")
