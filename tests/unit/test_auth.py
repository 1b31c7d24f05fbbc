"""Every route but health and the local token endpoint needs a valid RS256 token."""
import base64
import json
import time

import jwt
import pytest

from tests.conftest import TEST_PUBLIC_KEY
from tests.unit.conftest import make_token


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
    from chalicelib import identity
    from chalicelib.errors import NotFound

    with pytest.raises(NotFound):
        identity.issue_dev_token("applicant1")
