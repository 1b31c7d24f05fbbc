"""The deployable template: `chalice package --merge-template` + the inlined ASL + functions/,
expanded with aws-sam-translator (what CloudFormation deploys) and linted with cfn-lint for both
China regions and a global one, scanned with checkov; and the deployment package."""
import json
import pathlib
import subprocess
import sys
import zipfile

import pytest
import yaml

from infra import package

ROOT = pathlib.Path(__file__).resolve().parents[2]
REGIONS = ("cn-north-1", "cn-northwest-1", "us-east-1")
FUNCTIONS = ("APIHandler", "JwtAuth", "ReviewTaskOpenerFunction", "UploadVerifierFunction",
             "ReminderSweepFunction", "ExportWorkerFunction", "CertificateWorkerFunction")
CHECKOV = ROOT / ".venv-checkov" / "bin" / "checkov"


@pytest.fixture(scope="module")
def packaged(prod_package):
    return prod_package


@pytest.fixture(scope="module")
def template(packaged):
    return json.loads((packaged / "sam.json").read_text())


@pytest.fixture(scope="module")
def expanded(packaged, template):
    """region -> path of the SAM-expanded template."""
    paths = {}
    for region in REGIONS:
        path = packaged / f"expanded-{region}.json"
        path.write_text(json.dumps(package.expand(template, region), ensure_ascii=False))
        paths[region] = path
    return paths


def lint(path, *regions, extra=()):
    exe = pathlib.Path(sys.executable).with_name("cfn-lint")
    return subprocess.run([str(exe), "--regions", *regions, *extra, "--", str(path)], capture_output=True, text=True)


@pytest.mark.slow
@pytest.mark.parametrize("region", REGIONS)
def test_expanded_template_lints_clean(expanded, region):
    """What CloudFormation really deploys: a circular dependency (E3004), a Body that drops
    Gateway Responses (W3660) or a resource missing in a China region shows only here."""
    result = lint(expanded[region], region)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow
def test_unexpanded_template_lints_clean_for_china_and_global_regions(packaged):
    # E1019 only: cfn-lint 1.x does not know SAM's `<Function>.Alias` references, which the
    # transform resolves (the expanded lint above checks every reference for real).
    result = lint(packaged / "sam.json", *REGIONS, extra=("--ignore-checks", "E1019"))
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow
def test_checkov_findings_are_fixed_or_skipped_with_a_reason(expanded):
    assert CHECKOV.exists(), "checkov is installed by ./dev setup into .venv-checkov"
    result = subprocess.run([str(CHECKOV), "-f", str(expanded["cn-north-1"]), "--framework", "cloudformation",
                             "--compact", "-o", "json"], capture_output=True, text=True, timeout=600)
    report = json.loads(result.stdout)
    report = report[0] if isinstance(report, list) else report
    failed = {(f["check_id"], f["resource"].split(".", 1)[1]) for f in report["results"]["failed_checks"]}
    skips = yaml.safe_load((ROOT / "infra" / "checkov-skips.yaml").read_text(encoding="utf-8"))
    allowed = {(s["id"], res) for s in skips for res in s["resources"]}
    assert all(s.get("reason", "").strip() for s in skips)
    assert failed - allowed == set(), "new checkov findings: fix them or list them with a reason"
    assert allowed - failed == set(), "stale entries in infra/checkov-skips.yaml"
    passed = {(p["check_id"], p["resource"].split(".", 1)[1]) for p in report["results"]["passed_checks"]}
    for bucket in ("AttachmentsBucket", "WebBucket"):
        assert ("CKV_AWS_18", bucket) in passed       # access logging
        assert ("CKV_AWS_21", bucket) in passed       # versioning


@pytest.mark.slow
def test_no_partition_literal_anywhere(packaged):
    for path in list((ROOT / "infra").rglob("*")) + [packaged / "sam.json"]:
        if path.is_file() and path.suffix in (".yaml", ".json", ".py"):
            assert "arn:aws:" not in path.read_text(encoding="utf-8"), path


@pytest.mark.slow
def test_resources_are_hardened(template):
    t = template
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
    assert set(functions) >= set(FUNCTIONS)
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
    assert machine["Definition"]["StartAt"] == "OpenReviewTask" and "OpenReviewTask" in machine["Definition"]["States"]
    assert r["APIHandler"]["Properties"]["Role"] == {"Fn::GetAtt": ["ApiHandlerRole", "Arn"]}
    api_actions = [a for s in r["ApiHandlerRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"]
                   for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"]) if s["Effect"] == "Allow"]
    assert "dynamodb:Scan" not in api_actions and "*" not in api_actions
    # the China regions have no edge-optimized API endpoints
    assert r["RestAPI"]["Properties"]["EndpointConfiguration"] in ("REGIONAL", {"Types": ["REGIONAL"]})


@pytest.mark.slow
def test_tracing_is_a_condition_off_in_the_china_partition(template, expanded):
    r = template["Resources"]
    traced = {"Fn::If": ["TracingEnabled", "Active", "PassThrough"]}
    for fn in FUNCTIONS:
        assert r[fn]["Properties"]["Tracing"] == traced, fn
        assert r[fn]["Properties"]["Environment"]["Variables"]["XRAY_ENABLED"] == \
            {"Fn::If": ["TracingEnabled", "true", "false"]}
    assert template["Conditions"]["TracingEnabled"] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "AWS::Partition"}, "aws-cn"]}]}
    assert r["ReviewStateMachine"]["Properties"]["TracingConfiguration"]["Enabled"] == \
        {"Fn::If": ["TracingEnabled", True, False]}
    for fn in FUNCTIONS:   # the transform keeps the condition (no literal Active sneaks in)
        lam = json.loads(expanded["cn-north-1"].read_text())["Resources"][fn]["Properties"]
        assert lam["TracingConfig"] == {"Mode": {"Fn::If": ["TracingEnabled", "Active", "PassThrough"]}}


@pytest.mark.slow
def test_identity_and_cors_origin_are_parameters_used_everywhere(template):
    params, r = template["Parameters"], template["Resources"]
    for name in ("JwtIssuer", "JwtJwksUrl", "JwtAudience", "CorsAllowedOrigin"):
        assert "Default" not in params[name], name
    env = r["APIHandler"]["Properties"]["Environment"]["Variables"]
    assert env["JWT_ISSUER"] == {"Ref": "JwtIssuer"} and env["JWT_JWKS_URL"] == {"Ref": "JwtJwksUrl"}
    assert env["JWT_AUDIENCE"] == {"Ref": "JwtAudience"} and env["CORS_ALLOW_ORIGIN"] == {"Ref": "CorsAllowedOrigin"}
    assert env["PII_HASH_KEY_PARAMETER"] == {"Fn::Sub": "/${AWS::StackName}/pii-hash-key"}
    assert "PII_HASH_KEY" not in env
    origin = {"Fn::Sub": "'${CorsAllowedOrigin}'"}
    body = r["RestAPI"]["Properties"]["DefinitionBody"]
    preflights = [m["x-amazon-apigateway-integration"]["responses"]["default"]["responseParameters"]
                  for p in body["paths"].values() for verb, m in p.items() if verb == "options"]
    assert preflights and all(p["method.response.header.Access-Control-Allow-Origin"] == origin for p in preflights)
    gateway = body["x-amazon-apigateway-gateway-responses"]
    assert {"UNAUTHORIZED", "ACCESS_DENIED", "THROTTLED", "DEFAULT_4XX", "DEFAULT_5XX"} <= set(gateway)
    assert all(g["responseParameters"]["gatewayresponse.header.Access-Control-Allow-Origin"] == origin
               for g in gateway.values())
    assert r["AttachmentsBucket"]["Properties"]["CorsConfiguration"]["CorsRules"][0]["AllowedOrigins"] == \
        [{"Ref": "CorsAllowedOrigin"}]
    assert "'*'" not in json.dumps(template)


@pytest.mark.slow
def test_throttles_concurrency_and_destinations(template, expanded):
    r = template["Resources"]
    api = r["RestAPI"]["Properties"]
    stage_wide = api["MethodSettings"][0]
    assert stage_wide["ResourcePath"] == "/*" and stage_wide["HttpMethod"] == "*"
    assert stage_wide["ThrottlingRateLimit"]["Fn::If"][2] == {
        "Fn::FindInMap": ["WindowThrottle", {"Ref": "WindowDeclarations"}, "Rate"]}
    assert any(m["ResourcePath"] == "/~1exports" and m["HttpMethod"] == "POST" for m in api["MethodSettings"])
    for fn in ("ReviewTaskOpenerFunction", "UploadVerifierFunction", "ReminderSweepFunction", "ExportWorkerFunction"):
        assert r[fn]["Properties"]["ReservedConcurrentExecutions"] >= 1, fn
    for fn in ("ReviewTaskOpenerFunction", "ExportWorkerFunction"):
        (event,) = r[fn]["Properties"]["Events"].values()
        assert event["Properties"]["ScalingConfig"]["MaximumConcurrency"] <= r[fn]["Properties"]["ReservedConcurrentExecutions"]
    assert 1024 <= r["UploadVerifierFunction"]["Properties"]["MemorySize"] <= 1536
    for fn in ("UploadVerifierFunction", "ReminderSweepFunction"):
        dest = r[fn]["Properties"]["EventInvokeConfig"]["DestinationConfig"]["OnFailure"]
        assert dest == {"Type": "SQS", "Destination": {"Fn::GetAtt": ["AsyncFailureDLQ", "Arn"]}}
    out = json.loads(expanded["cn-north-1"].read_text())["Resources"]
    for fn in ("APIHandler", "JwtAuth"):   # provisioned concurrency on the alias API Gateway invokes
        alias = out[f"{fn}Aliaslive"]["Properties"]
        assert alias["ProvisionedConcurrencyConfig"]["Fn::If"][0] == "HasProvisionedConcurrency"
        assert out[f"{fn}InvokePermission"]["Properties"]["FunctionName"] == {"Ref": f"{fn}Aliaslive"}
    assert "${APIHandlerAliaslive}" in json.dumps(out["RestAPI"]["Properties"]["Body"])
    # the expanded stage throttles at the window's rate (issue 29: 100,000 declarations → 500/1,000)
    (stage,) = [res["Properties"] for res in out.values() if res["Type"] == "AWS::ApiGateway::Stage"]
    (wide,) = [m for m in stage["MethodSettings"] if m["ResourcePath"] == "/*"]
    from infra import capacity
    mapped = wide["ThrottlingRateLimit"]["Fn::If"][2]["Fn::FindInMap"]
    window = json.loads((ROOT / "infra" / "parameters" / "prod.json").read_text())["WindowDeclarations"]
    rate = template["Mappings"][mapped[0]][window][mapped[2]]
    assert rate == capacity.throttle(template, {"WindowDeclarations": window})[0] >= capacity.busiest_minute(int(window))
    assert "${JwtAuthAliaslive}" in json.dumps(out["RestAPI"]["Properties"]["Body"]["securityDefinitions"])


@pytest.mark.slow
def test_alarms_reach_a_person_and_the_dashboard_shows_them(template):
    r = template["Resources"]
    alarms = {lid: res["Properties"] for lid, res in r.items() if res["Type"] == "AWS::CloudWatch::Alarm"}
    assert all(a["AlarmActions"] == [{"Ref": "AlarmTopic"}] for a in alarms.values())
    assert r["AlarmEmailSubscription"]["Condition"] == "HasAlarmEmail"
    assert r["AlarmHttpsSubscription"]["Condition"] == "HasAlarmHttps"      # no SNS SMS in China
    watched = {(a["Namespace"], a["MetricName"], json.dumps(a["Dimensions"][0]["Value"])) for a in alarms.values()}
    for fn in FUNCTIONS:
        for metric in ("Errors", "Throttles"):
            assert ("AWS/Lambda", metric, json.dumps({"Ref": fn})) in watched
    metrics = {(a["Namespace"], a["MetricName"]) for a in alarms.values()}
    assert {("AWS/ApiGateway", "5XXError"), ("AWS/ApiGateway", "Latency"), ("AWS/DynamoDB", "ReadThrottleEvents"),
            ("AWS/DynamoDB", "WriteThrottleEvents"), ("AWS/SQS", "ApproximateAgeOfOldestMessage"),
            ("AWS/States", "ExecutionsFailed"), ("AWS/States", "ExecutionsTimedOut")} <= metrics
    assert any(a.get("ExtendedStatistic") == "p95" for a in alarms.values())
    dlqs = [lid for lid, res in r.items() if res["Type"] == "AWS::SQS::Queue" and "DLQ" in lid]
    assert set(dlqs) == {"ReviewTaskDLQ", "ExportDLQ", "AsyncFailureDLQ", "CertificateDLQ"}
    for q in dlqs:
        assert ("AWS/SQS", "ApproximateNumberOfMessagesVisible", json.dumps({"Fn::GetAtt": [q, "QueueName"]})) in watched
    dashboards = [res for res in r.values() if res["Type"] == "AWS::CloudWatch::Dashboard"]
    assert len(dashboards) == 1
    body, variables = dashboards[0]["Properties"]["DashboardBody"]["Fn::Sub"]
    assert "${ActiveTable}" in body and variables["ActiveTable"]["Fn::If"][0] == "UseRestoredTable"
    for figure in ("5XXError", "Latency", "Throttles", "Errors", "ThrottleEvents", "ApproximateAgeOfOldestMessage",
                   "ExecutionsFailed", "ExecutionsTimedOut"):
        assert figure in body


@pytest.mark.slow
def test_access_logs_kept_180_days_without_tokens_or_id_numbers(template):
    r = template["Resources"]
    setting = r["RestAPI"]["Properties"]["AccessLogSetting"]
    assert setting["DestinationArn"] == {"Fn::GetAtt": ["ApiAccessLogGroup", "Arn"]}
    assert r["ApiAccessLogGroup"]["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}
    fields = json.loads(setting["Format"])
    for wanted in ("$context.authorizer.principalId", "$context.resourcePath", "$context.status",
                   "$context.responseLatency", "$context.httpMethod"):
        assert wanted in fields.values()
    fmt = setting["Format"].lower()
    for forbidden in ("$context.path", "querystring", "header", "authorization", "$input", "requestoverride"):
        assert forbidden not in fmt
    assert all(m.get("DataTraceEnabled", False) is False for m in r["RestAPI"]["Properties"]["MethodSettings"])


@pytest.mark.slow
def test_evidence_bucket_is_versioned_and_logged_and_web_is_hosted_privately(template):
    r = template["Resources"]
    bucket = r["AttachmentsBucket"]["Properties"]
    assert bucket["VersioningConfiguration"] == {"Status": "Enabled"}
    assert bucket["LoggingConfiguration"]["DestinationBucketName"] == {"Ref": "AccessLogsBucket"}
    rules = {rule["Id"]: rule for rule in bucket["LifecycleConfiguration"]["Rules"]}
    assert rules["evidence-noncurrent-versions"]["NoncurrentVersionExpiration"]["NoncurrentDays"] >= 180
    web = r["WebBucket"]["Properties"]
    assert all(web["PublicAccessBlockConfiguration"].values()) and web["LoggingConfiguration"]
    assert "WebsiteConfiguration" not in web
    dist = r["WebDistribution"]
    assert dist["Condition"] == "HasWebDomain"
    assert dist["Properties"]["DistributionConfig"]["ViewerCertificate"]["IamCertificateId"] == {"Ref": "WebCertificateId"}


@pytest.mark.slow
def test_no_circular_dependency_between_bucket_and_verifier(expanded):
    out = json.loads(expanded["cn-north-1"].read_text())["Resources"]
    env = json.dumps(out["UploadVerifierFunction"]["Properties"]["Environment"])
    assert "AttachmentsBucket" not in env


@pytest.mark.slow
def test_deployment_package_ships_what_the_functions_import_with_bytecode(packaged):
    with zipfile.ZipFile(packaged / "deployment.zip") as zf:
        names = zf.namelist()
        for handler in ("review_tasks", "verify_upload", "reminders", "exports"):
            assert f"functions/{handler}.py" in names
            assert f"functions/__pycache__/{handler}.cpython-311.pyc" in names
        assert "app.py" in names and "chalicelib/services/review/__init__.py" in names
        assert "chalice/app.py" in names          # chalice's runtime, bundled by `chalice package`
        tops = {n.split("/", 1)[0].split("-", 1)[0] for n in names}
        for cli_only in ("pip", "setuptools", "click", "inquirer", "blessed", "wheel", "yaml"):
            assert cli_only not in tops, cli_only
        assert not any(n.startswith("chalice/cli") for n in names)
        sources = [n for n in names if n.endswith(".py")]
        compiled = set(n for n in names if n.endswith(".pyc"))

        def pyc(source):
            folder, _, base = source.rpartition("/")
            return (folder + "/" if folder else "") + "__pycache__/" + base[:-3] + ".cpython-311.pyc"

        missing = [s for s in sources if pyc(s) not in compiled]
        assert not missing, missing[:10]
        # unchecked-hash .pyc: valid on Lambda's read-only file system whatever the file times
        flags = int.from_bytes(zf.read("functions/__pycache__/exports.cpython-311.pyc")[4:8], "little")
        assert flags == 0b01
