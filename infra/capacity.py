"""The window arithmetic of docs/capacity.md, computed from the template and the stage's parameters,
and the deploy's Lambda concurrency check (`./dev deploy` runs it before the change set).

A window of N declarations with 20 % of them on the last day, ~100 requests each that day, over 8
office hours, the peak hour 30 % of them and its busiest minute 2 × the peak hour:
N × 0.2 × 100 / 28,800 × 2.4 × 2 = N / 300 requests per second (100,000 → 333).
"""
import math

LAST_DAY_SHARE = 0.20
REQUESTS_PER_DECLARATION = 100
OFFICE_SECONDS = 8 * 3600
PEAK_HOUR_FACTOR = 0.30 * 8        # the peak hour carries 30 % of the 8 hours
PEAK_MINUTE_FACTOR = 2.0           # the busiest minute runs at 2 × the peak hour
UNRESERVED_MINIMUM = 100           # Lambda keeps 100 of the account's concurrency unreserved
API_SECONDS = 0.10                 # an API invocation (assumed; README "Measured": handler ≤ 0.4 ms CPU + DynamoDB)
AUTHORIZER_SECONDS = 0.05          # the authorizer, one per request while its result is not cached


def busiest_minute(declarations: int) -> float:
    """Requests per second in the busiest minute of a window of `declarations`."""
    average = declarations * LAST_DAY_SHARE * REQUESTS_PER_DECLARATION / OFFICE_SECONDS
    return average * PEAK_HOUR_FACTOR * PEAK_MINUTE_FACTOR


def _value(template: dict, params: dict, name: str) -> str:
    spec = template.get("Parameters", {}).get(name, {})
    return str(params.get(name, spec.get("Default", "")))


def throttle(template: dict, params: dict) -> tuple:
    """(rate, burst) of the stage throttle: the explicit override, else WindowThrottle[WindowDeclarations]."""
    window = _value(template, params, "WindowDeclarations")
    tier = template["Mappings"]["WindowThrottle"][window]
    rate = int(float(_value(template, params, "ApiThrottleRateLimit") or 0)) or int(tier["Rate"])
    burst = int(float(_value(template, params, "ApiThrottleBurstLimit") or 0)) or int(tier["Burst"])
    return rate, burst


def reserved_concurrency(template: dict) -> dict:
    """{function: ReservedConcurrentExecutions} of every function that reserves some."""
    out = {}
    for name, res in template.get("Resources", {}).items():
        if res.get("Type") in ("AWS::Serverless::Function", "AWS::Lambda::Function"):
            value = res.get("Properties", {}).get("ReservedConcurrentExecutions")
            if isinstance(value, (int, str)) and str(value).isdigit():
                out[name] = int(value)
    return out


def required_concurrency(template: dict, params: dict) -> dict:
    """What the account's concurrent-executions quota must be for this template and window: the
    reserved sum, the provisioned concurrency (API + authorizer), and the unreserved pool, which
    Lambda keeps at ≥ 100 and which must hold the API and the authorizer at the stage throttle."""
    rate, _ = throttle(template, params)
    reserved = reserved_concurrency(template)
    provisioned = 2 * int(float(_value(template, params, "ApiProvisionedConcurrency") or 0))
    at_throttle = math.ceil(round(rate * (API_SECONDS + AUTHORIZER_SECONDS), 6))
    unreserved = max(UNRESERVED_MINIMUM, at_throttle)
    return {"reserved": sum(reserved.values()), "reserved_by": reserved, "provisioned": provisioned,
            "unreserved": unreserved, "at_throttle": at_throttle, "rate": rate,
            "total": sum(reserved.values()) + provisioned + unreserved}


def quota_problem(account_limit: int, need: dict) -> str | None:
    """None when the account's quota is enough, else the message the deploy refuses with."""
    if account_limit >= need["total"]:
        return None
    parts = ", ".join(f"{k} {v}" for k, v in sorted(need["reserved_by"].items()))
    return (f"Lambda concurrent executions quota of this account and region is {account_limit}; the stack needs "
            f"≥ {need['total']}: reserved {need['reserved']} ({parts}) + provisioned {need['provisioned']} + "
            f"unreserved {need['unreserved']} (Lambda keeps ≥ {UNRESERVED_MINIMUM}; the API and authorizer at the "
            f"stage throttle of {need['rate']} req/s need {need['at_throttle']}). Request an increase in Service "
            f"Quotas (service code lambda, quota L-B99A9384 'Concurrent executions') before deploying "
            f"(docs/runbook.md §1), or deploy a smaller WindowDeclarations.")


# --- cost of one window (docs/capacity.md §5) ------------------------------------------------------
# Prices in CNY. Only DynamoDB's on-demand write price was read from the China price page
# (www.amazonaws.cn/en/dynamodb/pricing, as stored in the reference corpus); every other line is the
# global list price × CNY_PER_USD, an assumption to replace with the amazonaws.cn figures (the one
# China price found is ~1.24 × the converted global one, so these likely understate).
CNY_PER_USD = 7.2
PRICES = {
    "apigw_per_million": 3.50 * CNY_PER_USD,              # REST API requests (assumed)
    "lambda_per_million": 0.20 * CNY_PER_USD,             # Lambda requests (assumed)
    "lambda_per_gb_s": 0.0000166667 * CNY_PER_USD,        # Lambda x86 duration (assumed)
    "ddb_write_per_million": 11.1538,                     # on-demand WRU (China price page)
    "ddb_read_per_million": 11.1538 / 5,                  # on-demand RRU (assumed: 1/5 of writes)
    "ddb_gb_month": 0.25 * CNY_PER_USD,                   # table storage (assumed)
    "sfn_per_thousand": 0.025 * CNY_PER_USD,              # Standard state transitions (assumed)
    "s3_put_per_thousand": 0.005 * CNY_PER_USD,           # S3 PUT/COPY/POST (assumed)
    "s3_get_per_thousand": 0.0004 * CNY_PER_USD,          # S3 GET (assumed)
    "s3_gb_month": 0.023 * CNY_PER_USD,                   # S3 Standard (assumed)
    "kms_key_month": 1.0 * CNY_PER_USD,                   # a customer-managed key (assumed)
    "logs_per_gb": 0.50 * CNY_PER_USD,                    # CloudWatch Logs ingestion (assumed)
}
API_MEMORY_GB = 1.0            # the API and the authorizer (prod: 1,024 MB)
LEVELS = 4                     # review levels of a typical route (assumed; 2–5 by matter and 人事管理权限)
ROUNDS = 1.2                   # executions per declaration (a fifth returned once: assumed)
UPLOADS = 15                   # attachments per declaration (assumed), ~1 MB each
KEYS = 4                       # customer-managed KMS keys of the stack (data, logs, audit, signing)


def transitions_per_round(levels: int) -> int:
    """Billed state transitions of one round through `levels` levels and the committee
    (tests/infra/test_review_transitions.py counts them on the ASL): 2 a level + 1."""
    return 2 * levels + 1


def window_cost(declarations: int) -> dict:
    """CNY per line for one window of `declarations` (the last day's peak does not change the sum)."""
    p = PRICES
    requests = declarations * REQUESTS_PER_DECLARATION
    reads, writes = 0.60 * requests * 5, (0.35 * requests * 4 + 0.05 * requests * 24)   # RRU, WRU (§2)
    lines = {
        "API Gateway requests": requests / 1e6 * p["apigw_per_million"],
        "Lambda API": requests / 1e6 * p["lambda_per_million"] + requests * API_SECONDS * API_MEMORY_GB * p["lambda_per_gb_s"],
        "Lambda authorizer (one per request)": requests / 1e6 * p["lambda_per_million"]
        + requests * AUTHORIZER_SECONDS * API_MEMORY_GB * p["lambda_per_gb_s"],
        "DynamoDB reads": reads / 1e6 * p["ddb_read_per_million"],
        "DynamoDB writes": writes / 1e6 * p["ddb_write_per_million"],
        "DynamoDB storage (a month, ~60 KB a declaration)": declarations * 60e3 / 1e9 * p["ddb_gb_month"],
        "Step Functions transitions": declarations * ROUNDS * transitions_per_round(LEVELS) / 1e3 * p["sfn_per_thousand"],
        "S3 uploads, verifier copies and reads": declarations * UPLOADS * (2 * p["s3_put_per_thousand"]
                                                                           + 3 * p["s3_get_per_thousand"]) / 1e3,
        "S3 storage (a month, ~1 MB an attachment)": declarations * UPLOADS * 1e6 / 1e9 * p["s3_gb_month"],
        "KMS keys (a month)": KEYS * p["kms_key_month"],
        "CloudWatch Logs (~1 KB a request)": requests * 1e3 / 1e9 * p["logs_per_gb"],
    }
    return {"lines": lines, "total": sum(lines.values()), "requests": requests}
