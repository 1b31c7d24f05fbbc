"""Each function's AWS calls checked against its own role, as AWS would check them.

The in-process tiers and the local stack run every Lambda function in one process with full
permissions; AWS runs each under its own role. This module closes that gap:

- `running(function)` marks the code path of one function (the API handler, the authorizer, each
  `functions/` handler: the template's logical ids) in a context variable;
- `install()` wraps botocore's `BaseClient._make_api_call`: a call made while a function runs is
  turned into the IAM actions and resource ARNs AWS authorises (a transaction's items, a batch's
  tables, CopyObject's source and target, a Query on an index, ...) and evaluated against the
  statements of that function's role in infra/template.yaml, resolved for the running stack
  (devtools.local_infra.LAST_STACK): explicit Deny first, Action/NotAction and Resource/NotResource
  with IAM wildcards, and the condition keys our policies use (`dynamodb:LeadingKeys`; an unknown
  condition never grants and always denies). A denied call raises AccessDeniedException, as AWS
  would, and is recorded in DENIED so a test fails even when the code swallowed the error.

The roles are plain AWS::IAM::Role resources: the SAM transform does not change them (every
function names its Role, so SAM adds no policy), so the template's statements are the deployed ones.
"""
import contextlib
import contextvars
import logging
import os
import re
import threading
from urllib.parse import urlparse

CURRENT: contextvars.ContextVar = contextvars.ContextVar("iam_audit_function", default=None)
DENIED: list = []           # (function, action, resource, operation)
CALLS: list = []            # (function, action, resource) of every evaluated call, when recording
RECORD_CALLS = False        # keep every evaluated call in CALLS
RAISE = True                # a denied call raises (as on AWS); False lets it through (recording)
# What AWSLambdaBasicExecutionRole grants (managed policies are not in the template).
MANAGED = {"AWSLambdaBasicExecutionRole": [{"Effect": "Allow", "Resource": "*", "Action": [
    "logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"]}]}
DENIED_LOG = None           # a file each denial is appended to (the local stack's processes)
_lock = threading.Lock()
_installed = False
_log = logging.getLogger("talent.iam")
_ACCOUNT = "123456789012"


@contextlib.contextmanager
def running(function: str):
    token = CURRENT.set(function)
    try:
        yield
    finally:
        CURRENT.reset(token)


def wrap(function: str, fn):
    """`fn` runs as the Lambda function `function` (idempotent)."""
    if getattr(fn, "_iam_function", None):
        return fn

    def wrapped(*args, **kwargs):
        with running(function):
            return fn(*args, **kwargs)

    wrapped._iam_function = function
    wrapped.__wrapped__ = fn
    wrapped.__name__ = getattr(fn, "__name__", "handler")
    return wrapped


# --- policies ----------------------------------------------------------------------------------
def role_statements(stack) -> dict:
    """{function logical id: [statement, ...]} of each Lambda function's role, resolved."""
    out = {}
    resources = stack.t["Resources"]
    functions = {lid: r for lid, r in resources.items() if r["Type"] == "AWS::Serverless::Function"}
    for lid, fn in functions.items():
        role = fn["Properties"].get("Role", {}).get("Fn::GetAtt", [None])[0]
        if role not in resources:
            continue
        props = resources[role]["Properties"]
        statements = []
        for policy in stack.resolve(props.get("Policies", [])):
            for st in policy["PolicyDocument"]["Statement"]:
                if st:
                    statements.append(st)
        for _, policy in stack.resources("AWS::IAM::Policy"):     # policies attached to the role
            if {"Ref": role} in policy["Properties"].get("Roles", []):
                statements += [st for st in stack.resolve(policy["Properties"]["PolicyDocument"]["Statement"]) if st]
        for arn in stack.resolve(props.get("ManagedPolicyArns", [])):
            if arn:
                statements += MANAGED.get(str(arn).rsplit("/", 1)[-1], [])
        out[lid] = statements + _key_policy_grants(resources, role)
    return out


def _key_policy_grants(resources: dict, role: str) -> list:
    """What KMS key policies grant this role by name: in AWS a key policy naming a role of the same
    account is enough on its own (no IAM statement needed). KMS calls are checked against "*" here,
    since which key an alias names is not known from the call."""
    grants = []
    for r in resources.values():
        if r.get("Type") != "AWS::KMS::Key":
            continue
        for st in r["Properties"].get("KeyPolicy", {}).get("Statement", []):
            named = _listed((st.get("Principal") or {}).get("AWS") if isinstance(st.get("Principal"), dict) else None)
            if st.get("Effect") == "Allow" and not st.get("Condition") and \
                    {"Fn::GetAtt": [role, "Arn"]} in named:
                grants.append({"Effect": "Allow", "Action": st["Action"], "Resource": "*"})
    return grants


def _listed(value):
    return value if isinstance(value, list) else [value]


def _pattern(text: str, ignore_case: bool) -> re.Pattern:
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in text)
    return re.compile(f"^{body}$", re.IGNORECASE if ignore_case else 0 | re.DOTALL)


def _matches(patterns, value, ignore_case=False) -> bool:
    return any(_pattern(str(p), ignore_case).match(value) for p in _listed(patterns))


def _condition_holds(condition: dict, context: dict):
    """True/False where understood, None for a condition key we cannot evaluate."""
    for operator, pairs in condition.items():
        quantifier, _, op = operator.rpartition(":")
        for key, expected in pairs.items():
            values = context.get(key.lower())
            if values is None:
                return None
            if op in ("StringLike", "StringEquals"):
                test = (lambda v: _matches(expected, v)) if op == "StringLike" else (lambda v: v in _listed(expected))
                ok = all(map(test, values)) if quantifier == "ForAllValues" else any(map(test, values))
            elif op in ("StringNotLike", "StringNotEquals"):
                test = (lambda v: not _matches(expected, v)) if op == "StringNotLike" else (lambda v: v not in _listed(expected))
                ok = all(map(test, values))
            else:
                return None
            if not ok:
                return False
    return True


def _applies(st: dict, action: str, resource: str, context: dict) -> bool:
    if "Action" in st and not _matches(st["Action"], action, ignore_case=True):
        return False
    if "NotAction" in st and _matches(st["NotAction"], action, ignore_case=True):
        return False
    if "Resource" in st and not _matches(st["Resource"], resource):
        return False
    if "NotResource" in st and _matches(st["NotResource"], resource):
        return False
    if st.get("Condition"):
        holds = _condition_holds(st["Condition"], context)
        if holds is None:
            return st["Effect"] == "Deny"      # unknown condition: never grants, always denies
        return holds
    return True


def allowed(statements, action: str, resource: str, context: dict | None = None) -> bool:
    context = context or {}
    if any(st["Effect"] == "Deny" and _applies(st, action, resource, context) for st in statements):
        return False
    return any(st["Effect"] == "Allow" and _applies(st, action, resource, context) for st in statements)


# --- botocore calls → (action, resource, condition context) -----------------------------------
def _key_of(item: dict):
    for name in ("PK", "pk"):
        if name in (item or {}):
            value = item[name]
            return next(iter(value.values())) if isinstance(value, dict) else value
    return None


def _queried_partition(params: dict):
    """The table partition a Query reads (its `PK = :v` key condition): AWS's dynamodb:LeadingKeys."""
    names, values = params.get("ExpressionAttributeNames") or {}, params.get("ExpressionAttributeValues") or {}
    for name, value in re.findall(r"(#?\w+)\s*=\s*(:\w+)", params.get("KeyConditionExpression") or ""):
        if names.get(name, name) in ("PK", "pk") and value in values:
            bound = values[value]
            return next(iter(bound.values())) if isinstance(bound, dict) else bound
    return None


def authorizations(service: str, operation: str, params: dict, region: str) -> list:
    """[(action, resource ARN, context)] AWS authorises for one API call."""
    part = "aws-cn" if region.startswith("cn-") else "aws"
    head = f"arn:{part}:{service}:{region}:{_ACCOUNT}"
    if service == "dynamodb":
        def table(name, index=None):
            arn = name if name.startswith("arn:") else f"{head}:table/{name}"
            return f"{arn}/index/{index}" if index else arn

        def item(action, name, key):
            pk = _key_of(key)
            return (f"dynamodb:{action}", table(name), {"dynamodb:leadingkeys": [pk]} if pk else {})

        if operation in ("GetItem", "PutItem", "UpdateItem", "DeleteItem"):
            return [item(operation, params["TableName"], params.get("Key") or params.get("Item"))]
        if operation == "TransactWriteItems":
            kinds = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem", "ConditionCheck": "ConditionCheckItem"}
            return [item(kinds[k], v["TableName"], v.get("Key") or v.get("Item"))
                    for entry in params["TransactItems"] for k, v in entry.items()]
        if operation == "TransactGetItems":
            return [item("GetItem", e["Get"]["TableName"], e["Get"]["Key"]) for e in params["TransactItems"]]
        if operation == "BatchGetItem":   # AWS evaluates dynamodb:LeadingKeys over every key read
            out = []
            for name, request in params["RequestItems"].items():
                pks = [pk for pk in (_key_of(k) for k in request.get("Keys", [])) if pk]
                out.append(("dynamodb:BatchGetItem", table(name), {"dynamodb:leadingkeys": pks} if pks else {}))
            return out
        if operation == "BatchWriteItem":
            return [(f"dynamodb:{operation}", table(name), {}) for name in params["RequestItems"]]
        if operation == "Query" and not params.get("IndexName"):
            pk = _queried_partition(params)
            return [("dynamodb:Query", table(params["TableName"]), {"dynamodb:leadingkeys": [pk]} if pk else {})]
        if "TableName" in params:
            return [(f"dynamodb:{operation}", table(params["TableName"], params.get("IndexName")), {})]
        return [(f"dynamodb:{operation}", "*", {})]
    if service == "s3":
        bucket, key = params.get("Bucket"), params.get("Key")
        obj = f"arn:{part}:s3:::{bucket}/{key}"
        versioned = "Version" if params.get("VersionId") else ""
        if operation in ("GetObject", "HeadObject"):
            return [(f"s3:GetObject{versioned}", obj, {})]
        if operation in ("PutObject", "CreateMultipartUpload", "UploadPart", "CompleteMultipartUpload"):
            return [("s3:PutObject", obj, {})]
        if operation == "CopyObject":
            src = params["CopySource"]
            if isinstance(src, str):
                src_path, _, query = src.lstrip("/").partition("?versionId=")
                src = {"Bucket": src_path.split("/", 1)[0], "Key": src_path.split("/", 1)[1], "VersionId": query}
            sv = "Version" if src.get("VersionId") else ""
            return [("s3:PutObject", obj, {}), (f"s3:GetObject{sv}", f"arn:{part}:s3:::{src['Bucket']}/{src['Key']}", {})]
        if operation == "DeleteObject":
            return [(f"s3:DeleteObject{versioned}", obj, {})]
        if operation == "DeleteObjects":
            return [("s3:DeleteObject", f"arn:{part}:s3:::{bucket}/{o['Key']}", {}) for o in params["Delete"]["Objects"]]
        if operation == "ListParts":
            return [("s3:ListMultipartUploadParts", obj, {})]
        if operation in ("ListObjects", "ListObjectsV2", "HeadBucket"):
            return [("s3:ListBucket", f"arn:{part}:s3:::{bucket}", {})]
        if operation == "ListObjectVersions":
            return [("s3:ListBucketVersions", f"arn:{part}:s3:::{bucket}", {})]
        return [(f"s3:{operation}", obj if key else f"arn:{part}:s3:::{bucket}", {})]
    if service == "sqs":
        actions = {"SendMessageBatch": "SendMessage", "DeleteMessageBatch": "DeleteMessage",
                   "ChangeMessageVisibilityBatch": "ChangeMessageVisibility"}
        url = params.get("QueueUrl")
        name = urlparse(url).path.rstrip("/").rsplit("/", 1)[-1] if url else params.get("QueueName", "*")
        return [(f"sqs:{actions.get(operation, operation)}", f"{head}:{name}", {})]
    if service == "states":
        for field in ("stateMachineArn", "executionArn", "resourceArn", "activityArn"):
            if params.get(field):
                return [(f"states:{operation}", params[field], {})]
        return [(f"states:{operation}", "*", {})]
    if service == "ssm":
        names = [params["Name"]] if "Name" in params else params.get("Names", [])
        return [(f"ssm:{operation}", f"{head}:parameter/{n.lstrip('/')}", {}) for n in names] or \
               [(f"ssm:{operation}", "*", {})]
    return [(f"{service}:{operation}", "*", {})]


# --- the hook ----------------------------------------------------------------------------------
class Denied(Exception):
    pass


def _statements():
    from devtools import local_infra

    stack = local_infra.LAST_STACK
    if stack is None:
        return None
    cached = getattr(stack, "_iam_statements", None)
    if cached is None:
        cached = stack._iam_statements = role_statements(stack)
    return cached


def check(function: str, service: str, operation: str, params: dict, region: str) -> list:
    """The denied (action, resource) pairs of one call by `function` (recorded in DENIED)."""
    roles = _statements()
    if roles is None or function not in roles:
        return []
    denied = []
    for action, resource, context in authorizations(service, operation, params, region):
        ok = allowed(roles[function], action, resource, context)
        if RECORD_CALLS:
            CALLS.append((function, action, resource, ok))
        if not ok:
            denied.append((action, resource))
            with _lock:
                DENIED.append((function, action, resource, operation))
                if DENIED_LOG:
                    with open(DENIED_LOG, "a", encoding="utf-8") as fh:
                        fh.write(f"{function}\t{action}\t{resource}\t{operation}\n")
            _log.warning("%s is not authorized to perform %s on %s (%s)", function, action, resource, operation)
    return denied


def _denial(function, operation, action, resource):
    from botocore.exceptions import ClientError

    return ClientError({"Error": {"Code": "AccessDeniedException", "Message":
                                  f"{function} is not authorized to perform: {action} on resource: {resource}"},
                        "ResponseMetadata": {"HTTPStatusCode": 400}}, operation)


def demand(function: str, service: str, operation: str, params: dict, region: str) -> None:
    """Check a call the code stands for without making it (a cached read): raise if denied."""
    denied = check(function, service, operation, params, region)
    if denied and RAISE:
        raise _denial(function, operation, *denied[0])


def install():
    """Wrap botocore (every client, pynamodb's too) once per process."""
    global _installed
    if _installed:
        return
    import botocore.client

    original = botocore.client.BaseClient._make_api_call

    def audited(self, operation_name, api_params):
        function = CURRENT.get()
        if function:
            model = self.meta.service_model
            service = model.metadata.get("signingName") or model.endpoint_prefix
            denied = check(function, service, operation_name, api_params, self.meta.region_name or "cn-north-1")
            if denied and RAISE:
                raise _denial(function, operation_name, *denied[0])
        return original(self, operation_name, api_params)

    botocore.client.BaseClient._make_api_call = audited
    _carry_into_worker_threads()
    _installed = True


def _carry_into_worker_threads():
    """A task submitted to a thread pool runs as the function that submitted it: boto3's
    upload_file/download_file make their S3 calls on s3transfer's worker threads, which would
    otherwise run unattributed, and so unchecked."""
    import concurrent.futures

    original = concurrent.futures.ThreadPoolExecutor.submit

    def submit(self, fn, /, *args, **kwargs):
        if CURRENT.get():
            return original(self, contextvars.copy_context().run, fn, *args, **kwargs)
        return original(self, fn, *args, **kwargs)

    concurrent.futures.ThreadPoolExecutor.submit = submit


def handlers() -> dict:
    """{'functions.review_tasks.handler': 'ReviewTaskOpenerFunction', ...} from the template."""
    import yaml

    from devtools.local_infra import TEMPLATE

    template = yaml.safe_load(TEMPLATE.read_text(encoding="utf-8"))
    return {r["Properties"]["Handler"]: lid for lid, r in template["Resources"].items()
            if r["Type"] == "AWS::Serverless::Function" and "Handler" in r["Properties"]}


def attribute_functions():
    """Make the API app, its authorizer and every functions/ handler run as their function."""
    import importlib

    import chalice.app

    def entering(function, fn):
        def call(*args, **kwargs):
            with running(function):
                return fn(*args, **kwargs)
        call._iam_function = function
        return call

    if not getattr(chalice.app.Chalice.__call__, "_iam_function", None):
        chalice.app.Chalice.__call__ = entering("APIHandler", chalice.app.Chalice.__call__)
        chalice.app.ChaliceAuthorizer.__call__ = entering("JwtAuth", chalice.app.ChaliceAuthorizer.__call__)
    for dotted, function in handlers().items():
        module_name, attr = dotted.rsplit(".", 1)
        module = importlib.import_module(module_name)
        fn = getattr(module, attr)
        if not getattr(fn, "_iam_function", None):
            setattr(module, attr, entering(function, fn))


def audit_key_reads():
    """The PII hash key is read once per process (a warm container's cache), so every use of it is
    also checked as the read it stands for (ssm:GetParameter on the parameter) against the
    function using it: a role without the read fails even when another function filled the cache."""
    from chalicelib import config, pii

    original = pii.hash_key
    if getattr(original, "_iam_audited", False):
        return

    def hash_key():
        function = CURRENT.get()
        if function and config.PII_HASH_KEY_PARAMETER:
            demand(function, "ssm", "GetParameter", {"Name": config.PII_HASH_KEY_PARAMETER, "WithDecryption": True},
                   config.AWS_REGION)
        return original()

    hash_key.cache_clear = original.cache_clear
    hash_key.cache_info = original.cache_info
    hash_key._iam_audited = True
    pii.hash_key = hash_key


def enforce_from_environment() -> bool:
    """The local stack's processes (the API with its authorizer, the worker with the functions/
    handlers): IAM_STACK_FILE names the stack devtools.local_infra.save wrote; each function's
    calls are then evaluated against its role as in the tests, a denied call raises
    AccessDeniedException and is appended to IAM_DENIED_LOG. IAM_AUDIT=0 switches it off."""
    global DENIED_LOG
    path = os.environ.get("IAM_STACK_FILE")
    if not path or os.environ.get("IAM_AUDIT", "1") == "0":
        return False
    from devtools import local_infra

    local_infra.LAST_STACK = local_infra.load(path)
    DENIED_LOG = os.environ.get("IAM_DENIED_LOG") or None
    install()
    attribute_functions()
    audit_key_reads()
    return True
