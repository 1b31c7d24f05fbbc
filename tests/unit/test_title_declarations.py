"""职称 declarations (manuals 002 and 003) end to end on real Step Functions executions (moto, in
process): menu, 确认开始申报, 破格 with two recommending experts, the route by 人事管理权限, the
committee result, results and workbench per matter, forms; and a matter that exists only in the test."""
import datetime as dt
import io

import pytest

from tests.helpers.review import add_report, decide, pump, task_state, wait_task
from tests.helpers.title_declarations import BASIC, EXPERT, LOGIN, MATTER, MODULE_CONTENT, NEXT
from tests.helpers.title_declarations import marks as _marks
from tests.helpers.title_declarations import verified as _verified

NAME = "正常职称申报"
CHAIN = ["institute-agent", "university-agent", "edu-dept-agent"]   # then the province


def _h(world, login=LOGIN, **extra):
    return {**world.headers(login), **extra}


def _notice(client, world, matter=MATTER, login=LOGIN):
    items = client.get(f"/notices?matter_type={matter}", headers=_h(world, login)).json["items"]
    return items[0]["notice_id"]


def _start(client, world, matter=MATTER, login=LOGIN, **body):
    payload = {"notice_id": _notice(client, world, matter, login), "confirmed": True, **body}
    resp = client.post("/declarations", headers=_h(world, login), json_body=payload)
    assert resp.status == 201, resp
    return resp.json


def _me(client, world, decl_id, login=LOGIN):
    return client.get(f"/declarations/{decl_id}", headers=_h(world, login)).json


def _save(client, world, decl_id, module, content, login=LOGIN):
    version = _me(client, world, decl_id, login)["modules"][module]["version"]
    return client.put(f"/declarations/{decl_id}/modules/{module}", headers=_h(world, login, **{"If-Match": str(version)}),
                      json_body={"content": content})


def _expert(client, world, decl_id, entry, op="add", entry_id=None):
    path = f"/declarations/{decl_id}/modules/experts/entries"
    if op == "add":
        return client.post(path, headers=_h(world), json_body={"entry": entry})
    return client.put(f"{path}/{entry_id}", headers=_h(world), json_body={"entry": entry})


def _pass(client, world, aws, unit_login, decl_id, matter=MATTER):
    task = wait_task(client, world, aws, unit_login, decl_id)
    resp = decide(client, world, unit_login, decl_id, marks=_marks(matter))
    assert resp.status == 200, resp
    if resp.json["state"] == "to_send":
        add_report(decl_id, task)
        sent = client.post("/reviews/send", headers=_h(world, unit_login), json_body={"decl_ids": [decl_id]})
        assert sent.json["sent"] == 1, sent
    return task


def _committee_open(decl_id, level):
    from chalicelib.models.reviews import ReviewTask

    return any(t.state == "open" for t in ReviewTask.query(f"DECL#{decl_id}", ReviewTask.sk.startswith("TASK#")
                                                           ) if t.level == level)


def _counts(client, world, unit_login, matter):
    rows = client.get("/workbench", headers=_h(world, unit_login)).json["rows"]
    return next(r for r in rows if r["matter"] == matter)


def _ready_title(client, world):
    """A 正常职称申报 with 破格 两名专家推荐破格, everything filled except the experts' files."""
    decl = _start(client, world)
    d = decl["decl_id"]
    assert _save(client, world, d, "basic", BASIC).status == 200
    for module, content in MODULE_CONTENT.items():
        assert _save(client, world, d, module, content).status == 200, module
    ids = [_expert(client, world, d, {**EXPERT, "name": name}).json for name in ("王教授", "李研究员")]
    _verified(d, "photo")
    _verified(d, "id_card", 2)
    _verified(d, "assessment_proof")
    assert client.post(f"/declarations/{d}/pledge", headers=_h(world), json_body={"accepted": True}).status == 200
    return decl, ids


# --- the menu and 确认开始申报 ---------------------------------------------------------------------

def test_menu_offers_open_matters_grouped_by_service(client, world):
    menu = client.get("/matters", headers=_h(world)).json
    services = {s["service"]: s for s in menu["services"]}
    assert {"人才分类定级服务", "职称申报评审及证书管理"} <= set(services)
    codes = [m["code"] for s in menu["services"] for g in s["groups"] for m in g["matters"]]
    assert {"TALENT_GRADING", "TITLE_NORMAL", "TITLE_SCHOOL_SENIOR", "TITLE_RECOG_GRASSROOTS_POSTGRAD"} <= set(codes)
    assert "TITLE_GRADE2_POST" not in codes          # no open notice: not offered
    normal = next(m for s in menu["services"] for g in s["groups"] for m in g["matters"] if m["code"] == MATTER)
    assert normal["self_check"]["confirm"] == "确认并开始申报" and normal["notices"][0]["window_open"] is True
    d = client.get(f"/matters/{MATTER}/definition", headers=_h(world)).json
    assert d["self_check"]["title"] == "申报注意事项" and d["menu"]["group"] == "专业技术职称评审申报"


def test_start_needs_the_self_check_and_the_bound_unit(client, world):
    notice = _notice(client, world)
    no_check = client.post("/declarations", headers=_h(world), json_body={"notice_id": notice})
    assert no_check.status == 422 and no_check.json["Code"] == "SELF_CHECK_REQUIRED"
    other = client.post("/declarations", headers=_h(world), json_body={
        "notice_id": notice, "confirmed": True, "unit_code": world.code("university")})
    assert other.status == 409 and other.json["Code"] == "UNIT_NOT_BOUND"
    assert "个人仅能同时绑定一个推荐单位" in other.json["Message"]
    decl = _start(client, world, unit_code=world.code("institute"))
    assert decl["decl_id"].startswith(f"{MATTER}-") and decl["matter_type"] == MATTER
    assert [lvl["unit_name"] for lvl in decl["route"]] == [
        "长白理工大学先进材料研究院", "长白理工大学", "吉林省教育厅", "吉林省人力资源和社会保障厅"]
    # 人才分类定级评定 too (manual 000: 查看申报注意事项，检查自己是否满足申报要求；满足要求则选择推荐单位
    # … 点击“确认开始申报”): the server refuses a start without the confirmation, whatever the client
    grading = _notice(client, world, "TALENT_GRADING", "applicant1")
    unread = client.post("/declarations", headers=_h(world, "applicant1"), json_body={"notice_id": grading})
    assert unread.status == 422 and unread.json["Code"] == "SELF_CHECK_REQUIRED"
    assert "申报注意事项" in unread.json["Message"] and "确认开始申报" in unread.json["Message"]
    assert client.get("/declarations", headers=_h(world, "applicant1")).json["items"] == []      # nothing was made
    tg = client.post("/declarations", headers=_h(world, "applicant1"), json_body={"notice_id": grading, "confirmed": True})
    assert tg.status == 201 and len(tg.json["route"]) == 5


def test_a_disabled_matter_and_unknown_matter_types_are_refused(client, world):
    resp = client.get("/results?matter_type=NO_SUCH", headers=_h(world, "province-agent"))
    assert resp.status == 422 and "事项类型" in resp.json["Message"]
    resp = client.post("/admin/notices", headers=_h(world, "province-agent"), json_body={
        "title": "测试", "matter_type": "NO_SUCH", "year": 2026, "source": "测试", "body": "测试",
        "opens_at": "2026-01-01T00:00:00+08:00", "closes_at": "2026-12-31T00:00:00+08:00"})
    assert resp.status == 422 and "事项类型" in resp.json["Message"], resp.json
    assert [d["field"] for d in resp.json["Details"]] == ["matter_type"], resp.json


# --- 破格 with two experts --------------------------------------------------------------------------

def test_experts_refused_before_basic_saved_and_a_third_refused(client, world):
    decl = _start(client, world)
    d = decl["decl_id"]
    early = _expert(client, world, d, {**EXPERT, "name": "王教授"})
    assert early.status == 409 and early.json["Code"] == "MODULE_NOT_READY"
    assert early.json["Message"] == f"【{NAME}】基本信息_请先保存基本信息，再添加破格推荐专家"
    normal = {**BASIC, "apply_type": "正常"}
    normal.pop("break_type")
    assert _save(client, world, d, "basic", normal).status == 200
    wrong_kind = _expert(client, world, d, {**EXPERT, "name": "王教授"})
    assert wrong_kind.status == 409 and wrong_kind.json["Code"] == "MODULE_NOT_APPLICABLE"
    assert _save(client, world, d, "basic", BASIC).status == 200
    assert _expert(client, world, d, {**EXPERT, "name": "王教授"}).status == 201
    assert _expert(client, world, d, {**EXPERT, "name": "李研究员"}).status == 201
    third = _expert(client, world, d, {**EXPERT, "name": "赵专家"})
    assert third.status == 422 and "最多2名" in third.json["Message"]
    # per-entry attachments go through the attachment slot route with the expert's entry_id
    entry_id = _me(client, world, d)["modules"]["experts"]["content"][0]["id"]
    slot = client.post(f"/declarations/{d}/attachments", headers=_h(world), json_body={
        "category": "expert_recommendation", "entry_id": entry_id, "file_name": "推荐书.png",
        "content_type": "image/png", "size": 1000})
    assert slot.status == 201, slot
    assert slot.json["attachment"]["entry_id"] == entry_id


def test_submit_refused_until_both_experts_complete(client, world):
    decl, _ = _ready_title(client, world)
    d = decl["decl_id"]
    resp = client.post(f"/declarations/{d}/submit", headers=_h(world))
    assert resp.status == 422 and resp.json["Code"] == "VALIDATION_NOT_CLEAN"
    expected = [f"【{NAME}】基本信息_破格推荐专家{n}（{who}）{what}未上传"
                for n, who in ((1, "王教授"), (2, "李研究员"))
                for what in ("专家职称证书", "专家推荐意见表（专家本人签字）")]
    assert [p["message"] for p in resp.json["Details"]] == expected
    report = client.get(f"/declarations/{d}/validation", headers=_h(world)).json
    assert [i["message"] for i in report["items"]] == expected
    # one expert's files only: still refused, for the other expert
    first = _me(client, world, d)["modules"]["experts"]["content"][0]["id"]
    _verified(d, "expert_title_certificate", entry_id=first)
    _verified(d, "expert_recommendation", entry_id=first)
    resp = client.post(f"/declarations/{d}/submit", headers=_h(world))
    assert resp.status == 422 and [p["message"] for p in resp.json["Details"]] == expected[2:]
    # an incomplete expert (a required field emptied) is named with the missing field
    second = _me(client, world, d)["modules"]["experts"]["content"][1]
    incomplete = {k: v for k, v in second.items() if k not in ("id", "opinion")}
    assert _expert(client, world, d, incomplete, "edit", second["id"]).status == 422   # required at entry level too


def _complete_experts(client, world, d):
    for entry in _me(client, world, d)["modules"]["experts"]["content"]:
        _verified(d, "expert_title_certificate", entry_id=entry["id"])
        _verified(d, "expert_recommendation", entry_id=entry["id"])


# --- the chain ----------------------------------------------------------------------------------

def test_title_chain_with_a_returned_experts_module_to_final_approval(client, world, aws):
    decl, _ = _ready_title(client, world)
    d = decl["decl_id"]
    _complete_experts(client, world, d)
    assert client.get(f"/declarations/{d}/validation", headers=_h(world)).json == {"ok": True, "items": []}
    resp = client.post(f"/declarations/{d}/submit", headers=_h(world))
    assert resp.status == 200, resp
    _pass(client, world, aws, "institute-agent", d)
    # the university returns the experts module to the applicant
    wait_task(client, world, aws, "university-agent", d)
    back = decide(client, world, "university-agent", d, "return", marks=_marks(wrong=("experts",)),
                  problem_modules=["experts"], return_to="applicant", opinion="推荐专家信息需核实")
    assert back.status == 200, back
    mine = _me(client, world, d)
    assert mine["status_label"] == "被退回" and mine["editable_modules"] == ["experts"]
    locked = _save(client, world, d, "basic", BASIC)
    assert locked.status == 409 and locked.json["Code"] == "DECLARATION_LOCKED"
    first = mine["modules"]["experts"]["content"][0]
    fixed = {k: v for k, v in first.items() if k != "id"}
    edited = _expert(client, world, d, {**fixed, "opinion": "经核实，同意推荐该同志破格申报正高级工程师。"}, "edit", first["id"])
    assert edited.status == 200, edited
    again = client.post(f"/declarations/{d}/submit", headers=_h(world))
    assert again.status == 200 and again.json["round"] == 2
    for unit in CHAIN:
        _pass(client, world, aws, unit, d)
    _pass(client, world, aws, "province-agent", d)
    pump(aws, lambda: _committee_open(d, 4))
    bad = client.post(f"/reviews/{d}/result", headers=_h(world, "province-agent"), json_body={"result": "通过", "level": "A类"})
    assert bad.status == 422
    done = client.post(f"/reviews/{d}/result", headers=_h(world, "province-agent"),
                       json_body={"result": "通过", "level": "正高级"})
    assert done.status == 200 and done.json["status_label"] == "终审通过", done
    # results per matter: this declaration under 职称, not under 人才分类定级评定
    rows = client.get(f"/results?matter_type={MATTER}", headers=_h(world, "province-agent")).json["items"]
    assert [r["decl_id"] for r in rows] == [d] and rows[0]["result"] == "通过" and rows[0]["result_level"] == "正高级"
    assert client.get("/results", headers=_h(world, "province-agent")).json["items"] == []
    assert client.get(f"/results?matter_type={MATTER}&result=未认定", headers=_h(world, "province-agent")).status == 422
    assert _counts(client, world, "edu-dept-agent", MATTER)["done_total"] >= 1
    assert _counts(client, world, "edu-dept-agent", "TALENT_GRADING")["done_total"] == 0


def test_route_by_personnel_authority_without_superiors(client, world):
    from chalicelib.models.accounts import ReportingInfo, Unit
    from chalicelib.services import routing

    unit = Unit.get(*Unit.key(world.code("company")))
    city = routing.build_route(unit, MATTER)
    assert [lvl["role"] for lvl in city] == ["unit", "city_bureau", "province"]
    unit.reporting_info = ReportingInfo(personnel_authority="省直")   # where the profile saves it
    assert [lvl["role"] for lvl in routing.build_route(unit, MATTER)] == ["unit", "province"]
    tg = routing.build_route(unit, "TALENT_GRADING")
    assert [lvl["role"] for lvl in tg] == ["unit", "city_bureau", "province"]


def test_same_person_holds_a_grading_and_a_title_declaration(client, world, aws):
    from tests.helpers.declarations import fill

    title, _ = _ready_title(client, world)
    _complete_experts(client, world, title["decl_id"])
    grading = client.post("/declarations", headers=_h(world), json_body={"notice_id": _notice(client, world, "TALENT_GRADING"), "confirmed": True})
    assert grading.status == 201, grading
    g = grading.json
    fill(client, world, g, login=LOGIN)
    client.post(f"/declarations/{g['decl_id']}/pledge", headers=_h(world), json_body={"accepted": True})
    assert client.post(f"/declarations/{title['decl_id']}/submit", headers=_h(world)).status == 200
    assert client.post(f"/declarations/{g['decl_id']}/submit", headers=_h(world)).status == 200
    wait_task(client, world, aws, "institute-agent", title["decl_id"])
    wait_task(client, world, aws, "institute-agent", g["decl_id"])
    assert _counts(client, world, "institute-agent", MATTER)["pending"] == 1
    assert _counts(client, world, "institute-agent", "TALENT_GRADING")["pending"] == 1
    listed = client.get(f"/reviews?matter_type={MATTER}", headers=_h(world, "institute-agent")).json["items"]
    assert [i["decl_id"] for i in listed] == [title["decl_id"]]
    mine = client.get("/declarations", headers=_h(world)).json["items"]
    assert {i["matter_type"] for i in mine} == {MATTER, "TALENT_GRADING"}
    wb = client.get("/workbench", headers=_h(world, "institute-agent")).json["rows"]
    groups = {r["matter"]: (r["category"], r["group"]) for r in wb}
    assert groups[MATTER] == ("职称申报评审及证书管理", "专业技术职称评审申报")
    assert groups["TALENT_GRADING"] == ("人才分类定级服务", "人才分类定级评定")
    # one ends (终止审核), the other is still under review: counters apart, the binding stays locked
    from tests.helpers.review import MARKS_ALL_CORRECT

    ended = decide(client, world, "institute-agent", g["decl_id"], "terminate", marks=dict(MARKS_ALL_CORRECT),
                   opinion="不符合申报条件")
    assert ended.status == 200, ended
    assert _counts(client, world, "institute-agent", "TALENT_GRADING")["pending"] == 0
    assert _counts(client, world, "institute-agent", MATTER)["pending"] == 1
    assert _me(client, world, title["decl_id"])["status_label"] == "已申报"
    unbind = client.delete("/bindings/me", headers=_h(world))
    assert unbind.status == 409 and unbind.json["Code"] == "UNBIND_DURING_REVIEW"


def test_denials(client, world, aws):
    decl, _ = _ready_title(client, world)
    d = decl["decl_id"]
    assert client.get(f"/declarations/{d}", headers=_h(world, "applicant1")).status == 404
    assert _save(client, world, d, "basic", BASIC, login=LOGIN).status == 200
    other = client.put(f"/declarations/{d}/modules/work", headers=_h(world, "applicant1", **{"If-Match": "1"}),
                       json_body={"content": MODULE_CONTENT["work"]})
    assert other.status == 404 and other.json["Code"] == "DECLARATION_NOT_FOUND", other   # not another's to see
    assert client.post(f"/declarations/{d}/modules/experts/entries", headers=_h(world, "applicant1"),
                       json_body={"entry": {**EXPERT, "name": "x"}}).status == 404
    assert client.get(f"/reviews/{d}", headers=_h(world, "company-agent")).status == 404
    assert client.get(f"/declarations/{d}/forms/declaration_form", headers=_h(world, "company-agent")).status == 404


def test_forms_render_for_a_title_declaration(client, world):
    import boto3
    import openpyxl
    import pypdf

    from chalicelib import config

    decl, _ = _ready_title(client, world)
    d = decl["decl_id"]
    s3 = boto3.client("s3", region_name="cn-north-1")

    def fetch(link):
        from urllib.parse import urlparse
        key = urlparse(link["url"]).path.split("/", 2)[2]
        return s3.get_object(Bucket=config.ATTACHMENTS_BUCKET, Key=key)["Body"].read()

    pdf_link = client.get(f"/declarations/{d}/forms/declaration_form", headers=_h(world)).json
    assert pdf_link["file_name"].startswith("专业技术职务任职资格评审表")
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(fetch(pdf_link))).pages)
    for expected in ("专业技术职务任职资格评审表", "周景行", "破格推荐专家", "王教授", "正高级工程师", "工作总结"):
        assert expected in text.replace("\n", ""), expected
    xlsx_link = client.get(f"/declarations/{d}/forms/summary_table", headers=_h(world)).json
    assert xlsx_link["file_name"].startswith("专业技术职务任职资格评审申报人员一览表")
    ws = openpyxl.load_workbook(io.BytesIO(fetch(xlsx_link))).active
    header = [c.value for c in ws[2]]
    assert header[:4] == ["序号", "姓名", "证件号码", "推荐单位"] and "申报系列" in header and "破格类别" in header
    row = [c.value for c in ws[3]]
    assert row[1] == "周景行" and "正高级" in row and "两名专家推荐破格" in row


# --- adding the next matter needs no code -------------------------------------------------------


@pytest.fixture
def next_matter(tmp_path, monkeypatch):
    """A registry with the shipped definitions plus one written only here (no code changes)."""
    import json
    import shutil

    from chalicelib import matters
    from chalicelib.matters import registry as definition

    for name in __import__("os").listdir(definition.FOLDER):
        if name.endswith(".json"):
            shutil.copy(f"{definition.FOLDER}/{name}", tmp_path / name)
    (tmp_path / "test_next_matter.json").write_text(json.dumps(NEXT, ensure_ascii=False), encoding="utf-8")
    registry = definition.Registry(str(tmp_path))
    monkeypatch.setattr(definition, "REGISTRY", registry)
    monkeypatch.setattr(matters, "MATTER_CODES", registry.codes())
    return registry


def test_a_matter_defined_only_in_the_test_runs_end_to_end(client, world, aws, next_matter):
    office = _h(world, "province-agent")
    today = dt.datetime.now(dt.timezone(dt.timedelta(hours=8)))
    created = client.post("/admin/notices", headers=office, json_body={
        "title": "测试新事项申报通知", "matter_type": "TEST_NEXT_MATTER", "year": today.year, "source": "测试",
        "body": "测试", "opens_at": (today - dt.timedelta(days=1)).isoformat(),
        "closes_at": (today + dt.timedelta(days=5)).isoformat()})
    assert created.status == 201, created
    published = client.post(f"/admin/notices/{created.json['notice_id']}/publish",
                            headers={**office, "If-Match": str(created.json["version"])})
    assert published.status == 200, published
    menu = client.get("/matters", headers=_h(world)).json
    assert "测试服务" in [s["service"] for s in menu["services"]]
    decl = _start(client, world, "TEST_NEXT_MATTER")
    d = decl["decl_id"]
    report = client.get(f"/declarations/{d}/validation", headers=_h(world)).json
    assert [i["message"] for i in report["items"]] == ["【测试新事项】基本信息_基本信息未填报",
                                                       "【测试新事项】工作总结_工作总结未填报"]
    assert _save(client, world, d, "basic", {"name": "周景行", "phone": "13800000006", "applied_level": "一等"}).status == 200
    assert _save(client, world, d, "summary", "测试工作总结。").status == 200
    client.post(f"/declarations/{d}/pledge", headers=_h(world), json_body={"accepted": True})
    assert client.post(f"/declarations/{d}/submit", headers=_h(world)).status == 200
    _pass(client, world, aws, "institute-agent", d, "TEST_NEXT_MATTER")
    _pass(client, world, aws, "province-agent", d, "TEST_NEXT_MATTER")
    pump(aws, lambda: _committee_open(d, 2))
    done = client.post(f"/reviews/{d}/result", headers=_h(world, "province-agent"), json_body={"result": "通过", "level": "一等"})
    assert done.status == 200 and done.json["status_label"] == "终审通过", done
    rows = client.get("/results?matter_type=TEST_NEXT_MATTER", headers=_h(world, "province-agent")).json["items"]
    assert [(r["decl_id"], r["result"], r["result_level"]) for r in rows] == [(d, "通过", "一等")]


def test_other_break_types_have_their_own_requirements(client, world):
    decl = _start(client, world)
    d = decl["decl_id"]
    record = {**BASIC, "break_type": "学历破格"}
    assert _save(client, world, d, "basic", record).status == 200
    refused = _expert(client, world, d, {**EXPERT, "name": "王教授"})
    assert refused.status == 409 and refused.json["Code"] == "MODULE_NOT_APPLICABLE"
    items = client.get(f"/declarations/{d}/validation", headers=_h(world)).json["items"]
    messages = [i["message"] for i in items]
    assert f"【{NAME}】附件材料_破格业绩成果证明材料未上传" in messages
    assert any(i["module"] == "break_reason" for i in items)
    assert not any(i["module"] == "experts" for i in items)
    # 正常 (not 破格): neither the reason nor the proof is asked for
    normal = {k: v for k, v in BASIC.items() if k != "break_type"} | {"apply_type": "正常"}
    assert _save(client, world, d, "basic", normal).status == 200
    items = client.get(f"/declarations/{d}/validation", headers=_h(world)).json["items"]
    assert not {i["module"] for i in items} & {"break_reason", "experts"}
    assert f"【{NAME}】附件材料_破格业绩成果证明材料未上传" not in [i["message"] for i in items]


def test_export_columns_and_result_states_follow_the_matter(client, world):
    from chalicelib.documents import spreadsheets
    from chalicelib.matters import registry as definition
    from chalicelib.services import results

    title = definition.get(MATTER)
    assert "人才认定分类" not in spreadsheets.result_columns(title)
    assert spreadsheets.result_columns(definition.get("TALENT_GRADING")) == spreadsheets.RESULT_COLUMNS
    assert spreadsheets.summary_columns(definition.get("TALENT_GRADING")) == spreadsheets.SUMMARY_COLUMNS
    assert results.result_states(MATTER) == ("未评审", "通过", "未通过")
    assert client.get(f"/results?matter_type={MATTER}&result=未评审", headers=_h(world, "province-agent")).status == 200
    assert client.get("/reviews?matter_type=NO_SUCH", headers=_h(world, "institute-agent")).status == 422
    search = client.post("/results/search", headers=_h(world, "province-agent"),
                         json_body={"matter_type": MATTER, "result": "未认定"})
    assert search.status == 422
    job = client.post("/exports", headers=_h(world, "province-agent"), json_body={"matter_type": "NO_SUCH"})
    assert job.status == 422


def test_a_matter_closed_after_its_notice_was_published_is_not_offered(client, world, next_matter, tmp_path,
                                                                        monkeypatch):
    import json

    from chalicelib import matters
    from chalicelib.matters import registry as definition

    office = _h(world, "province-agent")
    today = dt.datetime.now(dt.timezone(dt.timedelta(hours=8)))
    created = client.post("/admin/notices", headers=office, json_body={
        "title": "测试新事项申报通知", "matter_type": "TEST_NEXT_MATTER", "year": today.year, "source": "测试",
        "body": "测试", "opens_at": (today - dt.timedelta(days=1)).isoformat(),
        "closes_at": (today + dt.timedelta(days=5)).isoformat()}).json
    client.post(f"/admin/notices/{created['notice_id']}/publish", headers={**office, "If-Match": str(created["version"])})
    # the province closes the matter (enabled: false in its definition)
    (tmp_path / "test_next_matter.json").write_text(json.dumps({**NEXT, "enabled": False}, ensure_ascii=False),
                                                    encoding="utf-8")
    closed = definition.Registry(str(tmp_path))
    monkeypatch.setattr(definition, "REGISTRY", closed)
    monkeypatch.setattr(matters, "MATTER_CODES", closed.codes())
    codes = [m["code"] for s in client.get("/matters", headers=_h(world)).json["services"]
             for g in s["groups"] for m in g["matters"]]
    assert "TEST_NEXT_MATTER" not in codes and MATTER in codes
    refused = client.post("/declarations", headers=_h(world), json_body={"notice_id": created["notice_id"], "confirmed": True})
    assert refused.status == 409 and refused.json["Code"] == "MATTER_CLOSED"
    again = client.post("/admin/notices", headers=office, json_body={
        "title": "再发一个", "matter_type": "TEST_NEXT_MATTER", "year": today.year, "source": "测试", "body": "测试",
        "opens_at": (today - dt.timedelta(days=1)).isoformat(), "closes_at": (today + dt.timedelta(days=5)).isoformat()})
    assert again.status == 422 and "事项类型" in again.json["Message"]


def test_the_menu_is_one_query_and_no_scan(client, world, aws_calls):
    aws_calls.clear()
    assert client.get("/matters", headers=_h(world)).status == 200
    reads = [c for c in aws_calls if c != "GetItem"]     # GetItem: the authorizer's checks
    assert reads == ["Query"]
