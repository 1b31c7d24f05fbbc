"""Uploads: presigned POST slots, verification by content (real files), counts, downloads."""
import concurrent.futures
import io
import json

import boto3
import pytest

from tests.helpers import files
from tests.helpers.uploads import exists as _exists
from tests.helpers.uploads import post as _post
from tests.helpers.uploads import slot as _slot
from tests.helpers.uploads import upload as _upload


def test_presigned_post_carries_type_and_size_conditions(client, world, aws, draft):
    slot = _slot(client, world, draft, "id_card", files.png(), "image/png").json
    fields = slot["upload"]["fields"]
    assert fields["key"].startswith(f"incoming/{draft['decl_id']}/id_card/") and fields["Content-Type"] == "image/png"
    import base64

    policy = json.loads(base64.b64decode(fields["policy"]))
    assert ["content-length-range", 1, 2000 * 1024] in policy["conditions"]
    assert {"Content-Type": "image/png"} in policy["conditions"]


def test_a_valid_png_is_verified_and_downloadable(client, world, aws, draft):
    slot, done = _upload(client, world, aws, draft, "id_card", files.png(), "image/png", slot="正面")
    assert done.status == 200 and done.json["state"] == "verified", done
    link = client.get(f"/declarations/{draft['decl_id']}/attachments/{slot['attachment']['attachment_id']}/download",
                      headers=world.headers("applicant1"))
    assert link.status == 200 and "Signature" in link.json["url"] or "X-Amz-Signature" in link.json["url"]
    assert client.get(f"/declarations/{draft['decl_id']}/attachments/{slot['attachment']['attachment_id']}/download",
                      headers=world.headers("applicant2")).status == 404


@pytest.mark.parametrize("data,declared,code", [
    (files.HTML, "image/jpeg", "HTML"), (files.EXE, "image/jpeg", "EXE"), (files.pdf(), "image/png", "PDF")])
def test_bytes_that_are_not_the_declared_type_are_rejected_and_deleted(client, world, aws, draft, data, declared, code):
    slot, done = _upload(client, world, aws, draft, "id_card" if declared != "application/pdf" else "contract",
                         data, declared)
    assert done.json["state"] == "rejected" and code in done.json["reason"], done
    assert not _exists(aws, slot["upload"]["fields"]["key"])


def test_oversize_file_is_rejected_even_though_s3_accepted_it(client, world, aws, draft):
    slot = _slot(client, world, draft, "id_card", b"x" * 10, "image/png").json     # declares 10 bytes
    _post(aws, slot, files.png(1200, 1200) + b"\x00" * (2001 * 1024))
    done = client.post(f"/declarations/{draft['decl_id']}/attachments/{slot['attachment']['attachment_id']}/complete",
                       headers=world.headers("applicant1")).json
    assert done["state"] == "rejected" and "2000KB" in done["reason"]


def test_too_large_or_wrong_type_is_refused_before_any_upload(client, world, aws, draft):
    r = _slot(client, world, draft, "id_card", b"x" * (2001 * 1024), "image/png")
    assert r.status == 422 and r.json["Code"] == "TOO_LARGE"
    r = _slot(client, world, draft, "id_card", b"x", "image/gif")
    assert r.status == 422 and r.json["Code"] == "TYPE_NOT_ALLOWED"


def test_decompression_bomb_is_refused_without_decoding(client, world, aws, draft):
    _, done = _upload(client, world, aws, draft, "id_card", files.png_bomb(), "image/png")
    assert done.json["state"] == "rejected" and "像素过大" in done.json["reason"]


def test_exif_gps_is_gone_after_verification(client, world, aws, draft):
    from PIL import Image

    data = files.jpeg_with_gps()
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(0x8825)
    slot, done = _upload(client, world, aws, draft, "photo", data, "image/jpeg")
    assert done.json["state"] == "verified"
    from chalicelib.models.declarations import Attachment

    att = Attachment.get(*Attachment.key(draft["decl_id"], "photo", slot["attachment"]["attachment_id"]))
    stored = boto3.client("s3", region_name="cn-north-1").get_object(Bucket=aws["ATTACHMENTS_BUCKET"], Key=att.s3_key)
    img = Image.open(io.BytesIO(stored["Body"].read()))
    assert not img.getexif() and img.size == (80, 60)
    thumb = boto3.client("s3", region_name="cn-north-1").get_object(Bucket=aws["ATTACHMENTS_BUCKET"],
                                                                     Key=att.thumbnail_key)["Body"].read()
    assert max(Image.open(io.BytesIO(thumb)).size) <= 240


def test_polyglot_trailing_bytes_are_stripped(client, world, aws, draft):
    data = files.png() + files.HTML
    slot, done = _upload(client, world, aws, draft, "id_card", data, "image/png")
    assert done.json["state"] == "verified"
    from chalicelib.models.declarations import Attachment

    att = Attachment.get(*Attachment.key(draft["decl_id"], "id_card", slot["attachment"]["attachment_id"]))
    body = boto3.client("s3", region_name="cn-north-1").get_object(Bucket=aws["ATTACHMENTS_BUCKET"], Key=att.s3_key)["Body"].read()
    assert b"<script>" not in body


def test_truncated_pdf_and_truncated_jpeg_are_rejected(client, world, aws, draft):
    whole = files.pdf(padding=5000)
    _, done = _upload(client, world, aws, draft, "contract", whole[: len(whole) // 2], "application/pdf")
    assert done.json["state"] == "rejected" and "PDF" in done.json["reason"]
    jpg = files.jpeg_with_gps(400, 300)
    _, done = _upload(client, world, aws, draft, "contract", jpg[: len(jpg) // 2], "image/jpeg")
    assert done.json["state"] == "rejected" and "损坏" in done.json["reason"]


def test_the_n_plus_first_file_is_refused(client, world, aws, draft):
    for _ in range(2):
        _, done = _upload(client, world, aws, draft, "id_card", files.png(), "image/png")
        assert done.json["state"] == "verified"
    r = _slot(client, world, draft, "id_card", files.png(), "image/png")
    assert r.status == 409 and r.json["Code"] == "COUNT_LIMIT"


def test_count_limit_holds_when_slots_race(client, world, aws, draft):
    """Three slots taken before any verification; only two can become verified (count guard)."""
    from chalicelib.models.declarations import Attachment
    from chalicelib.services import uploads

    slots = []
    for _ in range(2):
        slots.append(_slot(client, world, draft, "id_card", files.png(), "image/png").json)
    # a third slot squeezed in by a stale read: the service would refuse it, so insert it directly
    extra = Attachment.get(*Attachment.key(draft["decl_id"], "id_card", slots[0]["attachment"]["attachment_id"]))
    extra.attachment_id, extra.sk = "racer", "ATT#id_card#racer"
    extra.incoming_key = extra.incoming_key.replace(slots[0]["attachment"]["attachment_id"], "racer")
    extra.s3_key = extra.s3_key.replace(slots[0]["attachment"]["attachment_id"], "racer")
    extra.save()
    keys = [s["upload"]["fields"]["key"] for s in slots] + [extra.incoming_key]
    for key in keys:
        boto3.client("s3", region_name="cn-north-1").put_object(Bucket=aws["ATTACHMENTS_BUCKET"], Key=key, Body=files.png())
    states = [uploads.verify(draft["decl_id"], a).state
              for a in [s["attachment"]["attachment_id"] for s in slots] + ["racer"]]
    assert sorted(states) == ["rejected", "verified", "verified"]


def test_two_completes_racing_verify_once(client, world, aws, draft):
    from chalicelib.services import uploads

    slot = _slot(client, world, draft, "talent_certificate", files.pdf(), "application/pdf").json
    _post(aws, slot, files.pdf())
    att_id = slot["attachment"]["attachment_id"]
    first = uploads.verify(draft["decl_id"], att_id)
    second = uploads.verify(draft["decl_id"], att_id)    # the S3 event arriving after "complete"
    assert first.state == second.state == "verified"
    from chalicelib.models.declarations import AttachmentCount

    assert AttachmentCount.get(*AttachmentCount.key(draft["decl_id"], "talent_certificate", None)).n == 1


def test_the_s3_event_handler_runs_the_same_verification(client, world, aws, draft):
    from functions import verify_upload

    slot = _slot(client, world, draft, "contract", files.pdf(), "application/pdf").json
    key = _post(aws, slot, files.pdf())
    event = {"Records": [{"eventSource": "aws:s3", "eventName": "ObjectCreated:Post",
                          "s3": {"bucket": {"name": aws["ATTACHMENTS_BUCKET"]}, "object": {"key": key}}}]}
    assert verify_upload.handler(event, None)["results"][0]["state"] == "verified"
    again = client.post(f"/declarations/{draft['decl_id']}/attachments/{slot['attachment']['attachment_id']}/complete",
                        headers=world.headers("applicant1"))
    assert again.json["state"] == "verified"


def test_another_users_attachment_cannot_be_completed_deleted_or_downloaded(client, world, aws, draft):
    slot, _ = _upload(client, world, aws, draft, "id_card", files.png(), "image/png")
    aid = slot["attachment"]["attachment_id"]
    other = world.headers("applicant2")
    base = f"/declarations/{draft['decl_id']}/attachments/{aid}"
    assert client.post(f"{base}/complete", headers=other).status == 404
    assert client.delete(base, headers=other).status == 404
    assert client.get(f"{base}/download", headers=other).status == 404
    assert client.delete(base, headers=world.headers("applicant1")).status == 204


def test_photo_needs_basic_info_saved_first(client, world, aws):
    notice = client.get("/notices", headers=world.headers("applicant1")).json["items"][0]["notice_id"]
    d = client.post("/declarations", headers=world.headers("applicant1"), json_body={"notice_id": notice, "confirmed": True}).json
    r = _slot(client, world, d, "photo", files.png(), "image/png")
    assert r.status == 409 and r.json["Code"] == "BASIC_NOT_SAVED"


def test_large_contracts_get_resumable_multipart_parts(client, world, aws, draft):
    size = 20 * 1024 * 1024
    r = client.post(f"/declarations/{draft['decl_id']}/attachments", headers=world.headers("applicant1"),
                    json_body={"category": "contract", "file_name": "合同.pdf", "content_type": "application/pdf",
                               "size": size})
    assert r.status == 201 and r.json["upload"]["method"] == "multipart"
    assert len(r.json["upload"]["parts"]) == 3
    att = r.json["attachment"]
    from chalicelib.models.declarations import Attachment

    stored = Attachment.get(*Attachment.key(draft["decl_id"], "contract", att["attachment_id"]))
    s3 = boto3.client("s3", region_name="cn-north-1")
    from tests.helpers.upload_samples import pdf_of_size

    data = pdf_of_size(size)                       # exactly the declared size: each part's size is signed
    part = 8 * 1024 * 1024
    for n in (1, 2):
        s3.upload_part(Bucket=aws["ATTACHMENTS_BUCKET"], Key=stored.incoming_key, UploadId=stored.multipart_upload_id,
                       PartNumber=n, Body=data[(n - 1) * part: n * part])
    resume = client.get(f"/declarations/{draft['decl_id']}/attachments/{att['attachment_id']}/parts",
                        headers=world.headers("applicant1")).json
    assert resume["uploaded"] == [1, 2] and [p["part_number"] for p in resume["parts"]] == [3]
    s3.upload_part(Bucket=aws["ATTACHMENTS_BUCKET"], Key=stored.incoming_key, UploadId=stored.multipart_upload_id,
                   PartNumber=3, Body=data[2 * part:])
    done = client.post(f"/declarations/{draft['decl_id']}/attachments/{att['attachment_id']}/complete",
                       headers=world.headers("applicant1"))
    assert done.json["state"] == "verified", done
