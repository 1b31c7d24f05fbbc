"""A matter the province closes after declarations were made (issue 19 leftovers): new declarations
and the menu refuse it, the declarations already made stay viewable, reviewable to a result, listed,
filtered, exported and printable; and the 职称 results export through the export worker."""
import datetime as dt
import json
import os
import shutil

import pytest

from tests.helpers.matter_flow import committee_open as _committee_open
from tests.helpers.matter_flow import export as _export
from tests.helpers.matter_flow import h as _h
from tests.helpers.matter_flow import publish as _publish
from tests.helpers.matter_flow import save as _save
from tests.helpers.review import add_report, decide, pump, wait_task
from tests.helpers.title_declarations import BASIC, EXPERT, MODULE_CONTENT, NEXT

CLOSED = "TEST_NEXT_MATTER"


def _registry(folder, monkeypatch, enabled=True):
    from chalicelib import matters
    from chalicelib.matters import registry as definition

    (folder / "test_next_matter.json").write_text(json.dumps({**NEXT, "enabled": enabled}, ensure_ascii=False),
                                                  encoding="utf-8")
    registry = definition.Registry(str(folder))
    monkeypatch.setattr(definition, "REGISTRY", registry)
    monkeypatch.setattr(matters, "MATTER_CODES", registry.codes())
    return registry


@pytest.fixture
def next_matter(tmp_path, monkeypatch):
    """The shipped definitions plus one written only here; the test closes it by rewriting its file."""
    from chalicelib.matters import registry as definition

    for name in os.listdir(definition.FOLDER):
        if name.endswith(".json"):
            shutil.copy(os.path.join(definition.FOLDER, name), tmp_path / name)
    return lambda enabled: _registry(tmp_path, monkeypatch, enabled)


def _marks(matter):
    from chalicelib.matters import registry as definition

    return {m: "correct" for m in definition.get(matter, include_disabled=True).module_keys}


def _pass(client, world, aws, unit_login, decl_id, matter):
    task = wait_task(client, world, aws, unit_login, decl_id)
    resp = decide(client, world, unit_login, decl_id, marks=_marks(matter))
    assert resp.status == 200, resp.json
    if resp.json["state"] == "to_send":
        add_report(decl_id, task)
        sent = client.post("/reviews/send", headers=_h(world, unit_login), json_body={"decl_ids": [decl_id]})
        assert sent.json["sent"] == 1, sent.json


def _full_id_number(decl_id):
    from chalicelib.models.declarations import Declaration

    return Declaration.get(*Declaration.key(decl_id)).id_number


def test_a_matter_closed_after_declarations_keeps_them_reviewable_to_a_result(client, world, aws, next_matter):
    next_matter(True)
    notice_id = _publish(client, world, CLOSED)
    start = client.post("/declarations", headers=_h(world), json_body={"notice_id": notice_id, "confirmed": True})
    assert start.status == 201, start.json
    d = start.json["decl_id"]
    _save(client, world, d, "basic", {"name": "周景行", "phone": "13800000006", "applied_level": "一等"})
    _save(client, world, d, "summary", "测试工作总结。")
    assert client.post(f"/declarations/{d}/pledge", headers=_h(world), json_body={"accepted": True}).status == 200
    assert client.post(f"/declarations/{d}/submit", headers=_h(world)).status == 200

    # the province closes the matter ("enabled": false in its definition)
    next_matter(False)
    # declaring paths refuse it: the menu, a new declaration (Chinese message), a new notice
    codes = [m["code"] for s in client.get("/matters", headers=_h(world)).json["services"]
             for g in s["groups"] for m in g["matters"]]
    assert CLOSED not in codes and "TITLE_NORMAL" in codes
    refused = client.post("/declarations", headers=_h(world), json_body={"notice_id": notice_id, "confirmed": True})
    assert refused.status == 409 and refused.json["Code"] == "MATTER_CLOSED", refused.json
    assert refused.json["Message"] == "“测试新事项”已停止申报，不能申报"
    today = dt.datetime.now(dt.timezone(dt.timedelta(hours=8)))
    again = client.post("/admin/notices", headers=_h(world, "province-agent"), json_body={
        "title": "再发一个", "matter_type": CLOSED, "year": today.year, "source": "测试", "body": "测试",
        "opens_at": (today - dt.timedelta(days=1)).isoformat(), "closes_at": (today + dt.timedelta(days=5)).isoformat()})
    assert again.status == 422 and "事项类型" in again.json["Message"]

    # the applicant still sees the declaration and the matter's definition
    mine = client.get(f"/declarations/{d}", headers=_h(world))
    assert mine.status == 200 and mine.json["decl_id"] == d
    assert client.get(f"/matters/{CLOSED}/definition", headers=_h(world)).json["code"] == CLOSED
    # the unit's workbench keeps a row for the closed matter while it counts the declaration, and its
    # review list (filtered by the closed matter) holds it
    wait_task(client, world, aws, "institute-agent", d)
    rows = client.get("/workbench", headers=_h(world, "institute-agent")).json["rows"]
    row = next(r for r in rows if r["matter"] == CLOSED)
    assert row["pending"] == 1 and row["label"] == "测试新事项"
    listed = client.get(f"/reviews?matter_type={CLOSED}&bucket=pending", headers=_h(world, "institute-agent"))
    assert listed.status == 200 and [i["decl_id"] for i in listed.json["items"]] == [d], listed.json
    found = client.post("/reviews/search", headers=_h(world, "institute-agent"),
                        json_body={"matter_type": CLOSED, "bucket": "pending"})
    assert found.status == 200 and [i["decl_id"] for i in found.json["items"]] == [d], found.json

    # the whole chain, then the committee's result
    _pass(client, world, aws, "institute-agent", d, CLOSED)
    _pass(client, world, aws, "province-agent", d, CLOSED)
    pump(aws, lambda: _committee_open(d, 2))
    done = client.post(f"/reviews/{d}/result", headers=_h(world, "province-agent"),
                       json_body={"result": "通过", "level": "一等"})
    assert done.status == 200 and done.json["status_label"] == "终审通过", done.json

    # 评审结果: the list and the search filtered by the closed matter (and its own result states)
    items = client.get(f"/results?matter_type={CLOSED}&result=通过", headers=_h(world, "province-agent"))
    assert items.status == 200, items.json
    assert [(r["decl_id"], r["result"], r["result_level"]) for r in items.json["items"]] == [(d, "通过", "一等")]
    search = client.post("/results/search", headers=_h(world, "institute-agent"),
                         json_body={"matter_type": CLOSED, "result": "通过", "level": "一等"})
    assert search.status == 200 and [r["decl_id"] for r in search.json["items"]] == [d], search.json
    # the export job writes it
    header, data = _export(client, world, aws, "institute-agent", matter_type=CLOSED, year=str(today.year))
    assert "人才认定分类" not in header
    assert [(r[1], r[header.index("评定状态")], r[header.index("评审后级别")]) for r in data] == [("周景行", "通过", "一等")]
    # its 申报表 still prints, for the applicant and for a reviewer on its chain
    form = client.get(f"/declarations/{d}/forms/declaration_form", headers=_h(world))
    assert form.status == 200 and form.json["file_name"].startswith("测试新事项申报表"), form.json
    assert client.get(f"/declarations/{d}/forms/declaration_form", headers=_h(world, "institute-agent")).status == 200
    # an unknown matter is still refused on the reviewing paths
    assert client.get("/reviews?matter_type=NO_SUCH", headers=_h(world, "institute-agent")).status == 422


# --- 职称 results export through the export worker ------------------------------------------------

def _title_through_the_chain(client, world, aws):
    """A 正常职称申报 (破格, two experts) submitted, passed along its whole chain, result recorded."""
    start = client.post("/declarations", headers=_h(world), json_body={
        "notice_id": client.get("/notices?matter_type=TITLE_NORMAL", headers=_h(world)).json["items"][0]["notice_id"],
        "confirmed": True})
    assert start.status == 201, start.json
    d = start.json["decl_id"]
    _save(client, world, d, "basic", BASIC)
    for module, content in MODULE_CONTENT.items():
        _save(client, world, d, module, content)
    from tests.helpers.title_declarations import verified as _verified

    for name in ("王教授", "李研究员"):
        added = client.post(f"/declarations/{d}/modules/experts/entries", headers=_h(world),
                            json_body={"entry": {**EXPERT, "name": name}})
        assert added.status == 201, added.json
    _verified(d, "photo")
    _verified(d, "id_card", 2)
    _verified(d, "assessment_proof")
    experts = client.get(f"/declarations/{d}", headers=_h(world)).json["modules"]["experts"]["content"]
    from chalicelib.matters import registry as definition

    for entry in experts:
        for a in definition.get("TITLE_NORMAL").attachments_of("experts"):
            _verified(d, a["category"], entry_id=entry["id"])
    assert client.post(f"/declarations/{d}/pledge", headers=_h(world), json_body={"accepted": True}).status == 200
    submitted = client.post(f"/declarations/{d}/submit", headers=_h(world))
    assert submitted.status == 200, submitted.json
    for unit in ("institute-agent", "university-agent", "edu-dept-agent", "province-agent"):
        _pass(client, world, aws, unit, d, "TITLE_NORMAL")
    pump(aws, lambda: _committee_open(d, 4))
    done = client.post(f"/reviews/{d}/result", headers=_h(world, "province-agent"),
                       json_body={"result": "通过", "level": "正高级"})
    assert done.status == 200, done.json
    return d, start.json["year"]


def test_title_results_export_through_the_worker(client, world, aws):
    from chalicelib import identifiers as ids

    d, year = _title_through_the_chain(client, world, aws)
    header, data = _export(client, world, aws, "institute-agent", matter_type="TITLE_NORMAL", year=str(year))
    assert header == ("序号", "姓名", "证件号码", "推荐单位", "申报级别", "申报日期", "业务标志", "评定状态", "评审后级别")
    assert "人才认定分类" not in header
    full = _full_id_number(d)
    assert len(data) == 1
    row = data[0]
    assert row[1] == "周景行" and row[4] == "正高级" and row[7] == "通过" and row[8] == "正高级", row
    assert row[2] == ids.mask_id_number(full) and row[2] != full and "*" in row[2]
    assert row[6] == "第1轮申报" and len(row[5]) == 10
    # the talent grading export of the same unit and year does not carry the 职称 declaration
    grading_header, grading = _export(client, world, aws, "institute-agent", year=str(year))
    assert "人才认定分类" in grading_header and grading == []


def test_the_workbench_is_one_query_and_keeps_a_closed_matter_with_work(client, world, aws_calls, next_matter):
    """业务审核 counts: one Query whatever the matters; a closed matter with nothing counted has no row."""
    next_matter(False)
    aws_calls.clear()
    resp = client.get("/workbench", headers=_h(world, "institute-agent"))
    assert resp.status == 200, resp.json
    assert [c for c in aws_calls if c != "GetItem"] == ["Query"]      # GetItem: the authorizer's checks
    matters = [r["matter"] for r in resp.json["rows"]]
    assert CLOSED not in matters and matters[:3] == ["BIND_PERSON", "BIND_UNIT", "TALENT_GRADING"]
    assert "TITLE_NORMAL" in matters
