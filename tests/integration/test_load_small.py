"""The load run (bench/load.py) in a small, bounded form: concurrent applicants and reviewers
through the whole flow with real uploads, then the stored state is checked. It runs twice against
the one stack (fresh identities each run) and reports the AWS calls of each request type."""


def test_concurrent_flow_loses_and_duplicates_nothing_and_runs_again(stack):
    from bench.load import print_report, run

    calls_log = getattr(stack, "calls_log", None)
    for _ in range(2):      # the second run against the same stack: new people, new ID numbers
        report = run(stack.api_url, applicants=6, workers=4, calls_log=calls_log)
        print_report(report)
        assert report["declarations"] == 6
        assert report["errors"] == [] and report["problems"] == []
        assert len(report["trend"]) == 4
        if calls_log is not None:
            calls = report["aws_calls"]
            submit = calls["POST /declarations/{decl_id}/submit"]
            assert submit["requests"] == 12       # each applicant taps twice
            assert "StartExecution" in submit["calls"] and "TransactWriteItems" in submit["calls"]
            assert calls["authorizer"]["requests"] > 0     # locally the authorizer runs on every request
