"""The review chain on real Step Functions executions (moto, in process), end to end."""
import json

import pytest

from tests.helpers.review import (CHAIN, MARKS_ALL_CORRECT, add_report, decide, pass_and_send,
                                  pump, ready, task_state, wait_task)
from tests.helpers.review import province_committee as _province_committee


def _me(client, world, decl_id, login="applicant1"):
    return client.get(f"/declarations/{decl_id}", headers=world.headers(login)).json


def _counts(client, world, unit_login):
    rows = client.get("/workbench", headers=world.headers(unit_login)).json["rows"]
    return next(r for r in rows if r["matter"] == "TALENT_GRADING")


def test_whole_chain_with_two_superiors_to_final_approval(client, world, aws):
    decl = ready(client, world)
    resp = client.post(f"/declarations/{decl['decl_id']}/submit", headers=world.headers("applicant1"))
    assert resp.status == 200 and resp.json["status_label"] == "已申报"
    for unit in CHAIN:
        pass_and_send(client, world, aws, unit, decl["decl_id"])
        assert _counts(client, world, unit)["done_total"] == 1
    # the committee result, recorded by the provincial office
    pump(aws, lambda: any(t["state"] == "open" for t in _province_committee(client, world, decl)))
    resp = client.post(f"/reviews/{decl['decl_id']}/result", headers=world.headers("province-agent"),
                       json_body={"result": "通过", "level": "C类"})
    assert resp.status == 200 and resp.json["status_label"] == "终审通过"
    mine = _me(client, world, decl["decl_id"])
    assert mine["status_label"] == "终审通过"
    steps = client.get(f"/declarations/{decl['decl_id']}/progress", headers=world.headers("applicant1")).json
    passed = [s["unit_name"] for s in steps["steps"] if s["action"] == "review.pass"]
    assert passed == ["长白理工大学先进材料研究院", "长白理工大学", "吉林省教育厅",
                      "长春市人力资源和社会保障局", "吉林省人力资源和社会保障厅"]
    assert steps["result"] == "通过" and steps["result_level"] == "C类"
    import boto3

    sfn = boto3.client("stepfunctions", region_name="cn-north-1")
    pump(aws, lambda: sfn.describe_execution(executionArn=_exec_arn(decl))["status"] == "SUCCEEDED")
    # the applicant can unbind again: nothing under review any more
    assert client.get("/bindings/me", headers=world.headers("applicant1")).json["under_review"] is False


def _exec_arn(decl):
    from chalicelib.models.declarations import Declaration

    return Declaration.get(*Declaration.key(decl["decl_id"])).execution_arn


def test_return_to_applicant_opens_only_flagged_modules_and_round_two_restarts(client, world, aws):
    decl = ready(client, world)
    client.post(f"/declarations/{decl['decl_id']}/submit", headers=world.headers("applicant1"))
    pass_and_send(client, world, aws, "institute-agent", decl["decl_id"])
    wait_task(client, world, aws, "university-agent", decl["decl_id"])
    marks = {**MARKS_ALL_CORRECT, "work": "wrong", "honours": "wrong"}
    resp = client.post(f"/reviews/{decl['decl_id']}/decision", headers=world.headers("university-agent"),
                       json_body={"outcome": "return", "marks": marks, "problem_modules": ["work", "honours"],
                                  "return_to": "applicant", "opinion": "工作经历和荣誉信息不完整"})
    assert resp.status == 200, resp
    mine = _me(client, world, decl["decl_id"])
    assert mine["status_label"] == "被退回" and sorted(mine["editable_modules"]) == ["honours", "work"]
    editable = {k for k, m in mine["modules"].items() if m["editable"]}
    assert editable == {"work", "honours"}
    locked = client.put(f"/declarations/{decl['decl_id']}/modules/basic",
                        headers={**world.headers("applicant1"), "If-Match": str(mine["modules"]["basic"]["version"])},
                        json_body={"content": {"name": "张明远", "phone": "13800000001", "personnel_category": "专业技术人员",
                                                "education": "博士研究生", "applied_level": "B类"}})
    assert locked.status == 409 and locked.json["Code"] == "DECLARATION_LOCKED"
    assert _counts(client, world, "university-agent")["returned"] == 1
    returned = client.get("/reviews?bucket=returned", headers=world.headers("university-agent")).json["items"]
    assert [r["decl_id"] for r in returned] == [decl["decl_id"]]
    # 已退回 shows the same columns as the other lists: 推荐单位, 申报级别, 申报日期, 轮次
    assert returned[0]["decl_unit_name"] == "长白理工大学先进材料研究院" and returned[0]["round"] == 1
    assert returned[0]["applied_level"] and returned[0]["submitted_at"]
    ok = client.put(f"/declarations/{decl['decl_id']}/modules/work",
                    headers={**world.headers("applicant1"), "If-Match": str(mine["modules"]["work"]["version"])},
                    json_body={"content": [{"employer": "长白理工大学", "post": "教授", "start_date": "2010-07-01"},
                                           {"employer": "先进材料研究院", "post": "首席科学家", "start_date": "2018-01-01"}]})
    assert ok.status == 200
    again = client.post(f"/declarations/{decl['decl_id']}/submit", headers=world.headers("applicant1"))
    assert again.status == 200 and again.json["round"] == 2
    task = wait_task(client, world, aws, "institute-agent", decl["decl_id"])
    assert task["round"] == 2 and task["level"] == 0
    assert _counts(client, world, "university-agent")["returned"] == 0


def test_return_to_a_lower_level_reopens_it(client, world, aws):
    decl = ready(client, world)
    client.post(f"/declarations/{decl['decl_id']}/submit", headers=world.headers("applicant1"))
    pass_and_send(client, world, aws, "institute-agent", decl["decl_id"])
    wait_task(client, world, aws, "university-agent", decl["decl_id"])
    marks = {**MARKS_ALL_CORRECT, "attachments": "wrong"}
    resp = client.post(f"/reviews/{decl['decl_id']}/decision", headers=world.headers("university-agent"),
                       json_body={"outcome": "return", "marks": marks, "problem_modules": ["attachments"],
                                  "return_to": 0, "opinion": "请推荐单位重新核实附件"})
    assert resp.status == 200, resp
    task = wait_task(client, world, aws, "institute-agent", decl["decl_id"])
    assert task["level"] == 0 and task["round"] == 1
    assert _me(client, world, decl["decl_id"])["status_label"] == "已申报"
    assert _counts(client, world, "institute-agent")["pending"] == 1


def test_terminate_ends_the_round(client, world, aws):
    decl = ready(client, world)
    client.post(f"/declarations/{decl['decl_id']}/submit", headers=world.headers("applicant1"))
    wait_task(client, world, aws, "institute-agent", decl["decl_id"])
    no_opinion = decide(client, world, "institute-agent", decl["decl_id"], "terminate")
    assert no_opinion.status == 422 and no_opinion.json["Code"] == "OPINION_REQUIRED"
    resp = decide(client, world, "institute-agent", decl["decl_id"], "terminate", opinion="不符合申报条件")
    assert resp.status == 200
    assert _me(client, world, decl["decl_id"])["status_label"] == "审核不通过终止审核"
    assert client.post(f"/declarations/{decl['decl_id']}/submit", headers=world.headers("applicant1")).status == 409


def test_withdraw_takes_a_returned_declaration_back_to_draft(client, world, aws):
    decl = ready(client, world)
    client.post(f"/declarations/{decl['decl_id']}/submit", headers=world.headers("applicant1"))
    wait_task(client, world, aws, "institute-agent", decl["decl_id"])
    assert client.post(f"/declarations/{decl['decl_id']}/withdraw", headers=world.headers("applicant1")).status == 409
    marks = {**MARKS_ALL_CORRECT, "basic": "wrong"}
    decide(client, world, "institute-agent", decl["decl_id"], "return", marks=marks, problem_modules=["basic"],
           return_to="applicant", opinion="请核对基本信息")
    resp = client.post(f"/declarations/{decl['decl_id']}/withdraw", headers=world.headers("applicant1"))
    assert resp.status == 200 and resp.json["status_label"] == "未提交"
    mine = _me(client, world, decl["decl_id"])
    assert all(m["editable"] for m in mine["modules"].values())
    assert client.get("/bindings/me", headers=world.headers("applicant1")).json["under_review"] is False


def test_double_submit_starts_one_execution_and_one_round(client, world, aws, aws_calls):
    decl = ready(client, world)
    first = client.post(f"/declarations/{decl['decl_id']}/submit", headers=world.headers("applicant1"))
    second = client.post(f"/declarations/{decl['decl_id']}/submit", headers=world.headers("applicant1"))
    assert first.status == second.status == 200 and first.json["round"] == second.json["round"] == 1
    import boto3

    sfn = boto3.client("stepfunctions", region_name="cn-north-1")
    executions = sfn.list_executions(stateMachineArn=aws["REVIEW_STATE_MACHINE_ARN"])["executions"]
    assert len(executions) == 1 and executions[0]["name"] == f"{decl['decl_id']}-r1"


def test_double_decision_gives_one_decision_and_one_conflict(client, world, aws):
    decl = ready(client, world)
    client.post(f"/declarations/{decl['decl_id']}/submit", headers=world.headers("applicant1"))
    wait_task(client, world, aws, "cc-bureau-agent", decl["decl_id"], state=None) if False else None
    wait_task(client, world, aws, "institute-agent", decl["decl_id"])
    first = decide(client, world, "institute-agent", decl["decl_id"])
    second = decide(client, world, "institute-legal", decl["decl_id"], "terminate", opinion="迟到")
    assert first.status == 200 and second.status == 409 and second.json["Code"] == "ALREADY_DECIDED"
    assert _counts(client, world, "institute-agent")["to_send"] == 1


def test_a_failed_send_task_success_is_delivered_later(client, world, aws, monkeypatch):
    from botocore.exceptions import ClientError

    from chalicelib import aws as clients
    from functions import reminders

    decl = ready(client, world)
    client.post(f"/declarations/{decl['decl_id']}/submit", headers=world.headers("applicant1"))
    pass_and_send(client, world, aws, "institute-agent", decl["decl_id"])
    pass_and_send(client, world, aws, "university-agent", decl["decl_id"])
    pass_and_send(client, world, aws, "edu-dept-agent", decl["decl_id"])
    wait_task(client, world, aws, "cc-bureau-agent", decl["decl_id"])
    sfn = clients.stepfunctions()
    real = sfn.send_task_success

    def throttled(**kwargs):
        raise ClientError({"Error": {"Code": "ThrottlingException", "Message": "slow down"}}, "SendTaskSuccess")

    monkeypatch.setattr(sfn, "send_task_success", throttled)
    resp = decide(client, world, "cc-bureau-agent", decl["decl_id"])
    assert resp.status == 200                              # the decision is recorded anyway
    monkeypatch.setattr(sfn, "send_task_success", real)
    assert task_state(client, world, "province-agent", decl["decl_id"]) is None   # not yet delivered
    assert reminders.handler({}, None)["outbox"]["delivered"] == 1
    wait_task(client, world, aws, "province-agent", decl["decl_id"])
    assert reminders.handler({}, None)["outbox"]["delivered"] == 0


def test_reviewer_of_another_unit_is_denied_everywhere(client, world, aws):
    decl = ready(client, world)
    client.post(f"/declarations/{decl['decl_id']}/submit", headers=world.headers("applicant1"))
    wait_task(client, world, aws, "institute-agent", decl["decl_id"])
    d = decl["decl_id"]
    for login in ("company-agent", "jl-bureau-agent", "university-agent"):   # university: not reached yet
        h = world.headers(login)
        assert client.get(f"/reviews/{d}", headers=h).status == 404
        assert decide(client, world, login, d).status == 404
        assert client.post("/reviews/send", headers=h, json_body={"decl_ids": [d]}).json["sent"] == 0
        assert client.get(f"/declarations/{d}/progress", headers=h).status == 404
        # the university sits above on the route: it may urge, but nothing below is overdue
        assert client.post(f"/reviews/{d}/urge", headers=h).status == (409 if login == "university-agent" else 404)
        assert client.post(f"/reviews/{d}/report", headers=h,
                           json_body={"file_name": "a.pdf", "content_type": "application/pdf", "size": 10}).status == 404
        items = client.get("/reviews?bucket=pending", headers=h).json["items"]
        assert all(i["decl_id"] != d for i in items)
    assert client.get(f"/reviews/{d}", headers=world.headers("applicant2")).status == 403


def test_problem_modules_must_be_marked_wrong_and_targets_already_passed(client, world, aws):
    decl = ready(client, world)
    client.post(f"/declarations/{decl['decl_id']}/submit", headers=world.headers("applicant1"))
    wait_task(client, world, aws, "institute-agent", decl["decl_id"])
    d = decl["decl_id"]
    r = decide(client, world, "institute-agent", d, "return", problem_modules=["work"], opinion="x")
    assert r.status == 422 and r.json["Code"] == "PROBLEM_NOT_MARKED"
    r = decide(client, world, "institute-agent", d, "return", marks={**MARKS_ALL_CORRECT, "work": "wrong"},
               problem_modules=["work"], return_to=1, opinion="x")
    assert r.status == 422 and r.json["Code"] == "BAD_RETURN_TARGET"
    r = client.post(f"/reviews/{d}/decision", headers=world.headers("institute-agent"),
                    json_body={"outcome": "pass", "marks": {"basic": "correct"}})
    assert r.status == 422 and r.json["Code"] == "MARKS_REQUIRED"


def test_send_without_report_is_refused_per_declaration(client, world, aws):
    a, b = ready(client, world, "applicant1"), None
    client.post(f"/declarations/{a['decl_id']}/submit", headers=world.headers("applicant1"))
    task = wait_task(client, world, aws, "institute-agent", a["decl_id"])
    decide(client, world, "institute-agent", a["decl_id"])
    resp = client.post("/reviews/send", headers=world.headers("institute-agent"),
                       json_body={"decl_ids": [a["decl_id"], "nonexistent"]})
    results = {r["decl_id"]: r for r in resp.json["results"]}
    assert results[a["decl_id"]]["Code"] == "REPORT_REQUIRED" and results["nonexistent"]["ok"] is False
    add_report(a["decl_id"], {**task, "state": "to_send"})
    resp = client.post("/reviews/send", headers=world.headers("institute-agent"),
                       json_body={"decl_ids": [a["decl_id"]]})
    assert resp.json["sent"] == 1
    wait_task(client, world, aws, "university-agent", a["decl_id"])


def test_aws_calls_per_decision_and_per_task_list_page(client, world, aws, aws_calls):
    decl = ready(client, world)
    client.post(f"/declarations/{decl['decl_id']}/submit", headers=world.headers("applicant1"))
    wait_task(client, world, aws, "cc-bureau-agent", decl["decl_id"], state="open") if False else None
    wait_task(client, world, aws, "institute-agent", decl["decl_id"])
    aws_calls.clear()
    client.get("/reviews?bucket=pending&limit=20", headers=world.headers("institute-agent"))
    assert aws_calls == ["GetItem", "Query"]          # authorizer's agent check + one page
    aws_calls.clear()
    decide(client, world, "institute-agent", decl["decl_id"])
    # authorizer GetItem (uncached here), the agent's standing on a write (GetItem), the declaration
    # Query, the round's tasks Query, one TransactWriteItems
    assert aws_calls == ["GetItem", "GetItem", "Query", "Query", "TransactWriteItems"], aws_calls


def test_results_filter_by_state_and_level(client, world, aws):
    decl = ready(client, world)
    client.post(f"/declarations/{decl['decl_id']}/submit", headers=world.headers("applicant1"))
    unit = world.headers("institute-agent")
    pending = client.get("/results?result=未认定", headers=unit).json["items"]
    assert [r["decl_id"] for r in pending] == [decl["decl_id"]] and pending[0]["applied_level"] == "C类"
    assert "********" in pending[0]["id_number"]
    for login in CHAIN:
        pass_and_send(client, world, aws, login, decl["decl_id"])
    pump(aws, lambda: any(t["state"] == "open" for t in _province_committee(client, world, decl)))
    client.post(f"/reviews/{decl['decl_id']}/result", headers=world.headers("province-agent"),
                json_body={"result": "通过", "level": "B类"})
    assert client.get("/results?result=未认定", headers=unit).json["items"] == []
    passed = client.get("/results?result=通过&level=B类", headers=unit).json["items"]
    assert [r["result_level"] for r in passed] == ["B类"]
    assert client.get("/results?result=通过&level=A类", headers=unit).json["items"] == []
    assert client.get("/results", headers=world.headers("company-agent")).json["items"] == []
    assert client.get("/results?result=优秀", headers=unit).status == 422


def test_common_opinions_are_each_reviewers_own(client, world):
    """常用意见 (manual 001 §3.5.2.4): a reviewer starts with their level's defaults, then adds, edits
    and deletes their own; a deleted default does not come back; nobody else sees or touches them."""
    from chalicelib.services.opinions import DEFAULTS

    mine, other = world.headers("institute-agent"), world.headers("institute-legal")
    texts = lambda h: [o["text"] for o in client.get("/opinions", headers=h).json["items"]]   # noqa: E731
    assert texts(mine) == list(DEFAULTS["unit"])
    assert texts(world.headers("province-agent")) == list(DEFAULTS["province"])
    created = client.post("/opinions", headers=mine, json_body={"text": "材料齐全，同意推荐"})
    assert created.status == 201
    oid = created.json["opinion_id"]
    assert texts(mine) == [*DEFAULTS["unit"], "材料齐全，同意推荐"]
    assert client.post("/opinions", headers=mine, json_body={"text": "材料齐全，同意推荐"}).status == 422
    assert "材料齐全，同意推荐" not in texts(other)
    assert client.put(f"/opinions/{oid}", headers=other, json_body={"text": "x"}).status == 404
    assert client.put(f"/opinions/{oid}", headers=mine, json_body={"text": "同意推荐"}).json["text"] == "同意推荐"
    assert client.delete(f"/opinions/{oid}", headers=other).status == 404
    assert client.delete(f"/opinions/{oid}", headers=mine).status == 204
    assert client.delete("/opinions/~seeded", headers=mine).status == 404
    for o in client.get("/opinions", headers=mine).json["items"]:
        assert client.delete(f"/opinions/{o['opinion_id']}", headers=mine).status == 204
    assert client.get("/opinions", headers=mine).json["items"] == []     # not seeded again
    assert client.post("/opinions", headers=world.headers("applicant1"), json_body={"text": "x"}).status == 403


def test_deadline_sweep_reminds_then_flags_overdue_and_the_level_above_urges(client, world, aws):
    """A fixed clock drives the scheduled sweep over the due-date index (no Wait states)."""
    import datetime as dt

    from chalicelib import clock
    from functions import reminders

    decl = ready(client, world)
    client.post(f"/declarations/{decl['decl_id']}/submit", headers=world.headers("applicant1"))
    task = wait_task(client, world, aws, "institute-agent", decl["decl_id"])
    due = dt.datetime.fromisoformat(task["due_at"].replace("Z", "+00:00"))
    urge = lambda: client.post(f"/reviews/{decl['decl_id']}/urge", headers=world.headers("university-agent"))  # noqa: E731
    try:
        clock.fix(due - dt.timedelta(days=1))
        assert reminders.handler({}, None)["reminded"] == 1
        assert reminders.handler({}, None)["reminded"] == 0              # once only
        from chalicelib.models.audit import AuditRecord
        trail = [r for r in AuditRecord.trail(f"UNIT#{world.code('institute')}") if r.action == "review.reminder"]
        assert [r.detail["decl_id"] for r in trail] == [decl["decl_id"]]  # written with the flag, once
        assert task_state(client, world, "institute-agent", decl["decl_id"])["overdue"] is False
        clock.fix(due + dt.timedelta(hours=1))
        assert reminders.handler({}, None)["overdue"] == 1
        listed = client.get("/reviews?bucket=pending", headers=world.headers("institute-agent")).json["items"]
        assert listed[0]["overdue"] is True
        r = urge()                                   # the level above urges (催办)
        assert r.status == 200 and r.json["urged_at"]
    finally:
        clock.fix(None)
    assert client.get(f"/reviews/{decl['decl_id']}", headers=world.headers("university-agent")).status == 404
    r = client.post(f"/reviews/{decl['decl_id']}/urge", headers=world.headers("institute-agent"))
    assert r.status == 409 and r.json["Code"] == "NOT_OVERDUE"         # nobody below the institute
    assert client.post(f"/reviews/{decl['decl_id']}/urge", headers=world.headers("company-agent")).status == 404
    steps = client.get(f"/declarations/{decl['decl_id']}/progress", headers=world.headers("applicant1")).json["steps"]
    assert any(s["action"] == "review.urge" and s["unit_name"] == "长白理工大学先进材料研究院" for s in steps)


def test_the_provincial_office_looks_at_any_units_results_others_only_their_own(client, world, aws):
    decl = ready(client, world)
    client.post(f"/declarations/{decl['decl_id']}/submit", headers=world.headers("applicant1"))
    institute = world.code("institute")
    rows = client.get(f"/results?unit={institute}", headers=world.headers("province-agent")).json["items"]
    assert [r["decl_id"] for r in rows] == [decl["decl_id"]]
    # the unit filter narrows the caller's own results: another unit's applicants stay invisible
    assert client.get(f"/results?unit={institute}", headers=world.headers("company-agent")).json["items"] == []
    job = client.post("/exports", headers=world.headers("province-agent"), json_body={"year": decl["year"], "unit": institute})
    assert job.status == 201 and job.json["filters"]["unit"] == institute


# --- issue 15: opinions in 进度跟踪; the route of a new round after 撤销流程 ---------------------

def _progress(client, world, decl_id, login):
    return client.get(f"/declarations/{decl_id}/progress", headers=world.headers(login))


def test_opinions_reach_progress_for_the_applicant_and_every_level(client, world, aws):
    decl = ready(client, world)
    decl_id = decl["decl_id"]
    client.post(f"/declarations/{decl_id}/submit", headers=world.headers("applicant1"))
    wait_task(client, world, aws, "institute-agent", decl_id)
    passed = decide(client, world, "institute-agent", decl_id, opinion="材料齐全，同意推荐")
    assert passed.status == 200, passed
    add_report(decl_id, task_state(client, world, "institute-agent", decl_id))
    client.post("/reviews/send", headers=world.headers("institute-agent"), json_body={"decl_ids": [decl_id]})
    wait_task(client, world, aws, "university-agent", decl_id)
    marks = {**MARKS_ALL_CORRECT, "work": "wrong"}
    decide(client, world, "university-agent", decl_id, "return", marks=marks, problem_modules=["work"],
           return_to="applicant", opinion="工作经历缺少起止时间")
    for login in ("applicant1", "institute-agent", "university-agent"):
        resp = _progress(client, world, decl_id, login)
        assert resp.status == 200, (login, resp)
        steps = {s["action"]: s for s in resp.json["steps"]}
        passed_step, returned_step = steps["review.pass"], steps["review.return"]
        assert passed_step["opinion"] == "材料齐全，同意推荐"
        assert passed_step["level"] == 0 and passed_step["unit_name"] == "长白理工大学先进材料研究院"
        assert passed_step["decision"] == "审核通过" and passed_step["agent"]
        assert returned_step["opinion"] == "工作经历缺少起止时间" and returned_step["level"] == 1
        assert returned_step["unit_code"] == world.code("university")
        assert returned_step["at"].endswith("Z") and len(returned_step["at_local"]) == 16
    # a unit that is not on the route, or that the declaration has not reached, sees nothing
    assert _progress(client, world, decl_id, "company-agent").status == 404
    assert _progress(client, world, decl_id, "edu-dept-agent").status == 404


def test_a_new_round_after_withdrawal_takes_the_route_from_the_corrected_region(client, world, aws):
    from chalicelib.models.accounts import Unit

    decl = ready(client, world)
    decl_id = decl["decl_id"]
    client.post(f"/declarations/{decl_id}/submit", headers=world.headers("applicant1"))
    wait_task(client, world, aws, "institute-agent", decl_id)
    route = _me(client, world, decl_id)["route"]
    assert route[3]["unit_name"] == "长春市人力资源和社会保障局"
    # manual 001: the region was wrong — the unit corrects it, returns, the applicant withdraws
    unit = Unit.get(*Unit.key(world.code("institute")))
    unit.update(actions=[Unit.region_code.set("220202")], add_version_condition=False)
    marks = {**MARKS_ALL_CORRECT, "basic": "wrong"}
    decide(client, world, "institute-agent", decl_id, "return", marks=marks, problem_modules=["basic"],
           return_to="applicant", opinion="行政区划有误，请撤销流程后重新申报")
    assert client.get(f"/reviews/{decl_id}", headers=world.headers("institute-agent")).status == 200
    assert client.post(f"/declarations/{decl_id}/withdraw", headers=world.headers("applicant1")).status == 200
    # withdrawn to a draft: no unit of the old route may read it any more
    for login in ("institute-agent", "cc-bureau-agent"):
        assert client.get(f"/reviews/{decl_id}", headers=world.headers(login)).status == 404
        assert client.get(f"/declarations/{decl_id}/forms/declaration_form",
                          headers=world.headers(login)).status == 404
        assert _progress(client, world, decl_id, login).status == 404
    again = client.post(f"/declarations/{decl_id}/submit", headers=world.headers("applicant1"))
    assert again.status == 200 and again.json["round"] == 2
    route = _me(client, world, decl_id)["route"]
    assert [lvl["unit_name"] for lvl in route] == ["长白理工大学先进材料研究院", "长白理工大学", "吉林省教育厅",
                                                   "吉林市人力资源和社会保障局", "吉林省人力资源和社会保障厅"]
    task = wait_task(client, world, aws, "institute-agent", decl_id)
    assert task["round"] == 2
    for unit_login in ("institute-agent", "university-agent", "edu-dept-agent"):
        pass_and_send(client, world, aws, unit_login, decl_id)
    wait_task(client, world, aws, "jl-bureau-agent", decl_id)
    assert client.get(f"/reviews/{decl_id}", headers=world.headers("cc-bureau-agent")).status == 404


@pytest.mark.parametrize("operation", ["TransactWriteItems", "Query", "SendTaskSuccess"])
def test_an_aws_5xx_that_survives_retries_is_a_503_never_a_500(client, world, aws, monkeypatch, operation):
    """moto answered 500 ("RuntimeError: dictionary changed size during iteration") under load;
    any AWS 5xx, whatever its code, is the platform's 503 with Retry-After and changes nothing."""
    import botocore.client
    from botocore.exceptions import ClientError

    decl = ready(client, world)
    decl_id = decl["decl_id"]
    client.post(f"/declarations/{decl_id}/submit", headers=world.headers("applicant1"))
    wait_task(client, world, aws, "institute-agent", decl_id)
    before = _counts(client, world, "institute-agent")
    original = botocore.client.BaseClient._make_api_call
    armed = {"left": 1}

    def failing(self, name, params):
        if name == operation and armed["left"]:
            armed["left"] -= 1
            raise ClientError({"Error": {"Code": "RuntimeError", "Message": "dictionary changed size"},
                               "ResponseMetadata": {"HTTPStatusCode": 500}}, name)
        return original(self, name, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", failing)
    resp = decide(client, world, "institute-agent", decl_id, opinion="同意")
    if operation == "SendTaskSuccess":      # recorded; delivery is retried from the outbox
        assert resp.status == 200, resp
        return
    assert resp.status == 503 and resp.headers.get("Retry-After"), resp
    assert _counts(client, world, "institute-agent") == before
    assert task_state(client, world, "institute-agent", decl_id)["state"] == "open"
    assert decide(client, world, "institute-agent", decl_id, opinion="同意").status == 200


def _bulk_tasks(unit_code, year, n, name="王某", offset=0):
    from chalicelib.models.reviews import ReviewTask

    with ReviewTask.batch_write() as batch:
        for i in range(offset, offset + n):
            decl_id = f"bulk{i:06d}"
            pk, sk = ReviewTask.key(decl_id, 1, 0)
            stamp = f"2026-01-01T00:{i // 60 % 60:02d}:{i % 60:02d}.{i % 1000:03d}Z"
            batch.save(ReviewTask(pk=pk, sk=sk, decl_id=decl_id, round=1, level=0, unit_code=unit_code,
                                  unit_name="u", role="unit", matter_type="TALENT_GRADING", year=year,
                                  person_name=name, id_number="220102198506123011", state="open",
                                  token="t", opened_at=stamp, due_at=stamp, updated_at=stamp,
                                  gsi1pk=ReviewTask.list_key(unit_code, "TALENT_GRADING", year, "pending"),
                                  gsi1sk=f"{stamp}#{decl_id}"))


def test_name_filter_reads_a_bounded_budget_and_continues_by_cursor(client, world, aws, aws_calls):
    """2,200 open tasks, the one match is the oldest: every request evaluates ≤ the budget (≤ 4
    Queries) and the cursor leads to it."""
    from chalicelib import clock
    from chalicelib.services import review as review_service

    year = str(clock.today_local().year)
    code = world.code("institute")
    _bulk_tasks(code, year, 1, name="欧阳娜娜")               # oldest: listed last (newest first)
    _bulk_tasks(code, year, 2199, offset=1)
    url = "/reviews?bucket=pending&name=" + __import__("urllib.parse").parse.quote("欧阳") + "&limit=20"
    cursor, requests, found = None, 0, []
    while True:
        del aws_calls[:]
        resp = client.get(url + (f"&cursor={cursor}" if cursor else ""), headers=world.headers("institute-agent"))
        assert resp.status == 200, resp
        requests += 1
        assert aws_calls.count("Query") <= review_service.READ_BUDGET // review_service.READ_PAGE
        found += [i["person_name"] for i in resp.json["items"]]
        cursor = resp.json["next_cursor"]
        if not cursor:
            break
        assert resp.json["budget_reached"] is True and not resp.json["items"]
    assert found == ["欧阳娜娜"]
    assert requests == 3       # 1,000 + 1,000 + 200 items evaluated
    # the ID search is keyed (issue 29): one Query of the person's index items, none here
    del aws_calls[:]
    resp = client.post("/reviews/search", headers=world.headers("institute-agent"),
                       json_body={"bucket": "pending", "id_number": "110101199003077777"})
    assert resp.status == 200 and resp.json["items"] == [] and resp.json["budget_reached"] is False
    assert resp.json["next_cursor"] is None and aws_calls.count("Query") == 1 and "BatchGetItem" not in aws_calls


def test_batch_send_is_bounded_with_per_item_results(client, world, aws, monkeypatch):
    from chalicelib.services.review import decisions as review_service

    decl = ready(client, world)
    decl_id = decl["decl_id"]
    client.post(f"/declarations/{decl_id}/submit", headers=world.headers("applicant1"))
    task = wait_task(client, world, aws, "institute-agent", decl_id)
    assert decide(client, world, "institute-agent", decl_id).status == 200
    add_report(decl_id, task)
    monkeypatch.setattr(review_service, "SEND_SECONDS", -1.0)     # the time is up before any starts
    resp = client.post("/reviews/send", headers=world.headers("institute-agent"),
                       json_body={"decl_ids": [decl_id, "nope"]})
    assert resp.status == 200 and resp.json["sent"] == 0
    assert {r["Code"] for r in resp.json["results"]} == {"NOT_PROCESSED"}
    monkeypatch.setattr(review_service, "SEND_SECONDS", 12.0)
    resp = client.post("/reviews/send", headers=world.headers("institute-agent"),
                       json_body={"decl_ids": [decl_id, decl_id, "nope"]})
    assert resp.json["sent"] == 1 and [r["ok"] for r in resp.json["results"]] == [True, False]
    assert _counts(client, world, "institute-agent")["to_send"] == 0


def test_the_sweep_does_not_flag_a_task_decided_after_it_read_it(client, world, aws):
    """The sweep reads tasks from the due-date index, then flags them: a decision in between wins
    (the flag and its audit record are one conditional transaction)."""
    from chalicelib.models.audit import AuditRecord
    from chalicelib.models.reviews import ReviewTask
    from chalicelib.services.review import machine

    decl = ready(client, world)
    client.post(f"/declarations/{decl['decl_id']}/submit", headers=world.headers("applicant1"))
    wait_task(client, world, aws, "institute-agent", decl["decl_id"])
    code = world.code("institute")
    stale = next(t for t in ReviewTask.query(f"DECL#{decl['decl_id']}", ReviewTask.sk.startswith("TASK#"))
                 if t.unit_code == code)                           # what the sweep read
    r = client.post(f"/reviews/{decl['decl_id']}/decision", headers=world.headers("institute-agent"),
                    json_body={"outcome": "pass", "marks": MARKS_ALL_CORRECT, "opinion": "同意推荐"})
    assert r.status == 200, r.json
    assert machine._flag(stale, ReviewTask.reminded, audit="review.reminder") == 0
    assert [r for r in AuditRecord.trail(f"UNIT#{code}") if r.action == "review.reminder"] == []


def test_previous_and_next_walk_the_whole_filtered_list_not_a_page(client, world, aws, aws_calls):
    """上一条/下一条 on the review page: the neighbours in the caller's list (newest first) with the
    same filter, across page boundaries, in bounded Queries; another unit's list has no entry."""
    from chalicelib import clock

    year = str(clock.today_local().year)
    code = world.code("institute")
    _bulk_tasks(code, year, 30)                                   # bulk000000 (oldest) … bulk000029
    _bulk_tasks(code, year, 1, name="欧阳娜娜", offset=30)          # newest
    _bulk_tasks(code, year, 1, name="欧阳修", offset=31 + 500)      # far older than all but sorts by stamp
    me = world.headers("institute-agent")

    def around(decl_id, **flt):
        del aws_calls[:]
        resp = client.post(f"/reviews/{decl_id}/neighbours", headers=me, json_body={"bucket": "pending", **flt})
        assert resp.status == 200, resp
        assert aws_calls.count("Query") <= 1 + 2 * 4 and "Scan" not in aws_calls
        return [(x or {}).get("decl_id") for x in (resp.json["previous"], resp.json["next"])]

    first_page = client.post("/reviews/search", headers=me, json_body={"bucket": "pending", "limit": 10}).json
    last_on_page = first_page["items"][-1]["decl_id"]
    after = client.post("/reviews/search", headers=me, json_body={"bucket": "pending", "limit": 10,
                                                                  "cursor": first_page["next_cursor"]}).json
    assert around(last_on_page)[1] == after["items"][0]["decl_id"]       # 下一条 crosses the page
    assert around(after["items"][0]["decl_id"])[0] == last_on_page
    oldest = "bulk000000"
    assert around(oldest)[1] is None
    # with a name filter: only the matches, in list order
    names = [i["decl_id"] for i in client.post("/reviews/search", headers=me,
                                                json_body={"bucket": "pending", "name": "欧阳"}).json["items"]]
    assert len(names) == 2
    assert around(names[0], name="欧阳") == [None, names[1]]
    assert around(names[1], name="欧阳") == [names[0], None]
    # not in this unit's list: nothing to walk
    other = client.post(f"/reviews/{oldest}/neighbours", headers=world.headers("university-agent"),
                        json_body={"bucket": "pending"}).json
    assert other == {"previous": None, "next": None, "in_list": False}
    assert client.post(f"/reviews/{oldest}/neighbours", headers=world.headers("applicant1"),
                       json_body={"bucket": "pending"}).status == 403
