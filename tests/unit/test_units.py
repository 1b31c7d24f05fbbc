"""Unit information in the console: 所属行政区划 by GB/T 2260 name and its correction by the
legal-person account (the next round's route follows it), 绑定状态 in the lookup, a pending
superior shown as 待审核, landline contact phones."""
from chalicelib import geo


def _put(client, world, login, **changes):
    headers = world.headers(login)
    unit = client.get("/units/me", headers=headers).json
    body = {"name": unit["name"], "region_code": unit["region_code"],
            "reporting_info": {k: v for k, v in unit["reporting_info"].items()}, **changes}
    return client.put("/units/me", headers={**headers, "If-Match": str(unit["version"])}, json_body=body)


def test_region_names_come_from_the_gbt2260_table():
    assert geo.name_of("220104") == "长春市朝阳区"
    assert geo.name_of("220100") == "长春市" and geo.name_of("220000") == "吉林省"
    assert geo.name_of("222401") == "延边朝鲜族自治州延吉市"
    assert geo.name_of("229999") is None and geo.city_of("220184") == "220100"
    assert [c["name"] for c in geo.cities()][:2] == ["长春市", "吉林市"] and len(geo.cities()) == 9


def test_unit_shows_its_region_by_name_and_the_legal_person_corrects_it(client, world):
    me = client.get("/units/me", headers=world.headers("institute-agent")).json
    assert me["region_code"] == "220104" and me["region_name"] == "长春市朝阳区"
    assert _put(client, world, "institute-agent", region_code="220202").status == 403   # agents may not
    bad = _put(client, world, "institute-legal", region_code="229999")
    assert bad.status == 422 and bad.json["Code"] == "UNKNOWN_REGION" and "行政区划" in bad.json["Message"]
    ok = _put(client, world, "institute-legal", region_code="220202")
    assert ok.status == 200 and ok.json["region_name"] == "吉林市昌邑区"
    regions = client.get("/regions", headers=world.headers("institute-agent")).json
    assert regions["tree"][0]["label"] == "长春市" and regions["tree"][0]["children"][0]["label"] == "南关区"


def test_the_next_rounds_route_follows_the_corrected_region(client, world):
    assert _put(client, world, "company-legal", region_code="220104", reporting_info={
        "contact_name": "王主任", "contact_phone": "0432-6200000", "contact_post": "处长",
        "office_address": "长春市", "personnel_authority": "市（州）属"}).status == 200
    notice = client.get("/notices", headers=world.headers("applicant2")).json["items"][0]["notice_id"]
    decl = client.post("/declarations", headers=world.headers("applicant2"), json_body={"notice_id": notice, "confirmed": True}).json
    assert [lvl["unit_name"] for lvl in decl["route"]][-2] == "长春市人力资源和社会保障局"


def test_contact_phone_accepts_a_landline_with_area_code(client, world):
    info = {"contact_name": "王主任", "contact_post": "处长", "office_address": "吉林市", "personnel_authority": "市（州）属"}
    for phone in ("0432-6200000", "043162000000", "13800000001", "0431-88886666-123"):
        resp = _put(client, world, "company-legal", reporting_info={**info, "contact_phone": phone})
        assert resp.status == 200 and resp.json["reporting_complete"], (phone, resp.json)
    bad = _put(client, world, "company-legal", reporting_info={**info, "contact_phone": "6200000"})
    assert bad.status == 422 and "区号" in bad.json["Details"][0]["message"]


def test_pending_superior_is_shown_as_pending_and_the_lookup_says_the_binding_state(client, world):
    company = world.headers("company-legal")
    edu = world.code("edu-dept")
    before = client.get(f"/units/lookup/{edu}", headers=company).json
    assert before["binding_status_label"] == "未绑定" and before["region_name"] == "长春市"
    assert client.post("/units/me/superior", headers=company, json_body={"credit_code": edu}).status == 201
    me = client.get("/units/me", headers=company).json
    assert me["superior_status_label"] == "待审核" and me["superior_bound_name"] is None
    assert me["superior_requested_name"] == "吉林省教育厅"
    assert client.get(f"/units/lookup/{edu}", headers=company).json["binding_status_label"] == "待审核"
    req = client.get("/binding-requests?kind=unit", headers=world.headers("edu-dept-agent")).json["items"][0]
    assert client.post(f"/binding-requests/{req['request_id']}/decision", headers=world.headers("edu-dept-agent"),
                       json_body={"decision": "approve"}).status == 200
    me = client.get("/units/me", headers=company).json
    assert me["superior_status_label"] == "已绑定" and me["superior_bound_name"] == "吉林省教育厅"
    assert client.get(f"/units/lookup/{edu}", headers=company).json["binding_status_label"] == "已绑定"
    own = client.get(f"/units/lookup/{world.code('company')}", headers=company).json
    assert own.get("self") is True
    # an applicant's lookup tells the binding to that recommending unit
    bound = client.get(f"/units/lookup/{world.code('institute')}", headers=world.headers("applicant1")).json
    assert bound["binding_status_label"] == "已绑定"
