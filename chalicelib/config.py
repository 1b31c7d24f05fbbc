"""Configuration from environment variables (set per stage in .chalice/config.json).

Read at import with defaults so that tests can set the environment before importing the app.
"""
import os

STAGE = os.environ.get("STAGE", "local")
APP_NAME = os.environ.get("APP_NAME", "talent-grading")
TABLE_NAME = os.environ.get("TABLE_NAME", f"{APP_NAME}-{STAGE}-main")
ATTACHMENTS_BUCKET = os.environ.get("ATTACHMENTS_BUCKET", f"{APP_NAME}-{STAGE}-attachments")
REVIEW_QUEUE_URL = os.environ.get("REVIEW_QUEUE_URL", "")
EXPORT_QUEUE_URL = os.environ.get("EXPORT_QUEUE_URL", "")
REVIEW_STATE_MACHINE_ARN = os.environ.get("REVIEW_STATE_MACHINE_ARN", "")
AWS_REGION = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "cn-north-1"

# Identity: tokens are RS256 JWTs issued by the province's identity platform (or, in the local
# stage only, by the development token endpoint).
JWT_ISSUER = os.environ.get("JWT_ISSUER", "https://id.local.talent-grading")
JWT_AUDIENCE = os.environ.get("JWT_AUDIENCE", "talent-grading-api")
JWT_PUBLIC_KEY = os.environ.get("JWT_PUBLIC_KEY", "")
JWT_JWKS_URL = os.environ.get("JWT_JWKS_URL", "")
DEV_JWT_PRIVATE_KEY_FILE = os.environ.get("DEV_JWT_PRIVATE_KEY_FILE", "")
TOKEN_TTL_SECONDS = int(os.environ.get("TOKEN_TTL_SECONDS", "3600"))

# Tracing is on only where the X-Ray daemon exists (AWS stages).
XRAY_ENABLED = os.environ.get("XRAY_ENABLED", "false").lower() == "true"

# Hot counters are spread over this many shards (DESIGN.md §4: a big unit must not be a hot key).
COUNTER_SHARDS = int(os.environ.get("COUNTER_SHARDS", "8"))

# Local wall-clock zone for "today" counters and notice windows.
TIMEZONE = "Asia/Shanghai"


def is_local() -> bool:
    return STAGE == "local"
