"""The attachments bucket's signed links, in one place: presigned POST forms, multipart part URLs
and short-lived GETs. Files never pass through Lambda (CONVENTIONS: binary responses differ between
local and deployed Chalice); every upload is verified after it lands (uploads/verify.py).
"""
from urllib.parse import quote

from chalicelib import aws, config


def post_form(key: str, content_type: str, max_bytes: int, expires: int, fields: dict | None = None) -> dict:
    """A presigned POST for exactly `key`, pinned to the content type and a size of 1..max_bytes
    (extra `fields`, e.g. the uploader's metadata, are pinned too)."""
    pinned = dict(fields or {})
    post = aws.s3().generate_presigned_post(
        Bucket=config.ATTACHMENTS_BUCKET, Key=key, Fields={"Content-Type": content_type, **pinned},
        Conditions=[{"Content-Type": content_type}, *([pinned] if pinned else []),
                    ["content-length-range", 1, max_bytes]],
        ExpiresIn=expires)
    return {"method": "post", "url": post["url"], "fields": post["fields"]}


def part_url(key: str, upload_id: str, number: int, size: int, expires: int) -> str:
    """A presigned PUT for one multipart part that signs its exact Content-Length."""
    return aws.s3().generate_presigned_url(
        "upload_part", Params={"Bucket": config.ATTACHMENTS_BUCKET, "Key": key, "UploadId": upload_id,
                               "PartNumber": number, "ContentLength": size},
        ExpiresIn=expires)


def download_url(key: str, expires: int, content_type: str | None = None, file_name: str | None = None) -> str:
    """A short-lived presigned GET; optionally the type to serve and a download file name."""
    params = {"Bucket": config.ATTACHMENTS_BUCKET, "Key": key}
    if content_type:
        params["ResponseContentType"] = content_type
    if file_name:
        params["ResponseContentDisposition"] = f"attachment; filename*=UTF-8''{quote(file_name)}"
    return aws.s3().generate_presigned_url("get_object", ExpiresIn=expires, Params=params)
