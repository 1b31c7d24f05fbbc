"""Manual 003 (吉林省职称信息化单位审核操作手册, 2025-11) as acceptance scenarios.

Each test quotes the sentence it checks (file 003_5b6e8c724c936f02.txt and its section)."""

from tests.helpers.in_process import make_token
from tests.helpers.review import add_report, decide, wait_task
from tests.helpers.title_declarations import complete as _complete
from tests.helpers.title_declarations import marks as _marks
from tests.helpers.title_declarations import notice as _notice

M = "003_5b6e8c724c936f02.txt"


def _counts(client, world, unit_login, matter):
    rows = client.get("/workbench", headers=world.headers(unit_login)).json["rows"]
    return next(r for r in rows if r["matter"] == matter)


def _title_submitted(client, world, aws):
    h = world.headers("applicant6")
    d = client.post("/declarations", headers=h, json_body={"notice_id": _notice(client, world), "confirmed": True}
                    ).json["decl_id"]
    _complete(client, world, d)
    client.post(f"/declarations/{d}/pledge", headers=h, json_body={"accepted": True})
    assert client.post(f"/declarations/{d}/submit", headers=h).status == 200
    return d, wait_task(client, world, aws, "institute-agent", d)


def test_legal_person_manages_agents_and_a_disabled_agent_is_locked_out(client, world):
    """003 2.3：“法人账号登录成功后…点击【我的经办人】按钮进入经办人设置页面，再右侧点击【添加】按钮”；
    “在经办人管理页面可以看到所有已建立的经办人账号信息，在经办人信息右侧点击【编辑】按钮进入经办人编辑页面，
    即可修改经办人相关信息”；2.1：“输入单位统一信用代码/法人账号、经办人手机号/身份证号、经办人密码就可以进行经办人账号登录”。"""
    legal, agent = world.headers("institute-legal"), world.headers("institute-agent")
    refused = client.post("/units/me/agents", headers=agent, json_body={"name": "钱多", "phone": "13500000001"})
    assert refused.status == 403, refused
    added = client.post("/units/me/agents", headers=legal,
                        json_body={"name": "钱多", "phone": "13500000001", "id_number": "220102198001010776"})
    assert added.status == 201 and added.json["phone"] == "135****0001", added
    listed = client.get("/units/me/agents", headers=legal).json["items"]
    row = next(a for a in listed if a["name"] == "钱多")
    assert "13500000001" not in str(listed) and "220102198001010776" not in str(listed)
    edited = client.patch(f"/units/me/agents/{row['agent_id']}", headers=legal, json_body={"name": "钱多多"})
    assert edited.status == 200 and edited.json["name"] == "钱多多", edited
    token = make_token({"sub": row["agent_id"], "role": world.logins["institute-agent"].role,
                        "name": "钱多多", "unit": world.code("institute"), "legal": False})
    new_agent = {"Authorization": f"Bearer {token}"}
    assert client.get("/reviews?bucket=pending", headers=new_agent).status == 200
    assert client.patch(f"/units/me/agents/{row['agent_id']}", headers=legal,
                        json_body={"active": False}).status == 200
    assert client.get("/reviews?bucket=pending", headers=new_agent).status == 401   # AGENT_DISABLED: signed out


def test_only_submitted_declarations_reach_the_unit(client, world):
    """003 3.1.1：“办理条件：个人已提交申报材料。”"""
    h = world.headers("applicant6")
    d = client.post("/declarations", headers=h, json_body={"notice_id": _notice(client, world), "confirmed": True}
                    ).json["decl_id"]
    assert client.get(f"/reviews/{d}", headers=world.headers("institute-agent")).status == 404
    assert decide(client, world, "institute-agent", d, marks=_marks()).status == 404
    assert client.get("/reviews?bucket=pending&matter_type=TITLE_NORMAL",
                      headers=world.headers("institute-agent")).json["items"] == []


def test_agent_reviews_then_batch_sends_with_the_report(client, world, aws):
    """003 3.1.1 A–E：“点击业务审核，找到对应事项，点击待审中的数字”；“选择审核结果，填写审核意见后，点击保存即可审核完成”；
    “返回业务审核页，点击待送审中的数字”；“多选已审核完毕的数据，点击批量送审，若没有上传推荐报告/申报函，点击上传附件即可上传；
    若已上传则直接点击送审即可”；“后续业务：行政专业主管或人社机构审核。”"""
    d, task = _title_submitted(client, world, aws)
    assert _counts(client, world, "institute-agent", "TITLE_NORMAL")["pending"] == 1
    listed = client.get("/reviews?bucket=pending&matter_type=TITLE_NORMAL", headers=world.headers("institute-agent"))
    assert [t["decl_id"] for t in listed.json["items"]] == [d]
    saved = decide(client, world, "institute-agent", d, marks=_marks(), opinion="同意推荐")
    assert saved.status == 200 and saved.json["state"] == "to_send", saved
    counts = _counts(client, world, "institute-agent", "TITLE_NORMAL")
    assert counts["pending"] == 0 and counts["to_send"] == 1
    unit = world.headers("institute-agent")
    first = client.post("/reviews/send", headers=unit, json_body={"decl_ids": [d]}).json
    assert first["sent"] == 0 and "推荐报告/申报函" in str(first), first
    add_report(d, task)
    sent = client.post("/reviews/send", headers=unit, json_body={"decl_ids": [d, "not-a-declaration"]}).json
    assert sent["sent"] == 1 and [r["ok"] for r in sent["results"]] == [True, False], sent
    nxt = wait_task(client, world, aws, "university-agent", d)
    assert nxt["level"] == 1 and nxt["state"] == "open"
    assert client.post("/reviews/send", headers=unit, json_body={"decl_ids": [d]}).json["sent"] == 0


def test_an_agent_saving_unit_information_is_told_what_only_the_legal_person_may_do(client, world):
    """003 2.1/2.3：法人账号与经办人账号分开（“经办人账号注册/经办人修改”由法人账号办理）；001 工作台：
    “注意：请检查并维护单位的基本信息！ 保存” — 经办人保存单位信息被拒时，提示应说明是哪项业务仅限法人账号。"""
    agent = world.headers("institute-agent")
    unit = client.get("/units/me", headers=agent).json
    resp = client.put("/units/me", headers={**agent, "If-Match": str(unit["version"])},
                      json_body={"name": unit["name"], "region_code": unit["region_code"]})
    assert resp.status == 403 and resp.json["Code"] == "LEGAL_ACCOUNT_REQUIRED"
    assert resp.json["Message"] == "仅法人账号可维护单位基本信息", resp.json
