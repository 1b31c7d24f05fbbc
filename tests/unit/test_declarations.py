"""信息填报: start, modules, validation report, pledge, conflicts, and every refusal of issue #4."""
import pytest

from chalicelib.models.declarations import Attachment
from tests.helpers.declarations import BASIC, fill
from tests.helpers.declarations import save as _save


def _notice_id(client, world):
    return client.get("/notices", headers=world.headers("applicant1")).json["items"][0]["notice_id"]


@pytest.fixture
def draft(client, world):
    resp = client.post("/declarations", headers=world.headers("applicant1"),
                       json_body={"notice_id": _notice_id(client, world), "confirmed": True})
    assert resp.status == 201, resp
    return resp.json


def test_start_snapshots_unit_and_route(draft):
    assert draft["status_label"] == "未提交" and draft["unit_name"] == "长白理工大学先进材料研究院"
    assert [lvl["unit_name"] for lvl in draft["route"]] == [
        "长白理工大学先进材料研究院", "长白理工大学", "吉林省教育厅", "长春市人力资源和社会保障局",
        "吉林省人力资源和社会保障厅"]
    basic = draft["modules"]["basic"]["content"]
    assert basic["sex"] == "男性" and basic["age"] >= 40 and basic["name"] == "张明远"


def test_second_live_declaration_for_the_same_notice_is_refused(client, world, draft):
    resp = client.post("/declarations", headers=world.headers("applicant1"),
                       json_body={"notice_id": draft["notice_id"], "confirmed": True})
    assert resp.status == 409 and resp.json["Code"] == "DECLARATION_EXISTS"


@pytest.mark.parametrize("login,code", [("applicant3", "NOT_BOUND"), ("applicant4", "NOT_BOUND"),
                                        ("applicant2", "UNIT_REPORTING_INCOMPLETE")])
def test_start_preconditions_each_refuse_clearly(client, world, login, code):
    resp = client.post("/declarations", headers=world.headers(login),
                       json_body={"notice_id": _notice_id(client, world), "confirmed": True})
    assert resp.status == 409 and resp.json["Code"] == code, resp


def test_start_refused_outside_the_window(client, world):
    import datetime as dt

    from chalicelib import clock

    notice_id = _notice_id(client, world)
    clock.fix(dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=100))
    try:
        resp = client.post("/declarations", headers=world.headers("applicant1"),
                           json_body={"notice_id": notice_id, "confirmed": True})
    finally:
        clock.fix(None)
    assert resp.status == 409 and resp.json["Code"] == "WINDOW_CLOSED"


def test_module_save_is_one_conditional_write(client, world, draft, aws_calls):
    aws_calls.clear()
    resp = _save(client, world, draft, "basic", BASIC)
    assert resp.status == 200, resp
    writes = [c for c in aws_calls if c not in ("GetItem",)]   # GetItem: the authorizer's agent check
    assert writes == ["UpdateItem"]
    assert resp.json["version"] == draft["modules"]["basic"]["version"] + 1


def test_reading_a_whole_declaration_is_one_query(client, world, draft, aws_calls):
    aws_calls.clear()
    assert client.get(f"/declarations/{draft['decl_id']}", headers=world.headers("applicant1")).status == 200
    assert aws_calls == ["Query"]


def test_stale_version_gets_409_with_the_current_version(client, world, draft):
    first = _save(client, world, draft, "basic", BASIC)
    stale = _save(client, world, draft, "basic", {**BASIC, "name": "另一台设备"})
    assert stale.status == 409 and stale.json["Code"] == "VERSION_CONFLICT"
    assert stale.json["Details"]["current_version"] == first.json["version"]
    stored = client.get(f"/declarations/{draft['decl_id']}", headers=world.headers("applicant1")).json
    assert stored["modules"]["basic"]["content"]["name"] == "张明远"


def test_two_devices_saving_different_modules_both_succeed(client, world, draft):
    a = _save(client, world, draft, "basic", BASIC)
    b = _save(client, world, draft, "achievements", "主持国家重点研发计划项目一项")
    assert a.status == 200 and b.status == 200


def test_achievements_are_counted_in_characters(client, world, draft):
    assert _save(client, world, draft, "achievements", "成" * 500).status == 200
    resp = _save(client, world, draft, "achievements", "成" * 501, version=2)
    assert resp.status == 422 and "500" in resp.json["Message"]


def test_lists_keep_order_and_support_add_edit_remove(client, world, draft):
    headers = world.headers("applicant1")
    base = f"/declarations/{draft['decl_id']}/modules/work/entries"
    for n, employer in enumerate(["甲单位", "乙单位", "丙单位"]):
        resp = client.post(base, headers=headers, json_body={"entry": {
            "employer": employer, "post": "研究员", "start_date": f"201{n}-01-01"}})
        assert resp.status == 201, resp
    entries = resp.json["content"]
    assert [e["employer"] for e in entries] == ["甲单位", "乙单位", "丙单位"]
    middle = entries[1]["id"]
    resp = client.put(f"{base}/{middle}", headers=headers, json_body={"entry": {
        "employer": "乙单位（更名）", "post": "研究员", "start_date": "2011-01-01"}})
    assert [e["employer"] for e in resp.json["content"]] == ["甲单位", "乙单位（更名）", "丙单位"]
    resp = client.delete(f"{base}/{entries[0]['id']}", headers=headers)
    assert [e["employer"] for e in resp.json["content"]] == ["乙单位（更名）", "丙单位"]


def test_a_second_representative_honour_is_refused(client, world, draft):
    honours = [{"name": "省劳动模范", "granted_on": "2020-05-01", "representative": True},
               {"name": "青年五四奖章", "granted_on": "2021-05-04", "representative": True}]
    resp = _save(client, world, draft, "honours", honours)
    assert resp.status == 422 and "参评项仅能同时存在一条" in resp.json["Message"]
    ok = _save(client, world, draft, "honours", [honours[0], {**honours[1], "representative": False}])
    assert ok.status == 200
    resp = client.post(f"/declarations/{draft['decl_id']}/modules/honours/entries",
                       headers=world.headers("applicant1"),
                       json_body={"entry": {"name": "第三项", "granted_on": "2022-01-01", "representative": True}})
    assert resp.status == 422
    stored = client.get(f"/declarations/{draft['decl_id']}", headers=world.headers("applicant1")).json
    assert sum(1 for h in stored["modules"]["honours"]["content"] if h["representative"]) == 1


@pytest.mark.parametrize("module,content,fragment", [
    ("work", [{"employer": "甲", "post": "乙", "start_date": "2020-01-01", "end_date": "2019-01-01"}], "不能早于"),
    ("work", [{"employer": "甲", "post": "乙", "start_date": "2020-02-30"}], "日期格式"),
    ("work", [{"employer": "甲", "post": "乙", "start_date": "2020-01-01", "salary": 1}], "不是可接受的字段"),
    ("basic", {**BASIC, "phone": "123"}, "手机号码"),
    ("basic", {**BASIC, "education": "幼儿园"}, "可选范围"),
    ("basic", {**BASIC, "name": "张" * 51}, "50"),
    ("continuing", [{"content": "培训", "hours": "八"}], "整数"),
    ("work", "not a list", "列表"),
])
def test_bad_module_content_is_refused_and_nothing_changes(client, world, draft, module, content, fragment):
    before = client.get(f"/declarations/{draft['decl_id']}", headers=world.headers("applicant1")).json
    resp = _save(client, world, draft, module, content)
    assert resp.status == 422 and fragment in resp.json["Message"], resp
    after = client.get(f"/declarations/{draft['decl_id']}", headers=world.headers("applicant1")).json
    assert after["modules"] == before["modules"]


def test_unknown_modules_and_missing_versions_are_refused(client, world, draft):
    assert _save(client, world, draft, "basic", BASIC, version=1).status == 200
    resp = client.put(f"/declarations/{draft['decl_id']}/modules/salary",
                      headers={**world.headers("applicant1"), "If-Match": "1"}, json_body={"content": {}})
    assert resp.status == 404
    resp = client.put(f"/declarations/{draft['decl_id']}/modules/basic", headers=world.headers("applicant1"),
                      json_body={"content": BASIC})
    assert resp.status == 422 and resp.json["Code"] == "VERSION_REQUIRED"


def test_identity_fields_come_from_the_profile_not_the_form(client, world, draft):
    resp = _save(client, world, draft, "basic", {**BASIC, "id_number": "110101199003070011", "age": 3})
    assert resp.status == 200
    stored = client.get(f"/declarations/{draft['decl_id']}", headers=world.headers("applicant1")).json
    assert stored["modules"]["basic"]["content"]["id_number"] != "110101199003070011"
    assert stored["modules"]["basic"]["content"]["age"] != 3


def test_someone_elses_declaration_is_invisible_and_untouchable(client, world, draft):
    other = world.headers("applicant2")
    assert client.get(f"/declarations/{draft['decl_id']}", headers=other).status == 404
    assert _save(client, world, draft, "basic", BASIC, login="applicant2").status == 404
    assert client.delete(f"/declarations/{draft['decl_id']}", headers=other).status == 404
    assert client.get(f"/declarations/{draft['decl_id']}/validation", headers=other).status == 404
    assert client.get(f"/declarations/{draft['decl_id']}", headers=world.headers("university-agent")).status == 403


def test_submitted_declarations_cannot_be_edited(client, world, draft):
    from chalicelib.models.declarations import DeclarationModule

    module = DeclarationModule.get(*DeclarationModule.key(draft["decl_id"], "basic"))
    module.update(actions=[DeclarationModule.editable.set(False)])
    resp = _save(client, world, draft, "basic", BASIC, version=module.version)
    assert resp.status == 409 and resp.json["Code"] == "DECLARATION_LOCKED"


def test_validation_report_uses_the_manuals_wording(client, world, draft):
    report = client.get(f"/declarations/{draft['decl_id']}/validation", headers=world.headers("applicant1")).json
    messages = [i["message"] for i in report["items"]]
    assert report["ok"] is False
    assert "【人才分类定级评定】荣誉奖励_荣誉（奖励）信息未填报" in messages
    assert "【人才分类定级评定】工作业绩_工作经历未填报" in messages
    assert "【人才分类定级评定】基本信息_近期照片未上传" in messages
    assert "【人才分类定级评定】附件材料_身份证（正反面）未上传" in messages


def test_complete_declaration_validates_clean(client, world, draft):
    fill(client, world, draft)
    report = client.get(f"/declarations/{draft['decl_id']}/validation", headers=world.headers("applicant1")).json
    assert report == {"ok": True, "items": []}


def test_pledge_is_recorded_with_time(client, world, draft):
    resp = client.post(f"/declarations/{draft['decl_id']}/pledge", headers=world.headers("applicant1"),
                       json_body={"accepted": True})
    assert resp.status == 200 and resp.json["pledge"].startswith("本人承诺，申报所提供的材料真实、准确")
    assert client.post(f"/declarations/{draft['decl_id']}/pledge", headers=world.headers("applicant1"),
                       json_body={"accepted": False}).status == 422


def test_list_mine_and_delete_a_draft(client, world, draft):
    headers = world.headers("applicant1")
    items = client.get("/declarations", headers=headers).json["items"]
    assert [i["decl_id"] for i in items] == [draft["decl_id"]] and items[0]["status_label"] == "未提交"
    assert "********" in items[0]["id_number"]
    assert client.delete(f"/declarations/{draft['decl_id']}", headers=headers).status == 204
    assert client.get("/declarations", headers=headers).json["items"] == []
    again = client.post("/declarations", headers=headers, json_body={"notice_id": draft["notice_id"], "confirmed": True})
    assert again.status == 201      # the live lock went with the draft


def test_module_definitions_are_served_for_form_rendering(client, world):
    d = client.get("/matters/TALENT_GRADING/definition", headers=world.headers("applicant1")).json
    assert d["steps"] == ["条件自检", "信息填报", "附件上传", "完成"]
    basic = next(m for m in d["modules"] if m["key"] == "basic")
    assert {f["key"] for f in basic["fields"] if f.get("required")} >= {"name", "phone", "education"}
    contract = next(a for a in d["attachments"] if a["category"] == "contract")
    assert contract["max_kb"] == 50000 and contract["max_count"] == 20


# --- issue 15: smaller defects ------------------------------------------------------------------

def test_basic_info_refuses_an_id_number_with_a_bad_checksum(client, world, draft):
    good = draft["modules"]["basic"]["content"]["id_number"]
    assert "*" not in good
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    for number in (bad, "２２０１０２１９８５０６１２３０１Ｘ"[:17] + "!", "not-an-id"):
        resp = _save(client, world, draft, "basic", {**BASIC, "id_number": number})
        assert resp.status == 422, resp
        assert resp.json["Details"] == [{"field": "id_number", "message": "证件号码：证件号码校验不通过，请核对"}]
    after = client.get(f"/declarations/{draft['decl_id']}", headers=world.headers("applicant1")).json
    assert after["modules"]["basic"]["version"] == draft["modules"]["basic"]["version"]   # nothing changed
    ok = _save(client, world, draft, "basic", {**BASIC, "id_number": good, "id_type": "居民身份证（户口簿）"})
    assert ok.status == 200, ok


def test_declaration_form_lists_only_accepted_uploads_in_beijing_time(client, world, draft):
    import datetime as dt
    import io
    import urllib.parse

    import boto3
    import pypdf

    from chalicelib import clock

    fill(client, world, draft)
    for state, name in (("rejected", "被拒绝的文件.png"), ("pending", "未核验的文件.png")):
        pk, sk = Attachment.key(draft["decl_id"], "employment_contract", state)
        Attachment(pk=pk, sk=sk, decl_id=draft["decl_id"], attachment_id=state, category="employment_contract",
                   file_name=name, content_type="image/png", declared_size=100, s3_key=f"x/{state}",
                   incoming_key="incoming/x", state=state, created_at="2026-01-01T00:00:00Z").save()
    clock.fix(dt.datetime(2026, 3, 1, 17, 30, tzinfo=dt.timezone.utc))     # 2026-03-02 01:30 in Beijing
    try:
        client.post(f"/declarations/{draft['decl_id']}/pledge", headers=world.headers("applicant1"),
                    json_body={"accepted": True})
    finally:
        clock.fix(None)
    resp = client.get(f"/declarations/{draft['decl_id']}/forms/declaration_form", headers=world.headers("applicant1"))
    assert resp.status == 200, resp
    path = urllib.parse.unquote(urllib.parse.urlparse(resp.json["url"]).path).lstrip("/")
    bucket, key = path.split("/", 1)
    pdf = boto3.client("s3", region_name="cn-north-1").get_object(Bucket=bucket, Key=key)["Body"].read()
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages).replace("\n", "").replace(" ", "")
    assert "被拒绝的文件" not in text and "未核验的文件" not in text
    assert "承诺时间：2026-03-0201:30" in text and "T17:30" not in text
