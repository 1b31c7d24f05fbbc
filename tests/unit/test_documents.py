"""业务表册: the 申报表 PDF and 一览表, and the results export job — opened with real readers."""
import io
import json

import boto3
import openpyxl
import pypdf

from tests.helpers.declarations import fetch as _fetch
from tests.helpers.review import CHAIN, pass_and_send, pump, ready


def test_declaration_form_is_a_pdf_with_chinese_text(client, world, aws):
    decl = ready(client, world)
    resp = client.get(f"/declarations/{decl['decl_id']}/forms/declaration_form", headers=world.headers("applicant1"))
    assert resp.status == 200, resp
    assert resp.json["file_name"].startswith("享受人才分类定级待遇对象评定申报表")
    pages = pypdf.PdfReader(io.BytesIO(_fetch(resp.json["url"]))).pages
    text = "".join(p.extract_text() for p in pages).replace("\n", "").replace(" ", "")
    for expected in ("享受人才分类定级待遇对象评定申报表", "张明远", "工作经历", "长白理工大学", "荣誉奖励",
                     "吉林省拔尖创新人才", "本人承诺，申报所提供的材料真实、准确"):
        assert expected in text, expected
    assert client.get(f"/declarations/{decl['decl_id']}/forms/declaration_form",
                      headers=world.headers("applicant2")).status == 404


def test_summary_table_masks_ids_for_reviewers(client, world, aws):
    decl = ready(client, world)
    client.post(f"/declarations/{decl['decl_id']}/submit", headers=world.headers("applicant1"))
    pump(aws, lambda: client.get(f"/reviews/{decl['decl_id']}", headers=world.headers("institute-agent")).status == 200)
    own = client.get(f"/declarations/{decl['decl_id']}/forms/summary_table", headers=world.headers("applicant1")).json
    rev = client.get(f"/declarations/{decl['decl_id']}/forms/summary_table", headers=world.headers("institute-agent")).json
    own_row = list(openpyxl.load_workbook(io.BytesIO(_fetch(own["url"]))).active.iter_rows(min_row=3, values_only=True))[0]
    rev_row = list(openpyxl.load_workbook(io.BytesIO(_fetch(rev["url"]))).active.iter_rows(min_row=3, values_only=True))[0]
    assert own_row[1] == "张明远" and "*" not in own_row[2]
    assert rev_row[2].count("*") == 8 and rev_row[7] == "已申报"


def test_results_export_runs_as_a_job_and_streams_rows(client, world, aws):
    from functions import exports

    decl = ready(client, world)
    client.post(f"/declarations/{decl['decl_id']}/submit", headers=world.headers("applicant1"))
    for login in CHAIN:
        pass_and_send(client, world, aws, login, decl["decl_id"])
    from tests.helpers.review import province_committee as _province_committee

    pump(aws, lambda: any(t["state"] == "open" for t in _province_committee(client, world, decl)))
    client.post(f"/reviews/{decl['decl_id']}/result", headers=world.headers("province-agent"),
                json_body={"result": "通过", "level": "A类"})
    job = client.post("/exports", headers=world.headers("institute-legal"),
                      json_body={"year": decl["year"], "result": "通过"})
    assert job.status == 201 and job.json["state"] == "queued"
    sqs = boto3.client("sqs", region_name="cn-north-1")
    msgs = sqs.receive_message(QueueUrl=aws["EXPORT_QUEUE_URL"], MaxNumberOfMessages=10)["Messages"]
    result = exports.handler({"Records": [{"messageId": m["MessageId"], "body": m["Body"]} for m in msgs]}, None)
    assert result == {"batchItemFailures": []}
    done = client.get(f"/exports/{job.json['job_id']}", headers=world.headers("institute-legal")).json
    assert done["state"] == "done" and done["rows"] == 1
    rows = list(openpyxl.load_workbook(io.BytesIO(_fetch(done["download"]["url"]))).active.iter_rows(
        min_row=3, values_only=True))
    assert rows[0][1] == "张明远" and "*" not in rows[0][2] and rows[0][8] == "通过" and rows[0][9] == "A类"
    # another agent of the same unit cannot pick up someone else's job
    assert client.get(f"/exports/{job.json['job_id']}", headers=world.headers("institute-agent")).status == 404
    masked = client.post("/exports", headers=world.headers("institute-agent"), json_body={"year": decl["year"]})
    assert masked.status == 201
    assert client.post("/exports", headers=world.headers("institute-agent"),
                       json_body={"year": "20x6"}).status == 422
    assert client.post("/exports", headers=world.headers("applicant1"), json_body={"year": "2026"}).status == 403


def test_summary_table_of_a_units_selection(client, world, aws):
    decl = ready(client, world)
    client.post(f"/declarations/{decl['decl_id']}/submit", headers=world.headers("applicant1"))
    pump(aws, lambda: client.get(f"/reviews/{decl['decl_id']}", headers=world.headers("institute-agent")).status == 200)
    resp = client.post("/forms/summary_table", headers=world.headers("institute-agent"),
                       json_body={"decl_ids": [decl["decl_id"], decl["decl_id"]]})
    assert resp.status == 200, resp
    rows = list(openpyxl.load_workbook(io.BytesIO(_fetch(resp.json["url"]))).active.iter_rows(min_row=3, values_only=True))
    assert len(rows) == 1 and rows[0][1] == "张明远" and rows[0][2].count("*") == 8
    assert client.post("/forms/summary_table", headers=world.headers("company-agent"),
                       json_body={"decl_ids": [decl["decl_id"]]}).status == 404
