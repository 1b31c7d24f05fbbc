"""Fuzzing with schemathesis against a fresh local stack, from the API's own OpenAPI document,
with a valid token for each role: no 5xx, and every error in the platform's error shape.

The document is the one the stack serves at /openapi.json, generated in process from the same
route table (collection starts no stack: every xdist worker collects this module, and a stack
started at import ran on each of them, one never stopped); the stack starts with the first test.

Bounded for CI (FUZZ_EXAMPLES examples per operation, default 8); run wider with
FUZZ_EXAMPLES=100 ./dev test tests/integration/test_fuzz.py.
"""
import json
import os

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from devtools.local_stack import LocalStack

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "8"))
ROLES = ["applicant1", "institute-agent", "cc-bureau-agent", "province-agent"]


def _served_document() -> dict:
    import app
    from chalicelib import openapi

    return json.loads(json.dumps(openapi.document(app.ROUTES)))


schema = schemathesis.openapi.from_dict(_served_document())
# The coverage phase probes methods like TRACE that chalice local's http.server answers with an
# HTML 501 (API Gateway answers those itself); examples + fuzzing keep the run bounded.
schema.config.phases.coverage.enabled = False


@pytest.fixture(scope="module")
def fuzz_stack():
    """A stack of its own (the fuzzer's writes never reach the other tests' stack) and a token per role."""
    stack = LocalStack(web=False).start()
    try:
        stack.tokens = {login: requests.post(f"{stack.api_url}/dev/token", json={"login": login},
                                             timeout=10).json()["token"] for login in ROLES}
        yield stack
    finally:
        stack.stop()


def error_shape(ctx, response, case):
    """Every 4xx/5xx of ours carries {"Code", "Message"} (Chalice's own 4xx for unknown routes,
    methods or media types use the same keys)."""
    if response.status_code >= 400:
        body = response.json()
        assert isinstance(body, dict) and ("Code" in body and "Message" in body or "message" in body), body
    return True


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@pytest.mark.parametrize("login", ROLES)
def test_api_never_fails_with_a_server_error(case, login, fuzz_stack):
    case.call_and_validate(base_url=fuzz_stack.api_url, headers={"Authorization": f"Bearer {fuzz_stack.tokens[login]}"},
                           checks=[not_a_server_error, error_shape])
