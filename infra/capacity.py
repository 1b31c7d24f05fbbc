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
