"""职称 on the applicants' phone pages (390×844), manual 002 §三: the matter menu shows only the matters
the province has opened with a notice; 确认开始申报 (条件自检 with the matter's 申报注意事项, the bound
recommending unit at the bottom, 确认并开始申报, the matter's notices, 申报); the 正常职称申报 screens
rendered from the matter's definition, with 申报类别 破格 / 破格类别 两名专家推荐破格: adding an expert is
refused until 基本信息 is saved, then two experts each with their details and attachments; submission is
refused while one expert is incomplete (the manual's validation wording), then accepted. Every new
screen has 0 serious/critical axe-core violations and a screenshot."""
import re
import urllib.request

from playwright.sync_api import expect

from tests.helpers import files
from tests.helpers.phone import call, login, module, saved, visit

WHO = "applicant6"            # 周景行, seeded for 职称 (bound to 长白理工大学先进材料研究院, approved)
MATTER = "TITLE_NORMAL"


def upload(page, scope, category, path):
    scope.locator(f"input[data-upload={category}]").set_input_files(str(path))
    expect(scope.locator(f"[data-slot={category}] [data-test=attachment]").last).to_contain_text("已上传", timeout=20000)


def fill_expert(entry, name, employer):
    entry.get_by_label("专家姓名").fill(name)
    entry.get_by_label("工作单位").fill(employer)
    entry.get_by_label("专业技术职务（职称）").fill("教授")
    entry.get_by_label("职称级别").select_option("正高级")
    entry.get_by_label("从事专业").fill("机械工程")
    entry.get_by_label("联系电话").fill("13912345678")
    entry.get_by_label("推荐意见").fill("该同志业绩突出，同意推荐破格申报。")


def open_title_declaration(page, shot, services):
    """Home → the matter menu → 确认开始申报 → the notice's 申报: the declaration's first screen.
    `services`: GET /matters as the applicant (the opened matters)."""
    opened = {m["code"] for s in services for g in s["groups"] for m in g["matters"]}
    menu = page.locator("[data-test=matter-menu]")
    expect(menu.locator(f"[data-matter={MATTER}]")).to_be_visible()
    shown = set(menu.locator("[data-matter]").evaluate_all("els => els.map(e => e.dataset.matter)"))
    assert shown == opened, f"the menu shows {shown}, the opened matters are {opened}"
    assert "TITLE_RECOG_CIVIL_TRANSFER" not in shown          # not opened by a notice: not offered
    expect(menu).to_contain_text("专业技术职称评审申报")
    visit(page, shot, "t01-home-menu")

    menu.locator(f"[data-matter={MATTER}]").click()
    expect(page.get_by_role("heading", name="条件自检")).to_be_visible()
    check = page.locator("[data-test=self-check]")
    expect(check).to_contain_text("申报注意事项")
    expect(check).to_contain_text("两名专家推荐破格")
    unit = page.locator("[data-test=unit-choice]")
    expect(unit.locator("[data-test=bound-unit]")).to_contain_text("长白理工大学先进材料研究院")
    visit(page, shot, "t02-confirm-start")
    page.get_by_role("button", name="确认并开始申报").click()
    notices = page.locator("[data-test=matter-notices]")
    expect(notices.get_by_role("button", name=re.compile("^申报："))).to_have_count(1)
    visit(page, shot, "t03-matter-notices")
    notices.get_by_role("button", name=re.compile("^申报：")).click()
    page.wait_for_url(re.compile(r"/m/declare/"))
    expect(page.get_by_role("heading", name="条件自检")).to_be_visible()
    expect(page.locator("h1")).to_have_text("正常职称申报")


def test_applicant_declares_title_with_two_experts(browser, web_stack, shot, tmp_path):
    png = tmp_path / "photo.png"
    png.write_bytes(files.png(300, 400))
    pdf = tmp_path / "证明.pdf"
    pdf.write_bytes(files.pdf())
    services = call(web_stack, "GET", "/matters", WHO)["services"]

    page = login(browser, web_stack, WHO)
    open_title_declaration(page, shot, services)
    visit(page, shot, "t04-step1-check")
    page.get_by_role("button", name="下一步").click()

    # --- 基本信息 with 破格 / 两名专家推荐破格: experts may be added only after the save ---------------------
    basic = page.locator("[data-module=basic]")
    expect(basic.get_by_label("破格类别")).to_have_count(0)          # shown only for 申报类别 破格
    basic.get_by_label("联系方式").fill("13900000006")
    basic.get_by_label("民族").fill("汉族")
    basic.get_by_label("政治面貌").select_option("群众")
    basic.get_by_label("参加工作时间").fill("2010-07-01")
    basic.get_by_label("工作单位").fill("长白理工大学")
    basic.get_by_label("现从事专业技术工作").fill("机械设计")
    basic.get_by_label("最高学历").select_option("大学本科")
    basic.get_by_label("最高学位").select_option("学士")
    basic.get_by_label("申报系列").select_option("工程")
    basic.get_by_label("申报专业").fill("机械工程")
    basic.get_by_label("申报级别").select_option("副高级")
    basic.get_by_label("申报资格名称").fill("高级工程师")
    basic.get_by_label("申报类别").select_option("破格")
    basic.get_by_label("破格类别").select_option("两名专家推荐破格")
    expect(basic.locator("[data-note=break_type]")).to_contain_text("两名破格推荐专家")
    inline = basic.locator("[data-experts-entry=experts]")
    inline.get_by_role("button", name="添加").click()                # not saved yet: refused, explained
    expect(inline.get_by_role("alert")).to_contain_text("请先保存基本信息")
    visit(page, shot, "t05-basic-experts-before-save")
    page.click("[data-save=basic]")
    saved(page)
    upload(page, basic, "photo", png)

    inline.get_by_role("button", name="添加").click()
    experts = page.locator("[data-module=experts]")
    expect(experts).to_be_visible()
    first = experts.locator("[data-expert='1']")
    expect(first).to_contain_text("再上传该专家的附件")        # attachments only after its save
    fill_expert(first, "王立群", "吉林大学")
    first.get_by_role("button", name="保存破格推荐专家1").click()
    saved(page)
    expect(first).to_contain_text("王立群")
    expect(first.locator("[data-slot=expert_title_certificate]")).to_contain_text("单个不超过5000KB")
    upload(page, first, "expert_title_certificate", pdf)
    upload(page, first, "expert_recommendation", pdf)
    experts.get_by_role("button", name="添加破格推荐专家").click()
    second = experts.locator("[data-expert='2']")
    fill_expert(second, "李静怡", "东北师范大学")
    second.get_by_role("button", name="保存破格推荐专家2").click()
    saved(page)
    upload(page, second, "expert_title_certificate", pdf)        # its 推荐意见表 is still missing
    expect(experts.get_by_role("button", name=re.compile("已添加2名"))).to_be_disabled()   # at most two
    visit(page, shot, "t06-module-experts")

    # --- the other modules the 破格 declaration requires ---------------------------------------------
    reason = module(page, "break_reason")
    reason.locator("textarea").fill("任现职以来主持完成省级科研项目3项，业绩突出，申请破格。")
    page.click("[data-save=break_reason]")
    saved(page)
    edu = module(page, "education")
    edu.get_by_role("button", name="添加学历信息").click()
    edu.get_by_label("毕业院校").fill("吉林大学")
    edu.get_by_label("所学专业").fill("机械工程")
    edu.get_by_label("学历", exact=True).select_option("大学本科")
    edu.get_by_label("入学时间").fill("2006-09-01")
    edu.get_by_label("毕业时间").fill("2010-07-01")
    page.click("[data-save=education]")
    saved(page)
    work = module(page, "work")
    work.get_by_role("button", name="添加工作经历").click()
    work.get_by_label("工作单位").fill("长白理工大学")
    work.get_by_label("从事何种专业技术工作").fill("机械设计")
    work.get_by_label("开始日期").fill("2010-07-01")
    page.click("[data-save=work]")
    saved(page)
    assess = module(page, "assessments")
    assess.get_by_role("button", name="添加年度考核").click()
    assess.get_by_label("考核年度").fill("2024")
    assess.get_by_label("考核结果").select_option("优秀")
    page.click("[data-save=assessments]")
    saved(page)
    visit(page, shot, "t07-module-assessments")
    summary = module(page, "work_summary")
    summary.locator("textarea").fill("任现职以来承担机械设计与研发工作，完成多项省级项目。")
    page.click("[data-save=work_summary]")
    saved(page)

    # --- 附件上传: submission refused while the second expert is incomplete -------------------------------
    page.get_by_role("button", name="下一步").click()
    expect(page.get_by_role("heading", name="数据验证信息")).to_be_visible()
    page.set_input_files("input[data-upload='id_card-正面']", str(png))
    expect(page.locator("[data-slot='id_card-正面'] [data-test=attachment]")).to_contain_text("已上传", timeout=20000)
    page.set_input_files("input[data-upload='id_card-反面']", str(png))
    expect(page.locator("[data-slot='id_card-反面'] [data-test=attachment]")).to_contain_text("已上传", timeout=20000)
    upload(page, page.locator("[data-category=assessment_proof]"), "assessment_proof", pdf)
    wording = "【正常职称申报】基本信息_破格推荐专家2（李静怡）专家推荐意见表（专家本人签字）未上传"
    validation = page.locator("[data-test=validation]")
    expect(validation).to_have_text(re.compile(re.escape(wording)))
    page.locator("[data-test=pledge]").click()
    page.get_by_role("button", name="提交", exact=True).click()
    page.get_by_role("button", name="确认提交").click()     # manual 000: 提交 ends the declaration: asked first
    expect(page.locator(".m-err-box[role=alert]").first).to_contain_text("数据验证未通过")
    expect(validation).to_contain_text(wording)
    expect(page.get_by_role("button", name="提交", exact=True)).to_be_enabled()     # settled after the refusal
    visit(page, shot, "t08-submit-refused")
    validation.get_by_role("button", name=wording).click()            # jumps to the experts module
    expect(page.locator("[data-module=experts]")).to_be_visible()
    second = page.locator("[data-module=experts] [data-expert='2']")
    upload(page, second, "expert_recommendation", pdf)
    module(page, "work_summary")
    page.get_by_role("button", name="下一步").click()
    expect(page.locator("[data-test=validation-clean]")).to_be_visible(timeout=20000)
    forms = page.locator("section", has=page.get_by_role("heading", name="业务表册信息"))
    expect(forms).to_contain_text("专业技术职务任职资格评审表")       # the matter's own form labels
    expect(forms).to_contain_text("专业技术职务任职资格评审申报人员一览表")
    decl = re.search(r"/m/declare/([^?]+)", page.url).group(1)
    for label, key, magic in (("专业技术职务任职资格评审表", "declaration_form", b"%PDF"),
                              ("专业技术职务任职资格评审申报人员一览表", "summary_table", b"PK")):
        with page.expect_popup() as popup:                            # opens the generated form
            forms.get_by_role("button", name=f"下载{label}").click()
        popup.value.close()
        url = call(web_stack, "GET", f"/declarations/{decl}/forms/{key}", WHO)["url"]
        with urllib.request.urlopen(url) as resp:                       # the presigned GET serves the file
            assert resp.read(4).startswith(magic), key
    expect(page.locator("[data-test=pledge]")).to_have_attribute("aria-checked", "true")   # still pledged
    visit(page, shot, "t09-step3-clean")
    page.get_by_role("button", name="提交", exact=True).click()
    page.get_by_role("button", name="确认提交").click()     # manual 000: 提交 ends the declaration: asked first
    expect(page.locator("[data-test=submitted]")).to_contain_text("提交成功")
    visit(page, shot, "t10-submitted")
    view = page.locator("[data-test=declaration-view]")
    expect(view).to_contain_text("李静怡")
    expect(view).to_contain_text("两名专家推荐破格")
    page.context.close()


def test_confirm_start_needs_an_approved_unit(browser, web_stack, shot):
    """applicant3's binding is still waiting for the university: 确认开始申报 says so, links to 绑定推荐单位
    and cannot be confirmed."""
    page = login(browser, web_stack, "applicant3")
    page.locator(f"[data-test=matter-menu] [data-matter={MATTER}]").click()
    expect(page.get_by_role("heading", name="条件自检")).to_be_visible()
    expect(page.locator("[data-test=no-unit]")).to_contain_text("审核通过后才能申报")
    expect(page.get_by_role("button", name="确认并开始申报")).to_be_disabled()
    visit(page, shot, "t11-confirm-start-unbound")
    page.get_by_role("button", name="去绑定推荐单位").click()
    page.wait_for_url(re.compile(r"#/m/binding$"))
    page.context.close()
