"""个人绑定推荐单位 and 单位绑定上级单位, with every refusal of issue #3."""
import pytest

from chalicelib.errors import Conflict


def _pending(client, headers, kind="person"):
    return client.get(f"/binding-requests?kind={kind}&state=pending", headers=headers).json["items"]


def test_person_binds_and_the_unit_approves(client, world):
    code = world.code("university")
    applicant = world.headers("applicant4")
    resp = client.post("/bindings/me", headers=applicant, json_body={"credit_code": code})
    assert resp.status == 201 and resp.json["status"] == "pending"
    unit = world.headers("university-agent")
    items = _pending(client, unit)
    mine = next(i for i in items if i["requester_name"] == "赵雪")
    assert "********" in mine["requester_id_number"]           # masked in lists
    counts = client.get("/workbench", headers=unit).json
    row = next(r for r in counts["rows"] if r["matter"] == "BIND_PERSON")
    assert row["pending"] >= 1
    before_done = row["done_total"]
    resp = client.post(f"/binding-requests/{mine['request_id']}/decision", headers=unit,
                       json_body={"decision": "approve", "opinion": "同意"})
    assert resp.status == 200 and resp.json["status"] == "approved"
    assert resp.json["decided_by_name"] == "长白理工大学经办人"
    assert client.get("/bindings/me", headers=applicant).json["status"] == "approved"
    row = next(r for r in client.get("/workbench", headers=unit).json["rows"] if r["matter"] == "BIND_PERSON")
    assert row["pending"] == len(_pending(client, unit))
    assert row["done_total"] == before_done + 1 and row["today"] >= 1


def test_ending_shows_the_opinion_and_frees_the_applicant(client, world):
    applicant = world.headers("applicant4")
    client.post("/bindings/me", headers=applicant, json_body={"credit_code": world.code("company")})
    req = _pending(client, world.headers("company-agent"))[0]
    no_opinion = client.post(f"/binding-requests/{req['request_id']}/decision",
                             headers=world.headers("company-agent"), json_body={"decision": "end"})
    assert no_opinion.status == 422
    client.post(f"/binding-requests/{req['request_id']}/decision", headers=world.headers("company-agent"),
                json_body={"decision": "end", "opinion": "非本单位职工"})
    mine = client.get("/bindings/me", headers=applicant).json
    assert mine["status"] == "ended" and mine["opinion"] == "非本单位职工"
    again = client.post("/bindings/me", headers=applicant, json_body={"credit_code": world.code("university")})
    assert again.status == 201


def test_one_pending_or_bound_unit_at_a_time(client, world):
    bound = world.headers("applicant1")
    resp = client.post("/bindings/me", headers=bound, json_body={"credit_code": world.code("company")})
    assert resp.status == 409 and resp.json["Code"] == "ALREADY_BOUND"
    pending = world.headers("applicant3")
    resp = client.post("/bindings/me", headers=pending, json_body={"credit_code": world.code("company")})
    assert resp.status == 409 and resp.json["Code"] == "BINDING_PENDING"


def test_unbind_then_bind_another(client, world):
    headers = world.headers("applicant1")
    assert client.delete("/bindings/me", headers=headers).json["status"] == "none"
    assert client.post("/bindings/me", headers=headers,
                       json_body={"credit_code": world.code("company")}).status == 201


def test_withdrawing_a_pending_request_removes_it_from_the_units_list(client, world):
    unit = world.headers("university-agent")
    before = len(_pending(client, unit))
    client.delete("/bindings/me", headers=world.headers("applicant3"))
    assert len(_pending(client, unit)) == before - 1
    row = next(r for r in client.get("/workbench", headers=unit).json["rows"] if r["matter"] == "BIND_PERSON")
    assert row["pending"] == before - 1


def test_unbinding_during_review_is_refused(client, world):
    from chalicelib.models.bindings import PersonBinding

    binding = PersonBinding.get(*PersonBinding.key("p-demo-0001"))
    binding.update(actions=[PersonBinding.locked_by.set("DECL#x")])
    resp = client.delete("/bindings/me", headers=world.headers("applicant1"))
    assert resp.status == 409 and resp.json["Code"] == "UNBIND_DURING_REVIEW"
    assert client.get("/bindings/me", headers=world.headers("applicant1")).json["status"] == "approved"


def test_deciding_someone_elses_request_is_refused(client, world):
    req = _pending(client, world.headers("university-agent"))[0]
    resp = client.post(f"/binding-requests/{req['request_id']}/decision",
                       headers=world.headers("company-agent"), json_body={"decision": "approve"})
    assert resp.status == 404
    resp = client.post(f"/binding-requests/{req['request_id']}/decision",
                       headers=world.headers("applicant1"), json_body={"decision": "approve"})
    assert resp.status == 403


def test_deciding_twice_gives_one_decision_and_one_conflict(client, world):
    req = _pending(client, world.headers("university-agent"))[0]
    first = client.post(f"/binding-requests/{req['request_id']}/decision",
                        headers=world.headers("university-agent"), json_body={"decision": "approve"})
    second = client.post(f"/binding-requests/{req['request_id']}/decision",
                         headers=world.headers("university-legal"), json_body={"decision": "end",
                                                                               "opinion": "x"})
    assert first.status == 200 and second.status == 409 and second.json["Code"] == "ALREADY_DECIDED"


def test_a_decision_made_on_a_stale_read_is_refused_by_the_transaction(world, monkeypatch):
    """Two agents both saw the request pending; the second decision's transaction is cancelled
    by its status guard, and the counters count one decision."""
    from chalicelib.models.bindings import BindingRequest
    from chalicelib.services import bindings

    first = world.principal("university-agent")
    req = bindings.list_requests(first, "person", "pending", None, 10)["items"][0]
    stale = BindingRequest.get(*BindingRequest.key(req["request_id"]))
    bindings.decide(first, req["request_id"], "approve", None)
    monkeypatch.setattr(BindingRequest, "get", classmethod(lambda cls, *a, **k: stale))
    with pytest.raises(Conflict) as refused:
        bindings.decide(world.principal("university-legal"), req["request_id"], "end", "迟到的决定")
    assert refused.value.code == "ALREADY_DECIDED"
    monkeypatch.undo()
    stored = BindingRequest.get(*BindingRequest.key(req["request_id"]))
    assert stored.status == "approved" and stored.opinion == "审核通过"
    counts = bindings.counters.read(world.code("university"), req["created_at"][:4])["BIND_PERSON"]
    assert counts["pending"] == 0 and counts["done_total"] == 1


def test_applicant_cannot_read_another_applicants_binding_request(client, world):
    mine = client.get("/bindings/me", headers=world.headers("applicant3")).json
    assert client.get(f"/binding-requests/{mine['request_id']}", headers=world.headers("applicant3")).status == 200
    assert client.get(f"/binding-requests/{mine['request_id']}", headers=world.headers("applicant1")).status == 404
    assert client.get(f"/binding-requests/{mine['request_id']}",
                      headers=world.headers("company-agent")).status == 404


def test_unit_cannot_bind_itself_or_a_bureau_or_an_unregistered_unit(client, world):
    company = world.headers("company-agent")
    resp = client.post("/units/me/superior", headers=company, json_body={"credit_code": world.code("company")})
    assert resp.status == 422 and resp.json["Code"] == "SELF_BINDING"
    resp = client.post("/units/me/superior", headers=company, json_body={"credit_code": world.code("jl-bureau")})
    assert resp.status == 422 and resp.json["Code"] == "TARGET_NOT_A_UNIT"
    resp = client.post("/units/me/superior", headers=company, json_body={"credit_code": "12100000423202747Q"})
    assert resp.status == 404 and resp.json["Code"] == "UNIT_NOT_REGISTERED"


def test_superior_chain_can_never_form_a_cycle(client, world):
    # edu-dept is the top of institute → university → edu-dept; binding it under the institute
    # would close the loop.
    resp = client.post("/units/me/superior", headers=world.headers("edu-dept-agent"),
                       json_body={"credit_code": world.code("institute")})
    assert resp.status == 422 and resp.json["Code"] == "BINDING_CYCLE"


def test_approval_rechecks_the_chain_so_two_requests_cannot_close_a_cycle(world):
    from chalicelib.services import bindings

    company, edu = world.principal("company-legal"), world.principal("edu-dept-legal")
    a = bindings.request_superior(company, world.code("edu-dept"))     # company → edu
    b = bindings.request_superior(edu, world.code("company"))          # edu → company (pending)
    from chalicelib.models.accounts import Unit

    req_a = Unit.get(*Unit.key(a["credit_code"])).superior_request
    req_b = Unit.get(*Unit.key(b["credit_code"])).superior_request
    results = []
    for principal, req in ((edu, req_a), (company, req_b)):
        try:
            bindings.decide(principal, req, "approve", None)
            results.append("ok")
        except Exception as exc:  # noqa: BLE001 - the second must be refused one way or another
            results.append(type(exc).__name__)
    assert results[0] == "ok" and results[1] != "ok"


def test_superior_binding_request_approve_and_unbind_without_review(client, world):
    company = world.headers("company-agent")
    resp = client.post("/units/me/superior", headers=company, json_body={"credit_code": world.code("edu-dept")})
    assert resp.status == 201 and resp.json["superior_name"] == "吉林省教育厅"
    edu = world.headers("edu-dept-agent")
    req = _pending(client, edu, kind="unit")[0]
    assert req["requester_name"] == "松花江精密制造有限公司"
    client.post(f"/binding-requests/{req['request_id']}/decision", headers=edu, json_body={"decision": "approve"})
    unit = client.get("/units/me", headers=company).json
    assert unit["superior_code"] == world.code("edu-dept")
    resp = client.delete("/units/me/superior", headers=company)
    assert resp.status == 200 and resp.json["superior_code"] is None


def test_binding_lists_paginate_with_opaque_cursors(client, world):
    from chalicelib.services import bindings
    from devtools.seed import _id

    target = world.code("company")
    from chalicelib.identity import Principal
    from chalicelib.schemas.accounts import PersonProfileIn
    from chalicelib.services import people

    for n in range(5):
        p = Principal(subject=f"p-page-{n}", role="applicant", name=f"测试{n}")
        people.save_profile(p, PersonProfileIn(name=f"测试{n}", id_type="居民身份证（户口簿）",
                                               id_number=_id(f"220102199001{10 + n}301"), phone="13900000000"))
        bindings.request_person_binding(p, target)
    headers = world.headers("company-agent")
    seen, cursor = [], None
    while True:
        url = "/binding-requests?kind=person&state=pending&limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = client.get(url, headers=headers).json
        seen += [i["request_id"] for i in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert len(seen) == len(set(seen)) == 5
    forged = client.get("/binding-requests?kind=person&state=pending&cursor=eyJHU0kxUEsiOiJ4In0",
                        headers=headers)
    assert forged.status == 400 and forged.json["Code"] == "BAD_CURSOR"
