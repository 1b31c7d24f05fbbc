"""Background export jobs.

Key format
    ExportJob  PK=EXPORT#<job_id>  SK=EXPORT   (expires_at: DynamoDB TTL, a week later)
"""
from pynamodb.attributes import JSONAttribute, NumberAttribute, UnicodeAttribute

from chalicelib.models.base import Entity


class ExportJob(Entity, discriminator="ExportJob"):
    job_id = UnicodeAttribute()
    kind = UnicodeAttribute()
    owner_id = UnicodeAttribute()
    unit_code = UnicodeAttribute()
    full_ids = UnicodeAttribute()            # "1" if the caller may see full ID numbers
    filters = JSONAttribute()
    state = UnicodeAttribute()               # queued | running | done | failed
    rows = NumberAttribute(default=0)
    s3_key = UnicodeAttribute(null=True)
    error = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    finished_at = UnicodeAttribute(null=True)
    expires_at = NumberAttribute(null=True)

    @staticmethod
    def key(job_id: str):
        return f"EXPORT#{job_id}", "EXPORT"
