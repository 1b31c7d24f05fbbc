"""The reviewers' console for 职称 declarations (manuals 002 and 003 §3.1.1) on a 1440×900 desktop.
Each test that needs one has its own fresh applicant (made here through the token route, used by no
other test: the tests' order, or what other tests did, changes nothing it reads), who prepares a 正常职称申报
破格 declaration with two recommending experts over HTTP (real uploads by presigned POST, per-expert
files); the unit agent then finds it through the 业务审核 counts of 正常职称申报, sees every module
including each expert's details and attachments, and returns the experts module to the applicant with
a 常用意见. Screenshots go to test-artifacts/screenshots/console-title-*.png; axe-core finds 0
serious or critical violations on each new screen."""
import random
import re

import pytest
from playwright.sync_api import expect

from tests.helpers.console import axe, login, settle
from tests.helpers.desk import choose
from tests.helpers.poll import poll
from tests.helpers.title_scene import APPLICANT_FILES, EXPERT, EXPERTS, MATTER, MODULES, basic, post_upload, slot_body

OPINION = "破格推荐专家信息有误，请核对专家推荐意见表后重新上传。"


def fresh_number():
    """申报人<n>: eight digits, so that one applicant's name never contains another's."""
    return random.randrange(10 ** 7, 10 ** 8)


@pytest.fixture
def title_scene(web_stack):
    """A declaration of the test's own, waiting at the institute's agent."""
    from bench.load import new_applicant, setup

    ctx = setup(web_stack.api_url)
    c, agents, base = ctx["c"], ctx["agents"], web_stack.api_url.rstrip("/")
    n = fresh_number()
    tok, _, req = new_applicant(c, n, ctx["unit_codes"], "institute")
    c.call("approve", "POST", f"/binding-requests/{req['request_id']}/decision", agents["institute"],
           json={"decision": "approve", "opinion": "同意"})

    def call(method, path, token=tok, ok=(200, 201, 204), **kw):
        r = c.s.request(method, f"{base}{path}", headers={"Authorization": f"Bearer {token}",
                                                          **kw.pop("headers", {})}, timeout=60, **kw)
        assert r.status_code in ok, (method, path, r.status_code, r.text[:300])
        return r.json() if r.content else None

    menu = call("GET", "/matters")
    normal = next(m for s in menu["services"] for g in s["groups"] for m in g["matters"] if m["code"] == MATTER)
    d = call("POST", "/declarations", json={"notice_id": normal["notices"][0]["notice_id"], "confirmed": True,
                                            "unit_code": ctx["unit_codes"]["institute"]})["decl_id"]

    def save(module, content):
        v = call("GET", f"/declarations/{d}")["modules"][module]["version"]
        call("PUT", f"/declarations/{d}/modules/{module}", headers={"If-Match": str(v)}, json={"content": content})

    name = f"申报人{n}"
    save("basic", basic(n))
    for module, content in MODULES:
        save(module, content)
    ids = []
    for expert_name in EXPERTS:
        ids = [e["id"] for e in call("POST", f"/declarations/{d}/modules/experts/entries",
                                     json={"entry": {**EXPERT, "name": expert_name}})["content"]]

    def upload(category, data, ctype, entry_id=None, slot=None):
        s = call("POST", f"/declarations/{d}/attachments", json=slot_body(category, data, ctype, entry_id, slot))
        post_upload(c.s, s["upload"], data, ctype)
        call("POST", f"/declarations/{d}/attachments/{s['attachment']['attachment_id']}/complete")

    png, pdf = ctx["png"], ctx["pdf"]
    for category, slot in APPLICANT_FILES:
        upload(category, png, "image/png", slot=slot)
    for entry_id in ids:
        upload("expert_title_certificate", png, "image/png", entry_id=entry_id)
        upload("expert_recommendation", pdf, "application/pdf", entry_id=entry_id)
    poll(lambda: call("GET", f"/declarations/{d}/validation")["ok"])
    call("POST", f"/declarations/{d}/pledge", json={"accepted": True})
    call("POST", f"/declarations/{d}/submit")
    agent = agents["institute"]
    poll(lambda: ((call("GET", f"/reviews/{d}", agent, ok=(200, 404)) or {}).get("task") or {}).get("state") == "open")
    # the agent's own 常用意见: kept across declarations, offered on the review page
    if not any(o["text"] == OPINION for o in call("GET", "/opinions", agent)["items"]):
        call("POST", "/opinions", agent, json={"text": OPINION})
    modules = [m["key"] for m in call("GET", f"/matters/{MATTER}/definition", agent)["modules"]] + ["attachments"]
    return {"call": call, "decl_id": d, "name": name, "agent": agent, "modules": modules}


def test_workbench_tiles_open_the_review_list_of_their_matter(browser, web_stack, title_scene, shot):
    """业务审核 tiles add up every matter by default (全部事项), or count the one chosen in 统计事项 and
    open that matter's review list: a unit with a 职称 task and a 人才分类定级 task picks 正常职称申报,
    and its 审核 tile lists only the 职称 task; picking 人才分类定级评定, only the other one (both tasks
    are this test's own, waiting)."""
    from bench.load import prepare_declaration, setup

    ctx = setup(web_stack.api_url)
    n = fresh_number()
    grading, _, tok = prepare_declaration(ctx["c"], n, ctx["notice"], ctx["unit_codes"], ctx["agents"], ctx["png"],
                                          ctx["pdf"], unit="institute")
    ctx["c"].call("submit", "POST", f"/declarations/{grading}/submit", tok)
    grading_name, title_name, call = f"申报人{n}", title_scene["name"], title_scene["call"]
    poll(lambda: ((call("GET", f"/reviews/{grading}", title_scene["agent"], ok=(200, 404)) or {}).get("task")
                  or {}).get("state") == "open")

    page = login(browser, web_stack, "institute-agent")
    # by default the tiles add up every matter of the table (manual 001 §3.3: 全部事项); 审核 opens the
    # review list of the first matter with something to review
    workbench = call("GET", "/workbench", title_scene["agent"])
    every = page.get_by_role("list", name="全部事项统计")
    expect(every.locator("[data-tile=pending] .tile-num")).to_have_text(str(workbench["summary"]["pending"]))
    first = next((r for r in workbench["rows"] if r["pending"] > 0 and not r["matter"].startswith("BIND_")), None) \
        or next(r for r in workbench["rows"] if r["pending"] > 0)
    every.locator("[data-tile=pending]").click()
    expect(page).to_have_url(re.compile("kind=person&state=pending" if first["matter"] == "BIND_PERSON" else
                                        "kind=unit&state=pending" if first["matter"] == "BIND_UNIT" else
                                        rf"bucket=pending&year=\d{{4}}&matter_type={first['matter']}"))
    page.get_by_role("menuitem", name="工作台").click()

    tiles = page.get_by_role("list", name="正常职称申报统计")
    choose(page, "统计事项", "正常职称申报")
    expect(tiles).to_be_visible()
    counts = call("GET", "/workbench", title_scene["agent"])["rows"]
    title_row = next(r for r in counts if r["matter"] == MATTER)
    expect(tiles.locator("[data-tile=pending] .tile-num")).to_have_text(str(title_row["pending"]))
    settle(page)
    shot(page, "console-title-00-workbench-tiles")
    axe(page, "workbench with the 统计事项 tiles")
    tiles.locator("[data-tile=pending]").click()
    expect(page).to_have_url(re.compile(rf"matter_type={MATTER}&bucket=pending"))
    expect(page.locator("[data-test=matter]")).to_contain_text("正常职称申报")
    body = page.locator("[data-test=review-list] .el-table__body")
    expect(body.locator("tr", has_text=title_name)).to_have_count(1)
    expect(body.locator("tr", has_text=grading_name)).to_have_count(0)
    expect(body.locator("tr")).to_have_count(title_row["pending"])

    # the other matter's tiles open its own list
    page.get_by_role("menuitem", name="工作台").click()
    choose(page, "统计事项", "人才分类定级评定")
    grading_tiles = page.get_by_role("list", name="人才分类定级评定统计")
    grading_tiles.locator("[data-tile=pending]").click()
    expect(page).to_have_url(re.compile(r"matter_type=TALENT_GRADING&bucket=pending"))
    body = page.locator("[data-test=review-list] .el-table__body")
    expect(body.locator("tr", has_text=grading_name)).to_have_count(1)
    expect(body.locator("tr", has_text=title_name)).to_have_count(0)
    # 全部 and 今日办结 are figures only: no single list holds exactly what they count
    page.get_by_role("menuitem", name="工作台").click()
    expect(page.get_by_role("list", name="全部事项统计").locator("[data-tile=all]")).not_to_have_attribute(
        "type", "button")
    page.context.close()


def test_console_title_review_returns_experts(browser, web_stack, title_scene, shot):
    call, d, name = title_scene["call"], title_scene["decl_id"], title_scene["name"]
    page = login(browser, web_stack, "institute-agent")
    # 业务审核: counts per matter, grouped by service; 职称 has its own rows
    pending = page.locator(f"[data-count='{MATTER}:pending']")
    expect(pending).to_be_visible()
    expect(pending).not_to_have_text("0 条")
    expect(page.locator("[data-category]", has=pending)).to_contain_text("正常职称申报")
    shot(page, "console-title-01-workbench")
    axe(page, "workbench with 职称 counts")

    # the count opens the review list of that matter and bucket
    pending.click()
    expect(page.locator("[data-test=matter]")).to_contain_text("正常职称申报")
    row = page.locator("[data-test=review-list] .el-table__body tr", has_text=name)
    expect(row).to_have_count(1)
    expect(row).to_contain_text("正高级")
    expect(page.locator("[data-test=review-list] thead")).to_contain_text("申报级别")
    shot(page, "console-title-02-review-list")
    axe(page, "职称 review list")

    # the review page: every module of the matter, each expert with their own files
    page.locator(f"[data-review='{name}']").click()
    experts = page.locator("#review-module-experts")
    expect(experts.locator("[data-expert]")).to_have_count(2)
    expect(experts.locator("[data-expert='1']")).to_contain_text("王教授")
    expect(experts.locator("[data-expert='2']")).to_contain_text("李研究员")
    for i in ("1", "2"):
        one = experts.locator(f"[data-expert='{i}']")
        expect(one.locator("[data-att-group='专家职称证书']")).to_contain_text("专家职称证书（1）")
        expect(one.locator("[data-att-group='专家推荐意见表（专家本人签字）']")).to_contain_text("（1）")
    expect(page.locator("#review-module-work_summary")).to_contain_text("任现职以来从事先进材料研究。")
    expect(page.locator("[data-test=progress-link]")).to_be_visible()
    for key in title_scene["modules"]:
        page.locator(f"[data-mark='{key}']").get_by_text("是" if key == "experts" else "否", exact=True).click()
    panel = page.locator("[data-test=decision-panel]")
    panel.get_by_text("退回修改", exact=True).click()
    panel.locator("[data-problem='experts']").click()
    panel.locator("[data-test=common-opinions]").click()
    opinion = page.locator(".el-select-dropdown__item:visible", has_text=OPINION)
    expect(opinion).to_be_visible()
    settle(page)                    # a click while the list zooms in can be lost (test_e2e.choose)
    opinion.click()
    expect(panel.get_by_role("textbox", name="审核意见")).to_have_value(OPINION)
    settle(page)
    shot(page, "console-title-03-review-page")
    axe(page, "职称 review page")
    panel.get_by_role("button", name="保存").click()
    expect(page.locator("[data-test=matter]")).to_contain_text("正常职称申报")
    expect(page.locator(".el-message--success")).to_contain_text("保存成功")
    settle(page)   # the toast fades in: axe measures its colours once it is fully shown
    axe(page, "review list with the 保存成功 toast")

    # the declaration went back to the applicant with the experts module open for changes
    def returned():
        mine = call("GET", f"/declarations/{d}")
        return mine if "experts" in (mine.get("editable_modules") or []) else None
    mine = poll(returned)
    assert mine["return_opinion"] == OPINION or OPINION in str(mine.get("return_opinion"))
    # the custom 常用意见 is still offered
    assert any(o["text"] == OPINION for o in call("GET", "/opinions", title_scene["agent"])["items"])

    # 评审结果 of 正常职称申报: the matter's own columns and result states
    expect(page.locator(".el-message")).to_have_count(0, timeout=10000)     # the 保存成功 toast is gone
    page.get_by_role("menuitem", name="评审结果").click()
    filters = page.locator("[data-test=result-filters]")       # the results page, not the list it replaces
    expect(filters).to_be_visible()
    choose(page, "事项", "正常职称申报", within=filters)
    expect(page.locator(".el-card__header", has_text="评审结果查询")).to_contain_text("正常职称申报")
    head = page.locator("[data-test=results] thead")
    expect(head).to_contain_text("申报级别")
    expect(head).not_to_contain_text("人才认定分类")
    expect(page.locator("[data-test=result-filters]")).not_to_contain_text("人才认定分类")
    expect(head).to_contain_text("评审后级别")               # the definition's name of the granted level
    expect(page.locator("[data-test=results-note]")).to_have_count(0)   # no note about other matters' words
    settle(page)
    shot(page, "console-title-04-results")
    axe(page, "职称 results")
    page.context.close()


def test_console_non_json_error_is_chinese(browser, web_stack):
    """A gateway's HTML 502 instead of the API's JSON: a Chinese message with the status, no crash."""
    page = login(browser, web_stack, "institute-agent")
    page.route("**/reviews/search", lambda route: route.fulfill(
        status=502, content_type="text/html", body="<html><body><h1>502 Bad Gateway</h1></body></html>"))
    page.goto(f"{web_stack.web_url}/#/console/reviews?matter_type={MATTER}")
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("服务暂时不可用（502），请稍后重试")
    page.context.close()
