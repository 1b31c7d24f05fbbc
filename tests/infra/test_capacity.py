"""docs/capacity.md's arithmetic held to the template: the stage throttle follows the window size
(WindowDeclarations → WindowThrottle), the busiest minute of each window fits under it, and the
Lambda concurrency a deploy requires is computed from the template's reserved concurrency."""
import json
import pathlib
import re

import pytest
import yaml

from infra import capacity

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def template():
    return yaml.safe_load((ROOT / "infra" / "template.yaml").read_text(encoding="utf-8"))


def stage_params(stage: str) -> dict:
    return json.loads((ROOT / "infra" / "parameters" / f"{stage}.json").read_text(encoding="utf-8"))


def test_the_issue_s_window_is_not_above_the_throttle(template):
    """100,000 declarations, 20 % on the last day: ≈ 333 req/s in the busiest minute (issue 29: ≈ 340),
    which the old fixed stage throttle of 300 would have refused."""
    peak = capacity.busiest_minute(100_000)
    assert 330 <= peak <= 340
    rate, burst = capacity.throttle(template, {"WindowDeclarations": "100000"})
    assert rate >= 1.4 * peak and burst >= 2 * rate
    assert peak > 300   # the fixed throttle this replaces


def test_every_window_size_gets_a_throttle_above_its_busiest_minute(template):
    allowed = template["Parameters"]["WindowDeclarations"]["AllowedValues"]
    assert sorted(template["Mappings"]["WindowThrottle"], key=int) == sorted(allowed, key=int)
    previous = 0
    for window in sorted(allowed, key=int):
        rate, burst = capacity.throttle(template, {"WindowDeclarations": window})
        assert rate >= 1.4 * capacity.busiest_minute(int(window)), window
        assert burst == 2 * rate and rate > previous, window
        previous = rate


def test_each_stage_s_parameters_size_its_throttle(template):
    for stage in ("dev", "prod"):
        params = stage_params(stage)
        assert "ApiThrottleRateLimit" not in params, "the throttle follows WindowDeclarations"
        rate, _ = capacity.throttle(template, params)
        assert rate >= capacity.busiest_minute(int(params["WindowDeclarations"]))
    assert capacity.throttle(template, stage_params("prod")) == (500, 1000)
    # the runbook's stop-writes override still wins
    assert capacity.throttle(template, {**stage_params("prod"), "ApiThrottleRateLimit": "1",
                                        "ApiThrottleBurstLimit": "1"}) == (1, 1)


def test_the_stage_throttle_reads_the_window_mapping(template):
    stage_wide = template["Resources"]["RestAPI"]["Properties"]["MethodSettings"][0]
    rate = stage_wide["ThrottlingRateLimit"]["Fn::If"]
    assert rate[0] == "ThrottleRateGiven" and rate[1] == {"Ref": "ApiThrottleRateLimit"}
    assert rate[2] == {"Fn::FindInMap": ["WindowThrottle", {"Ref": "WindowDeclarations"}, "Rate"]}
    burst = stage_wide["ThrottlingBurstLimit"]["Fn::If"]
    assert burst[2] == {"Fn::FindInMap": ["WindowThrottle", {"Ref": "WindowDeclarations"}, "Burst"]}


def test_required_lambda_concurrency_comes_from_the_template(template):
    reserved = capacity.reserved_concurrency(template)
    text = (ROOT / "infra" / "template.yaml").read_text(encoding="utf-8")
    assert sum(reserved.values()) == sum(int(n) for n in re.findall(r"ReservedConcurrentExecutions: (\d+)", text))
    need = capacity.required_concurrency(template, stage_params("prod"))
    assert need["unreserved"] == 100 and need["total"] == need["reserved"] + 100
    big = capacity.required_concurrency(template, {"WindowDeclarations": "200000"})
    assert big["unreserved"] == 150    # 1,000 req/s × 0.15 s outgrows Lambda's 100
    assert capacity.quota_problem(need["total"], need) is None
    assert "Service Quotas" in capacity.quota_problem(need["total"] - 1, need)


def test_capacity_md_states_the_figures_the_code_computes(template):
    doc = (ROOT / "docs" / "capacity.md").read_text(encoding="utf-8")
    need = capacity.required_concurrency(template, stage_params("prod"))
    assert f"reserved {need['reserved']}" in doc and f"≥ {need['total']}" in doc
    assert f"{capacity.busiest_minute(100_000):.0f} req/s" in doc
    assert "500 / 1,000" in doc


def test_the_cost_of_a_window_in_capacity_md_is_the_model_s():
    doc = (ROOT / "docs" / "capacity.md").read_text(encoding="utf-8")
    cost = capacity.window_cost(100_000)
    assert f"**≈ ¥{cost['total']:,.0f}**" in doc
    for line, cny in cost["lines"].items():
        assert f"| {cny:,.0f} |" in doc or f"| {cny:,.0f} (was" in doc, line
    # the one price read from the China price page, and every other line marked assumed
    assert "¥11.1538 per million write request units" in doc
    table = doc[doc.index("## 5."):]
    rows = [r for r in table.splitlines() if r.startswith("| ") and "CNY" not in r and "**one window**" not in r
            and not r.startswith("|---")]
    assert all("assumed" in r or "China price page" in r for r in rows), rows
