"""Issue 28 item 2: an agent's phone is unique within a unit (agents sign in by phone), whatever digits
it was typed with, on add, on edit and on re-enable; a disabled agent keeps its number, as it keeps
its ID number. Each test failed on the code before the fix."""
import pytest

from tests.helpers.in_process import make_token

PHONE = "13512340077"
FULL_WIDTH = PHONE.translate(str.maketrans("0123456789", "０１２３４５６７８９"))
BOLD = "".join(chr(0x1D7CE + int(c)) for c in PHONE)          # mathematical bold digits: NFKC → ASCII


def _add(client, world, phone=PHONE, **body):
    return client.post("/units/me/agents", headers=world.headers("university-legal"),
                       json_body={"name": "周敏", "phone": phone, **body})


def _patch(client, world, agent_id, **body):
    return client.patch(f"/units/me/agents/{agent_id}", headers=world.headers("university-legal"), json_body=body)


def _agents(client, world):
    return client.get("/units/me/agents", headers=world.headers("university-legal")).json["items"]


def _sign_in(client, world, phone=PHONE):
    token = make_token({"sub": "agent-by-phone", "account_kind": "agent", "credit_code": world.code("university"),
                        "phone_number": phone})
    return client.get("/me", headers={"Authorization": f"Bearer {token}"})


@pytest.mark.parametrize("again", [PHONE, FULL_WIDTH, BOLD, " " + PHONE + " "])
def test_the_same_phone_cannot_be_added_twice_however_it_is_written(client, world, again):
    assert _add(client, world).status == 201
    before = _agents(client, world)
    second = _add(client, world, again, name="另一人")
    assert second.status == 409 and second.json["Code"] == "AGENT_PHONE_TAKEN", second
    assert "手机号" in second.json["Message"] and PHONE not in str(second.json)
    assert _agents(client, world) == before                            # nothing stored


def test_a_disabled_agent_keeps_its_phone_and_stays_locked_out(client, world):
    first = _add(client, world).json
    assert _patch(client, world, first["agent_id"], active=False).status == 200
    again = _add(client, world, FULL_WIDTH, name="另一人")
    assert again.status == 409 and again.json["Code"] == "AGENT_PHONE_TAKEN"
    refused = _sign_in(client, world)
    assert refused.status == 401 and refused.json["Code"] == "AGENT_DISABLED"
    assert _patch(client, world, first["agent_id"], active=True).status == 200   # re-enabled: its own number
    assert _sign_in(client, world).status == 200


def test_an_edit_cannot_take_another_agents_phone_and_a_changed_phone_is_released(client, world):
    first = _add(client, world).json
    other = _add(client, world, "13512340078", name="另一人").json
    taken = _patch(client, world, other["agent_id"], phone=FULL_WIDTH)
    assert taken.status == 409 and taken.json["Code"] == "AGENT_PHONE_TAKEN", taken
    moved = _patch(client, world, first["agent_id"], phone="13512340079")
    assert moved.status == 200, moved
    assert _patch(client, world, other["agent_id"], phone=PHONE).status == 200        # released: free now
    again = _add(client, world, "13512340079", name="第三人")
    assert again.status == 409 and again.json["Code"] == "AGENT_PHONE_TAKEN"
    assert _patch(client, world, first["agent_id"], name="周敏敏").status == 200        # its own number is fine


def test_agents_listed_before_the_rule_are_held_to_it_on_edit_and_re_enable(client, world):
    """Two agents under one phone stored before the index item existed (as the old code allowed):
    neither a new agent nor enabling the disabled twin may add a third way in."""
    from chalicelib.models.accounts import Agent

    code = world.code("university")
    for n, active in ((1, True), (2, False)):
        pk, sk = Agent.key(code, f"legacy{n}")
        Agent(pk=pk, sk=sk, unit_code=code, agent_id=f"legacy{n}", name=f"旧{n}", phone=PHONE, is_legal=False,
              active=active, created_at="2025-01-01T00:00:00+00:00", updated_at="2025-01-01T00:00:00+00:00").save()
    assert _add(client, world).json["Code"] == "AGENT_PHONE_TAKEN"
    enabled = _patch(client, world, "legacy2", active=True)
    assert enabled.status == 409 and enabled.json["Code"] == "AGENT_PHONE_TAKEN", enabled
    assert _patch(client, world, "legacy2", phone="13512340070").status == 200          # the way out
    assert _patch(client, world, "legacy2", active=True).status == 200


def test_two_adds_of_one_phone_at_once_store_one_agent(client, world, monkeypatch):
    """The race: both requests pass the listing check before either writes; the index item's
    condition in each transaction lets one through (DynamoDB serialises conditional transactions
    on an item: the second sees it exists, or is cancelled with TransactionConflict → 503/409)."""
    from chalicelib.services import units

    monkeypatch.setattr(units, "_phone_listed", lambda *a, **k: False)      # both past the read
    first = _add(client, world)
    second = _add(client, world, FULL_WIDTH, name="另一人")
    assert first.status == 201 and second.status == 409 and second.json["Code"] == "AGENT_PHONE_TAKEN"
    assert [a["name"] for a in _agents(client, world) if a["phone"] == "135****0077"] == ["周敏"]


def test_an_id_number_conflict_is_still_named_as_such(client, world):
    from devtools.seed import _id

    number = _id("22010219880808123")
    assert _add(client, world, id_number=number).status == 201
    again = _add(client, world, "13512340078", name="另一人", id_number=number)
    assert again.status == 409 and again.json["Code"] == "AGENT_ID_NUMBER_TAKEN", again
