"""Manual 000 (applicant app slides, 人才分类定级评审申报) as acceptance scenarios.

Each test quotes the sentence it checks (file 000_677c4ce5c982a5c0.txt and the slide title)."""
import boto3
import pytest

from tests.helpers import files
from tests.helpers.declarations import BASIC, fill
from tests.helpers.declarations import save as _save

M = "000_677c4ce5c982a5c0.txt"


def _h(world, login="applicant1", **extra):
    return world.headers(login, **extra)


def _notice(client, world, login="applicant1"):
    items = client.get("/notices", headers=_h(world, login)).json["items"]
    return next(n for n in items if n["matter_type"] == "TALENT_GRADING")


@pytest.fixture
def draft(client, world):
    resp = client.post("/declarations", headers=_h(world),
                       json_body={"notice_id": _notice(client, world)["notice_id"], "confirmed": True})
    assert resp.status == 201, resp
    return resp.json


def _slot(client, world, decl, category, size, content_type="image/png", name="f.png", **extra):
    body = {"category": category, "file_name": name, "content_type": content_type, "size": size, **extra}
    return client.post(f"/declarations/{decl['decl_id']}/attachments", headers=_h(world), json_body=body)


def _upload(client, world, aws, decl, category, data, content_type="image/png", name="f.png", **extra):
    slot = _slot(client, world, decl, category, len(data), content_type, name, **extra)
    assert slot.status == 201, slot
    boto3.client("s3", region_name="cn-north-1").put_object(
        Bucket=aws["ATTACHMENTS_BUCKET"], Key=slot.json["upload"]["fields"]["key"], Body=data)
    att = slot.json["attachment"]["attachment_id"]
    return client.post(f"/declarations/{decl['decl_id']}/attachments/{att}/complete", headers=_h(world))


# ---- 去绑定 / 解除绑定 -------------------------------------------------------------------------

def test_lookup_by_credit_code_shows_name_and_binding_state(client, world):
    """000 去绑定：“输入统一信用代码查询单位信息，如果未绑定则需要点击绑定” — 查询结果有单位名称、
    统一社会信用代码、绑定状态（未绑定／已绑定）；确认开始申报：“进入后需要选择：‘推荐单位’，如果没有推荐单位
    则需要点击‘去绑定’”。"""
    mine = client.get(f"/units/lookup/{world.code('institute')}", headers=_h(world)).json
    other = client.get(f"/units/lookup/{world.code('university')}", headers=_h(world)).json
    assert mine["name"] == "长白理工大学先进材料研究院" and mine["credit_code"] == world.code("institute")
    assert "已绑定" in str(mine) and "未绑定" in str(other), (mine, other)
    # 确认开始申报：“进入后需要选择：‘推荐单位’，如果没有推荐单位则需要点击‘去绑定’”
    resp = client.post("/declarations", headers=_h(world, "applicant4"),
                       json_body={"notice_id": _notice(client, world, "applicant4")["notice_id"], "confirmed": True})
    assert resp.status == 409 and resp.json["Code"] == "NOT_BOUND" and "绑定" in resp.json["Message"]


def test_only_one_unit_at_a_time_and_unbind_first(client, world):
    """000 去绑定：“个人仅能同时绑定一个推荐单位，若需要绑定新的推荐单位，需要先与原来绑定的推荐单位解绑。
    解绑也是通过在此页面搜索单位的统一社会信用代码后点击【解除绑定】按钮”。"""
    second = client.post("/bindings/me", headers=_h(world), json_body={"credit_code": world.code("university")})
    assert second.status == 409 and second.json["Message"] == "个人仅能同时绑定一个推荐单位，若需要绑定新的推荐单位，需要先与原来绑定的推荐单位解绑", second
    assert client.delete("/bindings/me", headers=_h(world)).status == 200
    again = client.post("/bindings/me", headers=_h(world), json_body={"credit_code": world.code("university")})
    assert again.status == 201, again


# ---- 申报通知 / 申报注意事项 ---------------------------------------------------------------------

def test_notices_of_the_year_show_date_source_and_body(client, world):
    """000 查询申报通知：“点击查询可以查询到当前年度全部的申报通知…点击通知查看，可以查看具体的通知内容”
    （发布日期、发布来源、附件）。"""
    n = _notice(client, world)
    detail = client.get(f"/notices/{n['notice_id']}", headers=_h(world)).json
    assert detail["source"] == "吉林省人才开发处" and detail["body"]
    import datetime as dt

    assert dt.date.fromisoformat(detail["publish_date"]) and "files" in detail, detail
    others = client.get("/notices?year=2020", headers=_h(world)).json["items"]
    assert others == []                   # “当前年度全部的申报通知”: another year is asked for explicitly


# ---- 基本信息 / 近期照片 -------------------------------------------------------------------------

def test_photo_refused_before_basic_saved(client, world, draft):
    """000 信息填写：“基础信息填写完后点击保存按钮，然后需要上传近期照片。才可以点击下一步…未上传近期照片不可以
    进行下一步，未保存不可以上传近期照片”。"""
    resp = _slot(client, world, draft, "photo", 1000)
    assert resp.status == 409 and resp.json["Message"] == "请先保存基本信息，再上传近期照片", resp
    assert _save(client, world, draft, "basic", BASIC).status == 200
    report = client.get(f"/declarations/{draft['decl_id']}/validation", headers=_h(world)).json
    assert any("基本信息_近期照片未上传" in str(i) for i in report["items"]), report
    assert _slot(client, world, draft, "photo", 1000).status == 201
    second = _slot(client, world, draft, "photo", 1000)
    assert second.status == 409 and second.json["Message"] == "数量要求：最多上传1个", second


# ---- 教育信息 / 继续教育 附件 ---------------------------------------------------------------------

def _education(client, world, draft):
    resp = client.post(f"/declarations/{draft['decl_id']}/modules/education/entries", headers=_h(world),
                       json_body={"entry": {"school": "测试大学", "major": "材料学"}})
    assert resp.status == 201, resp
    return resp.json["content"][-1]["id"]


FORMATS = [("a.png", "image/png", True), ("a.jpg", "image/jpeg", True), ("a.jpeg", "image/jpeg", True),
           ("a.bmp", "image/bmp", True), ("a.pdf", "application/pdf", True), ("a.gif", "image/gif", False),
           ("a.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", False),
           ("a.html", "text/html", False), ("a.exe", "image/png", False), ("a.docx", "application/pdf", False),
           ("证书2022.05.20", "image/png", True)]


def test_education_attachment_rules(client, world, aws, draft):
    """000 教育信息：“保存后点击附件上传图标…注：需要先点击保存然后上传图片。”；学历证明上传说明：
    “1、格式要求:只能上传png,jpg,bmp,jpeg,pdf格式的文件; 2、大小要求:传的文件不能超过3000kb; 3、数量要求:3”。"""
    unsaved = _slot(client, world, draft, "education", 1000)
    assert unsaved.status == 422 and unsaved.json["Code"] == "ENTRY_NOT_SAVED" and "请先保存" in unsaved.json["Message"], unsaved
    for n, (name, ctype, ok) in enumerate(FORMATS):
        eid = _education(client, world, draft) if n % 3 == 0 else eid    # pending slots count too
        resp = _slot(client, world, draft, "education", 1000, ctype, name, entry_id=eid)
        assert (resp.status == 201) == ok, (name, resp)
        if not ok:
            assert resp.status == 422 and "png" in resp.json["Message"], resp
    eid = _education(client, world, draft)
    big = _slot(client, world, draft, "education", 3000 * 1024 + 1, entry_id=eid)
    assert big.status == 422 and "3000" in big.json["Message"], big
    eid2 = _education(client, world, draft)
    for _ in range(3):
        assert _upload(client, world, aws, draft, "education", files.png(), entry_id=eid2).json["state"] == "verified"
    fourth = _slot(client, world, draft, "education", 1000, entry_id=eid2)
    assert fourth.status == 409 and fourth.json["Code"] == "COUNT_LIMIT" and "3" in fourth.json["Message"], fourth


def test_work_experience_has_many_entries_and_no_attachment(client, world, draft):
    """000 工作经历：“工作经历可以存在多条…注：工作经历无需上传附件”；申报注意事项：“查看申报注意事项，
    检查自己是否满足申报要求”；继续教育信息：“继续教育经历上传说明:注意:如是涉密内容禁止上传。”"""
    rows = [{"employer": f"单位{i}", "post": "教授", "start_date": f"20{10 + i}-07-01"} for i in range(3)]
    assert _save(client, world, draft, "work", rows).status == 200
    d = client.get("/matters/TALENT_GRADING/definition", headers=_h(world)).json
    work = next(m for m in d["modules"] if m["key"] == "work")
    assert not work.get("attachment_category")
    assert not any(a.get("module") == "work" for a in d["attachments"])
    assert d["notes"]
    continuing = next(m for m in d["modules"] if m["key"] == "continuing")
    assert continuing["notice"] == "注意：如是涉密内容禁止上传。"


# ---- 创新创业成果 ≤500字 --------------------------------------------------------------------------

def test_achievements_at_most_500_chars(client, world, draft):
    """000 创新创业成果（突出业绩）：“在输入框内填写内容（注：填写内容不超过500字）”。"""
    ok = _save(client, world, draft, "achievements", "成" * 500)
    assert ok.status == 200, ok
    too_long = _save(client, world, draft, "achievements", "成" * 501, version=ok.json["version"])
    assert too_long.status == 422 and "500" in too_long.json["Message"], too_long
    kept = client.get(f"/declarations/{draft['decl_id']}", headers=_h(world)).json
    assert kept["modules"]["achievements"]["content"] == "成" * 500     # bad input changes nothing


# ---- 荣誉奖励：参评项仅一条 ------------------------------------------------------------------------

def test_only_one_representative_honour(client, world, draft):
    """000 荣誉奖励信息：“‘是否代表性’若选择‘是’，此条荣誉奖励即作为参评项，参评项仅能同时存在一条”。"""
    rows = [{"name": "甲奖", "granted_on": "2020-01-01", "representative": True},
            {"name": "乙奖", "granted_on": "2021-01-01", "representative": True}]
    resp = _save(client, world, draft, "honours", rows)
    assert resp.status == 422 and "参评项仅能同时存在一条" in resp.json["Message"], resp
    one = _save(client, world, draft, "honours", [dict(rows[0]), dict(rows[1], representative=False)])
    assert one.status == 200, one


# ---- 数据验证 ---------------------------------------------------------------------------------

def test_validation_messages_in_the_manual_wording(client, world, draft):
    """000 数据验证：“1、【人才分类定级评定】荣誉奖励_荣誉（奖励）信息未填报
    2、【人才分类定级评定】工作业绩_工作经历未填报”。"""
    report = client.get(f"/declarations/{draft['decl_id']}/validation", headers=_h(world)).json
    text = str(report)
    assert "【人才分类定级评定】荣誉奖励_荣誉（奖励）信息未填报" in text, text
    assert "【人才分类定级评定】工作业绩_工作经历未填报" in text, text


def test_attachment_rules_as_stated(client, world, draft):
    """000 数据验证：“身份证 上传规范：单张大小不能超过2000KB，最多上传2个”；“现岗位职称或技能等级证书
    …不能超过5000KB，最多上传1个”；“人才称号证书或证明文件…不能超过20000KB，最多上传5个”；
    “聘用合同…不能超过50000KB，最多上传20个”。"""
    d = client.get("/matters/TALENT_GRADING/definition", headers=_h(world)).json
    for category, max_kb, max_count in (("id_card", 2000, 2), ("title_certificate", 5000, 1),
                                        ("talent_certificate", 20000, 5), ("contract", 50000, 20)):
        rule = next(a for a in d["attachments"] if a["category"] == category)
        assert (rule["max_kb"], rule["max_count"]) == (max_kb, max_count)
        extra = {"slot": "正面"} if category == "id_card" else {}
        over = _slot(client, world, draft, category, max_kb * 1024 + 1, **extra)
        assert over.status == 422 and str(max_kb) in over.json["Message"], over
        assert _slot(client, world, draft, category, max_kb * 1024, **extra).status == 201


def test_id_card_has_one_front_and_one_back(client, world, draft):
    """000 数据验证：“身份证 反面上传 正面上传 上传规范：单张大小不能超过2000KB，最多上传2个 反面：… 正面：…” —
    正面、反面各一张；第二张正面被拒绝，不能以两张正面凑足两张。"""
    assert _slot(client, world, draft, "id_card", 1000, slot="正面").status == 201
    again = _slot(client, world, draft, "id_card", 1000, slot="正面")
    assert again.status == 409 and again.json["Message"] == "身份证正面已上传，请先删除后重新上传", again
    assert _slot(client, world, draft, "id_card", 1000, slot="反面").status == 201
    assert _slot(client, world, draft, "id_card", 1000, slot="侧面").status == 422


def test_business_forms_download(client, world, draft):
    """000 数据验证：“在业务表册信息栏，可对人才分类定级认定申报表、一览表进行下载查看”。"""
    fill(client, world, draft)
    for form in ("declaration_form", "summary_table"):
        resp = client.get(f"/declarations/{draft['decl_id']}/forms/{form}", headers=_h(world))
        assert resp.status == 200, (form, resp)


# ---- 诚信承诺 / 提交 / 历史 ------------------------------------------------------------------------

def test_submit_needs_the_pledge_then_is_已申报(client, world, draft):
    """000 数据验证：“勾选‘本人承诺，申报所提供的材料真实、准确，如有违诺情况，本人愿承担所有责任’，点击提交”；
    历史申报信息：“提交后…业务状态变更为‘已申报’”。"""
    fill(client, world, draft)
    refused = client.post(f"/declarations/{draft['decl_id']}/submit", headers=_h(world))
    assert refused.status == 422 and refused.json["Code"] == "PLEDGE_REQUIRED", refused
    pledge = client.post(f"/declarations/{draft['decl_id']}/pledge", headers=_h(world), json_body={"accepted": True})
    assert pledge.json["pledge"] == "本人承诺，申报所提供的材料真实、准确，如有违诺情况，本人愿承担所有责任。"
    assert client.post(f"/declarations/{draft['decl_id']}/submit", headers=_h(world)).status == 200
    items = client.get("/declarations", headers=_h(world)).json["items"]
    assert items[0]["status_label"] == "已申报"
    progress = client.get(f"/declarations/{draft['decl_id']}/progress", headers=_h(world))
    assert progress.status == 200, progress


def test_submitted_declaration_is_no_longer_editable_or_deletable(client, world, draft):
    """000 历史申报信息：“未提交（填报信息保存但未点击提交按钮）可以重新进行编辑或者删除” — 已提交的只能查看。"""
    fill(client, world, draft)
    client.post(f"/declarations/{draft['decl_id']}/pledge", headers=_h(world), json_body={"accepted": True})
    assert client.post(f"/declarations/{draft['decl_id']}/submit", headers=_h(world)).status == 200
    assert client.delete(f"/declarations/{draft['decl_id']}", headers=_h(world)).status == 409
    now = client.get(f"/declarations/{draft['decl_id']}", headers=_h(world)).json
    edit = _save(client, world, now, "achievements", "改写")
    assert edit.status == 409, edit


def test_another_persons_declaration_is_invisible(client, world, draft):
    """Hostile input: another applicant's declaration id (000 历史申报信息 shows only one's own)."""
    other = _h(world, "applicant6")
    assert client.get(f"/declarations/{draft['decl_id']}", headers=other).status == 404
    assert client.delete(f"/declarations/{draft['decl_id']}", headers=other).status == 404
    assert _save(client, world, draft, "achievements", "x", login="applicant6").status == 404
