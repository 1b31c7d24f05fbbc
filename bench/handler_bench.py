"""Handler CPU per request with AWS stubbed (DESIGN.md §5: single-digit milliseconds).

1. Record: in moto (in process), build the demo world and a submitted declaration, then call each
   hot endpoint once while capturing every AWS response.
2. Replay: call the Lambda handler (app.app(event, context), the API Gateway proxy event with the
   authorizer's context, as deployed) many times with botocore answering from the recording, and
   measure process CPU time per request. Also prints the AWS calls each endpoint makes.
"""
import json
import os
import statistics
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _event(method, path, resource, params, principal, body=None, headers=None, query=None):
    return {
        "resource": resource, "path": path, "httpMethod": method,
        "headers": {"Content-Type": "application/json", **(headers or {})},
        "multiValueHeaders": {}, "queryStringParameters": query, "multiValueQueryStringParameters": None,
        "pathParameters": params, "stageVariables": None,
        "requestContext": {"resourcePath": resource, "httpMethod": method, "requestId": "bench",
                           "authorizer": {**principal.context(), "principalId": principal.subject}},
        "body": json.dumps(body, ensure_ascii=False) if body is not None else None,
        "isBase64Encoded": False,
    }


class _Ctx:
    aws_request_id = "bench"
    function_name = "bench"

    def get_remaining_time_in_millis(self):
        return 30000


def main(quick: bool = False, repeat: int | None = None):
    sys.path.insert(0, ROOT)
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "bench")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench")
    os.environ.setdefault("AWS_DEFAULT_REGION", "cn-north-1")
    os.environ.pop("AWS_ENDPOINT_URL", None)
    os.environ["STAGE"] = "local"
    os.environ["TABLE_NAME"] = "talent-grading-bench-main"
    repeat = repeat or (50 if quick else 300)

    import botocore.client
    from moto import mock_aws

    from chalicelib import aws as clients
    from chalicelib import config
    from devtools.local_infra import deploy

    recorded = {}
    original = botocore.client.BaseClient._make_api_call

    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        env = deploy(None, stack_name="talent-grading-bench")
        for k, v in env.items():
            if hasattr(config, k):
                setattr(config, k, v)
        clients.reset_clients()
        from devtools import seed

        seed.seed_demo()
        import app as app_module

        from chalicelib.identity import Principal
        from chalicelib.models.accounts import DevLogin

        def principal(login):
            e = DevLogin.get(*DevLogin.key(login))
            return Principal(subject=e.subject, role=e.role, name=e.display_name, unit_code=e.unit_code or "",
                             is_legal=bool(e.is_legal), expires_at=int(time.time()) + 3600)

        applicant, unit = principal("applicant1"), principal("institute-agent")
        notice = app_module.app(_event("GET", "/notices", "/notices", None, applicant), _Ctx())
        notice_id = json.loads(notice["body"])["items"][0]["notice_id"]
        started = app_module.app(_event("POST", "/declarations", "/declarations", None, applicant,
                                        {"notice_id": notice_id, "confirmed": True}), _Ctx())
        decl = json.loads(started["body"])
        d = decl["decl_id"]
        cases = {
            "GET /declarations/{id}": _event("GET", f"/declarations/{d}", "/declarations/{decl_id}",
                                             {"decl_id": d}, applicant),
            "PUT /declarations/{id}/modules/{m}": None,   # built per call (version moves on)
            "GET /declarations/{id}/validation": _event("GET", f"/declarations/{d}/validation",
                                                        "/declarations/{decl_id}/validation", {"decl_id": d}, applicant),
            "GET /notices": _event("GET", "/notices", "/notices", None, applicant),
            "GET /workbench": _event("GET", "/workbench", "/workbench", None, unit),
            "GET /reviews": _event("GET", "/reviews", "/reviews", None, unit, query={"bucket": "pending"}),
        }
        version = decl["modules"]["achievements"]["version"]

        def save_event(v):
            return _event("PUT", f"/declarations/{d}/modules/achievements", "/declarations/{decl_id}/modules/{module}",
                          {"decl_id": d, "module": "achievements"}, applicant, {"content": "主持国家级项目三项。"},
                          {"If-Match": str(v)})

        for name, event in cases.items():
            calls = []

            def recording(self, op, params, _calls=calls):
                response = original(self, op, params)
                _calls.append((op, response))
                return response

            botocore.client.BaseClient._make_api_call = recording
            try:
                resp = app_module.app(event or save_event(version), _Ctx())
            finally:
                botocore.client.BaseClient._make_api_call = original
            assert resp["statusCode"] < 300, (name, resp["body"][:200])
            recorded[name] = calls
            if event is None:
                version += 1

    print(f"handler CPU per request, AWS stubbed from a recording ({repeat} runs, median / p95)")
    results = {}
    for name, calls in recorded.items():
        def replay(self, op, params, _state={"i": 0}, _calls=calls):
            expected, response = _calls[_state["i"] % len(_calls)]
            _state["i"] += 1
            return response

        botocore.client.BaseClient._make_api_call = replay
        samples = []
        try:
            for i in range(repeat):
                event = cases[name] or save_event(version)
                t = time.process_time()
                resp = app_module.app(event, _Ctx())
                samples.append((time.process_time() - t) * 1000)
                assert resp["statusCode"] < 300, (name, resp["statusCode"], resp["body"][:200])
        finally:
            botocore.client.BaseClient._make_api_call = original
        samples.sort()
        med, p95 = statistics.median(samples), samples[int(len(samples) * 0.95) - 1]
        ops = [op for op, _ in calls]
        results[name] = {"median_ms": med, "p95_ms": p95, "aws_calls": ops}
        print(f"  {name:<38} {med:6.2f} ms / {p95:6.2f} ms   AWS: {len(ops)} {ops}")
    return results


if __name__ == "__main__":
    main()
