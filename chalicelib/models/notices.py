"""申报通知 (declaration notices) published by the provincial office.

Key formats
    Notice  PK=NOTICE#<notice_id>  SK=NOTICE
            GSI1PK=NOTICES#<matter_type>#<year>  GSI1SK=<publish_date>#<id>   (published only)
            GSI2PK=NOTICES#ALL                   GSI2SK=<created_at>#<id>     (office's own list)
"""
from pynamodb.attributes import ListAttribute, MapAttribute, UnicodeAttribute, VersionAttribute

from chalicelib.models.base import Entity

NOTICE_DRAFT = "draft"
NOTICE_PUBLISHED = "published"
NOTICE_WITHDRAWN = "withdrawn"


class NoticeFile(MapAttribute):
    name = UnicodeAttribute()
    key = UnicodeAttribute(null=True)


class Notice(Entity, discriminator="Notice"):
    notice_id = UnicodeAttribute()
    title = UnicodeAttribute()
    matter_type = UnicodeAttribute()
    year = UnicodeAttribute()
    source = UnicodeAttribute()
    publish_date = UnicodeAttribute(null=True)
    body = UnicodeAttribute()
    files = ListAttribute(of=NoticeFile, default=list)
    opens_at = UnicodeAttribute()
    closes_at = UnicodeAttribute()
    status = UnicodeAttribute()
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    version = VersionAttribute()

    @staticmethod
    def key(notice_id: str):
        return f"NOTICE#{notice_id}", "NOTICE"

    @staticmethod
    def list_key(matter_type: str, year: str) -> str:
        return f"NOTICES#{matter_type}#{year}"
