"""The web calls "complete" again while the verdict is pending (web/src/api.js completeUntilFinal):
every repeated call must be safe, for a multipart upload too (a big image sent in parts is
assembled by the first call and then left to the S3-event verifier)."""
import boto3

from tests.helpers import files
from tests.helpers.uploads import complete as _complete
from tests.helpers.uploads import event as _event


def test_repeated_completes_of_a_deferred_multipart_image_are_safe(client, world, aws, draft, monkeypatch):
    from chalicelib.models.declarations import Attachment
    from chalicelib.services import uploads
    from functions import verify_upload

    monkeypatch.setattr(uploads, "VERDICT_WAIT", 0)
    data = files.bmp(2000, 1500)                      # 9 MB: multipart, 3 MP
    monkeypatch.setattr(uploads, "INLINE_MAX_PIXELS", 1000)
    slot = client.post(f"/declarations/{draft['decl_id']}/attachments", headers=world.headers("applicant1"),
                       json_body={"category": "contract", "file_name": "合同.bmp", "content_type": "image/bmp",
                                  "size": len(data)})
    assert slot.status == 201 and slot.json["upload"]["method"] == "multipart", slot
    att_id = slot.json["attachment"]["attachment_id"]
    stored = Attachment.get(*Attachment.key(draft["decl_id"], "contract", att_id))
    s3 = boto3.client("s3", region_name="cn-north-1")
    part = slot.json["upload"]["part_size"]
    for p in slot.json["upload"]["parts"]:
        n = p["part_number"]
        s3.upload_part(Bucket=aws["ATTACHMENTS_BUCKET"], Key=stored.incoming_key, UploadId=stored.multipart_upload_id,
                       PartNumber=n, Body=data[(n - 1) * part: n * part])
    first = _complete(client, world, draft, att_id)
    assert first.status == 200 and first.json["state"] == "pending", first.json
    again = _complete(client, world, draft, att_id)              # the web's next poll
    assert again.status == 200 and again.json["state"] == "pending", again.json
    assert verify_upload.handler(_event(aws, stored.incoming_key), None)["results"][0]["state"] == "verified"
    assert _complete(client, world, draft, att_id).json["state"] == "verified"
