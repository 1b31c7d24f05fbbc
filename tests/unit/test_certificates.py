"""证书管理 end to end: a 通过 result → the province issues (queued worker) → the holder's 我的证书
→ the PDF's PAdES signature validates under the published key and breaks on a changed byte →
public verification by number + check code, by the QR payload (offline: the public key only),
by the PDF file → revoke and reissue show at every verification, audited."""
import base64
import json

import boto3
import pytest

from tests.helpers.certificates import seed_passed
from tests.helpers.review import CHAIN, pass_and_send
from tests.helpers.results import committee as _committee
from tests.helpers.results import ready_high as _ready_high


def drain(env):
    """Feed the certificate queue to functions.certificates.handler as Lambda would."""
    from functions import certificates

    sqs = boto3.client("sqs", region_name="cn-north-1")
    handled = 0
    while True:
        msgs = sqs.receive_message(QueueUrl=env["CERTIFICATE_QUEUE_URL"], MaxNumberOfMessages=10,
                                   WaitTimeSeconds=0).get("Messages", [])
        if not msgs:
            return handled
        event = {"Records": [{"messageId": m["MessageId"], "body": m["Body"]} for m in msgs]}
        failed = {f["itemIdentifier"] for f in certificates.handler(event, None)["batchItemFailures"]}
        for m in msgs:
            if m["MessageId"] not in failed:
                sqs.delete_message(QueueUrl=env["CERTIFICATE_QUEUE_URL"], ReceiptHandle=m["ReceiptHandle"])
        handled += len(msgs)


def _passed(client, world, aws, login="applicant1"):
    d = _ready_high(client, world, login)["decl_id"]
    assert client.post(f"/declarations/{d}/submit", headers=world.headers(login)).status == 200
    for unit in CHAIN:
        pass_and_send(client, world, aws, unit, d)
    _committee(client, world, aws, d, level="B类")
    return d


def _issue(client, world, aws, **body):
    resp = client.post("/certificates/issue", headers=world.headers("province-agent"),
                       json_body={"matter_type": "TALENT_GRADING", "year": "2026", **body})
    assert resp.status == 201, resp.json
    drain(aws)
    job = client.get(f"/certificate-jobs/{resp.json['job_id']}", headers=world.headers("province-agent")).json
    assert job["state"] == "done", job
    return job


def _pdf(cert_number):
    from chalicelib import config
    from chalicelib.models.certificates import Certificate

    cert = Certificate.get(*Certificate.key(cert_number))
    return boto3.client("s3", region_name="cn-north-1").get_object(
        Bucket=config.ATTACHMENTS_BUCKET, Key=cert.pdf_key)["Body"].read()


def _verify(client, number, code):
    return client.post("/verify/certificate", json_body={"number": number, "check_code": code})


def _issued(client, world, aws, d):
    job = _issue(client, world, aws)
    assert (job["issued"], job["skipped"]) == (1, 0)
    mine = client.get("/me/certificates", headers=world.headers("applicant1")).json["items"]
    assert len(mine) == 1 and mine[0]["decl_id"] == d
    return mine[0]


@pytest.fixture
def issued(client, world, aws):
    """One certificate for a seeded 通过 result (tests/helpers/certificates.py): what the issuing
    batch reads. The test below walks the whole review chain to its result first."""
    return _issued(client, world, aws, seed_passed(world, 1)[0])


@pytest.fixture
def issued_after_the_chain(client, world, aws):
    return _issued(client, world, aws, _passed(client, world, aws))


def test_the_signed_pdf_validates_and_a_changed_byte_breaks_it(client, world, aws, issued_after_the_chain):
    issued = issued_after_the_chain
    from chalicelib.services.certificates import pades

    keys = client.get("/.well-known/certificate-keys").json["keys"]
    root = base64.b64decode(keys[0]["x509"])
    pdf = _pdf(issued["number"])
    assert pdf.startswith(b"%PDF-")
    assert pades.validate(pdf, root) == {"signed": True, "intact": True, "trusted": True}
    # the font is embedded (a subset), never a reader's substitute
    assert b"/FontFile2" in pdf and b"STSong" not in pdf
    for at in (len(pdf) // 5, len(pdf) // 2):
        changed = pdf[:at] + bytes([pdf[at] ^ 0x01]) + pdf[at + 1:]
        assert pades.validate(changed, root)["intact"] is False
    # the holder's download is a short-lived link; someone else's certificate is not found
    link = client.get(f"/certificates/{issued['number']}/download", headers=world.headers("applicant1")).json
    assert link["url"] and link["expires_in"] == 300
    assert client.get(f"/certificates/{issued['number']}/download", headers=world.headers("applicant2")).status == 404
    assert client.get(f"/me/certificates/{issued['number']}", headers=world.headers("applicant2")).status == 404


def test_offline_payload_verifies_with_only_the_public_key_and_fails_when_altered(client, world, aws, issued):
    from chalicelib.services.certificates.payload import decode

    spki = base64.b64decode(client.get("/.well-known/certificate-keys").json["keys"][0]["spki"])
    payload = issued["payload"]
    claims = decode(payload, spki)
    assert claims["n"] == issued["number"] and claims["c"] == issued["check_code"]
    assert claims["g"] == "B类" and "*" in claims["h"] and claims["h"] != issued["holder_name"]
    prefix, body, sig = payload.split(".")
    raw = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    forged = base64.urlsafe_b64encode(json.dumps({**raw, "g": "A类"}, ensure_ascii=False,
                                                 separators=(",", ":")).encode()).rstrip(b"=").decode()
    assert decode(f"{prefix}.{forged}.{sig}", spki) is None
    assert decode(f"{prefix}.{body}.{sig[:-2]}AA", spki) is None
    other = __import__("cryptography.hazmat.primitives.asymmetric.ec", fromlist=["ec"])
    from cryptography.hazmat.primitives import serialization
    stranger = other.generate_private_key(other.SECP256R1()).public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    assert decode(payload, stranger) is None


def test_online_verification_shows_valid_then_revoked_at_every_verification(client, world, aws, issued):
    number, code = issued["number"], issued["check_code"]
    ok = _verify(client, number, code)
    assert ok.status == 200 and ok.json["status"] == "有效"
    assert ok.json["holder"] != issued["holder_name"] and ok.json["holder"][0] == issued["holder_name"][0]
    assert ok.json["grant"] == "B类" and ok.json["authority"] == "吉林省人力资源和社会保障厅"
    assert set(ok.json) == {"status", "number", "title", "holder", "grant", "authority", "committee",
                            "issued_on", "changed_on", "replaced_by"}       # nothing personal beyond the certificate
    # typed in lower case with spaces: still found
    assert _verify(client, " ".join(number.lower()[i:i + 4] for i in range(0, len(number), 4)), code).status == 200
    pdf = base64.b64encode(_pdf(number)).decode()
    assert client.post("/verify/certificate/pdf", json_body={"pdf": pdf}).json["original"] is True
    revoked = client.post(f"/certificates/{number}/revoke", headers=world.headers("province-agent"),
                          json_body={"reason": "申报材料不实"})
    assert revoked.status == 200 and revoked.json["status"] == "已撤销"
    assert _verify(client, number, code).json["status"] == "已撤销"
    assert client.post("/verify/certificate/payload", json_body={"payload": issued["payload"]}).json["status"] == "已撤销"
    assert client.post("/verify/certificate/pdf", json_body={"pdf": pdf}).json["status"] == "已撤销"
    assert client.post(f"/certificates/{number}/revoke", headers=world.headers("province-agent"),
                       json_body={"reason": "再次撤销"}).status == 409
    trail = client.get(f"/certificates/{number}/trail", headers=world.headers("province-agent")).json["items"]
    assert [r["action"] for r in trail] == ["certificate_issued", "certificate_revoked"]
    assert trail[1]["opinion"] == "申报材料不实"


def test_reissue_after_correction_marks_the_old_one_corrected_pointing_to_the_new(client, world, aws, issued):
    number = issued["number"]
    resp = client.post(f"/certificates/{number}/reissue", headers=world.headers("province-agent"),
                       json_body={"reason": "姓名录入有误", "holder_name": "张三丰"})
    assert resp.status == 201, resp.json
    drain(aws)
    old = _verify(client, number, issued["check_code"]).json
    assert old["status"] == "已更正" and old["replaced_by"] and old["replaced_by"] != number
    mine = {c["number"]: c for c in client.get("/me/certificates", headers=world.headers("applicant1")).json["items"]}
    new = mine[old["replaced_by"]]
    assert new["status"] == "有效" and new["replaces"] == number and new["holder_name"] == "张三丰"
    assert _verify(client, new["number"], new["check_code"]).json["holder"] == "张*丰"
    assert client.post("/verify/certificate/pdf", json_body={"pdf": base64.b64encode(_pdf(number)).decode()}
                       ).json["status"] == "已更正"
    assert client.post("/verify/certificate/payload", json_body={"payload": issued["payload"]}).json["status"] == "已更正"
    # issuing the whole year again adds nothing: the result's claim now names the new certificate
    assert _issue(client, world, aws)["issued"] == 0
    listed = client.get("/certificates?matter_type=TALENT_GRADING&year=2026",
                        headers=world.headers("province-agent")).json["items"]
    assert sorted(c["status"] for c in listed) == ["已更正", "有效"]
    assert all("check_code" not in c and c["id_number"].count("*") == 8 for c in listed)


def test_verification_refuses_enumeration_and_leaks_nothing(client, world, aws, issued, monkeypatch):
    from chalicelib import config
    from chalicelib.services.certificates import numbers

    unknown = numbers.new_number("JLRC", "2026")
    a = _verify(client, unknown, issued["check_code"])
    b = _verify(client, issued["number"], "ZZZZZZ" if issued["check_code"] != "ZZZZZZ" else "YYYYYY")
    assert (a.status, a.json) == (b.status, b.json) == (404, {"Code": "CERTIFICATE_NOT_FOUND",
                                                               "Message": "未查询到该证书，请核对证书编号和查验码"})
    typo = issued["number"][:-2] + ("1" if issued["number"][-2] != "1" else "2") + issued["number"][-1]
    assert _verify(client, typo, issued["check_code"]).json["Code"] == "BAD_CERTIFICATE_NUMBER"
    altered = client.post("/verify/certificate/pdf", json_body={"pdf": base64.b64encode(b"%PDF-1.4 not ours").decode()})
    assert altered.json == {"original": False, "message": "该文件不是本平台签发的证书原件，或已被改动"}
    assert client.post("/verify/certificate/pdf", json_body={"pdf": "bm90IGEgcGRm"}).status == 400
    # throttled per client: past the limit every answer is 429, whatever the number
    monkeypatch.setattr(config, "VERIFY_PER_MINUTE", 3)
    answers = [_verify(client, unknown, "AAAAAA").status for _ in range(5)]
    assert answers[-1] == 429 and 429 in answers[:4]
    assert _verify(client, issued["number"], issued["check_code"]).status == 429


def test_only_the_province_issues_lists_and_revokes(client, world, aws, issued):
    number = issued["number"]
    for login in ("applicant1", "institute-agent", "jl-bureau-agent"):
        h = world.headers(login)
        assert client.get("/certificates?matter_type=TALENT_GRADING&year=2026", headers=h).status == 403
        assert client.post("/certificates/issue", headers=h, json_body={"matter_type": "TALENT_GRADING",
                                                                      "year": "2026"}).status == 403
        assert client.post(f"/certificates/{number}/revoke", headers=h, json_body={"reason": "无权"}).status == 403
    assert client.get("/me/certificates", headers=world.headers("institute-agent")).status == 403
    assert client.get("/certificates?matter_type=TALENT_GRADING&year=2026").status == 401
    assert client.post("/certificates/issue", headers=world.headers("province-agent"),
                       json_body={"matter_type": "TITLE_GRADE2_TERM_REVIEW", "year": "2026"}).json["Code"] == "NO_CERTIFICATE"
    assert _verify(client, number, issued["check_code"]).json["status"] == "有效"   # nothing changed


def test_the_public_key_is_published_before_anything_is_issued(client, world):
    """The well-known keys answer before the first certificate: the API may read the public key but
    never sign, so the X.509 (built by the issuing worker) is absent until it exists (it was a 500)."""
    r = client.get("/.well-known/certificate-keys")
    assert r.status == 200, r.json
    key = r.json["keys"][0]
    assert key["spki"] and key["alg"] == "ES256" and "x509" not in key


def test_verification_still_answers_after_another_app_instance_registered_the_areas(client, world, aws, issued, monkeypatch):
    """Another app built in the same process (the prod-stage import of test_auth does) re-registers
    every area's blueprint; the public verification must keep reading the request it is serving
    (it read the last blueprint's app and answered 500 in some xdist orders)."""
    import importlib
    import sys

    saved = sys.modules.pop("app")
    try:
        importlib.import_module("app")
    finally:
        sys.modules["app"] = saved
    ok = _verify(client, issued["number"], issued["check_code"])
    assert ok.status == 200 and ok.json["status"] == "有效"
    assert client.post("/verify/certificate/payload", json_body={"payload": "x"}).status == 422
