"""Manual 001 (人才分类定级评定申报 用户手册, 单位网厅, 2023-07) as acceptance scenarios.

Each test quotes the sentence it checks (file 001_9b9bfbf0a036a606.txt and its section)."""
import boto3
import pytest

from tests.helpers import files
from tests.helpers.review import MARKS_ALL_CORRECT, decide, ready, wait_task

M = "001_9b9bfbf0a036a606.txt"


def _pending(client, headers, kind):
    return client.get(f"/binding-requests?kind={kind}&state=pending", headers=headers).json["items"]


def _counts(client, world, unit_login, matter="TALENT_GRADING"):
    rows = client.get("/workbench", headers=world.headers(unit_login)).json["rows"]
    return next(r for r in rows if r["matter"] == matter)


@pytest.fixture
def submitted(client, world, aws):
    decl = ready(client, world)
    assert client.post(f"/declarations/{decl['decl_id']}/submit", headers=world.headers("applicant1")).status == 200
    wait_task(client, world, aws, "institute-agent", decl["decl_id"])
    return decl["decl_id"]


def _put(client, world, d, module, content, login="applicant1"):
    mine = client.get(f"/declarations/{d}", headers=world.headers(login)).json
    return client.put(f"/declarations/{d}/modules/{module}",
                      headers={**world.headers(login), "If-Match": str(mine["modules"][module]["version"])},
                      json_body={"content": content})


def test_unit_binds_a_superior_which_approves_and_unbinds_without_review(client, world):
    """001 3.1：“输入社会统一信用代码，点击【查询】…绑定状态是‘未绑定’，点击【绑定】，即为申请绑定上级单位…
    在上级单位审核通过后，【上级主管部门】处会显示出该家单位名称”；3.4：“如果同意本单位作为申请单位的上级单位，
    则选择【审核通过】”；3.2：“如果需要解除绑定上级单位，点击【解除绑定】即可，解除绑定不需要审核。”"""
    company, edu = world.headers("company-legal"), world.headers("edu-dept-agent")
    resp = client.post("/units/me/superior", headers=company, json_body={"credit_code": world.code("edu-dept")})
    assert resp.status == 201, resp
    req = _pending(client, edu, "unit")
    assert len(req) == 1 and _counts(client, world, "edu-dept-agent", "BIND_UNIT")["pending"] == 1
    done = client.post(f"/binding-requests/{req[0]['request_id']}/decision", headers=edu,
                       json_body={"decision": "approve", "opinion": "同意"})
    assert done.status == 200, done
    assert "吉林省教育厅" in str(client.get("/units/me", headers=company).json)
    assert client.delete("/units/me/superior", headers=company).status == 200
    assert "吉林省教育厅" not in str(client.get("/units/me", headers=company).json)
    assert _pending(client, edu, "unit") == []


def test_no_self_binding_and_no_bureau_as_superior(client, world):
    """001 工作台：“严禁本单位绑定本单位统一社会信用代码！”；3.1：“绑定上级主管单位（人社局/厅除外）”。"""
    company = world.headers("company-legal")
    for target in ("company", "jl-bureau", "province"):
        resp = client.post("/units/me/superior", headers=company, json_body={"credit_code": world.code(target)})
        assert resp.status == 422, (target, resp)
    assert client.get("/units/me", headers=company).json.get("superior_code") in (None, "")


def test_person_binding_ended_frees_the_applicant(client, world):
    """001 3.3：“如果同意申请人绑定本单位，则选择审核通过；如果不同意，点击‘资格不符，终止审核’（审核时选择
    ‘资格不符，终止审核’并保存后，申报人即可申请绑定其他单位）。填写审核意见后，点击【保存】”。"""
    applicant, unit = world.headers("applicant4"), world.headers("company-agent")
    client.post("/bindings/me", headers=applicant, json_body={"credit_code": world.code("company")})
    req = _pending(client, unit, "person")[0]
    resp = client.post(f"/binding-requests/{req['request_id']}/decision", headers=unit,
                       json_body={"decision": "end", "opinion": "非本单位人员"})
    assert resp.status == 200, resp
    again = client.post("/bindings/me", headers=applicant, json_body={"credit_code": world.code("university")})
    assert again.status == 201 and again.json["status"] == "pending", again


def test_return_opens_only_the_problem_modules_attachments_included(client, world, aws, submitted):
    """001 3.5.2.2：“注意：如果审核结果选择‘退回修改’，申报者只能修改审核退回时勾选的【问题模块】。”
    （002：“申报信息中，只有右侧带‘×’号的申报模块信息可以被修改”）— 未勾选模块的条目和附件也不能改。"""
    d = submitted
    marks = {**MARKS_ALL_CORRECT, "work": "wrong"}
    resp = decide(client, world, "institute-agent", d, "return", marks=marks, problem_modules=["work"],
                  return_to="applicant", opinion="工作经历不完整")
    assert resp.status == 200, resp
    h = world.headers("applicant1")
    mine = client.get(f"/declarations/{d}", headers=h).json
    assert mine["status_label"] == "被退回" and mine["editable_modules"] == ["work"]
    assert _put(client, world, d, "achievements", "改写成果").status == 409
    assert client.post(f"/declarations/{d}/modules/honours/entries", headers=h,
                       json_body={"entry": {"name": "新奖", "granted_on": "2022-01-01"}}).status == 409
    slot = client.post(f"/declarations/{d}/attachments", headers=h, json_body={
        "category": "contract", "file_name": "c.pdf", "content_type": "application/pdf", "size": 100})
    assert slot.status == 409, slot
    photo = next(a for a in mine["attachments"] if a["category"] == "id_card")
    assert client.delete(f"/declarations/{d}/attachments/{photo['attachment_id']}", headers=h).status == 409
    assert client.delete(f"/declarations/{d}", headers=h).status == 409
    ok = _put(client, world, d, "work", [{"employer": "长白理工大学", "post": "教授", "start_date": "2010-07-01"},
                                         {"employer": "研究院", "post": "研究员", "start_date": "2018-01-01"}])
    assert ok.status == 200, ok


def test_return_needs_problem_modules_and_an_opinion(client, world, aws, submitted):
    """001 3.5.2.1：“在各个模块下方选择此模块信息是否有误，若选择‘是’，退回后此模块中的申报信息可由申报人修改”；
    3.5.2.2：“若选择‘退回修改’，则可选择问题模块，选择退回目标”；“请确保所有需要申报者修改的【问题模块】都被勾选后退回”。"""
    d = submitted
    no_marks = client.post(f"/reviews/{d}/decision", headers=world.headers("institute-agent"),
                           json_body={"outcome": "pass", "marks": {}})
    assert no_marks.status == 422 and no_marks.json["Code"] == "MARKS_REQUIRED", no_marks
    none = decide(client, world, "institute-agent", d, "return", return_to="applicant", opinion="请修改")
    assert none.status == 422 and none.json["Code"] == "PROBLEM_MODULES_REQUIRED", none
    unmarked = decide(client, world, "institute-agent", d, "return", problem_modules=["work"],
                      return_to="applicant", opinion="请修改")
    assert unmarked.status == 422, unmarked
    assert client.get(f"/declarations/{d}", headers=world.headers("applicant1")).json["status_label"] == "已申报"


def test_common_opinions_are_maintained_per_reviewer(client, world):
    """001 3.5.2.3：“填写审核意见，可以直接手动录入也可以选择常用意见”；3.5.2.4：“系统支持维护自定义意见”。"""
    h = world.headers("institute-agent")
    added = client.post("/opinions", headers=h, json_body={"text": "材料齐全，同意推荐"})
    assert added.status == 201, added
    oid = added.json["opinion_id"]
    assert "材料齐全，同意推荐" in str(client.get("/opinions", headers=h).json)
    assert client.put(f"/opinions/{oid}", headers=h, json_body={"text": "材料齐全，同意上报"}).status == 200
    assert client.put(f"/opinions/{oid}", headers=world.headers("university-agent"),
                      json_body={"text": "篡改"}).status == 404
    assert client.post("/opinions", headers=h, json_body={"text": "长" * 501}).status == 422
    assert client.post("/opinions", headers=h, json_body={"text": ""}).status == 422
    assert client.delete(f"/opinions/{oid}", headers=h).status == 204
    assert "材料齐全" not in str(client.get("/opinions", headers=h).json)


def test_batch_send_needs_the_report_which_can_be_deleted_and_replaced(client, world, aws, submitted):
    """001 3.6.2.1：“多选已审核完毕的数据，点击‘上传送审附件’”；3.6.2.2：“若发现送审附件上传错误，需要删除送审附件”；
    3.6.2.3：“若已上传送审附件则勾选需要送审的人员材料后点击【批量送审】。注意：推荐报告/申报函附件是必填项”。"""
    d, unit = submitted, world.headers("institute-agent")
    assert decide(client, world, "institute-agent", d).json["state"] == "to_send"
    assert _counts(client, world, "institute-agent")["to_send"] == 1
    refused = client.post("/reviews/send", headers=unit, json_body={"decl_ids": [d]}).json
    assert refused["sent"] == 0 and "推荐报告/申报函附件是必填项" in str(refused), refused
    wrong_type = client.post(f"/reviews/{d}/report", headers=unit, json_body={
        "file_name": "r.exe", "content_type": "application/x-msdownload", "size": 100})
    assert wrong_type.status == 422, wrong_type

    def upload():
        pdf = files.pdf()
        slot = client.post(f"/reviews/{d}/report", headers=unit, json_body={
            "file_name": "推荐报告.pdf", "content_type": "application/pdf", "size": len(pdf)}).json
        boto3.client("s3", region_name="cn-north-1").put_object(
            Bucket=aws["ATTACHMENTS_BUCKET"], Key=slot["upload"]["fields"]["key"], Body=pdf)
        att = slot["attachment"]["attachment_id"]
        assert client.post(f"/reviews/{d}/report/{att}/complete", headers=unit).json["state"] == "verified"
        return att

    first = upload()
    assert client.delete(f"/reviews/{d}/report/{first}", headers=unit).status == 204
    upload()
    sent = client.post("/reviews/send", headers=unit, json_body={"decl_ids": [d]}).json
    assert sent["sent"] == 1, sent
    assert _counts(client, world, "institute-agent")["to_send"] == 0


def test_progress_and_withdraw_after_return(client, world, aws, submitted):
    """001 3.5.2.6：“在审核过程中可以查看审核进度情况”；工作台注意：“若行政区划有误…将申报信息退回至个人，
    由个人点击‘撤销流程’按钮后重新申报”。"""
    d = submitted
    steps = client.get(f"/declarations/{d}/progress", headers=world.headers("institute-agent"))
    assert steps.status == 200 and [s["label"] for s in steps.json["steps"]][:2] == ["开始申报", "提交申报"], steps
    h = world.headers("applicant1")
    assert client.post(f"/declarations/{d}/withdraw", headers=h).status == 409     # not returned yet
    decide(client, world, "institute-agent", d, "return", marks={**MARKS_ALL_CORRECT, "basic": "wrong"},
           problem_modules=["basic"], return_to="applicant", opinion="行政区划有误，请撤销流程后重新申报")
    assert _counts(client, world, "institute-agent")["returned"] == 1
    back = client.post(f"/declarations/{d}/withdraw", headers=h)
    assert back.status == 200 and back.json["status_label"] == "未提交", back
    labels = [s["label"] for s in client.get(f"/declarations/{d}/progress", headers=h).json["steps"]]
    assert "退回修改" in labels and labels[-1] == "撤销流程", labels


def test_reviewers_see_only_their_own_declarations(client, world, aws, submitted):
    """001 3.5：“对各申报人员提交的材料进行审核（按人事管理权限逐级审核）” — 其他单位看不到、改不了；
    hostile inputs on 审核/送审: an over-long 审核意见, an unknown module, a 送审附件 or 送审 before 审核,
    送审 by another unit, a 退回目标 above the current level — each refused, nothing changes."""
    d = submitted
    for login in ("company-agent", "university-agent"):      # another unit; the next level, not reached yet
        assert client.get(f"/reviews/{d}", headers=world.headers(login)).status == 404
        assert decide(client, world, login, d).status == 404
    assert client.post(f"/reviews/{d}/decision", headers=world.headers("applicant1"),
                       json_body={"outcome": "pass", "marks": MARKS_ALL_CORRECT}).status == 403
    unit = world.headers("institute-agent")
    assert decide(client, world, "institute-agent", d, opinion="意" * 501).status == 422
    assert decide(client, world, "institute-agent", d, marks={**MARKS_ALL_CORRECT, "zzz": "correct"}).status == 422
    early = client.post(f"/reviews/{d}/report", headers=unit,
                        json_body={"file_name": "r.pdf", "content_type": "application/pdf", "size": 100})
    assert early.status == 409 and early.json["Code"] == "NOT_TO_SEND", early
    for login in ("company-agent", "institute-agent"):
        sent = client.post("/reviews/send", headers=world.headers(login), json_body={"decl_ids": [d]}).json
        assert sent["sent"] == 0 and sent["results"][0]["ok"] is False, sent
    above = decide(client, world, "institute-agent", d, "return", marks={**MARKS_ALL_CORRECT, "work": "wrong"},
                   problem_modules=["work"], return_to=3, opinion="退回")
    assert above.status == 422 and above.json["Code"] == "BAD_RETURN_TARGET", above
    assert wait_task(client, world, aws, "institute-agent", d)["state"] == "open"
