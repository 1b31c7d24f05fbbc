"""The reviewers' console at every level (manuals 001, 003, 004) on a 1440×900 desktop: a unit
agent, a superior unit, a city bureau and the provincial office. A declaration with 人才认定分类
高层次人才 is prepared over HTTP (real uploads by presigned POST) and passed by the lower levels;
each level's pages are checked, screenshotted into test-artifacts/screenshots/console-*.png and
scanned with axe-core (0 serious or critical violations)."""
import pytest
from playwright.sync_api import expect

from tests.helpers import files
from tests.helpers.console import DESK, MARKS, axe, login, settle
from tests.helpers.paths import ROOT
from tests.helpers.poll import poll
from tests.helpers.stack import Http, task_state

BASIC = {"name": "孙立新", "phone": "13800000005", "personnel_category": "专业技术人员", "education": "博士研究生",
         "applied_level": "C类", "talent_category": "高层次人才"}


def pass_level(http, login, d, send=True):
    http.call("GET", "/me", login)           # token
    poll(lambda: task_state(http, login, d) == "open")
    http.call("POST", f"/reviews/{d}/decision", login,
              json={"outcome": "pass", "marks": MARKS, "opinion": f"{login}：材料真实，同意推荐"})
    if send:
        http.upload(f"/reviews/{d}/report", lambda a: f"/reviews/{d}/report/{a}/complete", login,
                    "推荐报告.pdf", "application/pdf", files.pdf())
        sent = http.call("POST", "/reviews/send", login, json={"decl_ids": [d]})
        assert sent["sent"] == 1, sent


@pytest.fixture(scope="module")
def scene(web_stack):
    """applicant1's declaration (高层次人才) passed by the institute, the university and 吉林省教育厅:
    it waits at 长春市人社局."""
    http = Http(web_stack.api_url)
    a = "applicant5"        # unbound in the seed: binds to the institute here (e2e: applicant1, the phone flow: applicant4)
    institute = http.call("GET", "/units/me", "institute-agent")["credit_code"]
    if http.call("GET", "/bindings/me", a).get("status") != "approved":
        http.call("POST", "/bindings/me", a, json={"credit_code": institute})
        req = http.call("GET", "/bindings/me", a)["request_id"]
        http.call("POST", f"/binding-requests/{req}/decision", "institute-agent",
                  json={"decision": "approve", "opinion": "同意"})
    notice = http.call("GET", "/notices", a)["items"][0]["notice_id"]
    decl = http.call("POST", "/declarations", a, json={"notice_id": notice, "confirmed": True})
    d = decl["decl_id"]
    contents = {"basic": BASIC, "work": [{"employer": "长白理工大学", "post": "教授", "start_date": "2010-07-01"}],
                "achievements": "主持国家重点研发计划项目一项。",
                "honours": [{"name": "吉林省拔尖创新人才", "granted_on": "2021-09-10", "representative": True}]}
    for module, content in contents.items():
        http.call("PUT", f"/declarations/{d}/modules/{module}", a,
                  headers={"If-Match": str(decl["modules"][module]["version"])}, json={"content": content})
    png, pdf = files.png(300, 400), files.pdf()
    for category, data, ctype, slot in (("photo", png, "image/png", None), ("id_card", png, "image/png", "正面"),
                                        ("id_card", png, "image/png", "反面"),
                                        ("talent_certificate", pdf, "application/pdf", None),
                                        ("contract", pdf, "application/pdf", None)):
        http.upload(f"/declarations/{d}/attachments", lambda x: f"/declarations/{d}/attachments/{x}/complete", a,
                    f"{category}.{ctype.split('/')[1]}", ctype, data, category=category, **({"slot": slot} if slot else {}))
    poll(lambda: http.call("GET", f"/declarations/{d}/validation", a).get("ok"))
    http.call("POST", f"/declarations/{d}/pledge", a, json={"accepted": True})
    http.call("POST", f"/declarations/{d}/submit", a)
    for login in ("institute-agent", "university-agent", "edu-dept-agent"):
        pass_level(http, login, d)
    http.call("GET", "/me", "cc-bureau-agent")
    poll(lambda: task_state(http, "cc-bureau-agent", d) == "open")
    return {"http": http, "decl_id": d, "applicant": a}


def menu(page, label):
    page.get_by_role("menuitem", name=label).click()
    if label == "业务审核":      # its counts page (manual 001 §3.3): 人才分类定级评定's 待审核 opens the list
        page.locator("[data-count='TALENT_GRADING:pending']").click()


def test_console_unit_agent(browser, web_stack, scene, shot):
    page = login(browser, web_stack, "institute-agent")
    expect(page.locator("[data-test=region]")).to_contain_text("长春市朝阳区（220104）")
    expect(page.locator("[data-test=reporting-form]")).to_be_visible()
    expect(page.locator("[data-tile=done_total] .tile-num")).not_to_have_text("0")
    expect(page.locator("[data-tile=all]")).to_contain_text("全部")
    shot(page, "console-unit-01-workbench")
    axe(page, "unit workbench")
    page.locator("[data-tile=done_total]").click()
    row = page.locator("[data-test=review-list] .el-table__body tr", has_text="孙立新").first
    expect(row).to_contain_text("长白理工大学先进材料研究院")
    expect(row).to_contain_text("C类")
    expect(row.locator("[data-test=round]")).to_have_text("第1轮")
    expect(row).to_contain_text("审核通过")
    expect(page.locator("[data-test=review-list] thead")).to_contain_text("申报日期")
    shot(page, "console-unit-02-done-list")
    axe(page, "unit task list")
    menu(page, "评审结果")
    results = page.locator("[data-test=results] .el-table__body tr", has_text="孙立新")
    expect(results).to_have_count(1)
    expect(results.first).to_contain_text("高层次人才")
    expect(results.first).to_contain_text("未认定")
    # the default matter (the server's) with its own wording: 评审后评定级别 and what 未认定/通过/未通过 mean
    expect(page.locator("[data-test=results] thead")).to_contain_text("评审后评定级别")
    expect(page.locator("[data-test=results-note]")).to_contain_text("“未认定”表示申报者及其材料暂未经过线下评审认定环节")
    shot(page, "console-unit-03-results")
    axe(page, "unit results")
    # per-row export: a queued job, then a download link
    page.locator("[data-export='孙立新']").click()
    expect(page.locator("[data-test=export-link]")).to_be_visible(timeout=60000)
    page.context.close()


def test_console_superior_unit(browser, web_stack, scene, shot):
    http = scene["http"]
    page = login(browser, web_stack, "university-agent")
    expect(page.locator("[data-test=superior]")).to_contain_text("吉林省教育厅")
    expect(page.locator("[data-tile=done_total] .tile-num")).not_to_have_text("0")
    shot(page, "console-superior-01-workbench")
    axe(page, "superior workbench")
    menu(page, "评审结果")
    mine = page.locator("[data-test=results] .el-table__body tr", has_text="孙立新")
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


def test_console_city_bureau_review_page(browser, web_stack, scene, shot):
    d = scene["decl_id"]
    page = login(browser, web_stack, "cc-bureau-agent")
    expect(page.locator("[data-test=unit-info]")).to_be_visible()
    expect(page.locator("[data-test=reporting-form]")).to_have_count(0)       # unit-only form
    expect(page.locator("[data-tile=pending] .tile-num")).not_to_have_text("0")
    shot(page, "console-city-01-workbench")
    axe(page, "city workbench")
    menu(page, "业务审核")
    expect(page.get_by_role("radio", name="待送审")).to_have_count(0)
    row = page.locator("[data-test=review-list] .el-table__body tr", has_text="孙立新").first
    expect(row).to_contain_text("长白理工大学先进材料研究院")
    page.locator("[data-review='孙立新']").first.click()
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
    assert d


def test_console_province(browser, web_stack, scene, shot):
    http, d = scene["http"], scene["decl_id"]
    http.call("GET", "/me", "cc-bureau-agent")
    if task_state(http, "cc-bureau-agent", d) == "open":      # this test alone: the bureau passes by API
        pass_level(http, "cc-bureau-agent", d, send=False)
    page = login(browser, web_stack, "province-agent")
    expect(page.locator("[data-test=reporting-form]")).to_have_count(0)
    shot(page, "console-province-01-workbench")
    urls = []
    page.on("request", lambda r: urls.append(r.url))
    menu(page, "评审结果")
    rows = page.locator("[data-test=results] .el-table__body tr")
    expect(rows.filter(has_text="孙立新")).to_have_count(1)
    expect(rows.filter(has_text="孙立新")).to_contain_text("长春市")     # other tests add rows of their own
    # 证件号码 search: the number travels in the body, never in a URL
    number = http.call("GET", f"/declarations/{d}", scene["applicant"])["modules"]["basic"]["content"]["id_number"]
    page.get_by_label("证件号码", exact=True).fill(number)
    page.get_by_role("button", name="查询").click()
    expect(rows).to_have_count(1)
    page.get_by_label("证件号码", exact=True).fill("")
    page.get_by_label("人才认定分类", exact=True).fill("高层次人才")
    page.get_by_role("button", name="查询").click()
    expect(rows.filter(has_text="孙立新")).to_have_count(1)
    assert not [u for u in urls if number in u or number.lower() in u]
    shot(page, "console-province-02-results")
    axe(page, "province results")
    page.locator("[data-test=export-all]").click()
    expect(page.locator("[data-test=export-link]")).to_be_visible(timeout=60000)
    # the province's own review level, then the committee page has no 信息是否有误 radios
    http.call("GET", "/me", "province-agent")
    pass_level(http, "province-agent", d, send=False)
    poll(lambda: http.call("POST", "/reviews/search", "province-agent", json={"bucket": "pending"})["items"])
    menu(page, "业务审核")
    # the committee's task is a stage of its own, not a second 审核 with an empty 办理期限 (issue 27)
    row = page.locator("[data-test=review-list] .el-table__body-wrapper tr", has=page.locator("[data-review='孙立新']")).first
    expect(row.locator("[data-test=stage]")).to_have_text("评委会结果录入")
    expect(row.locator("[data-test=due]")).to_have_text("评委会评审后录入，不设办理期限")
    page.locator("[data-review='孙立新']").first.click()
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
    assert late["items"], "the scene leaves 孙立新 pending or done at the bureau"
    with page.expect_response(lambda r: "/reviews/search" in r.url and (r.request.post_data_json or {}).get("bucket") == "pending"):
        held[0].fulfill(json=late)
    page.evaluate("() => new Promise((done) => requestAnimationFrame(() => setTimeout(done, 50)))")   # Vue applied it
    expect(page.get_by_role("radio", name="办结")).to_be_checked()
    expect(page.locator("[data-test=review-list]")).not_to_contain_text("迟到的应答")
    # and 待审核, clicked again, is answered and shown as usual
    page.get_by_role("radio", name="待审核").click(force=True)
    expect(page.get_by_role("radio", name="待审核")).to_be_checked()
    expect(page.locator("[data-test=review-list]")).not_to_contain_text("迟到的应答")
