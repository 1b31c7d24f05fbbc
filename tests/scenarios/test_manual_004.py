"""Manual 004 (事业单位 职称申报绑定上级单位 操作手册, 2024-12) as acceptance scenarios.

Each test quotes the sentence it checks (file 004_585e7ec5f5421d36.txt and its section)."""

M = "004_585e7ec5f5421d36.txt"


def _pending(client, headers):
    return client.get("/binding-requests?kind=unit&state=pending", headers=headers).json["items"]


def test_the_credit_code_is_required_and_must_be_a_registered_unit(client, world):
    """004 二（一）3：“输入‘社会统一信用代码’，点击查询，（注：统一社会信用代码为必填项目，并且输入的统一社会信用代码
    单位必须已经注册完并登录过系统）”；2：“推荐单位及上级主管单位已经在系统中注册”。"""
    company = world.headers("company-legal")
    for body in ({}, {"credit_code": ""}, {"credit_code": "123"}, {"credit_code": "12100000423202747A"}):
        resp = client.post("/units/me/superior", headers=company, json_body=body)
        assert resp.status == 422, (body, resp)
    unregistered = client.post("/units/me/superior", headers=company, json_body={"credit_code": "12100000423202747Q"})
    assert unregistered.status == 404 and "注册" in unregistered.json["Message"], unregistered
    assert client.get("/units/lookup/12100000423202747Q", headers=company).status == 404
    assert client.get("/units/me", headers=company).json["superior_code"] is None


def test_request_is_pending_once_and_the_superior_sees_the_applying_unit(client, world):
    """004 二（一）3：“点击绑定即可” — 查询结果“绑定状态 已申报 / 待审核”，“申报成功!等待审核”；（二）绑定审核：
    “单位绑定上级单位审核列表：单位名称 绑定状态 绑定申请日期 业务状态 待审核 审核”。"""
    company, uni = world.headers("company-legal"), world.headers("university-agent")
    resp = client.post("/units/me/superior", headers=company, json_body={"credit_code": world.code("university")})
    assert resp.status == 201 and resp.json["superior_name"] == "长白理工大学", resp
    seen = client.get(f"/units/lookup/{world.code('university')}", headers=company).json
    assert "待审核" in seen["binding_status_label"] or "已申报" in seen["binding_status_label"], seen
    again = client.post("/units/me/superior", headers=company, json_body={"credit_code": world.code("edu-dept")})
    assert again.status == 409, again
    rows = _pending(client, uni)
    assert len(rows) == 1 and rows[0]["requester_name"] == "松花江精密制造有限公司", rows
    detail = client.get(f"/binding-requests/{rows[0]['request_id']}", headers=uni).json
    assert detail["requester_code"] == world.code("company") if "requester_code" in detail else True
    assert _pending(client, world.headers("edu-dept-agent")) == []       # addressed to the university only


def test_superior_ends_with_an_opinion_and_nothing_is_bound(client, world):
    """004 （二）绑定审核：“审核结果：…注意：选择终止审核后，申报者将无法参与本次申报！ 审核意见： 保存”；
    001 3.4：“如果不同意，点击【资格不符，终止审核】。填写【审核意见】后，点击【保存】”。"""
    company, uni = world.headers("company-legal"), world.headers("university-agent")
    client.post("/units/me/superior", headers=company, json_body={"credit_code": world.code("university")})
    req = _pending(client, uni)[0]
    other = client.post(f"/binding-requests/{req['request_id']}/decision", headers=world.headers("edu-dept-agent"),
                        json_body={"decision": "approve"})
    assert other.status == 404 and other.json["Code"] == "BINDING_REQUEST_NOT_FOUND", other
    no_opinion = client.post(f"/binding-requests/{req['request_id']}/decision", headers=uni,
                             json_body={"decision": "end"})
    assert no_opinion.status == 422, no_opinion
    ended = client.post(f"/binding-requests/{req['request_id']}/decision", headers=uni,
                        json_body={"decision": "end", "opinion": "非本系统下属单位"})
    assert ended.status == 200, ended
    assert client.get("/units/me", headers=company).json["superior_code"] is None
    twice = client.post(f"/binding-requests/{req['request_id']}/decision", headers=uni,
                        json_body={"decision": "approve"})
    assert twice.status == 409, twice


def test_after_termination_the_applicant_cannot_take_part_in_this_round(client, world, aws):
    """004 （二）绑定审核：“注意：选择终止审核后，申报者将无法参与本次申报！”（同一审核页面用于申报审核；000/002：
    “在推荐单位或业务部门终止审核后业务状态将变更为‘审核不通过终止审核’”）— 不能删除、撤销或就同一通知重新申报，
    提示说明原因。"""
    from tests.helpers.review import decide, ready, wait_task

    decl = ready(client, world)
    d, h = decl["decl_id"], world.headers("applicant1")
    client.post(f"/declarations/{d}/submit", headers=h)
    wait_task(client, world, aws, "institute-agent", d)
    assert decide(client, world, "institute-agent", d, "terminate", opinion="不符合申报条件").status == 200
    assert client.get(f"/declarations/{d}", headers=h).json["status_label"] == "审核不通过终止审核"
    assert client.delete(f"/declarations/{d}", headers=h).status == 409
    assert client.post(f"/declarations/{d}/withdraw", headers=h).status == 409
    assert client.post(f"/declarations/{d}/submit", headers=h).status == 409
    again = client.post("/declarations", headers=h, json_body={"notice_id": decl["notice_id"], "confirmed": True})
    assert again.status == 409 and again.json["Message"] == "您在该通知下的申报已审核不通过终止审核，无法参与本次申报", again
