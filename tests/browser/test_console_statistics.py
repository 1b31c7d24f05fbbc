"""统计分析 in the console at 1366×768: the provincial office opens the page, every chart is drawn
with its table beside it, exports a PNG and an XLSX, axe finds no serious or critical violation;
the console's first load does not carry ECharts (loaded on demand by the page)."""
import datetime as dt
import re

import boto3
from playwright.sync_api import expect

from tests.helpers.console import axe

SMALL = {"width": 1366, "height": 768}
# Compressed JS+CSS of the console's first screen (login → 工作台): 123.5 KB measured with the
# 统计分析 menu entry and route (ECharts, 550 KB raw / 156 KB br, is not part of it).
CONSOLE_BUDGET_BYTES = 125 * 1024


def _seed(stack):
    """Counters as the hooks write them (a window in progress), straight into the local table."""
    year = str(dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).year)
    db = boto3.client("dynamodb", endpoint_url=stack.moto_url, region_name="cn-north-1",
                      aws_access_key_id="test", aws_secret_access_key="test")
    table = stack.env["TABLE_NAME"]
    counts = {"status|submitted": 120, "status|returned": 14, "status|approved": 30, "status|terminated": 6,
              "reached|recommending_unit": 40, "reached|superiors": 35, "reached|city_bureau": 25,
              "reached|province": 20, "reached|committee": 50,
              "open|recommending_unit": 18, "open|superiors": 12, "open|city_bureau": 9, "open|province": 4,
              "tosend|recommending_unit": 3, "due|superiors|20200101": 5, "due|city_bureau|20200102": 2,
              "decided|recommending_unit": 80, "returned|recommending_unit": 9, "decided|superiors": 60,
              "returned|superiors": 4, "wrong|work": 7, "wrong|honours": 3, "wrong|basic": 2,
              "result|通过|A类": 6, "result|通过|C类": 14, "result|未通过|": 8,
              "region|220100|通过": 15, "region|220200|通过": 5, "region|220100|未通过": 8}
    for i in range(9):
        counts[f"wait|recommending_unit|{i}"] = 9 - i
        counts[f"wait|superiors|{i}"] = i + 1
    for d in range(1, 11):
        counts[f"sub|{year}03{d:02d}"] = 5 + d
    item = {"PK": {"S": f"STAT#P#TALENT_GRADING#{year}"}, "SK": {"S": "S#00"}, "type": {"S": "StatShard"},
            **{k: {"N": str(v)} for k, v in counts.items()}}
    db.put_item(TableName=table, Item=item)
    db.put_item(TableName=table, Item={"PK": {"S": f"STAT#P#TALENT_GRADING#{year}"}, "SK": {"S": "B#11220100013544400#00"},
                                       "type": {"S": "StatShard"}, "body": {"S": "11220100013544400"},
                                       "body_name": {"S": "长春市人力资源和社会保障局"}, "stage": {"S": "city_bureau"},
                                       "open": {"N": "9"}, "due|20200102": {"N": "2"}})
    for day in range(1, 6):
        db.put_item(TableName=table, Item={"PK": {"S": f"STAT#P#TALENT_GRADING#{year}"}, "SK": {"S": f"D#{year}030{day}"},
                                           "type": {"S": "StatShard"}, "open": {"N": str(30 + day)},
                                           "overdue": {"N": str(day)}})

    return year


def _submitted(stack, year) -> int:
    """已申报 as the API counts it: the seeded shard plus what earlier tests on this stack submitted."""
    import requests

    token = requests.post(f"{stack.api_url}/dev/token", json={"login": "province-agent"}, timeout=10).json()["token"]
    fig = requests.get(f"{stack.api_url}/statistics", params={"matter": "TALENT_GRADING", "year": year},
                       headers={"Authorization": f"Bearer {token}"}, timeout=30).json()
    return next(r["count"] for r in fig["status"] if r["status"] == "submitted")


def test_statistics_page_at_1366(browser, web_stack, shot):
    year = _seed(web_stack)
    submitted = _submitted(web_stack, year)
    assert submitted >= 120
    ctx = browser.new_context(viewport=SMALL, locale="zh-CN", timezone_id="Asia/Shanghai", accept_downloads=True)
    page = ctx.new_page()
    sizes = {}

    def count(resp):
        if resp.request.resource_type in ("script", "stylesheet") and resp.url.startswith(web_stack.web_url):
            resp.finished()
            sizes[resp.url] = resp.request.sizes()["responseBodySize"]

    page.on("response", count)
    page.goto(f"{web_stack.web_url}/#/login")
    page.click("[data-login='province-agent']")
    expect(page.get_by_role("menuitem", name="工作台")).to_be_visible()
    page.wait_for_load_state("networkidle")
    first = dict(sizes)
    total = sum(first.values())
    print(f"console first load: {len(first)} JS/CSS files, {total / 1024:.1f} KB compressed")
    assert not any("echarts" in u or "Statistics" in u for u in first), first
    assert total <= CONSOLE_BUDGET_BYTES, f"{total / 1024:.1f} KB: {first}"

    page.get_by_role("menuitem", name="统计分析").click()
    expect(page.locator("[data-test=scope-name]")).to_contain_text("吉林省")
    for key in ("status", "reached", "submissions", "backlog", "bodies", "waiting", "returns", "wrong_modules",
                "results", "results_by_region", "trend"):
        block = page.locator(f"[data-test=chart-{key}]")
        expect(block.locator("canvas").first).to_be_attached()
        expect(block.locator(".el-table")).to_be_visible()
    assert any("echarts" in u for u in sizes), "ECharts is loaded when the page opens"
    status = page.locator("[data-test=chart-status] .el-table")
    expect(status).to_contain_text("已申报")
    expect(status).to_contain_text(str(submitted))
    expect(page.locator("[data-test=chart-backlog] .el-table")).to_contain_text("上级单位")
    expect(page.locator("[data-test=chart-bodies] .el-table")).to_contain_text("长春市人力资源和社会保障局")
    expect(page.locator("[data-test=chart-results_by_region] .el-table")).to_contain_text("长春市")
    page.wait_for_function("document.getAnimations().every(a => a.playState !== 'running')")
    shot(page, "console-statistics-1366")
    axe(page, "statistics 1366")

    block = page.locator("[data-test=chart-backlog]")
    with page.expect_download() as png:
        block.get_by_role("button", name="导出图片").click()
    assert re.search(r"\.png$", png.value.suggested_filename)
    with page.expect_response(lambda r: "/statistics/export" in r.url and r.request.method == "GET") as answer:
        block.get_by_role("button", name="导出表格").click()
    assert answer.value.status == 200 and answer.value.json()["file_name"].endswith(".xlsx")
    ctx.close()


def test_a_unit_sees_its_own_scope(browser, web_stack):
    ctx = browser.new_context(viewport=SMALL, locale="zh-CN", timezone_id="Asia/Shanghai")
    page = ctx.new_page()
    page.goto(f"{web_stack.web_url}/#/login")
    page.click("[data-login='university-agent']")
    expect(page.get_by_role("menuitem", name="工作台")).to_be_visible()
    page.get_by_role("menuitem", name="统计分析").click()
    expect(page.locator("[data-test=scope-name]")).to_contain_text("长白理工大学")
    expect(page.locator("[data-test=scope]")).to_have_count(0)      # no province/region choice
    axe(page, "statistics unit")
    ctx.close()
