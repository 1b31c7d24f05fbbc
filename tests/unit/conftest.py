"""In-process tier: moto's mock_aws with the infra deployed from infra/template.yaml, the Chalice
test client, and tokens signed with the test key. No network: sockets are disabled."""
import json
import logging
import re
import time

import pytest
import pytest_socket

from tests.conftest import TEST_PRIVATE_KEY

MOTO_CONFIG = {"stepfunctions": {"execute_state_machine": True}}


@pytest.fixture(autouse=True)
def _no_network():
    pytest_socket.disable_socket(allow_unix_socket=True)
    yield
    pytest_socket.enable_socket()


ERROR_BODIES: list = []
_FULL_ID = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dX](?![0-9A-Za-z])")
_PHONE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


class _Capture(logging.Handler):
    def __init__(self):
        super().__init__()
        self.lines = []

    def emit(self, record):
        self.lines.append(self.format(record))


@pytest.fixture(autouse=True)
def no_personal_data_in_logs_or_errors():
    """Every test: nothing it logged and no error body it received holds a full ID or phone number."""
    from chalicelib.logs import JsonFormatter, get_logger

    capture = _Capture()
    capture.setFormatter(JsonFormatter())
    root = get_logger("talent")
    root.addHandler(capture)
    ERROR_BODIES.clear()
    yield
    root.removeHandler(capture)
    leaks = [t for t in capture.lines + ERROR_BODIES if _FULL_ID.search(t) or _PHONE.search(t)]
    assert not leaks, f"personal data in logs or error bodies: {leaks[:3]}"


@pytest.fixture
def aws():
    """A fresh moto world with every resource of the infra template."""
    from moto import mock_aws

    from chalicelib import aws as aws_clients
    from devtools.local_infra import deploy

    with mock_aws(config=MOTO_CONFIG):
        aws_clients.reset_clients()
        env = deploy(None, stack_name="talent-grading-test", region="cn-north-1")
        from chalicelib import config

        saved = {k: getattr(config, k) for k in env if hasattr(config, k)}
        for key, value in env.items():
            if hasattr(config, key):
                setattr(config, key, value)
        yield env
        for key, value in saved.items():
            setattr(config, key, value)
        aws_clients.reset_clients()


@pytest.fixture
def world(aws):
    """The demo world of the local stack (units, chain, agents, applicants, open notice)."""
    from devtools import seed

    logins = seed.seed_demo()
    return World(logins)


class World:
    def __init__(self, logins):
        from chalicelib.models.accounts import DevLogin

        self.logins = {row["login"]: DevLogin.get(*DevLogin.key(row["login"])) for row in logins}

    def principal(self, login):
        from chalicelib.identity import Principal

        e = self.logins[login]
        return Principal(subject=e.subject, role=e.role, name=e.display_name,
                         unit_code=e.unit_code or "", is_legal=bool(e.is_legal))

    def code(self, unit_login):
        return self.logins[f"{unit_login}-legal"].unit_code

    def token(self, login, **overrides):
        e = self.logins[login]
        claims = {"sub": e.subject, "role": e.role, "name": e.display_name}
        if e.unit_code:
            claims.update(unit=e.unit_code, legal=bool(e.is_legal))
        claims.update(overrides)
        return make_token(claims)

    def headers(self, login, **extra):
        return {"Authorization": f"Bearer {self.token(login)}", "Content-Type": "application/json",
                **extra}


def make_token(claims, key=None, algorithm="RS256", **times):
    import jwt

    from chalicelib import config

    now = int(time.time())
    body = {"iss": config.JWT_ISSUER, "aud": config.JWT_AUDIENCE, "iat": now, "nbf": now,
            "exp": now + 600}
    body.update(times)
    body.update(claims)
    return jwt.encode(body, key or TEST_PRIVATE_KEY, algorithm=algorithm)


@pytest.fixture
def client(aws):
    import app
    from chalice.test import Client

    with Client(app.app, stage_name="local") as c:
        yield Api(c)


class Api:
    """Thin JSON helper over chalice.test.Client."""

    def __init__(self, client):
        self.raw = client

    def call(self, method, path, headers=None, json_body=None, raw_body=None):
        body = raw_body if raw_body is not None else (
            json.dumps(json_body, ensure_ascii=False).encode() if json_body is not None else None)
        headers = {"Content-Type": "application/json", **(headers or {})}
        resp = getattr(self.raw.http, method.lower())(path, headers=headers, body=body)
        if resp.status_code >= 400:
            ERROR_BODIES.append(resp.body.decode("utf-8", "replace") if isinstance(resp.body, bytes) else str(resp.body))
        return Response(resp)

    def get(self, path, **kw):
        return self.call("GET", path, **kw)

    def post(self, path, **kw):
        return self.call("POST", path, **kw)

    def put(self, path, **kw):
        return self.call("PUT", path, **kw)

    def patch(self, path, **kw):
        return self.call("PATCH", path, **kw)

    def delete(self, path, **kw):
        return self.call("DELETE", path, **kw)


class Response:
    def __init__(self, resp):
        self.status = resp.status_code
        self.headers = resp.headers
        self.body = resp.body
        try:
            self.json = json.loads(resp.body) if resp.body else None
        except ValueError:
            self.json = None

    def __repr__(self):
        return f"<{self.status} {self.body[:300]!r}>"


@pytest.fixture
def aws_calls(monkeypatch):
    """Records every AWS API call (operation names) made through botocore."""
    import botocore.client

    calls = []
    original = botocore.client.BaseClient._make_api_call

    def counting(self, operation_name, api_params):
        calls.append(operation_name)
        return original(self, operation_name, api_params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", counting)
    return calls
