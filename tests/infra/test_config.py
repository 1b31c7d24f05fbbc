"""The deployed configuration: no secret has a default outside `local`, the PII hash key comes
from SSM once per container, and X-Ray is neither imported nor patched at import time.

Each "container start" is a fresh interpreter with the environment infra/template.yaml gives the
API function (bench/cold_start.py keeps that environment), so nothing leaks between cases.
"""
import json
import os
import pathlib
import subprocess
import sys

import boto3
import pytest
from moto import mock_aws

from bench.cold_start import DEPLOYED_ENV

ROOT = pathlib.Path(__file__).resolve().parents[2]


def start(code: str, **env_changes) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_ENDPOINT_URL")}
    env.update(DEPLOYED_ENV)
    for key, value in env_changes.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)


def test_a_deployed_stage_refuses_to_start_without_the_pii_hash_key():
    result = start("import app", PII_HASH_KEY_PARAMETER=None)
    assert result.returncode != 0
    assert "ConfigurationError" in result.stderr and "PII_HASH_KEY_PARAMETER" in result.stderr
    # the same for the non-HTTP functions: they import chalicelib.config too
    result = start("import functions.exports, chalicelib.services.people", PII_HASH_KEY_PARAMETER=None)
    assert result.returncode != 0 and "PII_HASH_KEY_PARAMETER" in result.stderr


@pytest.mark.parametrize("missing", ["JWT_JWKS_URL", "JWT_ISSUER", "JWT_AUDIENCE", "CORS_ALLOW_ORIGIN", "TABLE_NAME"])
def test_a_deployed_stage_refuses_to_start_without_its_settings(missing):
    result = start("import app", **{missing: None})
    assert result.returncode != 0 and missing in result.stderr


def test_a_wildcard_cors_origin_is_refused_outside_local():
    result = start("import app", CORS_ALLOW_ORIGIN="*")
    assert result.returncode != 0 and "CORS_ALLOW_ORIGIN" in result.stderr


def test_with_every_setting_the_deployed_app_starts_without_reading_the_key_or_importing_xray():
    result = start("import sys, app; from chalicelib import pii; "
                   "print(pii.hash_key.cache_info().currsize, 'aws_xray_sdk' in sys.modules, "
                   "'boto3' in sys.modules)")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["0", "False", "False"]


def test_packaging_imports_the_app_outside_lambda_without_the_deployed_settings():
    """`chalice package` and devtools.openapi import the app as `prod` with no Lambda around."""
    result = start("import app", AWS_LAMBDA_FUNCTION_NAME=None, PII_HASH_KEY_PARAMETER=None,
                   CORS_ALLOW_ORIGIN=None, JWT_JWKS_URL=None)
    assert result.returncode == 0, result.stderr


def test_local_keeps_a_local_default():
    result = start("from chalicelib import pii; print(pii.hash_key().decode())",
                   STAGE="local", AWS_LAMBDA_FUNCTION_NAME=None, PII_HASH_KEY_PARAMETER=None)
    assert result.returncode == 0 and result.stdout.strip() == "local-development-only"


def test_the_key_is_read_from_ssm_once_per_container_and_never_defaulted(monkeypatch):
    from chalicelib import aws, config, pii

    monkeypatch.setattr(config, "STAGE", "prod")
    monkeypatch.setattr(config, "PII_HASH_KEY_PARAMETER", "/talent-grading-prod/pii-hash-key")
    pii.hash_key.cache_clear()
    aws.reset_clients()
    calls = []
    try:
        with mock_aws():
            ssm = boto3.client("ssm", region_name="cn-north-1")
            # no parameter yet: the hash refuses, it does not fall back to the local key
            with pytest.raises(Exception) as missing:
                pii.id_number_digest("ID_CARD", "220102199001011234")
            assert "ParameterNotFound" in repr(missing.value) or "ParameterNotFound" in str(missing.value)
            ssm.put_parameter(Name="/talent-grading-prod/pii-hash-key", Type="SecureString", Value="k" * 64)
            aws.ssm().meta.events.register("before-parameter-build.ssm.GetParameter",
                                           lambda **kw: calls.append(kw["params"]["Name"]))
            first = pii.id_number_digest("ID_CARD", "220102199001011234")
            second = pii.id_number_digest("ID_CARD", "220102199001011234")
        assert first == second and calls == ["/talent-grading-prod/pii-hash-key"]
        import hashlib
        import hmac
        local = hmac.new(b"local-development-only", b"ID_CARD|220102199001011234", hashlib.sha256).hexdigest()
        assert first != local
    finally:
        pii.hash_key.cache_clear()
        aws.reset_clients()


def test_a_short_key_is_refused(monkeypatch):
    from chalicelib import aws, config, pii

    monkeypatch.setattr(config, "STAGE", "prod")
    monkeypatch.setattr(config, "PII_HASH_KEY_PARAMETER", "/s/pii-hash-key")
    pii.hash_key.cache_clear()
    aws.reset_clients()
    try:
        with mock_aws():
            boto3.client("ssm", region_name="cn-north-1").put_parameter(
                Name="/s/pii-hash-key", Type="SecureString", Value="short")
            with pytest.raises(config.ConfigurationError):
                pii.hash_key()
    finally:
        pii.hash_key.cache_clear()
        aws.reset_clients()


def test_xray_is_imported_on_the_first_aws_call_only_where_tracing_is_on():
    probe = ("import sys, app; from chalicelib import aws; before = 'aws_xray_sdk' in sys.modules; "
             "from botocore.stub import Stubber; c = aws.sqs(); s = Stubber(c); "
             "s.add_response('list_queues', {}); s.activate(); c.list_queues(); "
             "print(json.dumps([before, aws.tracing_enabled(), 'aws_xray_sdk' in sys.modules]))")
    on = start("import json; " + probe)
    assert on.returncode == 0, on.stderr
    assert json.loads(on.stdout.strip().splitlines()[-1]) == [False, True, True]
    # the China regions: XRAY_ENABLED=false from the template condition; the SDK never loads
    off = start("import json, sys, app; from chalicelib import aws; from botocore.stub import Stubber; "
                "c = aws.sqs(); s = Stubber(c); s.add_response('list_queues', {}); s.activate(); c.list_queues(); "
                "print(json.dumps([aws.tracing_enabled(), 'aws_xray_sdk' in sys.modules]))", XRAY_ENABLED="false")
    assert off.returncode == 0, off.stderr
    assert json.loads(off.stdout.strip().splitlines()[-1]) == [False, False]
