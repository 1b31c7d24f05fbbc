"""The load run (bench/load.py) in a small, bounded form: concurrent applicants and reviewers
through the whole flow with real uploads, then the stored state is checked."""


def test_concurrent_flow_loses_and_duplicates_nothing(stack):
    from bench.load import print_report, run

    report = run(stack.api_url, applicants=8, workers=4)
    print_report(report)
    assert report["declarations"] == 8
    assert report["errors"] == [] and report["problems"] == []
