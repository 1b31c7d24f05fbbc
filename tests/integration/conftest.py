"""Integration tier: the running local stack over HTTP (the same one `./dev up` starts).

Uses TALENT_API_URL when set (a stack you started yourself); otherwise starts LocalStack on free
ports for the session and stops it at the end.
"""
import os

import pytest
import requests


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/integration" in str(item.fspath):
            item.add_marker(pytest.mark.integration)


class Http:
    def __init__(self, base):
        self.base = base.rstrip("/")
        self.s = requests.Session()
        self.tokens = {}

    def token(self, login):
        if login not in self.tokens:
            r = self.s.post(f"{self.base}/dev/token", json={"login": login}, timeout=10)
            r.raise_for_status()
            self.tokens[login] = r.json()["token"]
        return self.tokens[login]

    def call(self, method, path, login=None, **kw):
        headers = kw.pop("headers", {})
        if login:
            headers["Authorization"] = f"Bearer {self.token(login)}"
        return self.s.request(method, f"{self.base}{path}", headers=headers, timeout=30, **kw)


@pytest.fixture(scope="session")
def stack():
    if os.environ.get("TALENT_API_URL"):
        yield type("External", (), {"api_url": os.environ["TALENT_API_URL"],
                                    "web_url": os.environ.get("TALENT_WEB_URL")})()
        return
    from devtools.local_stack import LocalStack

    with LocalStack() as running:
        yield running


@pytest.fixture(autouse=True)
def roles_enforced_on_the_stack(request):
    """Every AWS call the stack's API, authorizer and worker made during the test was allowed by
    that function's role (the local stack evaluates each one: devtools/iam_audit.py)."""
    yield
    if "stack" not in request.fixturenames:
        return
    stack = request.getfixturevalue("stack")
    if not hasattr(stack, "denied"):
        return
    seen = getattr(stack, "_denials_reported", 0)
    denied = stack.denied()
    stack._denials_reported = len(denied)
    assert not denied[seen:], "calls the function's role in infra/template.yaml does not allow:\n" + "\n".join(
        "  " + " ".join(row) for row in denied[seen:])


@pytest.fixture(scope="session")
def http(stack):
    return Http(stack.api_url)
