"""What a person already gave, offered again (issue 27 item 5): a 职称 declaration after a 人才分类定级
one offers 联系方式, 工作单位 (the current 工作经历), the photo and the 身份证 given there; a file is
reused by a copy inside the bucket, verified as it was, written with its count and slot in one
transaction; another person's file cannot be reused, and a refused reuse changes nothing."""
import boto3
import pytest

from tests.helpers.declarations import save
from tests.helpers.uploads import exists, upload
from tests.helpers import files

LOGIN = "applicant6"
GRADING_BASIC = {"name": "周景行", "phone": "13800000006", "personnel_category": "专业技术人员",
                 "education": "硕士研究生", "applied_level": "C类"}
TITLE_REST = {"ethnicity": "汉族", "political_status": "群众", "work_start": "2012-07-01", "current_work": "材料研究",
              "degree": "硕士", "series": "工程", "profession": "材料工程", "applied_level": "正高级",
              "applied_title": "正高级工程师", "apply_type": "正常"}
WORK = [{"employer": "长春第一汽车制造厂", "post": "技术员", "start_date": "2008-07-01", "end_date": "2012-06-30"},
        {"employer": "长白理工大学先进材料研究院", "post": "材料研究", "start_date": "2012-07-01"}]


def _h(world, login=LOGIN, **extra):
    return {**world.headers(login), **extra}


def _start(client, world, matter, login=LOGIN):
    notice = client.get(f"/notices?matter_type={matter}", headers=_h(world, login)).json["items"][0]["notice_id"]
    resp = client.post("/declarations", headers=_h(world, login), json_body={"notice_id": notice, "confirmed": True})
    assert resp.status == 201, resp
    return resp.json


@pytest.fixture
def earlier(client, world, aws):
    """周景行's 人才分类定级 declaration: 基本信息, 工作经历, a photo and both sides of the 身份证."""
    d = _start(client, world, "TALENT_GRADING")
    assert save(client, world, d, "basic", GRADING_BASIC, login=LOGIN).status == 200
    assert save(client, world, d, "work", WORK, login=LOGIN).status == 200
    for category, slot in (("photo", None), ("id_card", "正面"), ("id_card", "反面")):
        _, done = upload(client, world, aws, d, category, files.png(), "image/png", login=LOGIN,
                         **({"slot": slot} if slot else {}))
        assert done.json["state"] == "verified", done
    return d


def _reuse(client, world, decl_id, offer, login=LOGIN):
    return client.post(f"/declarations/{decl_id}/attachments/reuse", headers=_h(world, login),
                       json_body={"source_decl_id": offer["source_decl_id"], "attachment_id": offer["attachment_id"]})


def test_a_title_declaration_is_offered_what_the_grading_one_holds(client, world, aws, earlier):
    title = _start(client, world, "TITLE_NORMAL")
    offered = client.get(f"/declarations/{title['decl_id']}/given", headers=_h(world))
    assert offered.status == 200, offered
    basic = offered.json["fields"]["basic"]
    assert basic["phone"] == "13800000006"                       # 联系方式 (profile phone)
    assert basic["employer"] == "长白理工大学先进材料研究院"          # the current 工作经历's 工作单位
    assert basic["name"] == "周景行" and "id_number" not in basic   # read-only fields come from the profile
    files_offered = {(o["category"], o["slot"]) for o in offered.json["attachments"]}
    assert files_offered == {("photo", None), ("id_card", "正面"), ("id_card", "反面")}
    assert all(o["source_decl_id"] == earlier["decl_id"] for o in offered.json["attachments"])
    # offered, not stored
    assert not client.get(f"/declarations/{title['decl_id']}", headers=_h(world)).json["modules"]["basic"]["saved_at"]


def test_reusing_copies_the_verified_file_into_the_slot(client, world, aws, earlier):
    title = _start(client, world, "TITLE_NORMAL")
    offers = client.get(f"/declarations/{title['decl_id']}/given", headers=_h(world)).json["attachments"]
    photo = next(o for o in offers if o["category"] == "photo")
    # the photo belongs to 基本信息: saved first, as for an upload
    early = _reuse(client, world, title["decl_id"], photo)
    assert early.status == 409 and early.json["Code"] == "BASIC_NOT_SAVED"
    basic = client.get(f"/declarations/{title['decl_id']}/given", headers=_h(world)).json["fields"]["basic"]
    assert save(client, world, title, "basic", {**basic, **TITLE_REST}, login=LOGIN).status == 200
    made = [_reuse(client, world, title["decl_id"], o) for o in offers]
    assert [r.status for r in made] == [201, 201, 201], made
    assert all(r.json["state"] == "verified" for r in made)
    mine = client.get(f"/declarations/{title['decl_id']}", headers=_h(world)).json
    copies = {(a["category"], a["slot"]): a for a in mine["attachments"]}
    assert set(copies) == {("photo", None), ("id_card", "正面"), ("id_card", "反面")}
    s3 = boto3.client("s3", region_name="cn-north-1")
    original = next(a for a in client.get(f"/declarations/{earlier['decl_id']}", headers=_h(world)).json["attachments"]
                    if a["category"] == "photo")
    link = client.get(f"/declarations/{title['decl_id']}/attachments/{copies[('photo', None)]['attachment_id']}"
                      "/download", headers=_h(world))
    assert link.status == 200 and link.json["file_name"] == original["file_name"]
    key = next(k["Key"] for k in s3.list_objects_v2(Bucket=aws["ATTACHMENTS_BUCKET"],
                                                    Prefix=f"decl/{title['decl_id']}/photo/")["Contents"])
    assert exists(aws, key)
    # the validation no longer asks for them
    report = client.get(f"/declarations/{title['decl_id']}/validation", headers=_h(world)).json["items"]
    assert not [i for i in report if "近期照片" in i["message"] or "身份证" in i["message"]], report
    # nothing offered twice; a taken slot refuses
    assert client.get(f"/declarations/{title['decl_id']}/given", headers=_h(world)).json["attachments"] == []
    again = _reuse(client, world, title["decl_id"], offers[1])
    assert again.status == 409 and again.json["Code"] in ("SLOT_TAKEN", "COUNT_LIMIT")
    # the copy is the new declaration's own: deleting it leaves the earlier one's file
    removed = client.delete(f"/declarations/{title['decl_id']}/attachments/{copies[('photo', None)]['attachment_id']}",
                            headers=_h(world))
    assert removed.status == 204
    assert len([a for a in client.get(f"/declarations/{earlier['decl_id']}", headers=_h(world)).json["attachments"]
                if a["state"] == "verified"]) == 3


def test_another_persons_file_cannot_be_reused(client, world, aws, earlier):
    """applicant1 knows the ids of 周景行's declaration and photo: still 404, and nothing written."""
    others = _start(client, world, "TITLE_NORMAL")
    photo = next(o for o in client.get(f"/declarations/{others['decl_id']}/given", headers=_h(world)).json["attachments"]
                 if o["category"] == "photo")
    notice = client.get("/notices", headers=_h(world, "applicant1")).json["items"][0]["notice_id"]
    own = client.post("/declarations", headers=_h(world, "applicant1"),
                      json_body={"notice_id": notice, "confirmed": True}).json
    assert save(client, world, own, "basic", {**GRADING_BASIC, "name": "张明远"}, login="applicant1").status == 200
    stolen = _reuse(client, world, own["decl_id"], photo, login="applicant1")
    assert stolen.status == 404 and stolen.json["Code"] == "DECLARATION_NOT_FOUND", stolen
    into = _reuse(client, world, others["decl_id"], photo, login="applicant1")     # into someone else's draft
    assert into.status == 404 and into.json["Code"] == "DECLARATION_NOT_FOUND"
    assert client.get(f"/declarations/{others['decl_id']}/given", headers=_h(world, "applicant1")).status == 404
    assert client.get(f"/declarations/{own['decl_id']}", headers=_h(world, "applicant1")).json["attachments"] == []
    s3 = boto3.client("s3", region_name="cn-north-1")
    assert s3.list_objects_v2(Bucket=aws["ATTACHMENTS_BUCKET"], Prefix=f"decl/{own['decl_id']}/").get("KeyCount") == 0
    # a reviewer cannot either
    assert _reuse(client, world, others["decl_id"], photo, login="institute-agent").status == 403


def test_only_the_persons_own_files_of_a_profile_category_are_reused(client, world, aws, earlier):
    title = _start(client, world, "TITLE_NORMAL")
    cert, done = upload(client, world, aws, earlier, "talent_certificate", files.png(), "image/png", login=LOGIN)
    assert done.json["state"] == "verified"
    refused = _reuse(client, world, title["decl_id"], {"source_decl_id": earlier["decl_id"],
                                                       "attachment_id": cert["attachment"]["attachment_id"]})
    assert refused.status == 422 and refused.json["Code"] == "ATTACHMENT_NOT_REUSABLE"
    missing = _reuse(client, world, title["decl_id"], {"source_decl_id": earlier["decl_id"], "attachment_id": "nope"})
    assert missing.status == 404 and missing.json["Code"] == "ATTACHMENT_NOT_FOUND"
    same = _reuse(client, world, title["decl_id"], {"source_decl_id": title["decl_id"], "attachment_id": "x"})
    assert same.status == 422
