"""MLPS level 3 (等保三级) baseline and the AWS China differences, read from infra/template.yaml
(fast; the packaged and SAM-expanded template is linted and scanned in test_package.py)."""
import pathlib

import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
T = yaml.safe_load((ROOT / "infra" / "template.yaml").read_text(encoding="utf-8"))
R = T["Resources"]
FUNCTIONS = {lid: r for lid, r in R.items() if r["Type"] == "AWS::Serverless::Function"}


def test_no_sms_and_no_hidden_stage():
    assert not [r for r in R.values() if r["Type"] == "AWS::SNS::Subscription" and r["Properties"]["Protocol"] == "sms"]
    assert {r["Properties"]["Protocol"] for r in R.values() if r["Type"] == "AWS::SNS::Subscription"} == {"email", "https"}
    assert R["RestAPI"]["Properties"]["OpenApiVersion"]        # SAM then adds no stage named `Stage`


def test_waf_backups_and_customer_managed_keys():
    acl = R["ApiWebAcl"]["Properties"]
    assert acl["Scope"] == "REGIONAL" and "RateBasedStatement" in acl["Rules"][0]["Statement"]
    assert "/stages/api" in R["ApiWebAclAssociation"]["Properties"]["ResourceArn"]["Fn::Sub"]
    rules = R["BackupPlan"]["Properties"]["BackupPlan"]["BackupPlanRule"]
    assert all(rule["CopyActions"] for rule in rules)
    assert T["Mappings"]["BackupCopyRegion"]["cn-north-1"]["Region"] == "cn-northwest-1"
    assert T["Mappings"]["BackupCopyRegion"]["cn-northwest-1"]["Region"] == "cn-north-1"
    assert R["MainTable"]["Properties"]["SSESpecification"]["KMSMasterKeyId"] == {"Ref": "DataKey"}
    enc = R["AttachmentsBucket"]["Properties"]["BucketEncryption"]["ServerSideEncryptionConfiguration"][0]
    assert enc["ServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    assert all(R[k]["Properties"]["EnableKeyRotation"] for k in ("DataKey", "LogsKey"))


def test_log_groups_kept_a_year_retained_encrypted_and_each_function_writes_only_its_own():
    groups = {lid: r for lid, r in R.items() if r["Type"] == "AWS::Logs::LogGroup"}
    assert min(T["Parameters"]["LogRetentionDays"]["AllowedValues"]) >= 365
    for lid, g in groups.items():
        assert g["DeletionPolicy"] == "Retain" and g["Properties"]["KmsKeyId"], lid
        assert g["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"}
    for lid, fn in FUNCTIONS.items():
        role = fn["Properties"]["Role"]["Fn::GetAtt"][0]
        managed = str(R[role]["Properties"].get("ManagedPolicyArns"))
        assert "AWSLambdaBasicExecutionRole" not in managed, role      # logs:* on every group
        short = lid.replace("Function", "")
        policy = R[f"{short}LogWriting"]["Properties"]
        assert policy["Roles"] == [{"Ref": role}]
        assert policy["PolicyDocument"]["Statement"][0]["Resource"] == {"Fn::GetAtt": [f"{short}LogGroup", "Arn"]}


def test_a_key_rotation_changes_every_functions_configuration():
    env = FUNCTIONS["APIHandler"]["Properties"]["Environment"]["Variables"]
    assert env["PII_HASH_KEY_VERSION"] == {"Ref": "PiiHashKeyVersion"}
    assert all(fn["Properties"]["Environment"]["Variables"] is env or fn["Properties"]["Environment"]["Variables"] == env
               for fn in FUNCTIONS.values())


def test_an_audit_trail_on_request_multi_region_validated_encrypted_and_kept():
    assert T["Parameters"]["CreateAuditTrail"]["Default"] == "false"    # never doubles an organisation trail
    trail = R["AuditTrail"]
    assert trail["Condition"] == "HasAuditTrail" and trail["DependsOn"] == "AuditTrailBucketPolicy"
    props = trail["Properties"]
    assert props["EnableLogFileValidation"] and props["IsMultiRegionTrail"] and props["IncludeGlobalServiceEvents"]
    assert props["KMSKeyId"] == {"Fn::GetAtt": ["AuditTrailKey", "Arn"]} and R["AuditTrailKey"]["Properties"]["EnableKeyRotation"]
    bucket = R["AuditTrailBucket"]
    assert bucket["DeletionPolicy"] == "Retain" and bucket["Condition"] == "HasAuditTrail"
    assert bucket["Properties"]["LifecycleConfiguration"]["Rules"][0]["ExpirationInDays"] == {"Ref": "LogRetentionDays"}
    assert bucket["Properties"]["PublicAccessBlockConfiguration"]["RestrictPublicBuckets"]
    writes = [s for s in R["AuditTrailBucketPolicy"]["Properties"]["PolicyDocument"]["Statement"] if s["Sid"] == "CloudTrailWrite"]
    assert writes[0]["Condition"]["StringEquals"]["aws:SourceArn"]      # only this stack's trail writes there


def _statements(role):
    return [s for p in R[role]["Properties"]["Policies"] for s in p["PolicyDocument"]["Statement"] if isinstance(s, dict)]


def _actions(role, prefix):
    return {a for s in _statements(role) if s.get("Effect") == "Allow"
            for a in (s["Action"] if isinstance(s["Action"], list) else [s["Action"]]) if a.startswith(prefix)}


def test_worker_roles_hold_only_what_their_functions_call():
    """What each worker calls (recorded with IAM_AUDIT=record across the worker tests; docs/runbook.md §7)."""
    assert _actions("UploadVerifierRole", "dynamodb:") == {"dynamodb:Query", "dynamodb:UpdateItem"}
    assert _actions("ReviewTaskOpenerRole", "dynamodb:") == {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"}
    assert _actions("ReminderSweepRole", "dynamodb:") == {"dynamodb:Query", "dynamodb:UpdateItem", "dynamodb:PutItem",
                                                          "dynamodb:BatchGetItem"}   # the outbox's tasks by key (DECL#)
    assert _actions("ExportWorkerRole", "dynamodb:") == {"dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:Query"}
    s3 = {str(r["Fn::Sub"]).partition("}/")[2] for s in _statements("UploadVerifierRole") if "s3:" in str(s.get("Action"))
          for r in (s["Resource"] if isinstance(s["Resource"], list) else [s["Resource"]])}
    assert s3 == {"incoming/*", "decl/*", ""}           # incoming/ and the final decl/ prefix (and the bucket: 404s)
    put = [s for s in _statements("UploadVerifierRole") if s.get("Action") == "s3:PutObject"]
    assert len(put) == 1 and put[0]["Resource"]["Fn::Sub"].endswith("/decl/*")
