"""Best-effort removal of S3 objects whose records are gone (deleted drafts, replaced files).

The bucket's lifecycle rule removes unverified uploads anyway; this keeps storage tidy sooner.
"""
from chalicelib import aws, config
from chalicelib.logs import get_logger

log = get_logger("talent.attachments")


def delete_objects(keys: list) -> None:
    keys = [k for k in keys if k]
    for start in range(0, len(keys), 1000):
        batch = keys[start:start + 1000]
        try:
            aws.s3().delete_objects(Bucket=config.ATTACHMENTS_BUCKET,
                                    Delete={"Objects": [{"Key": k} for k in batch], "Quiet": True})
        except Exception:  # noqa: BLE001 - cleanup must never fail the user's action
            log.warning("attachment cleanup failed", extra={"fields": {"count": len(batch)}})
