"""经办人账号登录 by the unit's credit code + the agent's ID number (manuals 000/002/003, issue 14)."""
import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from devtools.seed import _id
from tests.helpers.in_process import make_token

AGENT_ID = _id("22010219880808123")          # a valid 居民身份证 number (GB 11643 check digit)
FULL_WIDTH = "".join(chr(ord(c) + 0xFEE0) if c.isdigit() else c for c in AGENT_ID)


def _platform(claims):
    return {"Authorization": f"Bearer {make_token(claims)}"}


def _agent_token(world, **who):
    return _platform({"sub": "agent-by-id", "account_kind": "agent",
                      "credit_code": world.code("university"), **who})


def _add(client, world, **body):
    return client.post("/units/me/agents", headers=world.headers("university-legal"),
                       json_body={"name": "周敏", "phone": "13512340077", **body})


def test_an_agent_is_added_with_an_id_number_and_the_list_masks_it(client, world):
    added = _add(client, world, id_number=FULL_WIDTH)           # NFKC: stored in ASCII
    assert added.status == 201, added.json
    assert added.json["id_number"] == AGENT_ID[:6] + "********" + AGENT_ID[-4:]
    items = client.get("/units/me/agents", headers=world.headers("university-legal")).json["items"]
    row = next(a for a in items if a["agent_id"] == added.json["agent_id"])
    assert row["id_number"] == AGENT_ID[:6] + "********" + AGENT_ID[-4:]
    assert AGENT_ID not in str(items)
    from chalicelib.models.accounts import Agent
    stored = Agent.get(*Agent.key(world.code("university"), added.json["agent_id"]))
    assert stored.id_number == AGENT_ID


def test_an_id_number_is_unique_within_the_unit(client, world):
    assert _add(client, world, id_number=AGENT_ID).status == 201
    again = _add(client, world, name="另一人", phone="13512340078", id_number=FULL_WIDTH)
    assert again.status == 409 and again.json["Code"] == "AGENT_ID_NUMBER_TAKEN"
    other = _add(client, world, name="另一人", phone="13512340078").json
    taken = client.patch(f"/units/me/agents/{other['agent_id']}", headers=world.headers("university-legal"),
                         json_body={"id_number": AGENT_ID})
    assert taken.status == 409 and taken.json["Code"] == "AGENT_ID_NUMBER_TAKEN"


@pytest.mark.parametrize("bad", [AGENT_ID[:-1] + ("0" if AGENT_ID[-1] != "0" else "1"),
                                 "12345", "٢" * 18])
def test_an_id_number_with_a_bad_checksum_is_refused_and_nothing_is_stored(client, world, bad):
    before = client.get("/units/me/agents", headers=world.headers("university-legal")).json["items"]
    resp = _add(client, world, id_number=bad)
    assert resp.status == 422 and resp.json["Code"] == "VALIDATION_FAILED"
    after = client.get("/units/me/agents", headers=world.headers("university-legal")).json["items"]
    assert after == before


def test_sign_in_resolves_the_agent_by_id_number_and_a_disabled_one_is_refused(client, world):
    added = _add(client, world, id_number=AGENT_ID).json
    me = client.get("/me", headers=_agent_token(world, id_number=AGENT_ID))
    assert me.status == 200, me.json
    assert me.json["subject"] == added["agent_id"] and me.json["name"] == "周敏"
    assert me.json["is_legal"] is False and me.json["role"] == "unit"
    # another unit does not know this agent
    other = client.get("/me", headers=_platform({"sub": "x", "account_kind": "agent",
                                                 "credit_code": world.code("company"),
                                                 "id_number": AGENT_ID}))
    assert other.status == 401 and other.json["Code"] == "AGENT_UNKNOWN"
    off = client.patch(f"/units/me/agents/{added['agent_id']}", headers=world.headers("university-legal"),
                       json_body={"active": False})
    assert off.status == 200
    refused = client.get("/me", headers=_agent_token(world, id_number=AGENT_ID))
    assert refused.status == 401 and refused.json["Code"] == "AGENT_DISABLED"


def test_a_changed_id_number_signs_in_and_the_old_one_no_longer_does(client, world):
    added = _add(client, world, id_number=AGENT_ID).json
    new_id = _id("22010219900101456")
    patched = client.patch(f"/units/me/agents/{added['agent_id']}", headers=world.headers("university-legal"),
                           json_body={"id_number": new_id})
    assert patched.status == 200 and patched.json["id_number"].endswith(new_id[-4:])
    assert client.get("/me", headers=_agent_token(world, id_number=new_id)).status == 200
    old = client.get("/me", headers=_agent_token(world, id_number=AGENT_ID))
    assert old.status == 401 and old.json["Code"] == "AGENT_UNKNOWN"


def test_an_agent_claim_with_a_bad_id_number_is_refused(client, world):
    bad = AGENT_ID[:-1] + ("0" if AGENT_ID[-1] != "0" else "1")
    resp = client.get("/me", headers=_agent_token(world, id_number=bad))
    assert resp.status == 401 and resp.json["Code"] == "AGENT_UNKNOWN"


def test_the_local_platform_finds_an_agent_by_id_number(client, world):
    _add(client, world, id_number=AGENT_ID)
    resp = client.post("/dev/platform-account", json_body={
        "kind": "agent", "credit_code": world.code("university"), "agent": FULL_WIDTH})
    assert resp.status == 200, resp.json
    assert resp.json == {"account_kind": "agent", "credit_code": world.code("university"),
                         "name": "周敏", "id_number": AGENT_ID}
    unknown = client.post("/dev/platform-account", json_body={
        "kind": "agent", "credit_code": world.code("university"), "agent": _id("22010219900101456")})
    assert unknown.status == 401 and unknown.json["Code"] == "AGENT_UNKNOWN"
    bad = client.post("/dev/platform-account", json_body={
        "kind": "agent", "credit_code": world.code("university"), "agent": "12345"})
    assert bad.status == 400


def test_the_id_number_is_never_logged(client, world, caplog):
    """The platform's own log lines (botocore's DEBUG wire dumps are off in every stage)."""
    import logging
    caplog.set_level(logging.DEBUG, logger="talent")
    _add(client, world, id_number=AGENT_ID)
    client.get("/me", headers=_agent_token(world, id_number=AGENT_ID))
    client.get("/me", headers=_agent_token(world, id_number=AGENT_ID[:-1] + "0"))
    lines = [r.getMessage() + str(r.__dict__) for r in caplog.records if r.name.startswith("talent")]
    assert lines and not any(AGENT_ID in line or AGENT_ID[:-1] in line for line in lines)


# --- property: one agent ID number, one index key, whatever digits it was typed with ------------

@settings(max_examples=200, deadline=None)
@given(st.dates(min_value=dt.date(1930, 1, 1), max_value=dt.date(2005, 12, 31)),
       st.integers(0, 999), st.lists(st.booleans(), min_size=18, max_size=18))
def test_any_valid_id_number_typed_full_width_keys_the_same_index_item(born, seq, wide):
    from chalicelib import identifiers as ids
    from chalicelib.schemas.accounts import AgentIn
    from chalicelib.services.units import agent_id_index

    number = _id(f"220102{born:%Y%m%d}{seq:03d}")
    typed = "".join(chr(ord(c) + 0xFEE0) if w else c for c, w in zip(number, wide))
    parsed = AgentIn(name="周敏", phone="13512340077", id_number=typed).id_number
    assert parsed == number and ids.is_valid_id_number(parsed)
    assert agent_id_index("12220000412756703F", parsed).sk == agent_id_index("12220000412756703F", number).sk
    assert number not in agent_id_index("12220000412756703F", number).sk        # a keyed hash, not the number
