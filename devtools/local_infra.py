"""Create the local stack's AWS resources from infra/template.yaml (not from a second copy).

`deploy(endpoint_url)` reads the template, resolves the intrinsics it uses (Ref, Fn::Sub,
Fn::GetAtt, Fn::If/Equals) for a local stack, and creates through boto3 what the application
needs: the DynamoDB table (keys, GSIs, TTL), the buckets (CORS, lifecycle, versioning, access
logging), the queues with their dead-letter queues, and the review state machine from its ASL
file. Every other resource type is listed in SKIPPED with the reason (locally `chalice local` and
the worker stand in for Lambda and API Gateway); a type in neither list fails the deploy, so
the local stack cannot silently drift from the template. With endpoint_url=None boto3 goes wherever it is pointed (moto's mock_aws
in process). Locally an extra queue receives the bucket's ObjectCreated events for the worker.
"""
import json
import pathlib
import re

import yaml

ROOT = pathlib.Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "infra" / "template.yaml"
ASL = ROOT / "infra" / "statemachine" / "review.asl.json"
ACCOUNT = "123456789012"
CREATED = ("AWS::DynamoDB::Table", "AWS::SQS::Queue", "AWS::S3::Bucket", "AWS::S3::BucketPolicy",
           "AWS::StepFunctions::StateMachine", "AWS::KMS::Key", "AWS::KMS::Alias")
SKIPPED = {
    "AWS::Serverless::Function": "chalice local and devtools.worker run the handlers",
    "AWS::Serverless::Api": "chalice local serves the routes",
    "AWS::Lambda::Permission": "no Lambda locally",
    "AWS::ApiGateway::GatewayResponse": "no API Gateway locally (web.py shapes errors the same way)",
    "AWS::ApiGateway::Account": "no API Gateway locally",
    "AWS::IAM::Role": "enforced per function in process instead (devtools/iam_audit.py)",
    "AWS::IAM::Policy": "enforced per function in process instead (devtools/iam_audit.py)",
    "AWS::KMS::Key": "moto ignores encryption settings; the keys' use is checked by the infra tests",
    "AWS::KMS::Alias": "moto ignores encryption settings",
    "AWS::WAFv2::WebACL": "no API Gateway locally",
    "AWS::WAFv2::WebACLAssociation": "no API Gateway locally",
    "AWS::Backup::BackupVault": "no backups of a throwaway local stack",
    "AWS::Backup::BackupPlan": "no backups of a throwaway local stack",
    "AWS::Backup::BackupSelection": "no backups of a throwaway local stack",
    "AWS::CloudTrail::Trail": "no API audit trail locally",
    "AWS::Logs::LogGroup": "local processes log to stdout",
    "AWS::CloudWatch::Alarm": "no metrics locally",
    "AWS::CloudWatch::Dashboard": "no metrics locally",
    "AWS::SNS::Topic": "alarm topic: no alarms locally",
    "AWS::SNS::Subscription": "alarm topic: no alarms locally",
    "AWS::CloudFront::CloudFrontOriginAccessIdentity": "the local web server serves web/dist",
    "AWS::CloudFront::Distribution": "the local web server serves web/dist",
}
# Parameters without a default are per stage (infra/parameters/<stage>.json); locally these.
LOCAL_PARAMETERS = {"Stage": "dev", "CorsAllowedOrigin": "*", "JwtIssuer": "https://id.local.talent-grading",
                    "JwtJwksUrl": "", "JwtAudience": "talent-grading-api"}
# The local stack's PII hash key, kept in (moto's) SSM like a deployed stage's, so every function's
# read of it goes through its role (devtools/iam_audit.py). Not a secret: local data is made up.
LOCAL_PII_HASH_KEY = "local-development-only-pii-hash-key-0123456789abcdef"
LAST_STACK = None      # the last stack deployed in this process (its roles, resolved: iam_audit)


class Stack:
    def __init__(self, template: dict, stack_name: str, region: str, parameters: dict | None = None):
        self.t = template
        self.name = stack_name
        self.region = region
        self.partition = "aws-cn" if region.startswith("cn-") else "aws"
        self.params = {k: v.get("Default") for k, v in template.get("Parameters", {}).items()}
        self.params.update(parameters or {})
        self.physical: dict = {}      # logical id -> {"Ref": ..., attr: ...}

    # --- intrinsics ------------------------------------------------------------------------
    def pseudo(self, name: str):
        return {"AWS::StackName": self.name, "AWS::Region": self.region, "AWS::Partition": self.partition,
                "AWS::AccountId": ACCOUNT, "AWS::URLSuffix": "amazonaws.com.cn" if self.partition == "aws-cn"
                else "amazonaws.com"}.get(name)

    def ref(self, name: str):
        if name.startswith("AWS::"):
            return self.pseudo(name)
        if name in self.params:
            return self.params[name]
        return self.physical.get(name, {}).get("Ref", f"local-{name}")

    def getatt(self, logical: str, attr: str):
        return self.physical.get(logical, {}).get(attr, f"arn:{self.partition}:local:{self.region}:{ACCOUNT}:{logical}")

    def condition(self, name: str) -> bool:
        return bool(self.resolve(self.t.get("Conditions", {})[name]))

    def sub(self, text: str, extra: dict | None = None) -> str:
        def repl(m):
            key = m.group(1)
            if extra and key in extra:
                return str(extra[key])
            if "." in key and not key.startswith("AWS::"):
                logical, attr = key.split(".", 1)
                return str(self.getatt(logical, attr))
            return str(self.ref(key))
        return re.sub(r"\$\{([^}!]+)\}", repl, text)

    def resolve(self, value):
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            (key, arg), = value.items()
            if key == "Ref":
                return self.ref(arg)
            if key == "Fn::Sub":
                if isinstance(arg, list):
                    return self.sub(arg[0], {k: self.resolve(v) for k, v in arg[1].items()})
                return self.sub(arg)
            if key == "Fn::GetAtt":
                logical, attr = arg if isinstance(arg, list) else arg.split(".", 1)
                return self.getatt(logical, attr)
            if key == "Fn::If":
                cond, yes, no = arg
                return self.resolve(yes if self.condition(cond) else no)
            if key == "Fn::Equals":
                a, b = (self.resolve(x) for x in arg)
                return str(a) == str(b)
            if key == "Fn::Not":
                return not self.resolve(arg[0])
            if key == "Fn::And":
                return all(self.resolve(x) for x in arg)
            if key == "Fn::Or":
                return any(self.resolve(x) for x in arg)
            if key == "Condition":
                return self.condition(arg)
        return {k: self.resolve(v) for k, v in value.items()}

    def resources(self, kind: str):
        return [(lid, r) for lid, r in self.t["Resources"].items() if r["Type"] == kind
                and ("Condition" not in r or self.condition(r["Condition"]))]


def _clients(endpoint_url, region):
    import boto3

    kw = {"region_name": region}
    if endpoint_url:
        kw["endpoint_url"] = endpoint_url
    return {s: boto3.client(s, **kw) for s in ("dynamodb", "s3", "sqs", "stepfunctions", "ssm", "kms")}


def _table(stack: Stack, ddb, lid: str, props: dict):
    p = stack.resolve(props)
    args = {k: p[k] for k in ("TableName", "AttributeDefinitions", "KeySchema", "BillingMode")}
    if p.get("GlobalSecondaryIndexes"):
        args["GlobalSecondaryIndexes"] = p["GlobalSecondaryIndexes"]
    if p.get("SSESpecification"):
        args["SSESpecification"] = {"Enabled": bool(p["SSESpecification"].get("SSEEnabled"))}
    ddb.create_table(**args)
    if p.get("TimeToLiveSpecification"):
        ddb.update_time_to_live(TableName=p["TableName"], TimeToLiveSpecification={
            "AttributeName": p["TimeToLiveSpecification"]["AttributeName"],
            "Enabled": bool(p["TimeToLiveSpecification"]["Enabled"])})
    arn = f"arn:{stack.partition}:dynamodb:{stack.region}:{ACCOUNT}:table/{p['TableName']}"
    stack.physical[lid] = {"Ref": p["TableName"], "Arn": arn}


def _bucket(stack: Stack, s3, lid: str, props: dict):
    p = stack.resolve(props)
    name = p["BucketName"]
    kw = {} if stack.region == "us-east-1" else {"CreateBucketConfiguration": {"LocationConstraint": stack.region}}
    s3.create_bucket(Bucket=name, **kw)
    stack.physical[lid] = {"Ref": name, "Arn": f"arn:{stack.partition}:s3:::{name}"}
    if p.get("CorsConfiguration"):
        renamed = {"ExposedHeaders": "ExposeHeaders", "MaxAge": "MaxAgeSeconds", "Id": "ID"}  # CFN → S3 API
        rules = [{renamed.get(k, k): v for k, v in rule.items()} for rule in p["CorsConfiguration"]["CorsRules"]]
        s3.put_bucket_cors(Bucket=name, CORSConfiguration={"CORSRules": rules})
    if p.get("LifecycleConfiguration"):
        rules = []
        for r in p["LifecycleConfiguration"]["Rules"]:
            rule = {"ID": r["Id"], "Status": r["Status"], "Filter": {"Prefix": r.get("Prefix", "")}}
            if "ExpirationInDays" in r:
                rule["Expiration"] = {"Days": r["ExpirationInDays"]}
            if r.get("ExpiredObjectDeleteMarker"):
                rule["Expiration"] = {"ExpiredObjectDeleteMarker": True}
            if "NoncurrentVersionExpiration" in r:
                rule["NoncurrentVersionExpiration"] = {
                    "NoncurrentDays": r["NoncurrentVersionExpiration"]["NoncurrentDays"]}
            if "AbortIncompleteMultipartUpload" in r:
                rule["AbortIncompleteMultipartUpload"] = r["AbortIncompleteMultipartUpload"]
            rules.append(rule)
        s3.put_bucket_lifecycle_configuration(Bucket=name, LifecycleConfiguration={"Rules": rules})
    if p.get("BucketEncryption"):
        rules = [{"ApplyServerSideEncryptionByDefault": r["ServerSideEncryptionByDefault"]}
                 for r in p["BucketEncryption"]["ServerSideEncryptionConfiguration"]]
        s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={"Rules": rules})
    if p.get("PublicAccessBlockConfiguration"):
        s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration=p["PublicAccessBlockConfiguration"])
    if p.get("VersioningConfiguration"):
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": p["VersioningConfiguration"]["Status"]})


def _bucket_policy(stack: Stack, s3, lid: str, props: dict):
    p = stack.resolve(props)
    document = p["PolicyDocument"]
    # AWS::NoValue drops a statement; TLS-only statements are left out because the local stack
    # speaks plain HTTP to moto on localhost (moto enforces bucket policies, so they would deny all).
    document["Statement"] = [st for st in document["Statement"] if st is not None
                             and "aws:SecureTransport" not in json.dumps(st.get("Condition", {}))]
    if document["Statement"]:
        s3.put_bucket_policy(Bucket=p["Bucket"], Policy=json.dumps(document))


def _bucket_logging(stack: Stack, s3, lid: str, props: dict):
    """Server access logging, once every bucket exists (the target is declared after its sources)."""
    if props.get("LoggingConfiguration"):
        p = stack.resolve(props["LoggingConfiguration"])
        s3.put_bucket_logging(Bucket=stack.physical[lid]["Ref"], BucketLoggingStatus={"LoggingEnabled": {
            "TargetBucket": p["DestinationBucketName"], "TargetPrefix": p.get("LogFilePrefix", "")}})


def _queue(stack: Stack, sqs, lid: str, props: dict):
    p = stack.resolve({k: v for k, v in props.items() if k != "RedrivePolicy"})
    attrs = {}
    for key in ("VisibilityTimeout", "MessageRetentionPeriod"):
        if key in p:
            attrs[key] = str(p[key])
    url = sqs.create_queue(QueueName=p["QueueName"], Attributes=attrs)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    stack.physical[lid] = {"Ref": url, "Arn": arn, "QueueName": p["QueueName"]}


def _redrive(stack: Stack, sqs, lid: str, props: dict):
    if "RedrivePolicy" in props:
        policy = stack.resolve(props["RedrivePolicy"])
        sqs.set_queue_attributes(QueueUrl=stack.physical[lid]["Ref"], Attributes={"RedrivePolicy": json.dumps(
            {"deadLetterTargetArn": policy["deadLetterTargetArn"], "maxReceiveCount": str(policy["maxReceiveCount"])})})


def _state_machine(stack: Stack, sfn, lid: str, props: dict):
    p = stack.resolve({k: v for k, v in props.items() if k not in ("RoleArn", "LoggingConfiguration")})
    definition = ASL.read_text(encoding="utf-8")
    for key, value in p.get("DefinitionSubstitutions", {}).items():
        definition = definition.replace("${" + key + "}", str(value))
    role = f"arn:{stack.partition}:iam::{ACCOUNT}:role/{stack.name}-local-states"
    arn = sfn.create_state_machine(name=p["StateMachineName"], definition=definition, roleArn=role,
                                   type=p.get("StateMachineType", "STANDARD"))["stateMachineArn"]
    stack.physical[lid] = {"Ref": arn, "Name": p["StateMachineName"], "Arn": arn}


def _kms_key(stack: Stack, kms, lid: str, props: dict):
    """A KMS key with the template's spec and usage (the key policy is not evaluated locally)."""
    p = stack.resolve({k: v for k, v in props.items() if k != "KeyPolicy"})
    meta = kms.create_key(Description=p.get("Description", lid), KeySpec=p.get("KeySpec", "SYMMETRIC_DEFAULT"),
                          KeyUsage=p.get("KeyUsage", "ENCRYPT_DECRYPT"))["KeyMetadata"]
    stack.physical[lid] = {"Ref": meta["KeyId"], "Arn": meta["Arn"], "KeyId": meta["KeyId"]}


def deploy(endpoint_url: str | None = None, stack_name: str = "talent-grading-local",
           region: str = "cn-north-1", parameters: dict | None = None) -> dict:
    """Create every resource the local system needs; return the application's environment."""
    template = yaml.safe_load(TEMPLATE.read_text(encoding="utf-8"))
    stack = Stack(template, stack_name, region, {**LOCAL_PARAMETERS, **(parameters or {})})
    unknown = sorted({r["Type"] for r in template["Resources"].values()} - set(CREATED) - set(SKIPPED))
    if unknown:
        raise RuntimeError(f"infra/template.yaml has resource types the local stack neither creates nor "
                           f"skips: {unknown} (add them to devtools/local_infra.py)")
    c = _clients(endpoint_url, region)
    for lid, r in stack.resources("AWS::DynamoDB::Table"):
        _table(stack, c["dynamodb"], lid, r["Properties"])
    queues = stack.resources("AWS::SQS::Queue")
    for lid, r in queues:
        _queue(stack, c["sqs"], lid, r["Properties"])
    for lid, r in queues:
        _redrive(stack, c["sqs"], lid, r["Properties"])
    for lid, r in stack.resources("AWS::S3::Bucket"):
        _bucket(stack, c["s3"], lid, r["Properties"])
    for lid, r in stack.resources("AWS::S3::BucketPolicy"):
        _bucket_policy(stack, c["s3"], lid, r["Properties"])
    for lid, r in stack.resources("AWS::S3::Bucket"):
        _bucket_logging(stack, c["s3"], lid, r["Properties"])
    for lid, r in stack.resources("AWS::StepFunctions::StateMachine"):
        _state_machine(stack, c["stepfunctions"], lid, r["Properties"])
    for lid, r in stack.resources("AWS::KMS::Key"):
        _kms_key(stack, c["kms"], lid, r["Properties"])
    for lid, r in stack.resources("AWS::KMS::Alias"):
        p = stack.resolve(r["Properties"])
        c["kms"].create_alias(AliasName=p["AliasName"], TargetKeyId=p["TargetKeyId"])

    # Local stand-in for the UploadVerifierFunction's S3 event: the bucket notifies a queue the
    # worker drains into functions/verify_upload.handler (same filter as the template's event).
    bucket = stack.physical["AttachmentsBucket"]["Ref"]
    events_url = c["sqs"].create_queue(QueueName=f"{stack_name}-upload-events")["QueueUrl"]
    events_arn = c["sqs"].get_queue_attributes(QueueUrl=events_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    c["s3"].put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={
        "QueueConfigurations": [{"QueueArn": events_arn, "Events": ["s3:ObjectCreated:*"],
                                 "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "incoming/"}]}}}]})

    pii_parameter = stack.resolve(template["Outputs"]["PiiHashKeyParameter"]["Value"])
    c["ssm"].put_parameter(Name=pii_parameter, Type="SecureString", Value=LOCAL_PII_HASH_KEY, Overwrite=True)
    global LAST_STACK
    LAST_STACK = stack
    return {
        "PII_HASH_KEY_PARAMETER": pii_parameter,
        "TABLE_NAME": stack.physical["MainTable"]["Ref"],
        "ATTACHMENTS_BUCKET": bucket,
        "REVIEW_QUEUE_URL": stack.physical["ReviewTaskQueue"]["Ref"],
        "EXPORT_QUEUE_URL": stack.physical["ExportQueue"]["Ref"],
        "UPLOAD_EVENTS_QUEUE_URL": events_url,
        "REVIEW_STATE_MACHINE_ARN": stack.physical["ReviewStateMachine"]["Ref"],
        "CERTIFICATE_QUEUE_URL": stack.physical["CertificateQueue"]["Ref"],
        "CERTIFICATE_KEY_ID": stack.physical["CertificateSigningKey"]["Ref"],
    }


def save(stack: Stack, path) -> None:
    """What another process needs to evaluate calls against this deployed stack's roles (the local
    stack's API and worker processes: devtools.iam_audit.enforce_from_environment)."""
    pathlib.Path(path).write_text(json.dumps({"name": stack.name, "region": stack.region, "params": stack.params,
                                              "physical": stack.physical}), encoding="utf-8")


def load(path) -> Stack:
    """The stack `save` wrote, its intrinsics resolvable again (the template is read afresh)."""
    saved = json.loads(pathlib.Path(path).read_text(encoding="utf-8"))
    stack = Stack(yaml.safe_load(TEMPLATE.read_text(encoding="utf-8")), saved["name"], saved["region"], saved["params"])
    stack.physical = saved["physical"]
    return stack
