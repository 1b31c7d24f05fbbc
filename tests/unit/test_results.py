"""评审结果 (manual 001 §3.7) for every level: rows written with the state change that makes a
declaration visible, the filters, the read budget, identifiers only in bodies, exports."""
import io

import openpyxl

from tests.helpers.declarations import fetch as _fetch
from tests.helpers.declarations import run_exports as _run_exports
from tests.helpers.results import committee as _committee
from tests.helpers.results import ready_high as _ready_high
from tests.helpers.review import CHAIN, add_report, decide, pass_and_send, ready, wait_task


def _ready_company(client, world):
    """applicant2's unit (company, 吉林市) completes its 报送信息 first, with a landline."""
    legal = world.headers("company-legal")
    unit = client.get("/units/me", headers=legal).json
    body = {"name": unit["name"], "region_code": unit["region_code"], "reporting_info": {
        "contact_name": "王主任", "contact_phone": "0432-6200000", "contact_post": "人事处长",
        "office_address": "吉林市船营区", "personnel_authority": "市（州）属"}}
    resp = client.put("/units/me", headers={**legal, "If-Match": str(unit["version"])}, json_body=body)
    assert resp.status == 200, resp.json
    return ready(client, world, "applicant2")


def _search(client, world, login, **filters):
    resp = client.post("/results/search", headers=world.headers(login), json_body=filters)
    assert resp.status == 200, resp.json
    return resp.json


def _ids(page):
    return [r["decl_id"] for r in page["items"]]


def test_every_level_sees_the_results_of_declarations_that_passed_through_it(client, world, aws):
    decl = _ready_high(client, world)
    d = decl["decl_id"]
    client.post(f"/declarations/{d}/submit", headers=world.headers("applicant1"))
    # at submit: the recommending unit and the provincial office (which sees all)
    assert _ids(_search(client, world, "institute-agent")) == [d]
    assert _ids(_search(client, world, "province-agent")) == [d]
    assert _ids(_search(client, world, "university-agent")) == []      # not reached yet
    pass_and_send(client, world, aws, "institute-agent", d)
    wait_task(client, world, aws, "university-agent", d)
    assert _ids(_search(client, world, "university-agent")) == [d]     # its task opened: visible
    for login in CHAIN[1:]:
        pass_and_send(client, world, aws, login, d)
    _committee(client, world, aws, d)
    for login in CHAIN:
        rows = _search(client, world, login, result="通过")["items"]
        assert [(r["decl_id"], r["result"], r["result_level"]) for r in rows] == [(d, "通过", "B类")], login
        assert rows[0]["talent_category"] == "高层次人才" and rows[0]["city_name"] == "长春市"
        assert rows[0]["id_number"].count("*") == 8
        assert _search(client, world, login, result="未认定")["items"] == []
    for outsider in ("company-agent", "jl-bureau-agent"):
        assert _search(client, world, outsider)["items"] == []


def test_filters_of_manual_001_and_the_id_number_only_in_a_body(client, world, aws):
    a = _ready_high(client, world, "applicant1")
    client.post(f"/declarations/{a['decl_id']}/submit", headers=world.headers("applicant1"))
    b = _ready_company(client, world)         # another unit (company, 吉林市), no 人才认定分类
    client.post(f"/declarations/{b['decl_id']}/submit", headers=world.headers("applicant2"))
    p = "province-agent"
    assert set(_ids(_search(client, world, p))) == {a["decl_id"], b["decl_id"]}
    assert _ids(_search(client, world, p, name="明远")) == [a["decl_id"]]
    full_a = client.get(f"/declarations/{a['decl_id']}", headers=world.headers("applicant1")).json
    number = full_a["modules"]["basic"]["content"]["id_number"]
    assert _ids(_search(client, world, p, id_number=number.lower())) == [a["decl_id"]]
    assert _ids(_search(client, world, p, unit=world.code("company"))) == [b["decl_id"]]
    assert _ids(_search(client, world, p, city="220100")) == [a["decl_id"]]
    assert _ids(_search(client, world, p, city="220200")) == [b["decl_id"]]
    assert _ids(_search(client, world, p, talent_category="高层次")) == [a["decl_id"]]
    assert set(_ids(_search(client, world, p, applied_level="C类"))) == {a["decl_id"], b["decl_id"]}
    assert _ids(_search(client, world, p, applied_level="A类")) == []
    assert _ids(_search(client, world, p, result="通过")) == []
    bad = client.post("/results/search", headers=world.headers(p), json_body={"result": "优秀"})
    assert bad.status == 422 and bad.json["Code"]
    assert client.post("/results/search", headers=world.headers("applicant1"), json_body={}).status == 403
    # no route takes a 证件号码 in its query string
    spec = client.get("/openapi.json").json
    for path, ops in spec["paths"].items():
        for op in ops.values():
            names = [prm["name"] for prm in op.get("parameters", []) if prm.get("in") == "query"]
            assert "id_number" not in names, path


def test_a_filtered_search_reads_at_most_the_budget_and_returns_a_cursor(client, world, monkeypatch, aws_calls):
    """Rows written straight to the table: 7 rows, the one that matches is the oldest."""
    from chalicelib.models.results import ResultRow
    from chalicelib.services import results

    viewer = world.code("province")
    for n in range(7):
        pk, sk = ResultRow.key(f"d{n}", viewer)
        at = f"2026-05-0{n + 1}T00:00:00.000Z"
        ResultRow(pk=pk, sk=sk, decl_id=f"d{n}", viewer_code=viewer, matter_type="TALENT_GRADING", year="2026",
                  person_name="目标人" if n == 0 else f"其他{n}", id_number="220102198506123016",
                  id_hash=results.id_digest("220102198506123016"), unit_code="X", unit_name="某单位",
                  submitted_at=at, updated_at=at, gsi2pk=results.results_key(viewer, "TALENT_GRADING", "2026"),
                  gsi2sk=f"未认定#{at}#d{n}").save()
    monkeypatch.setattr(results, "READ_BUDGET", 3)
    found, cursor, requests = [], None, 0
    while True:
        aws_calls.clear()
        page = _search(client, world, "province-agent", year="2026", name="目标", cursor=cursor)
        requests += 1
        assert aws_calls.count("Query") == 1 and page["scanned"] <= 3      # one page, within budget
        found += _ids(page)
        cursor = page["next_cursor"]
        if not cursor:
            break
        assert requests < 10
    assert found == ["d0"] and requests == 3       # 3 + 3 + 1 rows read
    # without filters a page is the page size (+1 to know there is more)
    page = _search(client, world, "province-agent", year="2026", limit=5)
    assert len(page["items"]) == 5 and page["next_cursor"] and page["budget"] == 6
    rest = _search(client, world, "province-agent", year="2026", limit=5, cursor=page["next_cursor"])
    assert len(rest["items"]) == 2 and rest["next_cursor"] is None
    # a cursor of another partition is refused
    other = client.post("/results/search", headers=world.headers("institute-agent"),
                        json_body={"year": "2026", "cursor": page["next_cursor"]})
    assert other.status == 400 and other.json["Code"] == "BAD_CURSOR"


def _rows(client, world, login, job_id):
    done = client.get(f"/exports/{job_id}", headers=world.headers(login)).json
    assert done["state"] == "done", done
    return list(openpyxl.load_workbook(io.BytesIO(_fetch(done["download"]["url"]))).active.iter_rows(
        min_row=3, values_only=True))


def test_province_export_of_the_selection_and_of_one_row_carries_the_talent_category(client, world, aws):
    a = _ready_high(client, world, "applicant1")
    client.post(f"/declarations/{a['decl_id']}/submit", headers=world.headers("applicant1"))
    b = _ready_company(client, world)
    client.post(f"/declarations/{b['decl_id']}/submit", headers=world.headers("applicant2"))
    p = "province-legal"
    whole = client.post("/exports", headers=world.headers(p), json_body={"year": a["year"]})
    assert whole.status == 201 and "id_number" not in whole.json["filters"]
    one = client.post("/exports", headers=world.headers(p), json_body={"year": a["year"], "decl_ids": [a["decl_id"]]})
    cut = client.post("/exports", headers=world.headers(p),
                      json_body={"year": a["year"], "talent_category": "高层次人才"})
    _run_exports(aws)
    rows = _rows(client, world, p, whole.json["job_id"])
    assert sorted(r[1] for r in rows) == ["张明远", "李文静"]
    high = next(r for r in rows if r[1] == "张明远")
    assert high[5] == "高层次人才" and high[4] == "C类" and len(high[6]) == 10 and high[8] == "未认定"
    assert [r[1] for r in _rows(client, world, p, one.json["job_id"])] == ["张明远"]
    assert [r[1] for r in _rows(client, world, p, cut.json["job_id"])] == ["张明远"]
    # a unit's selection export never contains a declaration it cannot see
    foreign = client.post("/exports", headers=world.headers("institute-legal"),
                          json_body={"year": a["year"], "decl_ids": [b["decl_id"], a["decl_id"]]})
    _run_exports(aws)
    assert [r[1] for r in _rows(client, world, "institute-legal", foreign.json["job_id"])] == ["张明远"]


def test_withdrawn_and_terminated_declarations_leave_the_results(client, world, aws):
    a = ready(client, world, "applicant1")
    d = a["decl_id"]
    client.post(f"/declarations/{d}/submit", headers=world.headers("applicant1"))
    wait_task(client, world, aws, "institute-agent", d)
    resp = decide(client, world, "institute-agent", d, outcome="return", problem_modules=["basic"],
                  opinion="请补充", marks={**{m: "correct" for m in ("education", "continuing", "work",
                                                                      "achievements", "honours", "attachments")},
                                             "basic": "wrong"})
    assert resp.status == 200, resp.json
    assert _ids(_search(client, world, "institute-agent")) == [d]     # returned: still its applicant
    assert client.post(f"/declarations/{d}/withdraw", headers=world.headers("applicant1")).status == 200
    assert _ids(_search(client, world, "institute-agent")) == []
    assert _ids(_search(client, world, "province-agent")) == []
    b = _ready_company(client, world)
    client.post(f"/declarations/{b['decl_id']}/submit", headers=world.headers("applicant2"))
    wait_task(client, world, aws, "company-agent", b["decl_id"])
    assert decide(client, world, "company-agent", b["decl_id"], outcome="terminate",
                  opinion="资格不符").status == 200
    assert _ids(_search(client, world, "company-agent")) == []
    assert _ids(_search(client, world, "province-agent")) == []


def test_review_search_by_id_number_in_the_body_and_report_state_survives_a_reload(client, world, aws):
    a = ready(client, world, "applicant1")
    d = a["decl_id"]
    client.post(f"/declarations/{d}/submit", headers=world.headers("applicant1"))
    task = wait_task(client, world, aws, "institute-agent", d)
    number = client.get(f"/declarations/{d}", headers=world.headers("applicant1")).json["modules"]["basic"][
        "content"]["id_number"]
    unit = world.headers("institute-agent")
    found = client.post("/reviews/search", headers=unit, json_body={"bucket": "pending", "id_number": number}).json
    assert [t["decl_id"] for t in found["items"]] == [d]
    row = found["items"][0]
    assert row["decl_unit_name"] == "长白理工大学先进材料研究院" and row["applied_level"] == "C类"
    assert row["submitted_at"] and row["round"] == 1
    other = client.post("/reviews/search", headers=unit, json_body={"bucket": "pending", "id_number": "110101199003070011"})
    assert other.json["items"] == []
    assert decide(client, world, "institute-agent", d).status == 200
    # the report uploaded through the API (slot → S3 → complete) marks the task, so the list shows
    # 已上传 after 查询; deleting it clears the mark
    from tests.helpers import files
    from tests.helpers.uploads import post as _post

    pdf = files.pdf()
    slot = client.post(f"/reviews/{d}/report", headers=unit, json_body={
        "file_name": "推荐报告.pdf", "content_type": "application/pdf", "size": len(pdf)}).json
    _post(aws, slot, pdf)
    att_id = slot["attachment"]["attachment_id"]
    done = client.post(f"/reviews/{d}/report/{att_id}/complete", headers=unit)
    assert done.status == 200 and done.json["state"] == "verified", done.json
    listed = client.post("/reviews/search", headers=unit, json_body={"bucket": "to_send"}).json["items"]
    assert listed[0]["has_report"] is True and listed[0]["report_attachment_id"] == att_id
    assert client.delete(f"/reviews/{d}/report/{att_id}", headers=unit).status == 204
    listed = client.post("/reviews/search", headers=unit, json_body={"bucket": "to_send"}).json["items"]
    assert listed[0]["has_report"] is False
    add_report(d, task)
    sent = client.post("/reviews/send", headers=unit, json_body={"decl_ids": [d, "missing"]}).json
    assert [r["ok"] for r in sent["results"]] == [True, False] and sent["sent"] == 1


def test_export_rows_neutralise_formulas_and_date_in_beijing_time():
    from chalicelib.models.results import ResultRow
    from chalicelib.services import documents

    row = ResultRow(person_name="=HYPERLINK(\"x\")", id_number="220102198506123016", unit_name="@单位",
                    applied_level="C类", talent_category="+高层次人才", submitted_at="2026-05-01T17:30:00.000Z",
                    round=2, result="通过", result_level="B类")
    out = documents.result_row(row, full_ids=False)
    assert out[0] == "'=HYPERLINK(\"x\")" and out[2] == "'@单位" and out[4] == "'+高层次人才"
    assert out[1] == "220102********3016" and out[5] == "2026-05-02"       # 01:30 on 2 May in Beijing
    assert out[6] == "第2轮申报" and out[7:] == ("通过", "B类")
    assert documents.result_row(row, full_ids=True)[1] == "220102198506123016"
