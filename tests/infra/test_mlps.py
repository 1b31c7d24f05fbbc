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
