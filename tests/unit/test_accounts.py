"""Person profiles, unit profiles and agents; bad input is refused whole and changes nothing."""
import pytest

from devtools.seed import _id

NEW_ID = _id("22010219950101901")


def _profile(**over):
    return {"name": "孙立", "id_type": "居民身份证（户口簿）", "id_number": NEW_ID,
            "phone": "13900001111", **over}


def _new_applicant_headers(world, sub="p-new-0001"):
    from tests.helpers.in_process import make_token

    token = make_token({"sub": sub, "role": "applicant", "name": "孙立"})
    return {"Authorization": f"Bearer {token}"}


def test_profile_is_created_with_derived_age_and_sex(client, world):
    headers = _new_applicant_headers(world)
    assert client.get("/persons/me", headers=headers).status == 404
    resp = client.put("/persons/me", headers=headers, json_body=_profile())
    assert resp.status == 200, resp
    assert resp.json["sex"] == "男性" and isinstance(resp.json["age"], int)
    again = client.get("/persons/me", headers=headers)
    assert again.json["id_number"] == NEW_ID and again.json["name"] == "孙立"


def test_an_id_number_belongs_to_one_account(client, world):
    client.put("/persons/me", headers=_new_applicant_headers(world, "p-a"), json_body=_profile())
    resp = client.put("/persons/me", headers=_new_applicant_headers(world, "p-b"), json_body=_profile())
    assert resp.status == 409 and resp.json["Code"] == "ID_NUMBER_TAKEN"
    assert client.get("/persons/me", headers=_new_applicant_headers(world, "p-b")).status == 404


def test_id_number_cannot_be_changed_later(client, world):
    headers = _new_applicant_headers(world)
    client.put("/persons/me", headers=headers, json_body=_profile())
    resp = client.put("/persons/me", headers=headers,
                      json_body=_profile(id_number=_id("22010219950101902")))
    assert resp.status == 403 and resp.json["Code"] == "ID_NUMBER_IMMUTABLE"


@pytest.mark.parametrize("raw,code", [
    (b"{not json", "MALFORMED_JSON"),
    (b"[1,2]", "BODY_NOT_OBJECT"),
])
def test_malformed_bodies_are_400(client, world, raw, code):
    resp = client.put("/persons/me", headers=_new_applicant_headers(world), raw_body=raw)
    assert resp.status == 400 and resp.json["Code"] == code


@pytest.mark.parametrize("change,field", [
    ({"id_number": "220102199501019012"}, "id_number"),       # checksum wrong
    ({"phone": "12345"}, "phone"),
    ({"name": "张" * 51}, "name"),
    ({"name": 123}, "name"),
    ({"nickname": "x"}, "nickname"),                           # unknown field
    ({"id_type": "护照"}, "id_type"),
])
def test_invalid_profiles_are_refused_and_nothing_is_stored(client, world, change, field):
    headers = _new_applicant_headers(world)
    resp = client.put("/persons/me", headers=headers, json_body=_profile(**change))
    assert resp.status == 422, resp
    assert resp.json["Code"] == "VALIDATION_FAILED"
    assert any(d["field"].startswith(field) for d in resp.json["Details"])
    assert client.get("/persons/me", headers=headers).status == 404


def test_unit_profile_edit_is_version_guarded_and_reporting_info_tracked(client, world):
    legal = world.headers("company-legal")
    unit = client.get("/units/me", headers=legal).json
    assert unit["reporting_complete"] is False
    body = {"name": unit["name"], "region_code": unit["region_code"], "reporting_info": {
        "contact_name": "周红", "contact_phone": "13700009999", "contact_post": "人事主管",
        "office_address": "吉林市船营区", "personnel_authority": "市（州）属"}}
    resp = client.put("/units/me", headers={**legal, "If-Match": str(unit["version"])}, json_body=body)
    assert resp.status == 200 and resp.json["reporting_complete"] is True
    stale = client.put("/units/me", headers={**legal, "If-Match": str(unit["version"])}, json_body=body)
    assert stale.status == 409 and stale.json["Details"]["current_version"] == resp.json["version"]


@pytest.mark.parametrize("change", [{"region_code": "22AB00"}, {"email": "not-an-email"},
                                    {"name": ""}, {"superior_code": "x"}])
def test_invalid_unit_profiles_change_nothing(client, world, change):
    legal = world.headers("company-legal")
    before = client.get("/units/me", headers=legal).json
    body = {"name": before["name"], "region_code": before["region_code"], **change}
    assert client.put("/units/me", headers=legal, json_body=body).status == 422
    assert client.get("/units/me", headers=legal).json == before


def test_only_the_legal_person_account_manages_agents(client, world):
    agent = world.headers("university-agent")
    resp = client.post("/units/me/agents", headers=agent, json_body={"name": "钱多", "phone": "13500000001"})
    assert resp.status == 403 and resp.json["Code"] == "LEGAL_ACCOUNT_REQUIRED"
    legal = world.headers("university-legal")
    resp = client.post("/units/me/agents", headers=legal, json_body={"name": "钱多", "phone": "13500000001"})
    assert resp.status == 201 and resp.json["phone"] == "135****0001"
    names = [a["name"] for a in client.get("/units/me/agents", headers=legal).json["items"]]
    assert "钱多" in names


def test_legal_account_cannot_disable_itself(client, world):
    legal = world.headers("university-legal")
    me = next(a for a in client.get("/units/me/agents", headers=legal).json["items"] if a["is_legal"])
    resp = client.patch(f"/units/me/agents/{me['agent_id']}", headers=legal, json_body={"active": False})
    assert resp.status == 403 and resp.json["Code"] == "LEGAL_ACCOUNT_LOCKED"


def test_agents_of_another_unit_cannot_be_edited(client, world):
    uni = world.headers("university-legal")
    target = next(a for a in client.get("/units/me/agents", headers=uni).json["items"] if not a["is_legal"])
    resp = client.patch(f"/units/me/agents/{target['agent_id']}", headers=world.headers("company-legal"),
                        json_body={"active": False})
    assert resp.status == 404


def test_unit_lookup_by_credit_code(client, world):
    code = world.code("university")
    resp = client.get(f"/units/lookup/{code}", headers=world.headers("applicant4"))
    assert resp.status == 200 and resp.json["name"] == "长白理工大学"
    assert set(resp.json) == {"credit_code", "name", "kind", "region_code", "region_name", "binding_status",
                              "binding_status_label"}
    assert client.get("/units/lookup/12100000423202747A", headers=world.headers("applicant4")).status == 422
    assert client.get("/units/lookup/12100000423202747Q", headers=world.headers("applicant4")).status == 404
