"""Every route but health and the local token endpoint needs a valid RS256 token."""
import base64
import json
import time

import jwt
import pytest

from tests.helpers.keys import TEST_PUBLIC_KEY
from tests.helpers.in_process import make_token


def _unverified(payload: dict, header: dict) -> str:
    enc = lambda d: base64.urlsafe_b64encode(json.dumps(d).encode()).rstrip(b"=").decode()
    return f"{enc(header)}.{enc(payload)}."


def test_health_needs_no_token(client):
    resp = client.get("/health")
    assert resp.status == 200 and resp.json["status"] == "ok"


def test_missing_token_is_refused(client):
    assert client.get("/me", headers={}).status == 401


@pytest.mark.parametrize("case", ["expired", "not_yet", "wrong_issuer", "wrong_audience",
                                  "tampered", "alg_none", "hs256_confusion", "no_role",
                                  "unknown_role", "garbage", "unit_without_unit"])
def test_bad_tokens_get_401_in_the_error_shape(client, world, case):
    good = {"sub": "p-demo-0001", "role": "applicant", "name": "张明远"}
    now = int(time.time())
    token = {
        "expired": lambda: make_token(good, exp=now - 3600, iat=now - 7200, nbf=now - 7200),
        "not_yet": lambda: make_token(good, nbf=now + 3600),
        "wrong_issuer": lambda: make_token({**good, "iss": "https://evil.example"}),
        "wrong_audience": lambda: make_token({**good, "aud": "another-api"}),
        "tampered": lambda: _tamper(make_token(good)),
        "alg_none": lambda: _unverified({**good, "iss": "https://id.local.talent-grading",
                                         "aud": "talent-grading-api", "exp": now + 600,
                                         "iat": now, "nbf": now}, {"alg": "none", "typ": "JWT"}),
        "hs256_confusion": lambda: jwt.encode(
            {**good, "iss": "https://id.local.talent-grading", "aud": "talent-grading-api",
             "exp": now + 600, "iat": now, "nbf": now},
            TEST_PUBLIC_KEY.encode(), algorithm="HS256") if _hs_allowed() else _hs_manual(good, now),
        "no_role": lambda: make_token({"sub": "p-demo-0001"}),
        "unknown_role": lambda: make_token({**good, "role": "admin"}),
        "garbage": lambda: "not-a-jwt",
        "unit_without_unit": lambda: make_token({"sub": "x", "role": "unit"}),
    }[case]()
    resp = client.get("/me", headers={"Authorization": f"Bearer {token}"})
    assert resp.status == 401, resp
    assert set(resp.json) >= {"Code", "Message"}
    assert resp.json["Code"] == "UNAUTHORIZED"


def _tamper(token: str) -> str:
    head, payload, sig = token.split(".")
    data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    data["role"] = "province"
    forged = base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()
    return f"{head}.{forged}.{sig}"


def _hs_allowed() -> bool:
    try:
        jwt.encode({"a": 1}, TEST_PUBLIC_KEY.encode(), algorithm="HS256")
        return True
    except jwt.exceptions.InvalidKeyError:
        return False


def _hs_manual(claims, now):
    """PyJWT refuses to HMAC with a PEM key, so forge the confused token by hand."""
    import hashlib
    import hmac

    enc = lambda d: base64.urlsafe_b64encode(json.dumps(d).encode()).rstrip(b"=").decode()
    body = {**claims, "iss": "https://id.local.talent-grading", "aud": "talent-grading-api",
            "exp": now + 600, "iat": now, "nbf": now}
    signing_input = f"{enc({'alg': 'HS256', 'typ': 'JWT'})}.{enc(body)}"
    sig = hmac.new(TEST_PUBLIC_KEY.encode(), signing_input.encode(), hashlib.sha256).digest()
    return signing_input + "." + base64.urlsafe_b64encode(sig).rstrip(b"=").decode()


def test_valid_token_identifies_the_caller(client, world):
    resp = client.get("/me", headers=world.headers("applicant1"))
    assert resp.status == 200
    assert resp.json["role"] == "applicant" and resp.json["name"] == "张明远"


def test_disabled_agent_is_locked_out(client, world):
    legal = world.headers("university-legal")
    agents = client.get("/units/me/agents", headers=legal).json["items"]
    agent = next(a for a in agents if not a["is_legal"])
    assert client.get("/me", headers=world.headers("university-agent")).status == 200
    resp = client.patch(f"/units/me/agents/{agent['agent_id']}", headers=legal,
                        json_body={"active": False})
    assert resp.status == 200 and resp.json["active"] is False
    resp = client.get("/me", headers=world.headers("university-agent"))
    assert resp.status == 401 and resp.json["Code"] == "AGENT_DISABLED"


def test_token_for_another_role_is_refused(client, world):
    resp = client.get("/units/me", headers=world.headers("applicant1"))
    assert resp.status == 403 and resp.json["Code"] == "ROLE_FORBIDDEN"
    resp = client.get("/persons/me", headers=world.headers("university-agent"))
    assert resp.status == 403


def test_dev_token_endpoint_issues_verifiable_tokens_locally(client, world):
    resp = client.post("/dev/token", json_body={"login": "applicant1"})
    assert resp.status == 200
    me = client.get("/me", headers={"Authorization": f"Bearer {resp.json['token']}"})
    assert me.status == 200 and me.json["subject"] == "p-demo-0001"
    assert client.post("/dev/token", json_body={"login": "nobody"}).status == 404


def test_dev_token_endpoint_does_not_exist_outside_local(monkeypatch):
    """Importing the app as the prod stage registers no /dev routes at all."""
    import importlib
    import sys

    from chalicelib import config

    monkeypatch.setattr(config, "STAGE", "prod")
    saved = sys.modules.pop("app")
    try:
        prod_app = importlib.import_module("app")
        assert not any(path.startswith("/dev") for path in prod_app.app.routes)
    finally:
        sys.modules["app"] = saved
    # and the service refuses even if called directly
    from chalicelib.errors import NotFound
    from chalicelib.services import authentication

    with pytest.raises(NotFound):
        authentication.issue_dev_token("applicant1")


# --- the identity platform's tokens: who from the platform, what from our records ----------------

def _platform(claims):
    return {"Authorization": f"Bearer {make_token(claims)}"}


def _agent(world, unit_login, legal=False):
    from chalicelib.models.accounts import Agent, Unit

    pk, _ = Unit.key(world.code(unit_login))
    return next(a for a in Agent.query(pk, Agent.sk.startswith("AGENT#")) if a.is_legal == legal)


def test_a_person_gets_an_account_on_first_sign_in_from_the_claims(client, world):
    from devtools.seed import _id

    new_id = _id("22010219950101901")
    headers = _platform({"sub": "person-abc", "account_kind": "person", "name": "孙立",
                         "id_number": new_id, "role": "province"})
    me = client.get("/me", headers=headers)
    assert me.status == 200 and me.json["role"] == "applicant"      # a role claim means nothing
    profile = client.get("/persons/me", headers=headers)
    assert profile.status == 200 and profile.json["name"] == "孙立" and profile.json["id_number"] == new_id
    again = client.get("/me", headers=_platform({"sub": "person-abc", "account_kind": "person",
                                                 "name": "孙立", "id_number": new_id}))
    assert again.json["subject"] == me.json["subject"]                # the same account, once


def test_a_seeded_person_is_found_by_id_number(client, world):
    from chalicelib.models.accounts import Person

    person = Person.get(*Person.key("p-demo-0001"))
    me = client.get("/me", headers=_platform({"sub": "person-x", "account_kind": "person",
                                              "name": person.name, "id_number": person.id_number}))
    assert me.status == 200 and me.json["subject"] == "p-demo-0001"


@pytest.mark.parametrize("id_number", ["220102199001011230", "２２０１０２１９９００１０１１２３X", "", None, 123])
def test_a_person_token_without_a_valid_id_number_is_refused(client, world, id_number):
    resp = client.get("/me", headers=_platform({"sub": "p", "account_kind": "person", "name": "某",
                                                "id_number": id_number}))
    assert resp.status == 401 and resp.json["Code"] == "UNAUTHORIZED"


def test_legal_person_is_linked_by_credit_code_and_role_comes_from_the_unit(client, world):
    me = client.get("/me", headers=_platform({"sub": "legal-1", "account_kind": "legal",
                                              "credit_code": world.code("university"), "name": "x"}))
    assert me.status == 200, me
    assert me.json["is_legal"] is True and me.json["role"] == "unit"
    assert me.json["unit_code"] == world.code("university")
    province = client.get("/me", headers=_platform({"sub": "legal-2", "account_kind": "legal",
                                                    "credit_code": world.code("province")}))
    assert province.json["role"] == "province" and province.json["is_legal"] is True


def test_a_new_legal_person_is_linked_on_first_sign_in_and_then_fills_the_unit(client, world):
    from devtools.seed import _code

    code = _code("91220101MA0ABCDE1")
    headers = _platform({"sub": "legal-new", "account_kind": "legal", "credit_code": code,
                         "name": "新企业"})
    me = client.get("/me", headers=headers)
    assert me.status == 200 and me.json["is_legal"] is True and me.json["role"] == "unit"
    assert client.get("/units/me", headers=headers).status == 404     # profile not filled yet
    assert client.get("/units/me/agents", headers=headers).status == 200


def test_an_agent_is_let_in_by_phone_while_listed_and_enabled(client, world):
    agent = _agent(world, "university")
    code = world.code("university")
    token = {"sub": "agent-1", "account_kind": "agent", "credit_code": code,
             "phone_number": agent.phone, "legal": "true", "role": "province"}
    me = client.get("/me", headers=_platform(token))
    assert me.status == 200, me
    assert me.json["subject"] == agent.agent_id and me.json["is_legal"] is False
    assert me.json["role"] == "unit"
    other_unit = client.get("/me", headers=_platform({**token, "credit_code": world.code("company")}))
    assert other_unit.status == 401 and other_unit.json["Code"] == "AGENT_UNKNOWN"


def test_an_agent_added_in_agent_management_signs_in_at_once_and_a_disabled_one_is_refused(client, world):
    legal = world.headers("university-legal")
    added = client.post("/units/me/agents", headers=legal, json_body={"name": "钱晓峰", "phone": "13512340001"})
    assert added.status == 201
    token = _platform({"sub": "agent-new", "account_kind": "agent",
                       "credit_code": world.code("university"), "phone_number": "13512340001"})
    me = client.get("/me", headers=token)
    assert me.status == 200 and me.json["name"] == "钱晓峰" and me.json["is_legal"] is False
    off = client.patch(f"/units/me/agents/{added.json['agent_id']}", headers=legal, json_body={"active": False})
    assert off.status == 200
    refused = client.get("/me", headers=token)                        # the very next request
    assert refused.status == 401 and refused.json["Code"] == "AGENT_DISABLED"


@pytest.mark.parametrize("legal_claim", ["false", "true", True, 1, "1"])
def test_the_legal_flag_is_never_read_from_a_token(client, world, legal_claim):
    agent = client.get("/me", headers={"Authorization": f"Bearer {world.token('university-agent', legal=legal_claim)}"})
    assert agent.status == 200 and agent.json["is_legal"] is False
    resp = client.get("/units/me/agents", headers={
        "Authorization": f"Bearer {world.token('university-agent', legal=legal_claim)}"})
    assert resp.status == 403 and resp.json["Code"] == "LEGAL_ACCOUNT_REQUIRED"


def test_an_unknown_account_kind_is_refused(client, world):
    for kind in ("admin", "", None, ["person"], "Person"):
        resp = client.get("/me", headers=_platform({"sub": "x", "account_kind": kind,
                                                    "credit_code": world.code("university")}))
        assert resp.status == 401


def test_role_claims_are_not_accepted_outside_the_local_stage(client, world, monkeypatch):
    from chalicelib import config

    monkeypatch.setattr(config, "STAGE", "prod")
    resp = client.get("/me", headers=world.headers("applicant1"))
    assert resp.status == 401


def test_the_authorizer_result_is_cached_and_standing_is_read_on_writes():
    """API Gateway caches the result per token (tests/unit/test_authorizer_cache.py shows what
    is then read afresh); every write route reads standing again."""
    import app

    assert app.jwt_auth.config.ttl_seconds > 0
    assert app.route.standing is not None and app.route.authenticate is not None


# --- keys from the identity platform: discovery + JWKS, bounded, unreachable = 503 ---------------

@pytest.fixture
def platform_keys(monkeypatch):
    """The API configured like a deployed stage: issuer only; discovery and JWKS served by fakes."""
    import jwt as pyjwt

    from chalicelib import config, identity
    from tests.helpers.keys import TEST_PRIVATE_KEY

    issuer = "https://tyrz.example.test/oidc"
    monkeypatch.setattr(config, "JWT_PUBLIC_KEY", "")
    monkeypatch.setattr(config, "JWT_JWKS_URL", "")
    monkeypatch.setattr(config, "JWT_ISSUER", issuer)
    identity._discovered.clear()
    identity._jwks_client.cache_clear()
    jwk = json.loads(pyjwt.algorithms.RSAAlgorithm.to_jwk(
        pyjwt.algorithms.RSAAlgorithm.from_jwk(pyjwt.algorithms.RSAAlgorithm.to_jwk(
            _public_of(TEST_PRIVATE_KEY)))))
    state = {"up": True, "timeouts": []}

    def fetch(url):
        if not state["up"]:
            raise OSError("connection refused")
        assert url == f"{issuer}/.well-known/openid-configuration"
        return {"issuer": issuer, "jwks_uri": f"{issuer}/jwks"}

    def fetch_jwks(self):
        state["timeouts"].append(self.timeout)
        if not state["up"]:
            raise pyjwt.PyJWKClientConnectionError("Fail to fetch data from the url, err: timed out")
        return {"keys": [{**jwk, "kid": "k1", "use": "sig", "alg": "RS256"}]}

    monkeypatch.setattr(identity, "_fetch_json", fetch)
    monkeypatch.setattr(pyjwt.PyJWKClient, "fetch_data", fetch_jwks)

    def token(claims):
        now = int(time.time())
        return pyjwt.encode({"iss": issuer, "aud": config.JWT_AUDIENCE, "iat": now, "exp": now + 600,
                             **claims}, TEST_PRIVATE_KEY, algorithm="RS256", headers={"kid": "k1"})
    state["token"] = token
    yield state
    identity._discovered.clear()
    identity._jwks_client.cache_clear()


def _public_of(private_pem):
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    return load_pem_private_key(private_pem, password=None).public_key()


def test_keys_come_from_the_issuers_discovery_and_jwks(client, world, platform_keys):
    from chalicelib.models.accounts import Person

    person = Person.get(*Person.key("p-demo-0002"))
    token = platform_keys["token"]({"sub": "s", "account_kind": "person", "name": person.name,
                                    "id_number": person.id_number})
    resp = client.get("/me", headers={"Authorization": f"Bearer {token}"})
    assert resp.status == 200 and resp.json["subject"] == "p-demo-0002"
    assert platform_keys["timeouts"] and set(platform_keys["timeouts"]) == {3}   # bounded fetch


def test_an_unreachable_identity_platform_is_a_503_never_a_remembered_refusal(client, world, platform_keys):
    from chalicelib.models.accounts import Person

    person = Person.get(*Person.key("p-demo-0002"))
    headers = {"Authorization": "Bearer " + platform_keys["token"](
        {"sub": "s", "account_kind": "person", "name": person.name, "id_number": person.id_number})}
    platform_keys["up"] = False
    resp = client.get("/me", headers=headers)
    assert resp.status == 503 and resp.json["Code"] == "IDP_UNAVAILABLE"
    assert resp.headers.get("Retry-After")
    assert "统一身份认证平台" in resp.json["Message"]
    platform_keys["up"] = True
    assert client.get("/me", headers=headers).status == 200          # the same token, next try


def test_the_discovery_fetch_is_bounded(monkeypatch):
    import socket
    import urllib.request

    from chalicelib import config, identity
    from chalicelib.errors import Unavailable

    seen = {}

    def slow(req, timeout=None):
        seen["timeout"] = timeout
        raise socket.timeout("timed out")

    monkeypatch.setattr(urllib.request, "urlopen", slow)
    monkeypatch.setattr(config, "JWT_JWKS_URL", "")
    monkeypatch.setattr(config, "JWT_ISSUER", "https://unreachable.example.test")
    identity._discovered.clear()
    with pytest.raises(Unavailable):
        identity.jwks_url()
    assert seen["timeout"] == identity.IDP_TIMEOUT_SECONDS == 3
    assert not identity._discovered                                    # nothing cached


# --- the local platform's view of our accounts (local stage only) --------------------------------

def test_the_local_platform_learns_demo_accounts_and_agents(client, world):
    agent = _agent(world, "university")
    resp = client.post("/dev/platform-account", json_body={"login": "university-agent"})
    assert resp.status == 200
    assert resp.json == {"account_kind": "agent", "credit_code": world.code("university"),
                         "name": agent.name, "phone_number": agent.phone}
    legal = client.post("/dev/platform-account", json_body={"login": "province-legal"}).json
    assert legal["account_kind"] == "legal" and legal["credit_code"] == world.code("province")
    person = client.post("/dev/platform-account", json_body={"login": "applicant1"}).json
    assert person["account_kind"] == "person" and len(person["id_number"]) == 18
    by_phone = client.post("/dev/platform-account", json_body={
        "kind": "agent", "credit_code": world.code("university"), "agent": agent.phone})
    assert by_phone.status == 200 and by_phone.json["name"] == agent.name
    unknown = client.post("/dev/platform-account", json_body={
        "kind": "agent", "credit_code": world.code("university"), "agent": "13900000999"})
    assert unknown.status == 401 and unknown.json["Code"] == "AGENT_UNKNOWN"
    bad = client.post("/dev/platform-account", json_body={"kind": "legal", "credit_code": "123"})
    assert bad.status == 400


def test_the_local_platform_endpoint_does_not_exist_outside_local(monkeypatch):
    from chalicelib import config
    from chalicelib.errors import NotFound
    from chalicelib.services import authentication

    monkeypatch.setattr(config, "STAGE", "prod")
    with pytest.raises(NotFound):
        authentication.dev_platform_account({"login": "applicant1"})


def test_aws_calls_per_request_for_each_account_kind(client, world, aws_calls):
    """What the authorizer costs per account kind (once per token and cache period), in a warm
    container (the PII hash key is read from SSM once per container, before the count); /me
    then reads a unit-side caller's standing afresh (1 GetItem)."""
    from chalicelib import pii
    from chalicelib.models.accounts import Person

    pii.id_number_digests("ID", "110101199003071234")

    person = Person.get(*Person.key("p-demo-0001"))
    agent = _agent(world, "university")
    code = world.code("university")
    cases = {
        "person": ({"account_kind": "person", "name": person.name, "id_number": person.id_number},
                   ["GetItem"]),
        "legal": ({"account_kind": "legal", "credit_code": code}, ["BatchGetItem", "GetItem"]),
        "agent": ({"account_kind": "agent", "credit_code": code, "phone_number": agent.phone},
                  ["GetItem", "BatchGetItem", "GetItem"]),   # the phone's index item, agent + unit; standing
    }
    for kind, (claims, expected) in cases.items():
        headers = _platform({"sub": f"{kind}-1", **claims})
        aws_calls.clear()
        assert client.get("/me", headers=headers).status == 200
        assert aws_calls == expected, (kind, aws_calls)
