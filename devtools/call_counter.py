"""AWS calls per request type in the local stack's API process, for the load run (bench.load).

`install(path)` wraps the Chalice app and its authorizer: each invocation is labelled with its
route template ("POST /declarations/{decl_id}/submit", or "authorizer"), every botocore call made
while it runs is counted under that label, and after each invocation the totals are written to
`path` as JSON {label: {"requests": n, "calls": {operation: n}}} (atomically: the load run reads it
while the API serves). The API server turns it on when AWS_CALLS_LOG is set (the local stack sets
it to .local/logs/aws-calls-<moto port>.json). Calls made on threads the request started (boto3's
transfer threads) are not counted; the API makes none.
"""
import collections
import contextvars
import json
import os
import pathlib
import threading

LABEL: contextvars.ContextVar = contextvars.ContextVar("aws_calls_label", default=None)
_counts: dict = collections.defaultdict(lambda: {"requests": 0, "calls": collections.Counter()})
_lock = threading.Lock()
_path: pathlib.Path | None = None


def _label(event) -> str:
    ctx = (event or {}).get("requestContext") or {} if isinstance(event, dict) else {}
    return f"{ctx.get('httpMethod', '?')} {ctx.get('resourcePath', '?')}"


def _dump() -> None:
    if _path is None:
        return
    data = {label: {"requests": v["requests"], "calls": dict(v["calls"])} for label, v in _counts.items()}
    tmp = _path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, sort_keys=True))
    os.replace(tmp, _path)


def _counted(label_of, fn):
    def call(self, *args, **kwargs):
        token = LABEL.set(label_of(args[0] if args else None))
        try:
            return fn(self, *args, **kwargs)
        finally:
            with _lock:
                _counts[LABEL.get()]["requests"] += 1
                _dump()
            LABEL.reset(token)
    call._aws_calls = True
    return call


def install(path) -> None:
    global _path
    import botocore.client
    import chalice.app

    _path = pathlib.Path(path)
    _path.parent.mkdir(parents=True, exist_ok=True)
    if getattr(chalice.app.Chalice.__call__, "_aws_calls", False):
        return
    chalice.app.Chalice.__call__ = _counted(_label, chalice.app.Chalice.__call__)
    chalice.app.ChaliceAuthorizer.__call__ = _counted(lambda _: "authorizer", chalice.app.ChaliceAuthorizer.__call__)
    original = botocore.client.BaseClient._make_api_call

    def counting(self, operation_name, api_params):
        label = LABEL.get()
        if label is not None:
            with _lock:
                _counts[label]["calls"][operation_name] += 1
        return original(self, operation_name, api_params)

    botocore.client.BaseClient._make_api_call = counting


def install_from_environment() -> None:
    if os.environ.get("AWS_CALLS_LOG"):
        install(os.environ["AWS_CALLS_LOG"])


def read(path) -> dict:
    path = pathlib.Path(path)
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def difference(after: dict, before: dict) -> dict:
    """{label: {"requests": n, "calls": {op: n}}} of what happened between two reads."""
    out = {}
    for label, now in after.items():
        then = before.get(label, {"requests": 0, "calls": {}})
        requests = now["requests"] - then["requests"]
        calls = {op: n - then["calls"].get(op, 0) for op, n in now["calls"].items()}
        calls = {op: n for op, n in calls.items() if n}
        if requests:
            out[label] = {"requests": requests, "calls": calls}
    return out
