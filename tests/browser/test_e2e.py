"""The whole flow in a real browser: an applicant declares from scratch on a phone with real
uploads; the recommending unit returns two modules; the applicant fixes them and resubmits;
the chain passes through every level (units upload the 推荐报告 and 送审); the provincial office
records 通过; the applicant sees 终审通过."""
import re

from playwright.sync_api import expect

from tests.helpers import files
from tests.helpers.desk import DESK, login

PHONE = {"width": 390, "height": 844}


def applicant_saved(page):
    """Vant's 保存成功 toast came and went (it would cover the next tap's target otherwise)."""
    expect(page.locator(".van-toast:visible")).to_contain_text("保存成功")
    expect(page.locator(".van-toast:visible")).to_have_count(0, timeout=10000)


def open_module(page, key):
    """The 信息填报 step's module navigator: one screen per module."""
    page.locator(f"[data-module-tab={key}]").click()
    expect(page.locator(f"[data-module={key}]")).to_be_visible()
    return page.locator(f"[data-module={key}]")


def upload(page, selector, path):
    page.set_input_files(selector, str(path))


def test_declare_return_fix_and_pass_the_whole_chain(browser, web_stack, shot, tmp_path):
    png = tmp_path / "photo.png"
    png.write_bytes(files.png(300, 400))
    pdf = tmp_path / "证书.pdf"
    pdf.write_bytes(files.pdf())

    # --- the applicant declares on a phone: one screen per module, the app's 上一步/保存/下一步 ----------
    page = login(browser, web_stack, "applicant1", PHONE)
    expect(page.locator("[data-test=bound-unit]")).to_contain_text("长白理工大学先进材料研究院")
    shot(page, "01-applicant-home")
    page.get_by_role("button", name=re.compile("^申报：")).first.click()
    # manual 000: 查看申报注意事项 … 确认开始申报 (the API refuses a start without it)
    page.get_by_role("dialog", name="申报注意事项").get_by_role("button", name="确认开始申报").click()
    page.get_by_role("button", name="下一步").click()
    basic = page.locator("[data-module=basic]")
    basic.get_by_label("人员类别").select_option("专业技术人员")
    basic.get_by_label("学历").select_option("博士研究生")
    basic.get_by_label("申请评定级别").select_option("C类")
    page.click("[data-save=basic]")
    applicant_saved(page)
    upload(page, "input[data-upload='photo']", png)
    expect(basic.locator("[data-test=attachment]")).to_contain_text("已上传")

    work = open_module(page, "work")
    work.get_by_role("button", name="添加工作经历").click()
    work.get_by_label("工作单位").fill("长白理工大学")
    work.get_by_label("工作岗位").fill("教授")
    work.get_by_label("开始日期").fill("2010-07-01")
    page.click("[data-save=work]")
    applicant_saved(page)
    open_module(page, "achievements").get_by_role("textbox").fill("主持国家重点研发计划项目一项，成果转化产值过亿元。")
    page.click("[data-save=achievements]")
    applicant_saved(page)
    honours = open_module(page, "honours")
    honours.get_by_role("button", name="添加荣誉（奖励）信息").click()
    honours.get_by_label("荣誉奖励名称").fill("吉林省拔尖创新人才")
    honours.get_by_label("授予日期").fill("2021-09-10")
    honours.get_by_text("是", exact=True).click()
    page.click("[data-save=honours]")
    applicant_saved(page)
    expect(page.locator("[data-module-tab=honours]")).to_contain_text("✓")
    shot(page, "02-applicant-modules")
    page.get_by_role("button", name="下一步").click()          # the last module's 下一步 is 附件上传
    expect(page.locator("[data-test=validation]")).to_contain_text("身份证")
    upload(page, "input[data-upload='id_card-正面']", png)
    expect(page.locator("[data-slot='id_card-正面']")).to_contain_text("正面：photo.png")
    upload(page, "input[data-upload='id_card-反面']", png)
    expect(page.locator("[data-slot='id_card-反面']")).to_contain_text("反面：photo.png")
    upload(page, "input[data-upload='talent_certificate']", pdf)
    expect(page.locator("[data-slot='talent_certificate']")).to_contain_text("证书.pdf")
    expect(page.locator("[data-test=validation-clean]")).to_be_visible()   # refreshed after every upload
    page.locator("[data-test=pledge]").click()
    shot(page, "03-applicant-attachments-pledge")
    page.get_by_role("button", name="提交", exact=True).click()
    page.get_by_role("button", name="确认提交").click()     # manual 000: 提交 ends the declaration: asked first
    expect(page.get_by_text("提交成功")).to_be_visible()
    decl_url = page.url.split("?")[0]
    decl_id = re.search(r"/m/declare/([^/?#]+)", decl_url).group(1)

    # --- the recommending unit returns two modules ------------------------------------------------
    unit = login(browser, web_stack, "institute-agent", DESK)
    unit.get_by_role("menuitem", name="业务审核").click()
    unit.locator("[data-count='TALENT_GRADING:pending']").click()     # 业务审核 opens its counts page
    unit.locator("[data-review='张明远']").first.click(timeout=30000)
    # screen readers: every module's 信息是否有误 group and every decision control has a name
    expect(unit.get_by_role("radiogroup", name="信息是否有误：")).to_have_count(7)
    expect(unit.get_by_role("radiogroup", name="审核结果")).to_have_count(1)
    expect(unit.get_by_role("textbox", name="审核意见")).to_have_count(1)
    for module in ("basic", "education", "continuing", "achievements", "attachments"):
        unit.locator(f"[data-mark={module}]").get_by_text("否").click()
    for module in ("work", "honours"):
        unit.locator(f"[data-mark={module}]").get_by_text("是").click()
    unit.get_by_text("退回修改").click()
    unit.locator("[data-problem=work]").click()
    unit.locator("[data-problem=honours]").click()
    unit.get_by_role("textbox", name="审核意见").fill("工作经历与荣誉奖励信息需补充完整")
    shot(unit, "04-unit-review-return")
    # keyboard: from the opinion, Tab reaches 保存 and Enter saves
    unit.get_by_role("textbox", name="审核意见").focus()
    for _ in range(8):
        unit.keyboard.press("Tab")
        if unit.evaluate("document.activeElement && document.activeElement.innerText.trim()") == "保存":
            break
    assert unit.evaluate("document.activeElement.innerText.trim()") == "保存"
    unit.keyboard.press("Enter")
    expect(unit.locator("[data-test=review-list]")).to_be_visible()

    # --- the applicant fixes only the flagged modules (marked ×, the first opened) and resubmits ------
    page.goto(decl_url)
    page.reload()
    banner = page.locator("[data-test=returned-banner]")
    expect(banner).to_contain_text("被退回：工作经历与荣誉奖励信息需补充完整")
    expect(banner).to_contain_text("工作经历")
    expect(banner).to_contain_text("荣誉奖励")
    work = page.locator("[data-module=work]")
    expect(work).to_be_visible()
    expect(page.locator("[data-module-tab=work]")).to_contain_text("×")
    open_module(page, "basic")
    expect(page.locator("[data-save=basic]")).to_be_disabled()
    work = open_module(page, "work")
    work.get_by_label("工作岗位").fill("二级教授")
    page.click("[data-save=work]")
    applicant_saved(page)
    shot(page, "05-applicant-returned")
    for _ in range(len(("work", "achievements", "honours"))):
        page.get_by_role("button", name="下一步").click()
    expect(page.get_by_role("heading", name="数据验证信息")).to_be_visible()
    page.get_by_role("button", name="撤销流程").click()        # asks first; 取消 keeps the declaration
    expect(page.get_by_role("dialog")).to_contain_text("确定撤销吗")
    page.get_by_role("dialog").get_by_role("button", name="取消").click()
    expect(page.get_by_role("dialog")).to_have_count(0)
    page.locator("[data-test=pledge]").click()
    page.get_by_role("button", name="提交", exact=True).click()
    page.get_by_role("button", name="确认提交").click()     # manual 000: 提交 ends the declaration: asked first
    expect(page.get_by_text("提交成功")).to_be_visible()

    # --- every level passes; units upload the 推荐报告 and 送审 --------------------------------
    for who, sends in (("institute-agent", True), ("university-agent", True), ("edu-dept-agent", True),
                       ("cc-bureau-agent", False), ("province-agent", False)):
        rev = login(browser, web_stack, who, DESK)
        rev.get_by_role("menuitem", name="业务审核").click()
        rev.locator("[data-count='TALENT_GRADING:pending']").click()     # 业务审核 opens its counts page
        row = rev.locator("[data-review='张明远']").first
        expect(row).to_be_visible(timeout=30000)
        row.click()
        for module in ("basic", "education", "continuing", "work", "achievements", "honours", "attachments"):
            rev.locator(f"[data-mark={module}]").get_by_text("否").click()
        rev.get_by_role("button", name="保存").click()
        expect(rev.locator("[data-test=review-list]")).to_be_visible()
        if sends:
            rev.get_by_text("待送审").click()
            # the 待送审 list has loaded when its row is there; tick that row
            waiting = rev.locator("[data-test=review-list] .el-table__body tr", has_text="张明远").first
            expect(waiting).to_be_visible(timeout=30000)
            waiting.locator(".el-checkbox").click()
            expect(rev.get_by_role("button", name="批量送审")).to_be_enabled()
            rev.set_input_files("input[data-upload=report]", str(pdf))
            expect(rev.get_by_text("已上传").first).to_be_visible(timeout=20000)   # a verdict may take the 8 s wait
            shot(rev, f"06-send-{who}")
            rev.get_by_role("button", name="批量送审").click()
            rev.get_by_role("button", name="确定送审").click()         # named and confirmed first
            expect(rev.get_by_text("已送审 1 条")).to_be_visible()
        rev.context.close()

    # --- the provincial office records the committee result ----------------------------------
    office = login(browser, web_stack, "province-agent", DESK)
    office.get_by_role("menuitem", name="业务审核").click()
    office.locator("[data-count='TALENT_GRADING:pending']").click()     # 业务审核 opens its counts page
    row = office.locator("[data-review='张明远']").first
    expect(row).to_be_visible(timeout=30000)
    row.click()
    expect(office.locator("[data-test=stage-line]")).to_contain_text("评委会结果录入")
    office.get_by_role("combobox", name="评审后评定级别").click(force=True)
    grade = office.locator(".el-select-dropdown__item:visible", has_text="B类")
    expect(grade).to_be_visible()
    office.wait_for_function("document.getAnimations().every(a => a.playState !== 'running')")   # see choose()
    grade.click()
    shot(office, "07-committee-result")
    office.get_by_role("button", name="保存").click()
    expect(office.locator("[data-test=review-list]")).to_be_visible()

    # --- the applicant sees 终审通过 -----------------------------------------------------------------
    page.goto(page.url.split("#")[0] + "#/m")
    page.reload()
    # this declaration's row: applicant1 has a 职称 declaration too (test_title_flow's), listed before it or not
    expect(page.locator(f".history[data-decl='{decl_id}'] [data-test=history-status]")).to_have_text("终审通过")
    shot(page, "08-applicant-final")
