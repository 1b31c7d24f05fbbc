"""Issue 28 ("Hostile input, round three") items 4, 5 and 6: invisible characters in names and
identifiers, searches normalised exactly as writes, file-name extensions compared as Windows opens
them. Each test failed on the code before the fix."""
import pytest

from tests.helpers.review import ready, wait_task
from tests.helpers.uploads import slot as _slot

FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")
# Every kind the rule names: zero-width space/non-joiner/joiner, word joiner, BOM, soft hyphen,
# Arabic letter mark, Mongolian vowel separator, invisible times, a tag character, a variation
# selector, a Hangul filler, the combining grapheme joiner.
INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u061c", "\u180e", "\u2062",
             "\U000e0041", "\ufe0f", "\u3164", "\u034f"]


def _legal_person_name(client, world, name):
    headers = world.headers("applicant1")
    me = client.get("/persons/me", headers=headers).json
    return client.put("/persons/me", headers=headers, json_body={
        "name": name, "id_type": me["id_type"], "id_number": me["id_number"], "phone": me["phone"]})


# ---------------------------------------------------------------- item 4: invisible characters

@pytest.mark.parametrize("char", INVISIBLE)
def test_a_name_with_an_invisible_character_is_refused_at_its_field_and_nothing_is_stored(client, world, char):
    before = client.get("/persons/me", headers=world.headers("applicant1")).json
    resp = _legal_person_name(client, world, "张" + char + "三")
    assert resp.status == 422, resp
    assert resp.json["Details"][0]["field"] == "name" and "不可见字符" in resp.json["Details"][0]["message"]
    assert client.get("/persons/me", headers=world.headers("applicant1")).json["name"] == before["name"]


def test_a_visible_name_is_still_taken_and_found(client, world):
    assert _legal_person_name(client, world, "张三·阿不都").status == 200


def test_unit_agent_and_contact_names_refuse_invisible_characters(client, world):
    legal = world.headers("company-legal")
    unit = client.get("/units/me", headers=legal).json
    renamed = client.put("/units/me", headers={**legal, "If-Match": str(unit["version"])}, json_body={
        "name": unit["name"] + "\u200b", "region_code": unit["region_code"]})
    assert renamed.status == 422 and renamed.json["Details"][0]["field"] == "name", renamed
    contact = client.put("/units/me", headers={**legal, "If-Match": str(unit["version"])}, json_body={
        "name": unit["name"], "region_code": unit["region_code"], "reporting_info": {"contact_name": "王\u2060主任"}})
    assert contact.status == 422 and contact.json["Details"][0]["field"] == "reporting_info.contact_name", contact
    agent = client.post("/units/me/agents", headers=legal, json_body={"name": "周\u00ad敏", "phone": "13512340071"})
    assert agent.status == 422 and agent.json["Details"][0]["field"] == "name", agent
    assert client.get("/units/me", headers=legal).json["name"] == unit["name"]


@pytest.mark.parametrize("field,value", [("id_number", "22010219900307123\u200bX"), ("phone", "1390000\ufeff0009")])
def test_an_identifier_with_an_invisible_character_names_the_character_not_a_checksum(client, world, field, value):
    headers = world.headers("applicant1")
    me = client.get("/persons/me", headers=headers).json
    body = {"name": me["name"], "id_type": me["id_type"], "id_number": me["id_number"], "phone": me["phone"]}
    resp = client.put("/persons/me", headers=headers, json_body={**body, field: value})
    assert resp.status == 422 and resp.json["Details"][0]["field"] == field
    assert "不可见字符" in resp.json["Details"][0]["message"]


@pytest.mark.parametrize("path", ["/reviews/search", "/results/search"])
def test_a_search_name_with_an_invisible_character_is_refused_not_an_empty_page(client, world, path):
    resp = client.post(path, headers=world.headers("institute-agent"), json_body={"name": "明\u200b远"})
    assert resp.status == 422 and resp.json["Details"][0]["field"] == "name", resp
    listed = client.get("/reviews?name=%E6%98%8E%E2%80%8B%E8%BF%9C", headers=world.headers("institute-agent"))
    assert listed.status == 422, listed


def test_rtl_overrides_keep_their_own_refusal(client, world):
    resp = _legal_person_name(client, world, "张\u202e三")
    assert resp.status == 422 and "控制字符" in resp.json["Details"][0]["message"]


# ---------------------------------------------------------------- item 5: searches normalise as writes

def _submitted(client, world, aws):
    decl = ready(client, world, "applicant1")
    client.post(f"/declarations/{decl['decl_id']}/submit", headers=world.headers("applicant1"))
    wait_task(client, world, aws, "institute-agent", decl["decl_id"])
    full = client.get(f"/declarations/{decl['decl_id']}", headers=world.headers("applicant1")).json
    return decl["decl_id"], full["modules"]["basic"]["content"]["id_number"]


def test_a_full_width_id_number_finds_the_row_in_both_searches(client, world, aws):
    decl_id, number = _submitted(client, world, aws)
    wide = number.translate(FULL_WIDTH)
    assert wide != number
    unit = world.headers("institute-agent")
    found = client.post("/reviews/search", headers=unit, json_body={"bucket": "pending", "id_number": wide})
    assert found.status == 200 and [t["decl_id"] for t in found.json["items"]] == [decl_id], found
    results = client.post("/results/search", headers=unit, json_body={"id_number": wide})
    assert results.status == 200 and [r["decl_id"] for r in results.json["items"]] == [decl_id], results
    # mathematical bold digits are NFKC digits too
    bold = "".join(chr(0x1D7CE + int(c)) if c.isdigit() else c for c in number)
    found = client.post("/reviews/search", headers=unit, json_body={"bucket": "pending", "id_number": bold})
    assert [t["decl_id"] for t in found.json["items"]] == [decl_id], found


@pytest.mark.parametrize("path", ["/reviews/search", "/results/search"])
def test_a_search_id_number_that_writes_refuse_is_refused_not_an_empty_page(client, world, path):
    arabic = "220102199003071" + "٢٣" + "4"
    resp = client.post(path, headers=world.headers("institute-agent"), json_body={"id_number": arabic})
    assert resp.status == 422 and resp.json["Details"][0]["field"] == "id_number", resp
    assert "220102" not in str(resp.json)                          # the number is not echoed
    empty = client.post(path, headers=world.headers("institute-agent"), json_body={"id_number": ""})
    assert empty.status == 200, empty                              # an empty filter is no filter


# ---------------------------------------------------------------- item 6: file-name extensions

@pytest.mark.parametrize("name", ["photo.exe", "photo.exe.", "photo.exe . .", "photo.exe\u200b", "photo.e\u200bxe",
                                  "photo.ｅｘｅ", "photo．exe", "photo.exe\ufeff", "photo.ex\u00ade", "photo.exe\u3000"])
def test_an_exe_name_is_refused_however_it_is_dressed(client, world, draft, name):
    from tests.helpers import files

    resp = _slot(client, world, draft, "id_card", files.png(), "image/png", slot="正面", file_name=name)
    assert resp.status == 422 and resp.json["Code"] == "TYPE_NOT_ALLOWED", (name, resp)


@pytest.mark.parametrize("name", ["身份证正面.png", "证书2022.05.20", "扫描件.PNG.", "scan"])
def test_ordinary_names_still_pass(client, world, draft, name):
    from tests.helpers import files

    resp = _slot(client, world, draft, "id_card", files.png(), "image/png", slot="正面", file_name=name)
    assert resp.status == 201, (name, resp)
