"""Issue 28 item 1 through the API: a PDF with active content is verified disarmed, reviewers get
the rebuild, and the verdict is in the declaration's audit trail. Failed on the code before the fix."""
from tests.helpers.active_pdfs import CASES, build
from tests.helpers.uploads import upload as _upload


def test_a_disarmed_pdf_is_stored_rebuilt_and_recorded_in_the_audit_trail(client, world, aws, draft):
    import boto3

    from chalicelib.models.audit import AuditRecord

    data = build(**CASES["embedded_exe"])
    slot, done = _upload(client, world, aws, draft, "contract", data, "application/pdf")
    assert done.status == 200 and done.json["state"] == "verified", done
    key = slot["attachment"]["s3_key"] if "s3_key" in slot["attachment"] else None
    records = [r for r in AuditRecord.trail(f"DECL#{draft['decl_id']}") if r.action == "attachment.disarm"]
    assert len(records) == 1 and records[0].detail.as_dict()["removed"] == ["嵌入文件"]
    assert records[0].detail.as_dict()["attachment_id"] == slot["attachment"]["attachment_id"]
    s3 = boto3.client("s3", region_name="cn-north-1")
    stored = [o["Key"] for o in s3.list_objects_v2(Bucket=aws["ATTACHMENTS_BUCKET"], Prefix=f"decl/{draft['decl_id']}/")
              .get("Contents", [])]
    assert len(stored) == 1 and key in (None, stored[0])
    body = s3.get_object(Bucket=aws["ATTACHMENTS_BUCKET"], Key=stored[0])["Body"].read()
    assert b"This program cannot" not in body and b"/EmbeddedFile" not in body
