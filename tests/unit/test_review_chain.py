"""The review chain on real Step Functions executions (moto, in process), end to end."""
import json

import pytest

from tests.unit.review_helpers import (CHAIN, MARKS_ALL_CORRECT, add_report, decide, pass_and_send,
                                       pump, ready, task_state, wait_task)


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


def _province_committee(client, world, decl):
    from chalicelib.models.reviews import ReviewTask

    return [{"state": t.state} for t in ReviewTask.query(f"DECL#{decl['decl_id']}", ReviewTask.sk.startswith("TASK#001#05"))]


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
    # authorizer GetItem, the declaration Query, the round's tasks Query, one TransactWriteItems
    assert aws_calls == ["GetItem", "Query", "Query", "TransactWriteItems"], aws_calls


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
    mine, other = world.headers("institute-agent"), world.headers("institute-legal")
    created = client.post("/opinions", headers=mine, json_body={"text": "材料齐全，同意推荐"})
    assert created.status == 201
    oid = created.json["opinion_id"]
    assert [o["text"] for o in client.get("/opinions", headers=mine).json["items"]] == ["材料齐全，同意推荐"]
    assert client.get("/opinions", headers=other).json["items"] == []
    assert client.put(f"/opinions/{oid}", headers=other, json_body={"text": "x"}).status == 404
    assert client.put(f"/opinions/{oid}", headers=mine, json_body={"text": "同意推荐"}).json["text"] == "同意推荐"
    assert client.delete(f"/opinions/{oid}", headers=other).status == 404
    assert client.delete(f"/opinions/{oid}", headers=mine).status == 204
    assert client.get("/opinions", headers=mine).json["items"] == []
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
