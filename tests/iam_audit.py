"""pytest plugin: every AWS call a Lambda function makes in the in-process tiers must be allowed by
that function's role in infra/template.yaml (devtools/iam_audit.py evaluates it). A call the role
does not allow raises AccessDeniedException (as on AWS) and fails the test that made it, even when
the code caught the error (a worker reports a batch failure, the authorizer answers 503).

The PII hash key is read once per process (a warm container's cache), so every use of it is also
checked as the read it stands for (ssm:GetParameter on the parameter) against the function using
it: a role without the read fails even when another function filled the cache.
IAM_AUDIT=0 switches the check off; IAM_AUDIT=record lets every call through and writes each
function's calls (action, resource, allowed now) to IAM_AUDIT_REPORT, failing nothing.
"""
import os

import pytest

MODE = os.environ.get("IAM_AUDIT", "1")


def pytest_configure(config):
    if MODE == "0":
        return
    from devtools import iam_audit

    if MODE == "record":
        iam_audit.RECORD_CALLS, iam_audit.RAISE = True, False
    iam_audit.install()
    iam_audit.attribute_functions()
    iam_audit.audit_key_reads()


@pytest.fixture(autouse=True)
def iam_enforced():
    """Fails the test if any function made a call its role does not allow."""
    if MODE == "0":
        yield
        return
    from devtools import iam_audit

    iam_audit.DENIED.clear()
    yield
    denied = sorted(set(iam_audit.DENIED))
    iam_audit.DENIED.clear()
    if MODE == "record":
        with open(os.environ.get("IAM_AUDIT_REPORT", "iam-calls.tsv"), "a", encoding="utf-8") as fh:
            fh.writelines(f"{fn}\t{action}\t{resource}\t{ok}\n" for fn, action, resource, ok in set(iam_audit.CALLS))
        iam_audit.CALLS.clear()
        return
    assert not denied, "calls the function's role in infra/template.yaml does not allow:\n" + "\n".join(
        f"  {fn}: {action} on {resource} ({op})" for fn, action, resource, op in denied)
