"""The one configuration module: every setting of the platform is read here, from environment
variables (set by infra/template.yaml in AWS, by .chalice/config.json / the local stack locally).

Read at import with defaults so that tests can set the environment before importing the app.
Defaults exist for the `local` stage only: a deployed stage (any other STAGE, inside a Lambda
container) refuses to start when a required setting is missing — `check_deployed()` runs at
import there. Secrets are never environment values outside `local`: the PII hash key is read
from SSM Parameter Store (SecureString), lazily, once per container (chalicelib/pii.py).
"""
import os

STAGE = os.environ.get("STAGE", "local")
APP_NAME = os.environ.get("APP_NAME", "talent-grading")
TABLE_NAME = os.environ.get("TABLE_NAME", f"{APP_NAME}-{STAGE}-main")
ATTACHMENTS_BUCKET = os.environ.get("ATTACHMENTS_BUCKET", f"{APP_NAME}-{STAGE}-attachments")
REVIEW_QUEUE_URL = os.environ.get("REVIEW_QUEUE_URL", "")
EXPORT_QUEUE_URL = os.environ.get("EXPORT_QUEUE_URL", "")
CERTIFICATE_QUEUE_URL = os.environ.get("CERTIFICATE_QUEUE_URL", "")   # 证书 issuing jobs
CERTIFICATE_KEY_ID = os.environ.get("CERTIFICATE_KEY_ID", "")         # KMS asymmetric signing key
# Public verify endpoints: requests per client address per minute (counter items with TTL).
VERIFY_PER_MINUTE = int(os.environ.get("VERIFY_PER_MINUTE", "20"))
REVIEW_STATE_MACHINE_ARN = os.environ.get("REVIEW_STATE_MACHINE_ARN", "")
AWS_REGION = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "cn-north-1"
# DynamoDB endpoint: None lets botocore use AWS_ENDPOINT_URL (the moto server locally).
DYNAMODB_ENDPOINT_URL = os.environ.get("AWS_ENDPOINT_URL_DYNAMODB") or os.environ.get("AWS_ENDPOINT_URL") or None
# Set by the Lambda runtime; absent locally, in tests and while `chalice package` imports the app.
LAMBDA_FUNCTION_NAME = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "")

# Identity: tokens are RS256 JWTs issued by the province's identity platform (or, in the local
# stage only, by the development token endpoint). Issuer, JWKS URL and audience are template
# parameters per stage (infra/parameters/<stage>.json).
JWT_ISSUER = os.environ.get("JWT_ISSUER", "https://id.local.talent-grading")
JWT_AUDIENCE = os.environ.get("JWT_AUDIENCE", "talent-grading-api")
JWT_PUBLIC_KEY = os.environ.get("JWT_PUBLIC_KEY", "")
JWT_JWKS_URL = os.environ.get("JWT_JWKS_URL", "")
DEV_JWT_PRIVATE_KEY_FILE = os.environ.get("DEV_JWT_PRIVATE_KEY_FILE", "")
TOKEN_TTL_SECONDS = int(os.environ.get("TOKEN_TTL_SECONDS", "3600"))
# API Gateway caches the authorizer's result per token this long (a constant: it is baked into the
# packaged API). Unit-side callers' standing is read again from our records where it matters
# (writes, /me, the unmasked review detail: chalicelib/web.Router), so the cache is only the
# window in which a just-disabled agent may still read masked lists (docs/capacity.md).
AUTHORIZER_CACHE_SECONDS = 300

# Origin of the web frontend: the API's CORS headers (the preflight, Gateway Responses and bucket
# CORS get the same template parameter). `*` only in the local stage.
CORS_ALLOW_ORIGIN = os.environ.get("CORS_ALLOW_ORIGIN", "*" if STAGE == "local" else "")

# Keyed hash of ID numbers (uniqueness key that does not reveal the number). Locally a fixed
# development key (PII_HASH_KEY may override it); deployed, the name of the SSM SecureString.
PII_HASH_KEY_PARAMETER = os.environ.get("PII_HASH_KEY_PARAMETER", "")
LOCAL_PII_HASH_KEY = os.environ.get("PII_HASH_KEY", "local-development-only") if STAGE == "local" else ""
# During a key rotation (docs/runbook.md §5) the previous key's parameter: lookups try both keys.
PII_HASH_KEY_PREVIOUS_PARAMETER = os.environ.get("PII_HASH_KEY_PREVIOUS_PARAMETER", "")

# Tracing: the template sets XRAY_ENABLED only where the partition has Lambda's X-Ray integration
# (not aws-cn); the SDK is imported on the first AWS call, and only then (chalicelib/aws.py).
XRAY_ENABLED = os.environ.get("XRAY_ENABLED", "false").lower() == "true"

# Hot counters are spread over this many shards (DESIGN.md §4: a big unit must not be a hot key).
COUNTER_SHARDS = int(os.environ.get("COUNTER_SHARDS", "8"))

# Uploads: images with more pixels than this are verified by the S3-event verifier, not in the API
# request; a request waits at most this long for another run's verdict.
UPLOAD_INLINE_MAX_PIXELS = int(os.environ.get("UPLOAD_INLINE_MAX_PIXELS", "4000000"))
UPLOAD_VERDICT_WAIT_SECONDS = float(os.environ.get("UPLOAD_VERDICT_WAIT_SECONDS", "8"))

# Matter definitions are checked against their schema at import in the local stage only
# (matters/definition.py explains the cold-start cost); MATTER_SCHEMA_CHECK=1/0 overrides.
MATTER_SCHEMA_CHECK = os.environ.get("MATTER_SCHEMA_CHECK", "1" if STAGE == "local" else "0") != "0"

# Local wall-clock zone for "today" counters and notice windows.
TIMEZONE = "Asia/Shanghai"

# What a deployed stage cannot run without (no defaults outside `local`).
REQUIRED_DEPLOYED = {
    "TABLE_NAME": "TABLE_NAME" in os.environ,
    "ATTACHMENTS_BUCKET": "ATTACHMENTS_BUCKET" in os.environ,
    "JWT_ISSUER": "JWT_ISSUER" in os.environ,
    "JWT_JWKS_URL": bool(JWT_JWKS_URL),
    "JWT_AUDIENCE": "JWT_AUDIENCE" in os.environ,
    "CORS_ALLOW_ORIGIN": bool(CORS_ALLOW_ORIGIN) and CORS_ALLOW_ORIGIN != "*",
    "PII_HASH_KEY_PARAMETER": bool(PII_HASH_KEY_PARAMETER),
}


class ConfigurationError(RuntimeError):
    """A deployed stage is missing a setting or a secret: it must not run with a default."""


def is_local() -> bool:
    return STAGE == "local"


def in_lambda() -> bool:
    return bool(LAMBDA_FUNCTION_NAME)


def check_deployed() -> None:
    """Refuse to start a non-local stage with a missing setting (names only, never values)."""
    if is_local():
        return
    missing = sorted(name for name, present in REQUIRED_DEPLOYED.items() if not present)
    if missing:
        raise ConfigurationError(f"stage {STAGE!r} refuses to start: missing {', '.join(missing)} "
                                 "(set by infra/template.yaml; see docs/runbook.md)")


if in_lambda():
    check_deployed()
