"""职称 through review (manuals 002 and 003): a 正常职称申报 declaration with 破格 / 两名专家推荐破格 is prepared
over HTTP (real uploads by presigned POST) and submitted; the recommending unit's agent returns the
破格推荐专家 module in the console; on the phone (390×844) the applicant sees the opinion, the module marked ×, only it
editable, fixes the second expert and resubmits; the later levels of the matter's route pass (over
the API, as tests/browser/test_console_levels.py drives them), the provincial office records the
评委会 result, and the applicant's progress shows 终审通过 with the result, which also appears in the
unit's 评审结果 (the console, filtered by the matter)."""
import re

from playwright.sync_api import expect

from tests.helpers import files
from tests.helpers.desk import DESK, choose
from tests.helpers.desk import login as desk_login
from tests.helpers.phone import login, saved, visit
from tests.helpers.poll import poll
from tests.helpers.stack import Http, task_state

WHO = "applicant1"            # bound to the institute; its 人才分类定级 declaration (test_e2e) is another matter
MATTER = "TITLE_NORMAL"
AGENTS = ("institute-agent", "university-agent", "edu-dept-agent", "cc-bureau-agent", "jl-bureau-agent",
          "province-agent")
BASIC = {"name": "张明远", "phone": "13800000001", "ethnicity": "汉族", "political_status": "中共党员", "work_start": "2008-07-01",
         "employer": "长白理工大学先进材料研究院", "current_work": "材料研究", "education": "博士研究生",
         "degree": "博士", "series": "工程", "profession": "材料工程", "applied_level": "正高级",
         "applied_title": "正高级工程师", "apply_type": "破格", "break_type": "两名专家推荐破格"}
EXPERT = {"employer": "吉林大学", "title": "教授", "title_grade": "正高级", "profession": "材料科学", "phone": "13912345678",
          "opinion": "业绩突出，同意推荐。"}


def prepare(http):
    """applicant1's 正常职称申报 with two experts, submitted; returns the declaration id."""
    a = WHO
    services = http.call("GET", "/matters", a)["services"]
    notice = next(m for s in services for g in s["groups"] for m in g["matters"] if m["code"] == MATTER)["notices"][0]
    unit = http.call("GET", "/bindings/me", a)
    decl = http.call("POST", "/declarations", a, json={"notice_id": notice["notice_id"], "unit_code": unit["unit_code"],
                                                       "confirmed": True})
    d = decl["decl_id"]

    def put(module, content):
        version = http.call("GET", f"/declarations/{d}", a)["modules"][module]["version"]
        http.call("PUT", f"/declarations/{d}/modules/{module}", a, headers={"If-Match": str(version)},
                  json={"content": content})

    put("basic", BASIC)
    put("experts", [{**EXPERT, "name": "王立群"}, {**EXPERT, "name": "李静怡"}])
    put("break_reason", "主持完成国家级科研项目，业绩突出，申请破格。")
    put("education", [{"school": "吉林大学", "major": "材料学", "degree_level": "博士研究生", "start_date": "2003-09-01",
                       "end_date": "2008-07-01"}])
    put("work", [{"employer": "长白理工大学先进材料研究院", "post": "材料研究", "start_date": "2008-07-01"}])
    put("assessments", [{"year": 2024, "result": "优秀"}])
    put("work_summary", "任现职以来从事先进材料研究。")
    experts = http.call("GET", f"/declarations/{d}", a)["modules"]["experts"]["content"]
    png, pdf = files.png(300, 400), files.pdf()
    uploads = [("photo", png, "image/png", {}), ("id_card", png, "image/png", {"slot": "正面"}),
               ("id_card", png, "image/png", {"slot": "反面"}), ("assessment_proof", pdf, "application/pdf", {})]
    for e in experts:
        for category in ("expert_title_certificate", "expert_recommendation"):
            uploads.append((category, pdf, "application/pdf", {"entry_id": e["id"]}))
    for category, data, ctype, extra in uploads:
        http.upload(f"/declarations/{d}/attachments", lambda x: f"/declarations/{d}/attachments/{x}/complete", a,
                    f"{category}.{ctype.split('/')[1]}", ctype, data, category=category, **extra)
    report = poll(lambda: (lambda r: r if r.get("ok") else None)(http.call("GET", f"/declarations/{d}/validation", a)))
    assert report["ok"], report
    http.call("POST", f"/declarations/{d}/pledge", a, json={"accepted": True})
    http.call("POST", f"/declarations/{d}/submit", a)
    return d


def agents_by_unit(http):
    return {http.call("GET", "/me", who)["unit_code"]: who for who in AGENTS}


def marks_for(http, login, d, wrong=()):
    task = http.call("GET", f"/reviews/{d}", login)
    keys = [m["key"] for m in task.get("definition", {}).get("modules", [])] or None
    if keys is None:
        keys = list(http.call("GET", f"/declarations/{d}", WHO)["modules"])
    keys = list(dict.fromkeys(keys + ["attachments"]))
    return {k: "wrong" if k in wrong else "correct" for k in keys}


def decide(http, login, d, outcome, wrong=(), **extra):
    poll(lambda: task_state(http, login, d) == "open")
    marks = marks_for(http, login, d, wrong)
    http.call("POST", f"/reviews/{d}/decision", login, json={"outcome": outcome, "marks": marks, **extra})


def send(http, login, d):
    http.upload(f"/reviews/{d}/report", lambda a: f"/reviews/{d}/report/{a}/complete", login,
                "推荐报告.pdf", "application/pdf", files.pdf())
    sent = http.call("POST", "/reviews/send", login, json={"decl_ids": [d]})
    assert sent["sent"] == 1, sent


def test_title_returned_experts_fixed_and_passed(browser, web_stack, shot, tmp_path):
    http = Http(web_stack.api_url)
    d = prepare(http)
    route = http.call("GET", f"/declarations/{d}", WHO)["route"]
    who = agents_by_unit(http)
    first = who[route[0]["unit_code"]]
    assert first == "institute-agent", route

    # --- the recommending unit's agent returns the 破格推荐专家 module in the console ----------------------
    poll(lambda: task_state(http, first, d) == "open")
    unit = desk_login(browser, web_stack, first, DESK)
    unit.wait_for_url(re.compile(r"#/console"))
    unit.goto(f"{web_stack.web_url}/#/console/reviews?matter_type={MATTER}")
    unit.locator("[data-review='张明远']").first.click(timeout=30000)
    marks = unit.locator("[data-mark]")
    expect(unit.locator("[data-mark=experts]")).to_be_visible()
    for key in marks.evaluate_all("els => els.map(e => e.dataset.mark)"):
        unit.locator(f"[data-mark={key}]").get_by_text("是" if key == "experts" else "否").click()
    unit.get_by_text("退回修改").click()
    unit.locator("[data-problem=experts]").click()
    unit.get_by_role("textbox", name="审核意见").fill("破格推荐专家2的推荐意见不具体，请补充")
    shot(unit, "t19-console-return-experts")
    unit.get_by_role("button", name="保存").click()
    expect(unit.locator("[data-test=review-list]")).to_be_visible()

    # --- the applicant fixes the returned experts module on the phone and resubmits ------------------
    pdf = tmp_path / "推荐意见表.pdf"
    pdf.write_bytes(files.pdf(text="revised"))
    page = login(browser, web_stack, WHO)
    row = page.locator(f"[data-decl='{d}']")
    expect(row.locator("[data-test=history-status]")).to_have_text("被退回")
    row.get_by_role("button", name="编辑").click()     # manual 002: 编辑
    banner = page.locator("[data-test=returned-banner]")
    expect(banner).to_contain_text("破格推荐专家2的推荐意见不具体")
    expect(banner).to_contain_text("破格推荐专家×")           # the × on the right, as manual 002 shows it
    experts = page.locator("[data-module=experts]")
    expect(experts).to_be_visible()                                    # opens at the returned module
    expect(page.locator("[data-module-tab=experts] .m-bad")).to_have_text("×")
    second = experts.locator("[data-expert='2']")
    second.get_by_label("推荐意见", exact=True).fill("该同志主持国家级项目2项，成果转化效益显著，同意推荐破格申报正高级工程师。")
    second.get_by_role("button", name="保存破格推荐专家2").click()
    saved(page)
    second.locator("[data-slot=expert_recommendation] [data-test=attachment]").get_by_role(
        "button", name=re.compile("删除附件")).click()
    page.get_by_role("button", name="删除", exact=True).click()
    expect(second.locator("[data-slot=expert_recommendation] [data-test=attachment]")).to_have_count(0)
    second.locator("input[data-upload=expert_recommendation]").set_input_files(str(pdf))
    expect(second.locator("[data-slot=expert_recommendation] [data-test=attachment]")).to_contain_text(
        "已上传", timeout=20000)
    visit(page, shot, "t20-returned-experts")
    page.locator("[data-module-tab=basic]").click()                    # not returned: read-only
    expect(page.locator("[data-module=basic]")).to_contain_text("不可修改")
    page.locator("[data-module-tab=work_summary]").click()
    page.get_by_role("button", name="下一步").click()
    expect(page.locator("[data-test=validation-clean]")).to_be_visible(timeout=20000)
    page.locator("[data-test=pledge]").click()
    page.get_by_role("button", name="提交", exact=True).click()
    page.get_by_role("button", name="确认提交").click()     # manual 000: 提交 ends the declaration: asked first
    expect(page.locator("[data-test=submitted]")).to_contain_text("提交成功")

    # --- the chain passes: every level of the matter's route, then the 评委会 result -------------------
    for level in route:
        login_ = who[level["unit_code"]]
        decide(http, login_, d, "pass", opinion="材料真实，同意推荐")
        if level.get("role") == "unit":
            send(http, login_, d)
    http.call("GET", "/me", "province-agent")                           # token

    def record():   # the 评委会 task opens after the last level: the office records the result there
        r = http.s.post(f"{http.base}/reviews/{d}/result", json={"result": "通过", "level": "正高级"}, timeout=30,
                        headers={"Authorization": f"Bearer {http.tokens['province-agent']}"})
        if r.status_code == 409 and r.json()["Code"] == "NOT_AT_COMMITTEE":
            return False                                                # not yet: poll again
        assert r.status_code == 200, r.text[:300]
        return True
    poll(record)
    progress = poll(lambda: (lambda p: p if p["status"] == "approved" else None)(
        http.call("GET", f"/declarations/{d}/progress", WHO)))
    assert progress["result"] == "通过", progress

    page.goto(f"{web_stack.web_url}/#/m/progress/{d}")
    expect(page.locator("[data-test=status]")).to_have_text("终审通过")
    expect(page.locator("main")).to_contain_text("通过 正高级")
    visit(page, shot, "t21-progress-final")
    page.context.close()

    # --- 评审结果 in the console: the unit filters by the matter and finds the result -----------------------
    unit.get_by_role("menuitem", name="评审结果").click()
    filters = unit.locator("[data-test=result-filters]")       # the results page, not the list it replaces
    expect(filters).to_be_visible()
    choose(unit, "事项", "正常职称申报", within=filters)
    unit.get_by_role("button", name="查询").click()
    row = unit.locator("[data-test=results] .el-table__body tr", has_text="张明远").first
    expect(row).to_contain_text("通过", timeout=30000)
    expect(row).to_contain_text("正高级")
    shot(unit, "t22-console-results")
    unit.context.close()
