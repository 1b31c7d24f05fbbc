"""证书管理 list and 导出 for the province: the filtered list as a spreadsheet through the export
worker (masked ID numbers, Beijing dates), refused to anyone but the province; and the list's
reads bounded whatever the year holds (each filter: a fixed number of Queries, no Scan)."""
import io
import json

import boto3

import pytest

from chalicelib.identifiers import mask_id_number
from tests.helpers.declarations import fetch, run_exports
from tests.helpers.certificates import id_number

YEAR = "2026"
LIST = f"/certificates?matter_type=TALENT_GRADING&year={YEAR}"


def seed_certificates(world, count: int, start: int = 0, **fields) -> list:
    """`count` issued certificates written directly (issuing itself is proven in
    test_certificates.py), newest last; fields override what every one carries."""
    from chalicelib import identifiers as ids
    from chalicelib.models.certificates import Certificate

    person = world.logins["applicant1"].subject
    out = []
    with Certificate.batch_write() as batch:
        for n in range(start, start + count):
            values = dict(number=f"JLRC{YEAR}TEST{n:06d}", check_code="ABCDEF", decl_id=f"TG-cert-{n:05d}",
                          matter_type="TALENT_GRADING", year=YEAR, holder_id=person, holder_name=f"证书人{n}",
                          id_masked=ids.mask_id_number(id_number(n)), unit_name="吉林省农业科学院",
                          grant="B类", result="通过", title="吉林省人才分类定级证书",
                          authority="吉林省人力资源和社会保障厅", committee="吉林省人才分类定级评审委员会",
                          # 17:30 UTC on 30 Nov is 01:30 on 1 Dec in Beijing; newest first is
                          # the highest number (the list's sort key is issued_at#number)
                          issued_at="2026-11-30T17:30:00.000+00:00", status="有效")
            values.update(fields)
            cert = Certificate(**values).place()
            batch.save(cert)
            out.append(cert)
    return out


def _export(client, world, login="province-agent", **filters):
    return client.post("/certificates/export", headers=world.headers(login),
                       json_body={"matter_type": "TALENT_GRADING", "year": YEAR, **filters})


def _sheet(client, world, aws, job_id, login="province-agent"):
    import openpyxl

    run_exports(aws)
    job = client.get(f"/exports/{job_id}", headers=world.headers(login)).json
    assert job["state"] == "done", job
    book = openpyxl.load_workbook(io.BytesIO(fetch(job["download"]["url"])), read_only=True)
    rows = [list(r) for r in book.active.iter_rows(values_only=True)]
    return job, rows


def test_the_province_exports_the_filtered_list_masked_with_beijing_dates(client, world, aws):
    seed_certificates(world, 3)
    seed_certificates(world, 2, start=3, status="已撤销", reason="弄虚作假")
    seed_certificates(world, 1, start=5, holder_name="=HYPERLINK(\"x\")")

    resp = _export(client, world, status="已撤销")
    assert resp.status == 201 and resp.json["state"] == "queued"
    job, rows = _sheet(client, world, aws, resp.json["job_id"])
    assert job["rows"] == 2 and job["download"]["file_name"] == "吉林省人才分类定级证书-2026-已撤销.xlsx"
    title, head, body = rows[0], rows[1], rows[2:]
    assert "状态：已撤销" in title[0]
    assert head[:9] == ["序号", "证书编号", "姓名", "证件号码", "工作单位", "认定等级", "评审机构", "发证日期", "状态"]
    assert sorted(r[2] for r in body) == ["证书人3", "证书人4"]
    for r in body:
        n = int(r[2][3:])
        assert r[3] == mask_id_number(id_number(n)) != id_number(n)       # masked, never the full number
        assert r[7] == "2026-12-01"                                        # Beijing date, not 2026-11-30
        assert (r[8], r[10]) == ("已撤销", "弄虚作假")

    # the whole year, and by 姓名: the typed name is a string, never a formula
    _, everything = _sheet(client, world, aws, _export(client, world).json["job_id"])
    assert len(everything) == 2 + 6
    _, named = _sheet(client, world, aws, _export(client, world, name="=HYPERLINK(\"x\")").json["job_id"])
    assert [r[2] for r in named[2:]] == ["'=HYPERLINK(\"x\")"]


def test_only_the_province_exports_and_only_its_own_job_is_read(client, world, aws):
    seed_certificates(world, 2)
    for login in ("applicant1", "institute-agent", "institute-legal", "jl-bureau-agent"):
        r = _export(client, world, login)
        assert r.status == 403 and r.json["Code"], (login, r.json)
    assert client.post("/certificates/export", json_body={"matter_type": "TALENT_GRADING", "year": YEAR}).status == 401
    assert _export(client, world, status="作废").status == 422
    job_id = _export(client, world).json["job_id"]
    queued = boto3.client("sqs", region_name="cn-north-1").receive_message(
        QueueUrl=aws["EXPORT_QUEUE_URL"], MaxNumberOfMessages=10, VisibilityTimeout=0)["Messages"]
    assert [json.loads(m["Body"])["job_id"] for m in queued] == [job_id]   # nothing queued by a refusal
    run_exports(aws)
    for login in ("applicant1", "institute-agent", "jl-bureau-agent"):
        # another caller's job does not exist for them (its existence is not revealed)
        assert client.get(f"/exports/{job_id}", headers=world.headers(login)).status == 404
    assert client.get(f"/exports/{job_id}", headers=world.headers("province-agent")).json["rows"] == 2


@pytest.fixture
def dynamodb_calls(monkeypatch):
    """Every botocore call of the route as (operation, params), the authorizer's left out."""
    import botocore.client

    from chalicelib.services import authentication

    recorded, outside = [], [True]
    original_call = botocore.client.BaseClient._make_api_call
    original_authorize = authentication.authorize

    def counting(self, operation_name, api_params):
        if outside[0]:
            recorded.append((operation_name, api_params))
        return original_call(self, operation_name, api_params)

    def authorize(header):
        outside[0] = False
        try:
            return original_authorize(header)
        finally:
            outside[0] = True

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", counting)
    monkeypatch.setattr(authentication, "authorize", authorize)
    return recorded


FILTERS = {"none": "", "status": "&status=已撤销", "name": "&name=证书人0", "status and name": "&status=有效&name=证书人0"}


def test_each_list_filter_reads_a_bounded_number_of_items_whatever_the_year_holds(client, world, dynamodb_calls):
    """The list of a matter and year is one partition (the matter and year are its key); 状态 and
    姓名 filter it. A page is at most two Queries evaluating at most 500 items together, the
    same with 600 or 1,200 certificates in the year, and a search that has not found its page by
    then says so (`budget_reached`) and hands a cursor on; nothing is ever scanned."""
    from chalicelib.services.certificates.records import LIST_BUDGET

    seed_certificates(world, 1, start=0)                   # the oldest: 证书人0
    seed_certificates(world, 599, start=1)
    h = world.headers("province-agent")

    def cost(query):
        dynamodb_calls.clear()
        page = client.get(LIST + query, headers=h).json
        ops = [op for op, _ in dynamodb_calls]
        evaluated = sum(p.get("Limit", 0) for op, p in dynamodb_calls if op == "Query")
        return ops, evaluated, page

    small = {label: cost(q) for label, q in FILTERS.items()}
    seed_certificates(world, 600, start=600)
    large = {label: cost(q) for label, q in FILTERS.items()}
    for label in FILTERS:
        for ops, evaluated, _ in (small[label], large[label]):
            assert set(ops) == {"Query"}, (label, ops)             # no Scan, no GetItem per row
            assert len(ops) <= 2 and evaluated <= LIST_BUDGET, (label, ops, evaluated)
        assert len(large[label][0]) == len(small[label][0]), label  # reads do not grow with the data
    assert large["none"][1] == 21 and len(large["none"][2]["items"]) == 20    # a plain page: one Query of 21
    assert large["status"][2]["items"] == [] and large["status"][2]["budget_reached"]

    # the oldest certificate is found by following the cursor, a bounded page at a time
    pages, page, found = 0, large["name"][2], []
    while True:
        pages += 1
        found += page["items"]
        if not page["next_cursor"]:
            break
        page = client.get(f"{LIST}&name=证书人0&cursor={page['next_cursor']}", headers=h).json
    assert [c["holder_name"] for c in found] == ["证书人0"] and pages == 3     # 1,200 / 500 per request
