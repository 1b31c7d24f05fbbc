"""Matters are a typed contract (issue 25): what a matter's definition says is what the services do.

- A matter defined only here, with its own identity form, report category, result words and forms,
  runs end to end: declare, submit, every level, 送审, result, results, export, 申报表, 一览表.
- 聘期考核 finishes with its own words (未考核/合格/不合格) on every path.
- A published notice keeps its matter; the console may create notices of every served matter.
- 人事管理权限 省直 (saved with the unit's reporting information) routes to the province.
- Which unit information a declaration requires is the matter's to say.
- 破格 experts must hold 正高级.
- 人才分类定级 shows its 申报注意事项.
- The console's default matter, the granted level's name and the result words' note come from the server.
"""
import datetime as dt
import io
import json
import os
import shutil

import openpyxl
import pytest

from tests.helpers.declarations import fetch as _fetch
from tests.helpers.matter_flow import committee_open as _committee_open
from tests.helpers.matter_flow import export as _export
from tests.helpers.matter_flow import publish as _publish
from tests.helpers.matter_flow import save as _save
from tests.helpers.matter_samples import complete
from tests.helpers.review import add_report, decide, pump, wait_task
from tests.helpers.title_declarations import verified as _verified

TERM = "TITLE_GRADE2_TERM_REVIEW"

OTHER = {
    "code": "TEST_OTHER_MATTER", "name": "测试另类事项", "steps": ["信息填报", "完成"],
    "pledge": "本人承诺。", "menu": {"service": "测试服务", "group": "测试菜单", "order": 901},
    "identity_form": "applicant",
    "modules": [
        {"key": "applicant", "label": "申报人信息", "group": "申报人信息", "kind": "form", "missing": "申报人信息_未填报",
         "photo": {"category": "portrait", "label": "证件照", "missing": "申报人信息_证件照未上传"},
         "fields": [{"key": "name", "label": "姓名", "type": "text", "required": True, "max_length": 50},
                    {"key": "applied_level", "label": "申请档次", "type": "select", "options": ["甲档", "乙档"],
                     "required": True}]},
        {"key": "statement", "label": "个人陈述", "group": "个人陈述", "kind": "text", "max_chars": 200,
         "required": True, "missing": "个人陈述_未填报", "too_long": "个人陈述_超过200字"}],
    "attachments": [
        {"category": "portrait", "module": "applicant", "label": "证件照", "types": ["image/png"],
         "max_kb": 1000, "max_count": 1, "min_count": 1, "missing": "申报人信息_证件照未上传"},
        {"category": "nomination_letter", "module": "review", "label": "提名函", "types": ["application/pdf"],
         "max_kb": 1000, "max_count": 1, "reviewer": True}],
    "forms": [{"key": "declaration_form", "label": "另类事项申请书"}, {"key": "summary_table", "label": "另类事项汇总表"}],
    "review": {"deadline_days": 7, "remind_before_days": 2, "backstop_factor": 3, "send_required_roles": ["unit"],
               "report": {"category": "nomination_letter", "label": "提名函"},
               "results": {"pending": "待评议", "passed": "评议通过", "failed": "评议不通过", "others": ["暂缓评议"]},
               "levels": ["甲档", "乙档"], "level_label": "评议后档次",
               "route": {"description": "推荐单位审核后报省人社厅。", "stages": [
                   {"key": "unit", "label": "推荐单位", "roles": ["unit"], "by": "binding", "description": "审核"},
                   {"key": "province", "label": "省人社厅", "roles": ["province"], "by": "fixed", "final": True,
                    "description": "评定"}]}},
}


def _h(world, login="applicant6", **extra):
    return {**world.headers(login), **extra}


@pytest.fixture
def other_matter(tmp_path, monkeypatch):
    from chalicelib import matters
    from chalicelib.matters import registry

    for name in os.listdir(registry.FOLDER):
        if name.endswith(".json"):
            shutil.copy(os.path.join(registry.FOLDER, name), tmp_path / name)
    (tmp_path / "test_other_matter.json").write_text(json.dumps(OTHER, ensure_ascii=False), encoding="utf-8")
    reg = registry.Registry(str(tmp_path))
    monkeypatch.setattr(registry, "REGISTRY", reg)
    monkeypatch.setattr(matters, "MATTER_CODES", reg.codes())
    return reg


def _marks(matter):
    from chalicelib.matters import registry

    return {m: "correct" for m in registry.get(matter, include_disabled=True).module_keys}


def _pass(client, world, aws, unit_login, decl_id, matter, report_category):
    task = wait_task(client, world, aws, unit_login, decl_id)
    resp = decide(client, world, unit_login, decl_id, marks=_marks(matter))
    assert resp.status == 200, resp.json
    if resp.json["state"] == "to_send":
        refused = client.post("/reviews/send", headers=_h(world, unit_login), json_body={"decl_ids": [decl_id]})
        assert refused.json["sent"] == 0
        add_report(decl_id, task, report_category)
        sent = client.post("/reviews/send", headers=_h(world, unit_login), json_body={"decl_ids": [decl_id]})
        assert sent.json["sent"] == 1, sent.json


def test_a_matter_with_its_own_identity_form_report_words_and_forms_runs_end_to_end(client, world, aws, other_matter):
    matter = OTHER["code"]
    notice_id = _publish(client, world, matter)
    start = client.post("/declarations", headers=_h(world), json_body={"notice_id": notice_id, "confirmed": True})
    assert start.status == 201, start.json
    d = start.json["decl_id"]
    assert start.json["modules"]["applicant"]["content"]["name"] == "周景行"   # prefilled into its identity form
    _save(client, world, d, "applicant", {"name": "周景行", "applied_level": "甲档"})
    _save(client, world, d, "statement", "个人陈述。")
    _verified(d, "portrait")
    assert client.get(f"/declarations/{d}/validation", headers=_h(world)).json["items"] == []
    client.post(f"/declarations/{d}/pledge", headers=_h(world), json_body={"accepted": True})
    submitted = client.post(f"/declarations/{d}/submit", headers=_h(world))
    assert submitted.status == 200, submitted.json
    rows = client.get(f"/results?matter_type={matter}", headers=_h(world, "province-agent")).json["items"]
    assert [r["result"] for r in rows] == ["待评议"]
    _pass(client, world, aws, "institute-agent", d, matter, "nomination_letter")
    _pass(client, world, aws, "province-agent", d, matter, "nomination_letter")
    pump(aws, lambda: _committee_open(d, 2))
    office = _h(world, "province-agent")
    wrong = client.post(f"/reviews/{d}/result", headers=office, json_body={"result": "通过", "level": "甲档"})
    assert wrong.status == 422 and wrong.json["Message"] == "评定状态应为评议通过或评议不通过或暂缓评议", wrong.json
    done = client.post(f"/reviews/{d}/result", headers=office, json_body={"result": "评议通过", "level": "甲档"})
    assert done.status == 200 and done.json["status_label"] == "终审通过", done.json
    found = client.get(f"/results?matter_type={matter}&result=评议通过", headers=office)
    assert [(r["decl_id"], r["result"], r["result_level"]) for r in found.json["items"]] == [(d, "评议通过", "甲档")]
    assert client.get(f"/results?matter_type={matter}&result=通过", headers=office).status == 422
    header, data = _export(client, world, aws, "province-agent", matter_type=matter, result="评议通过")
    assert "申请档次" in header and [r[header.index("评定状态")] for r in data] == ["评议通过"]
    assert header[-1] == "评议后档次" and data[0][-1] == "甲档"     # the granted level as the matter names it
    form = client.get(f"/declarations/{d}/forms/declaration_form", headers=_h(world))
    assert form.status == 200 and form.json["file_name"].startswith("另类事项申请书"), form.json
    assert _fetch(form.json["url"]).startswith(b"%PDF")
    table = client.get(f"/declarations/{d}/forms/summary_table", headers=_h(world, "institute-agent"))
    assert table.status == 200 and table.json["file_name"].startswith("另类事项汇总表"), table.json
    ws = openpyxl.load_workbook(io.BytesIO(_fetch(table.json["url"]))).active
    assert "申请档次" in [c.value for c in ws[2]] and "甲档" in [c.value for c in ws[3]]


def _term_at_committee(client, world, aws):
    """A 专业技术二级岗位聘期考核 declaration, complete, through its whole chain to the committee."""
    from chalicelib.matters import registry

    definition = registry.get(TERM)
    notice_id = _publish(client, world, TERM)
    start = client.post("/declarations", headers=_h(world), json_body={"notice_id": notice_id, "confirmed": True})
    assert start.status == 201, start.json
    d = start.json["decl_id"]
    modules, attachments = complete(definition)
    for key, module in modules.items():
        _save(client, world, d, key, module["content"])
    counts: dict = {}
    for att in attachments:
        counts[(att["category"], att["entry_id"])] = counts.get((att["category"], att["entry_id"]), 0) + 1
    for (category, entry_id), n in counts.items():
        _verified(d, category, n, entry_id=entry_id)
    assert client.get(f"/declarations/{d}/validation", headers=_h(world)).json["items"] == []
    client.post(f"/declarations/{d}/pledge", headers=_h(world), json_body={"accepted": True})
    assert client.post(f"/declarations/{d}/submit", headers=_h(world)).status == 200
    route = client.get(f"/declarations/{d}", headers=_h(world)).json["route"]
    logins = {"长白理工大学先进材料研究院": "institute-agent", "长白理工大学": "university-agent",
              "吉林省教育厅": "edu-dept-agent", "吉林省人力资源和社会保障厅": "province-agent"}
    for level in route:
        _pass(client, world, aws, logins[level["unit_name"]], d, TERM, definition.report.category)
    pump(aws, lambda: _committee_open(d, len(route)))
    return d


def test_a_term_review_finishes_with_its_own_words(client, world, aws):
    d = _term_at_committee(client, world, aws)
    office = _h(world, "province-agent")
    year = str(dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).year)
    pending = client.get(f"/results?matter_type={TERM}&result=未考核", headers=office)
    assert pending.status == 200 and [r["result"] for r in pending.json["items"]] == ["未考核"], pending.json
    assert client.get(f"/results?matter_type={TERM}&result=通过", headers=office).status == 422
    refused = client.post(f"/reviews/{d}/result", headers=office, json_body={"result": "通过", "level": "优秀"})
    assert refused.status == 422 and refused.json["Code"] == "BAD_RESULT"
    done = client.post(f"/reviews/{d}/result", headers=office, json_body={"result": "合格", "level": "优秀"})
    assert done.status == 200 and done.json["status_label"] == "终审通过", done.json
    listed = client.get(f"/results?matter_type={TERM}&result=合格", headers=office)
    assert listed.status == 200 and [(r["result"], r["result_level"]) for r in listed.json["items"]] == [("合格", "优秀")]
    search = client.post("/results/search", headers=office, json_body={"matter_type": TERM, "result": "合格"})
    assert search.status == 200 and [r["decl_id"] for r in search.json["items"]] == [d]
    header, data = _export(client, world, aws, "province-agent", matter_type=TERM, year=year, result="合格")
    assert [r[header.index("评定状态")] for r in data] == ["合格"]
    definition = client.get(f"/matters/{TERM}/definition", headers=office).json
    assert definition["review"]["final_results"] == ["合格", "不合格"]


def test_a_term_review_can_fail_with_its_own_word(client, world, aws):
    d = _term_at_committee(client, world, aws)
    office = _h(world, "province-agent")
    done = client.post(f"/reviews/{d}/result", headers=office, json_body={"result": "不合格"})
    assert done.status == 200 and done.json["result_level"] is None, done.json
    found = client.get(f"/results?matter_type={TERM}&result=不合格", headers=office).json["items"]
    assert [r["decl_id"] for r in found] == [d]


# --- notices ---------------------------------------------------------------------------------------

def _notice_body(matter, **changes):
    today = dt.datetime.now(dt.timezone(dt.timedelta(hours=8)))
    return {"title": "通知", "matter_type": matter, "year": today.year, "source": "测试", "body": "正文",
            "opens_at": (today - dt.timedelta(days=1)).isoformat(),
            "closes_at": (today + dt.timedelta(days=5)).isoformat(), **changes}


def test_a_published_notices_matter_cannot_change(client, world):
    office = _h(world, "province-agent")
    created = client.post("/admin/notices", headers=office, json_body=_notice_body("TITLE_NORMAL")).json
    # a draft may still change its matter
    draft = client.put(f"/admin/notices/{created['notice_id']}", headers={**office, "If-Match": str(created["version"])},
                       json_body=_notice_body(TERM))
    assert draft.status == 200 and draft.json["matter_type"] == TERM
    published = client.post(f"/admin/notices/{created['notice_id']}/publish",
                            headers={**office, "If-Match": str(draft.json["version"])}).json
    moved = client.put(f"/admin/notices/{created['notice_id']}", headers={**office, "If-Match": str(published["version"])},
                       json_body=_notice_body("TALENT_GRADING"))
    assert moved.status == 409 and moved.json["Code"] == "NOTICE_MATTER_FIXED", moved.json
    assert "不能更改事项类型" in moved.json["Message"]
    kept = client.get(f"/notices/{created['notice_id']}", headers=office).json
    assert kept["matter_type"] == TERM
    edited = client.put(f"/admin/notices/{created['notice_id']}", headers={**office, "If-Match": str(kept["version"])},
                        json_body=_notice_body(TERM, title="聘期考核通知（修订）"))
    assert edited.status == 200 and edited.json["title"] == "聘期考核通知（修订）"
    closed = client.post(f"/admin/notices/{created['notice_id']}/withdraw",
                         headers={**office, "If-Match": str(edited.json["version"])})
    assert closed.status == 200


# --- the unit's information and 人事管理权限 -----------------------------------------------------------

def _put_unit(client, world, login, **changes):
    headers = world.headers(login)
    unit = client.get("/units/me", headers=headers).json
    body = {k: unit[k] for k in ("name", "region_code", "unit_type", "industry", "address", "email")}
    return client.put("/units/me", headers={**headers, "If-Match": str(unit["version"])}, json_body={**body, **changes})


def test_personnel_authority_saved_by_the_legal_person_routes_a_title_to_the_province(client, world):
    from chalicelib.models.accounts import Unit
    from chalicelib.services import routing

    saved = _put_unit(client, world, "company-legal", reporting_info={
        "contact_name": "王主任", "contact_phone": "0432-6200000", "contact_post": "处长",
        "office_address": "吉林市", "personnel_authority": "省直"})
    assert saved.status == 200, saved.json
    unit = Unit.get(*Unit.key(world.code("company")))
    route = routing.build_route(unit, "TITLE_NORMAL")
    assert [(lvl["role"], lvl["unit_name"]) for lvl in route] == [
        ("unit", "松花江精密制造有限公司"), ("province", "吉林省人力资源和社会保障厅")]


def test_a_title_does_not_require_the_talent_grading_reporting_information(client, world):
    company = _h(world, "applicant2")
    title = client.get("/notices?matter_type=TITLE_NORMAL", headers=company).json["items"][0]["notice_id"]
    started = client.post("/declarations", headers=company, json_body={"notice_id": title, "confirmed": True})
    assert started.status == 201, started.json
    grading = client.get("/notices", headers=company).json["items"][0]["notice_id"]
    refused = client.post("/declarations", headers=company, json_body={"notice_id": grading, "confirmed": True})
    assert refused.status == 409 and refused.json["Code"] == "UNIT_REPORTING_INCOMPLETE"
    assert refused.json["Message"] == "推荐单位尚未完善人才分类定级报送信息，暂不能申报，请联系推荐单位"


# --- 破格 experts, 申报注意事项 ---------------------------------------------------------------------------

def test_a_break_expert_must_hold_a_full_senior_title(client, world):
    from tests.helpers.title_declarations import BASIC, EXPERT

    notice = client.get("/notices?matter_type=TITLE_NORMAL", headers=_h(world)).json["items"][0]["notice_id"]
    d = client.post("/declarations", headers=_h(world), json_body={"notice_id": notice, "confirmed": True}).json["decl_id"]
    _save(client, world, d, "basic", BASIC)
    path = f"/declarations/{d}/modules/experts/entries"
    refused = client.post(path, headers=_h(world), json_body={"entry": {**EXPERT, "name": "王副教授", "title": "副教授",
                                                                        "title_grade": "副高级"}})
    assert refused.status == 422, refused.json
    assert refused.json["Message"] == "破格推荐专家1（王副教授）·职称级别：须具有正高级职称"
    # an entry saved before the rule (no 职称级别, or another grade) is caught by 数据校验
    from chalicelib.models.declarations import DeclarationModule

    module = DeclarationModule.get(*DeclarationModule.key(d, "experts"))
    module.content = [{"id": "e1", **EXPERT, "name": "王副教授", "title_grade": "副高级"}]
    module.saved_at = "2026-01-01T00:00:00Z"
    module.save()
    items = [i["message"] for i in client.get(f"/declarations/{d}/validation", headers=_h(world)).json["items"]]
    assert "【正常职称申报】基本信息_破格推荐专家1（王副教授）须具有正高级职称" in items


def test_talent_grading_shows_its_notes_before_starting(client, world):
    menu = client.get("/matters/TALENT_GRADING/definition", headers=_h(world, "applicant1")).json
    assert menu["self_check"]["title"] == "申报注意事项" and menu["self_check"]["confirm"] == "确认开始申报"
    assert any("推荐单位" in item for item in menu["self_check"]["items"])


def test_the_console_reads_the_default_matter_and_the_result_wording_from_the_server(client, world, other_matter):
    """The web spells no matter code or matter wording: the 业务审核 answer names the default matter
    (the one the list endpoints take without a matter_type) and each definition names its granted
    level and, if it has one, explains its result words."""
    from chalicelib.matters import registry

    bench = client.get("/workbench", headers=_h(world, "institute-agent")).json
    assert bench["default_matter"] == registry.DEFAULT_MATTER
    assert bench["default_matter"] in [r["matter"] for r in bench["rows"]]

    def review(code):
        resp = client.get(f"/matters/{code}/definition", headers=_h(world, "institute-agent"))
        assert resp.status == 200, resp.json
        return resp.json["review"]

    talent = review(registry.DEFAULT_MATTER)
    assert talent["level_label"] == "评审后评定级别"
    assert talent["results_note"].startswith("“未认定”表示申报者及其材料暂未经过线下评审认定环节")
    assert (review("TITLE_NORMAL")["level_label"], review("TITLE_NORMAL")["results_note"]) == ("评审后级别", None)
    assert review(TERM)["level_label"] == "评审后级别"
    assert review(OTHER["code"])["level_label"] == "评议后档次"
