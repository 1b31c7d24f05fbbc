"""申报通知 (declaration notices) published by the provincial office.

Key formats
    Notice  PK=NOTICE#<notice_id>  SK=NOTICE
            GSI1PK=NOTICES#<year>   GSI1SK=<matter_type>#<publish_date>#<stamp>#<id>   (published only:
                                    one matter's = begins_with <matter_type>#; the menu = the year)
            GSI2PK=NOTICES#ALL                   GSI2SK=<created_at>#<id>     (office's own list)
"""
from pynamodb.attributes import ListAttribute, MapAttribute, UnicodeAttribute, VersionAttribute

from chalicelib.models.base import Entity

NOTICE_DRAFT = "draft"
NOTICE_PUBLISHED = "published"
NOTICE_WITHDRAWN = "withdrawn"
OFFICE_LIST = "NOTICES#ALL"          # GSI2PK of every notice (the provincial office's list)


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
    def list_key(year: str) -> str:
        return f"NOTICES#{year}"

    @classmethod
    def published(cls, year: str, matter_type: str | None = None, **kwargs):
        """The year's published notices, newest first within a matter; one matter's when given."""
        condition = cls.gsi1sk.startswith(f"{matter_type}#") if matter_type else None
        return cls.gsi1.query(cls.list_key(year), condition, scan_index_forward=False, **kwargs)

    # --- index keys (in memory, before the notice is saved) ---

    def list_for_office(self) -> None:
        """On the provincial office's list of all notices, newest first."""
        self.gsi2pk, self.gsi2sk = OFFICE_LIST, f"{self.created_at}#{self.notice_id}"

    def list_published(self, restamp: bool = True) -> None:
        """On the applicants' list of its year under its matter (restamped by its publish date; an edit
        keeps the stamp but follows a changed matter or year)."""
        self.gsi1pk = self.list_key(self.year)
        if restamp or not self.gsi1sk:
            tail = f"{self.publish_date}#{self.updated_at}#{self.notice_id}"
        else:
            tail = self.gsi1sk.split("#", 1)[1]
        self.gsi1sk = f"{self.matter_type}#{tail}"

    def unlist(self) -> None:
        """Off the applicants' list (withdrawn)."""
        self.gsi1pk = self.gsi1sk = None

    @classmethod
    def office_list(cls, **kwargs):
        return cls.gsi2.query(OFFICE_LIST, **kwargs)
