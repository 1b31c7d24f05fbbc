"""Agent management and the legal person's first sign-in leave their audit records through
AuditRecord.append (append-only, in the same transaction), like every other flow."""
from chalicelib.models.audit import AuditRecord


def _trail(code):
    return [r.to_dict() for r in AuditRecord.trail(f"UNIT#{code}")]


def test_adding_and_changing_an_agent_is_audited(client, world):
    legal = world.headers("university-legal")
    code = world.code("university")
    added = client.post("/units/me/agents", headers=legal, json_body={"name": "钱晓峰", "phone": "13512340001"})
    assert added.status == 201
    agent_id = added.json["agent_id"]
    off = client.patch(f"/units/me/agents/{agent_id}", headers=legal, json_body={"active": False})
    assert off.status == 200
    records = {r["action"]: r for r in _trail(code) if r["action"].startswith("agent.")}
    assert records["agent.add"]["detail"] == {"agent_id": agent_id}
    assert records["agent.update"]["detail"] == {"agent_id": agent_id, "fields": ["active"]}
    assert records["agent.add"]["actor_unit"] == code and records["agent.add"]["actor_role"] == "unit"
    # personal data never lands in the trail
    assert "13512340001" not in str(_trail(code))


def test_a_refused_agent_change_writes_no_record(client, world):
    legal = world.headers("university-legal")
    code = world.code("university")
    before = len(_trail(code))
    resp = client.patch("/units/me/agents/nope", headers=legal, json_body={"active": False})
    assert resp.status == 404 and len(_trail(code)) == before


def test_the_legal_persons_first_sign_in_is_audited_once(aws):
    from chalicelib.services import signin

    code = "91220101MA0000001X"
    signin.legal_person(code, "王法人")
    signin.legal_person(code, "王法人")
    firsts = [r for r in _trail(code) if r["action"] == "legal.first_sign_in"]
    assert len(firsts) == 1 and firsts[0]["actor_name"] == "王法人"
