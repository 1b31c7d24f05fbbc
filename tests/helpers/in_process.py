"""The in-process tier (tests/unit, tests/scenarios): moto's mock_aws with the infra deployed from
infra/template.yaml, the Chalice test client, and tokens signed with the test key. No network:
sockets are disabled. Each tier's conftest.py takes these fixtures by name."""
import json
import logging
import re
import time

import pytest
import pytest_socket

from tests.helpers.keys import TEST_SIGNING_KEY

MOTO_CONFIG = {"stepfunctions": {"execute_state_machine": True}}


@pytest.fixture(autouse=True)
def _no_network():
    pytest_socket.disable_socket(allow_unix_socket=True)
    yield
    pytest_socket.enable_socket()


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
    """Every test: nothing it logged and no error body it received holds a full ID or phone number.
    Yields the test's own list of error bodies (its `client` adds each one)."""
    from chalicelib.logs import JsonFormatter, get_logger

    capture = _Capture()
    capture.setFormatter(JsonFormatter())
    root = get_logger("talent")
    root.addHandler(capture)
    error_bodies = []
    yield error_bodies
    root.removeHandler(capture)
    leaks = [t for t in capture.lines + error_bodies if _FULL_ID.search(t) or _PHONE.search(t)]
    assert not leaks, f"personal data in logs or error bodies: {leaks[:3]}"


def _configure(env):
    from chalicelib import config

    for key, value in env.items():
        if hasattr(config, key):
            setattr(config, key, value)


def _reset_caches():
    """Module-level caches that a test may have filled under its own settings."""
    from chalicelib import aws as aws_clients
    from chalicelib import identity, pii
    from chalicelib.services.certificates import keys as certificate_keys

    aws_clients.reset_clients()
    pii.hash_key.cache_clear()
    # the worker stores the signing key's X.509 once and caches it: a test after the world was put
    # back must store it again (found by a randomized run: /.well-known lacked x509)
    certificate_keys._certificate_der.cache_clear()
    certificate_keys._public_key_der.cache_clear()
    identity._static_key.cache_clear()
    identity._jwks_client.cache_clear()
    identity._discovered.clear()


@pytest.fixture
def aws(_moto_world):
    """The moto world with every resource of the infra template, empty (no items, objects or
    messages, no executions): one per process, put back before each test."""
    from moto import mock_aws

    from chalicelib import config
    from devtools import moto_server

    saved = {k: getattr(config, k) for k in dir(config) if k.isupper()}
    mock = mock_aws(config=MOTO_CONFIG)
    mock.start(reset=False)
    # DynamoDB as the local stack serves it: one lock around each request (moto's in-process
    # backend is not thread-safe: a Query deep-copying items while another thread's transaction
    # wrote raised "dictionary changed size during iteration", a 500 to `complete`), and
    # transactions that roll back only what they touched.
    moto_server.install()
    try:
        if _moto_world.snapshot is None or not _moto_world.snapshot.alive():
            _moto_world.build()
        _moto_world.snapshot.restore()
        _configure(_moto_world.env)
        _reset_caches()
        yield dict(_moto_world.env)
    finally:
        try:
            if _moto_world.snapshot is not None:
                _moto_world.snapshot.stop_executions()      # inside this test's mock: nothing runs past it
        finally:
            for key, value in saved.items():
                setattr(config, key, value)
            _reset_caches()
            mock.stop(remove_data=False)


@pytest.fixture
def world(aws, _moto_world):
    """The demo world of the local stack (units, chain, agents, applicants, open notice)."""
    _moto_world.snapshot.restore(_moto_world.seeded_tables)
    if _moto_world.accounts is None:                 # the seed's logins, read once per world
        _moto_world.accounts = World(_moto_world.logins).logins
    return World.of(_moto_world.accounts)


class World:
    def __init__(self, logins):
        from chalicelib.models.accounts import DevLogin

        self.logins = {row["login"]: DevLogin.get(*DevLogin.key(row["login"])) for row in logins}

    @classmethod
    def of(cls, accounts: dict) -> "World":
        """A World over already-read logins (copies: a test may change its own)."""
        import copy

        world = cls.__new__(cls)
        world.logins = copy.deepcopy(accounts)
        return world

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
    return jwt.encode(body, key or TEST_SIGNING_KEY, algorithm=algorithm)


@pytest.fixture
def client(aws, no_personal_data_in_logs_or_errors):
    import app
    from chalice.test import Client

    with Client(app.app, stage_name="local") as c:
        yield Api(c, error_bodies=no_personal_data_in_logs_or_errors)


class Api:
    """Thin JSON helper over chalice.test.Client."""

    def __init__(self, client, error_bodies=None):
        self.raw = client
        self.error_bodies = [] if error_bodies is None else error_bodies    # checked for personal data

    def call(self, method, path, headers=None, json_body=None, raw_body=None):
        body = raw_body if raw_body is not None else (
            json.dumps(json_body, ensure_ascii=False).encode() if json_body is not None else None)
        headers = {"Content-Type": "application/json", **(headers or {})}
        resp = getattr(self.raw.http, method.lower())(path, headers=headers, body=body)
        if resp.status_code >= 400:
            self.error_bodies.append(resp.body.decode("utf-8", "replace") if isinstance(resp.body, bytes) else str(resp.body))
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
