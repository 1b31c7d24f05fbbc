"""S3 ObjectCreated → verify the uploaded file (the same code as the client's "complete" call).

Keys look like incoming/<decl_id>/<category>/<attachment_id>.<ext>; anything else is ignored.
"""
import urllib.parse

from chalicelib.logs import get_logger

log = get_logger("talent.fn.verify_upload")


def handler(event, context):
    from chalicelib.services import uploads

    results = []
    for record in event.get("Records", []):
        key = urllib.parse.unquote_plus(record.get("s3", {}).get("object", {}).get("key", ""))
        parts = key.split("/")
        if len(parts) != 4 or parts[0] != "incoming":
            log.info("ignored object", extra={"fields": {"key_prefix": parts[0] if parts else ""}})
            continue
        decl_id, attachment_id = parts[1], parts[3].split(".", 1)[0]
        # Verifies without the API's inline bound; deletes bytes that arrive after the verdict or
        # whose record is gone (the draft was removed before the event arrived).
        state = uploads.on_object_created(decl_id, attachment_id, key)
        results.append({"attachment_id": attachment_id, "state": state})
    return {"results": results}
