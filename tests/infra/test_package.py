"""The deployable template: `chalice package --merge-template` + the inlined ASL + functions/,
linted with cfn-lint for both China regions and a global one."""
import json
import pathlib
import subprocess
import sys
import zipfile

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def packaged(tmp_path_factory):
    out = tmp_path_factory.mktemp("package")
    subprocess.run([sys.executable, "-m", "infra.package", "--stage", "prod", "--out", str(out)],
                   cwd=ROOT, check=True, capture_output=True, timeout=900)
    return out


@pytest.mark.slow
def test_template_lints_clean_for_china_and_global_regions(packaged):
    lint = pathlib.Path(sys.executable).with_name("cfn-lint")
    result = subprocess.run([str(lint), "--regions", "cn-north-1", "cn-northwest-1", "us-east-1", "--",
                             str(packaged / "sam.json")], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow
def test_no_partition_literal_anywhere(packaged):
    for path in list((ROOT / "infra").rglob("*")) + [packaged / "sam.json"]:
        if path.is_file() and path.suffix in (".yaml", ".json", ".py"):
            assert "arn:aws:" not in path.read_text(encoding="utf-8"), path


@pytest.mark.slow
def test_resources_are_hardened(packaged):
    t = json.loads((packaged / "sam.json").read_text())
    r = t["Resources"]
    table = r["MainTable"]["Properties"]
    assert table["PointInTimeRecoverySpecification"]["PointInTimeRecoveryEnabled"] is True
    assert table["SSESpecification"]["SSEEnabled"] is True
    assert {g["IndexName"] for g in table["GlobalSecondaryIndexes"]} == {"GSI1", "GSI2"}
    bucket = r["AttachmentsBucket"]["Properties"]
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    rules = {rule["Id"]: rule for rule in bucket["LifecycleConfiguration"]["Rules"]}
    assert rules["unverified-uploads"]["Prefix"] == "incoming/"
    assert "AbortIncompleteMultipartUpload" in rules["abort-incomplete-multipart"]
    tls = r["AttachmentsBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"][0]
    assert tls["Effect"] == "Deny" and tls["Condition"]["Bool"]["aws:SecureTransport"] == "false"
    for queue in ("ReviewTaskQueue", "ExportQueue"):
        assert "deadLetterTargetArn" in r[queue]["Properties"]["RedrivePolicy"]
    functions = [lid for lid, res in r.items() if res["Type"] == "AWS::Serverless::Function"]
    assert set(functions) >= {"APIHandler", "JwtAuth", "ReviewTaskOpenerFunction", "UploadVerifierFunction",
                              "ReminderSweepFunction", "ExportWorkerFunction"}
    log_groups = {json.dumps(res["Properties"]["LogGroupName"]): res["Properties"]["RetentionInDays"]
                  for res in r.values() if res["Type"] == "AWS::Logs::LogGroup"}
    for fn in functions:
        assert any(fn in name for name in log_groups), f"no log group for {fn}"
    assert t["Parameters"]["LogRetentionDays"]["Default"] >= 180
    assert min(t["Parameters"]["LogRetentionDays"]["AllowedValues"]) >= 180
    sqs_events = [e for fn in functions for e in r[fn]["Properties"].get("Events", {}).values() if e["Type"] == "SQS"]
    assert sqs_events and all(e["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
                              for e in sqs_events)
    machine = r["ReviewStateMachine"]["Properties"]
    assert machine["Definition"]["StartAt"] == "Start" and "OpenReviewTask" in machine["Definition"]["States"]
    assert r["APIHandler"]["Properties"]["Role"] == {"Fn::GetAtt": ["ApiHandlerRole", "Arn"]}
    api_actions = [a for s in r["ApiHandlerRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
                   for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"]) if s["Effect"] == "Allow"]
    assert "dynamodb:Scan" not in api_actions and "*" not in api_actions
    assert any(gr["Type"] == "AWS::ApiGateway::GatewayResponse" for gr in r.values())
    # the China regions have no edge-optimized API endpoints
    assert r["RestAPI"]["Properties"]["EndpointConfiguration"] in ("REGIONAL", {"Types": ["REGIONAL"]})


@pytest.mark.slow
def test_deployment_package_carries_the_functions(packaged):
    names = zipfile.ZipFile(packaged / "deployment.zip").namelist()
    for handler in ("review_tasks", "verify_upload", "reminders", "exports"):
        assert f"functions/{handler}.py" in names
    assert "app.py" in names and "chalicelib/services/review.py" in names
