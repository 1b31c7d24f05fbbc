"""`./dev deploy`: package → upload → change set → stack → web, tested without AWS. S3 and SSM are
moto; CloudFormation is a botocore Stubber that checks every call's parameters (moto cannot run a
SAM transform), so the test proves the exact calls the command makes."""
import json
import pathlib
import zipfile

import boto3
import pytest
import yaml
from botocore.stub import ANY, Stubber
from moto import mock_aws

from infra import deploy

ROOT = pathlib.Path(__file__).resolve().parents[2]
REGION = "cn-north-1"
STACK = "talent-grading-prod"


class RoomyLambda:
    """moto has no GetAccountSettings: an account with the default 1,000 concurrent executions."""

    def get_account_settings(self):
        return {"AccountLimit": {"ConcurrentExecutions": 1000}}


@pytest.fixture(autouse=True)
def lambda_account(monkeypatch):
    real = deploy.Deployer.client

    def client(self, service):
        if service == "lambda" and service not in self._clients:
            self._clients[service] = RoomyLambda()
        return real(self, service)

    monkeypatch.setattr(deploy.Deployer, "client", client)


@pytest.fixture
def build(tmp_path):
    """A build/<stage> as `infra.package` writes it: the real template's parameters, a function
    with a local CodeUri, and (like the real one) more than 51,200 bytes."""
    real = yaml.safe_load((ROOT / "infra" / "template.yaml").read_text(encoding="utf-8"))
    template = {"AWSTemplateFormatVersion": "2010-09-09", "Transform": "AWS::Serverless-2016-10-31",
                "Parameters": real["Parameters"], "Mappings": real["Mappings"], "Resources": {
                    "APIHandler": {"Type": "AWS::Serverless::Function", "Properties": {
                        "CodeUri": "./deployment.zip", "Handler": "app.app", "Runtime": "python3.11"}},
                    **{name: res for name, res in real["Resources"].items()
                       if res["Properties"].get("ReservedConcurrentExecutions") if isinstance(res.get("Properties"), dict)},
                    "Padding": {"Type": "AWS::SNS::Topic", "Metadata": {"pad": "x" * 60_000}}}}
    (tmp_path / "sam.json").write_text(json.dumps(template))
    with zipfile.ZipFile(tmp_path / "deployment.zip", "w") as zf:
        zf.writestr("app.py", "app = None\n")
    web = tmp_path / "dist"
    (web / "assets").mkdir(parents=True)
    (web / "index.html").write_text("<html></html>")
    (web / "assets" / "index-abc.js").write_text("console.log(1)")
    return tmp_path, web


def parameters():
    return deploy.parse_parameters("prod", ["CorsAllowedOrigin=https://rencai.example.gov.cn",
                                            "AlarmEmail=ops@example.gov.cn"])


def test_refuses_a_parameter_without_a_value(build):
    template = json.loads((build[0] / "sam.json").read_text())
    with pytest.raises(deploy.DeployError, match="CorsAllowedOrigin"):
        deploy.check_parameters(template, deploy.parse_parameters("prod", []))
    with pytest.raises(deploy.DeployError, match="Nope"):
        deploy.check_parameters(template, {**parameters(), "Nope": "1"})
    deploy.check_parameters(template, parameters())


def test_refuses_to_deploy_without_the_pii_hash_key(build):
    with mock_aws():
        boto3.client("s3", region_name=REGION).create_bucket(
            Bucket="artifacts", CreateBucketConfiguration={"LocationConstraint": REGION})
        d = deploy.Deployer("prod", REGION, "artifacts", log=lambda *_: None)
        with pytest.raises(deploy.DeployError, match="/talent-grading-prod/pii-hash-key"):
            d.run(build[0], parameters(), build[1])
        # nothing was uploaded: a refused deploy changes nothing
        assert boto3.client("s3", region_name=REGION).list_objects_v2(Bucket="artifacts")["KeyCount"] == 0


def test_packages_uploads_deploys_and_publishes_the_web(build):
    build_dir, web = build
    lines = []
    with mock_aws():
        s3 = boto3.client("s3", region_name=REGION)
        for bucket in ("artifacts", "talent-grading-prod-web-123"):
            s3.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})
        boto3.client("ssm", region_name=REGION).put_parameter(
            Name=f"/{STACK}/pii-hash-key", Type="SecureString", Value="k" * 64)
        cfn = boto3.client("cloudformation", region_name=REGION)
        stub = Stubber(cfn)
        stub.add_client_error("describe_stacks", "ValidationError", f"Stack with id {STACK} does not exist",
                              expected_params={"StackName": STACK})
        stub.add_response("create_change_set", {"Id": "cs-1"}, expected_params={
            "StackName": STACK, "ChangeSetName": ANY, "ChangeSetType": "CREATE", "TemplateURL": ANY,
            "Capabilities": ["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"], "Parameters": ANY, "Tags": ANY})
        stub.add_response("describe_change_set", {"Status": "CREATE_COMPLETE"},
                          expected_params={"StackName": STACK, "ChangeSetName": ANY})
        stub.add_response("execute_change_set", {}, expected_params={"StackName": STACK, "ChangeSetName": ANY})
        outputs = [{"OutputKey": "EndpointURL", "OutputValue": "https://abc.execute-api.cn-north-1.amazonaws.com.cn/api/"},
                   {"OutputKey": "ApiPublicUrl", "OutputValue": "https://api.rencai.example.gov.cn/api"},
                   {"OutputKey": "OidcIssuer", "OutputValue": "https://tyrz.jl.gov.cn/oidc"},
                   {"OutputKey": "OidcClientId", "OutputValue": "talent-grading-web"},
                   {"OutputKey": "WebBucketName", "OutputValue": "talent-grading-prod-web-123"}]
        done = {"Stacks": [{"StackName": STACK, "StackStatus": "CREATE_COMPLETE", "CreationTime": "2026-01-01",
                            "Outputs": outputs}]}
        stub.add_response("describe_stacks", done, expected_params={"StackName": STACK})
        stub.add_response("describe_stacks", done, expected_params={"StackName": STACK})
        stub.activate()
        d = deploy.Deployer("prod", REGION, "artifacts", clients={"cloudformation": cfn}, log=lines.append,
                            sleep=lambda s: pytest.fail("no waiting when the state is already terminal"))
        result = d.run(build_dir, parameters(), web)
        stub.assert_no_pending_responses()

        keys = [o["Key"] for o in s3.list_objects_v2(Bucket="artifacts")["Contents"]]
        code = [k for k in keys if k.startswith(f"{STACK}/code/")]
        tmpl = [k for k in keys if k.startswith(f"{STACK}/templates/")]
        assert len(code) == 1 and len(tmpl) == 1
        uploaded = json.loads(s3.get_object(Bucket="artifacts", Key=tmpl[0])["Body"].read())
        assert uploaded["Resources"]["APIHandler"]["Properties"]["CodeUri"] == f"s3://artifacts/{code[0]}"
        assert len(json.dumps(uploaded)) > deploy.INLINE_LIMIT
        web_keys = {o["Key"] for o in s3.list_objects_v2(Bucket="talent-grading-prod-web-123")["Contents"]}
        assert web_keys == {"index.html", "assets/index-abc.js", "config.js"}
        config = s3.get_object(Bucket="talent-grading-prod-web-123", Key="config.js")["Body"].read().decode()
        # what the login page reads: the API under the ICP domain and the identity platform
        assert deploy.read_web_config(config) == {"apiBase": "https://api.rencai.example.gov.cn/api",
                                                  "oidcAuthority": "https://tyrz.jl.gov.cn/oidc",
                                                  "oidcClientId": "talent-grading-web"}
        index = s3.head_object(Bucket="talent-grading-prod-web-123", Key="index.html")
        assert index["ContentType"] == "text/html" and index["CacheControl"] == "no-cache"
    assert result["EndpointURL"].startswith("https://abc.")
    assert any("amazonaws.com.cn" in line and "templates/" in line for line in lines)


def test_change_set_parameters_and_template_url(build):
    seen = {}

    class Cfn:
        def describe_stacks(self, StackName):
            return {"Stacks": [{"StackStatus": "UPDATE_COMPLETE", "Outputs": []}]}

        def create_change_set(self, **kw):
            seen.update(kw)
            return {"Id": "x"}

        def describe_change_set(self, **kw):
            return {"Status": "FAILED", "StatusReason": "The submitted information didn't contain changes."}

        def delete_change_set(self, **kw):
            seen["deleted"] = True

    with mock_aws():
        boto3.client("s3", region_name=REGION).create_bucket(
            Bucket="artifacts", CreateBucketConfiguration={"LocationConstraint": REGION})
        boto3.client("ssm", region_name=REGION).put_parameter(
            Name=f"/{STACK}/pii-hash-key", Type="SecureString", Value="k" * 64)
        d = deploy.Deployer("prod", REGION, "artifacts", clients={"cloudformation": Cfn()}, log=lambda *_: None)
        d.run(build[0], parameters(), build[1])
    assert seen["ChangeSetType"] == "UPDATE" and seen["deleted"] is True      # no changes: not a failure
    assert seen["TemplateURL"].startswith("https://artifacts.s3.cn-north-1.amazonaws.com.cn/talent-grading-prod/templates/")
    given = {p["ParameterKey"]: p["ParameterValue"] for p in seen["Parameters"]}
    assert given["JwtIssuer"] == "https://tyrz.jl.gov.cn/oidc" and given["CorsAllowedOrigin"] == "https://rencai.example.gov.cn"
    assert given["Stage"] == "prod" and given["AlarmEmail"] == "ops@example.gov.cn"


def test_a_redeploy_keeps_every_parameter_it_was_not_given(build):
    """Runbook redeploys pass a few --parameter values: the rest (the CloudFront domain, the alarm
    subscriptions) keep their previous values instead of falling back to defaults."""
    seen = {}
    previous = [{"ParameterKey": k, "ParameterValue": "x"} for k in
                ("Stage", "JwtIssuer", "JwtJwksUrl", "JwtAudience", "CorsAllowedOrigin", "WebOidcClientId",
                 "WebDomainName", "WebCertificateId", "AlarmEmail", "AlarmHttpsEndpoint")]

    class Cfn:
        def describe_stacks(self, StackName):
            return {"Stacks": [{"StackStatus": "UPDATE_COMPLETE", "Outputs": [], "Parameters": previous}]}

        def create_change_set(self, **kw):
            seen.update(kw)
            return {"Id": "x"}

        def describe_change_set(self, **kw):
            return {"Status": "FAILED", "StatusReason": "The submitted information didn't contain changes."}

        def delete_change_set(self, **kw):
            pass

    with mock_aws():
        boto3.client("s3", region_name=REGION).create_bucket(
            Bucket="artifacts", CreateBucketConfiguration={"LocationConstraint": REGION})
        boto3.client("ssm", region_name=REGION).put_parameter(
            Name=f"/{STACK}/pii-hash-key", Type="SecureString", Value="k" * 64)
        d = deploy.Deployer("prod", REGION, "artifacts", clients={"cloudformation": Cfn()}, log=lambda *_: None)
        # runbook §4: only the restored table is named (CorsAllowedOrigin is not in prod.json)
        d.run(build[0], deploy.parse_parameters("prod", ["ActiveTableName=restored"]), build[1])
    kept = {p["ParameterKey"] for p in seen["Parameters"] if p.get("UsePreviousValue")}
    given = {p["ParameterKey"]: p["ParameterValue"] for p in seen["Parameters"] if "ParameterValue" in p}
    assert {"WebDomainName", "WebCertificateId", "AlarmEmail", "AlarmHttpsEndpoint", "CorsAllowedOrigin"} <= kept
    assert given["ActiveTableName"] == "restored" and not kept & set(given)


def test_config_js_without_the_identity_settings_is_refused():
    with pytest.raises(deploy.DeployError, match="oidcClientId"):
        deploy.web_config({"EndpointURL": "https://x/api", "OidcIssuer": "https://tyrz.jl.gov.cn/oidc"})
    text = deploy.web_config({"EndpointURL": "https://x/api/", "OidcIssuer": "https://i", "OidcClientId": "c"})
    assert deploy.read_web_config(text) == {"apiBase": "https://x/api", "oidcAuthority": "https://i", "oidcClientId": "c"}


def test_a_failed_stack_fails_the_command(build):
    class Cfn:
        calls = 0

        def describe_stacks(self, StackName):
            Cfn.calls += 1
            return {"Stacks": [{"StackStatus": "UPDATE_COMPLETE" if Cfn.calls == 1 else "UPDATE_ROLLBACK_COMPLETE"}]}

        def create_change_set(self, **kw):
            return {}

        def describe_change_set(self, **kw):
            return {"Status": "CREATE_COMPLETE"}

        def execute_change_set(self, **kw):
            return {}

    with mock_aws():
        boto3.client("s3", region_name=REGION).create_bucket(
            Bucket="artifacts", CreateBucketConfiguration={"LocationConstraint": REGION})
        boto3.client("ssm", region_name=REGION).put_parameter(
            Name=f"/{STACK}/pii-hash-key", Type="SecureString", Value="k" * 64)
        d = deploy.Deployer("prod", REGION, "artifacts", clients={"cloudformation": Cfn()}, log=lambda *_: None)
        with pytest.raises(deploy.DeployError, match="UPDATE_ROLLBACK_COMPLETE"):
            d.run(build[0], parameters(), build[1])


def test_dry_run_prints_the_calls_and_makes_none(build, capsys, monkeypatch):
    build_dir, _ = build
    monkeypatch.setattr(deploy, "ROOT", build_dir.parent / "root")
    (build_dir.parent / "root" / "build").mkdir(parents=True)
    (build_dir.parent / "root" / "build" / "prod").symlink_to(build_dir)
    (build_dir.parent / "root" / "infra" / "parameters").mkdir(parents=True)
    (build_dir.parent / "root" / "infra" / "parameters" / "prod.json").write_text(
        (ROOT / "infra" / "parameters" / "prod.json").read_text())
    assert deploy.main(["prod", "--region", REGION, "--artifacts-bucket", "artifacts", "--no-package", "--dry-run",
                        "--parameter", "CorsAllowedOrigin=https://rencai.example.gov.cn"]) == 0
    out = capsys.readouterr().out
    for call in ("ssm.get_parameter", "lambda.get_account_settings", "s3.put_object", "cloudformation.describe_stacks",
                 "cloudformation.create_change_set"):
        assert f"[dry-run] {call}(" in out
    assert "CAPABILITY_AUTO_EXPAND" in out


def test_refuses_an_account_whose_lambda_concurrency_cannot_hold_the_stack(build):
    """A new China account may start with a concurrency quota far below 1,000: the workers' reserved
    concurrency + Lambda's 100 unreserved must fit, or CloudFormation fails half-way. The deploy
    refuses first, saying what is needed and how to get it, and uploads nothing."""
    from infra import capacity

    template = json.loads((build[0] / "sam.json").read_text())
    need = capacity.required_concurrency(template, parameters())
    assert need["reserved"] == sum(capacity.reserved_concurrency(template).values()) >= 33
    assert need["total"] >= need["reserved"] + 100
    with mock_aws():
        boto3.client("s3", region_name=REGION).create_bucket(
            Bucket="artifacts", CreateBucketConfiguration={"LocationConstraint": REGION})
        boto3.client("ssm", region_name=REGION).put_parameter(
            Name=f"/{STACK}/pii-hash-key", Type="SecureString", Value="k" * 64)
        lam = boto3.client("lambda", region_name=REGION)
        stub = Stubber(lam)
        stub.add_response("get_account_settings", {"AccountLimit": {"ConcurrentExecutions": need["total"] - 1},
                                                   "AccountUsage": {}}, expected_params={})
        stub.activate()
        cfn = boto3.client("cloudformation", region_name=REGION)
        cfn_stub = Stubber(cfn)
        cfn_stub.add_client_error("describe_stacks", "ValidationError", f"Stack with id {STACK} does not exist")
        cfn_stub.activate()
        d = deploy.Deployer("prod", REGION, "artifacts", clients={"lambda": lam, "cloudformation": cfn},
                            log=lambda *_: None)
        with pytest.raises(deploy.DeployError, match=f"quota of this account and region is {need['total'] - 1}; "
                                                    f"the stack needs ≥ {need['total']}") as refused:
            d.run(build[0], parameters(), build[1])
        assert "Service Quotas" in str(refused.value) and "L-B99A9384" in str(refused.value)
        stub.assert_no_pending_responses()
        assert boto3.client("s3", region_name=REGION).list_objects_v2(Bucket="artifacts")["KeyCount"] == 0

        stub.add_response("get_account_settings", {"AccountLimit": {"ConcurrentExecutions": need["total"]},
                                                   "AccountUsage": {}}, expected_params={})
        assert d.check_lambda_quota(template, parameters())["total"] == need["total"]   # exactly enough passes
