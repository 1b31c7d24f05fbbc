"""Declarations: one partition per declaration, so reading it whole is one Query.

Key formats
    Declaration        PK=DECL#<id>   SK=META
                       GSI1PK=PERSON#<person_id>#DECL   GSI1SK=<created_at>#<id>  (my declarations)
    DeclarationModule  PK=DECL#<id>   SK=MOD#<module>   (content, editable flag, own version)
    Attachment         PK=DECL#<id>   SK=ATT#<category>#<attachment_id>
    AttachmentCount    PK=DECL#<id>   SK=ATTCOUNT#<category>#<entry_id or ->
    LiveDeclaration    PK=PERSON#<person_id>   SK=LIVE#<notice_id>   (one live per notice)

Each module has its own version, so two devices saving different modules both succeed while
the same module conflicts; the META version guards status changes.
"""
from pynamodb.attributes import (BooleanAttribute, JSONAttribute, ListAttribute, NumberAttribute,
                                 UnicodeAttribute, VersionAttribute)

from chalicelib.models.base import Entity
# the statuses and their transitions live in models/status.py (re-exported here)
from chalicelib.models.status import (APPROVED, DRAFT, EDITABLE_STATUSES, RETURNED,  # noqa: F401
                                      STATUS_LABELS, SUBMITTED, TERMINATED)


class Declaration(Entity, discriminator="Declaration"):
    decl_id = UnicodeAttribute()
    person_id = UnicodeAttribute()
    person_name = UnicodeAttribute()
    id_number = UnicodeAttribute()
    notice_id = UnicodeAttribute()
    notice_title = UnicodeAttribute()
    matter_type = UnicodeAttribute()
    year = UnicodeAttribute()
    status = UnicodeAttribute()
    round = NumberAttribute(default=0)
    unit_code = UnicodeAttribute()
    unit_name = UnicodeAttribute()
    route = JSONAttribute()                       # [{level, unit_code, unit_name, role}]
    editable_modules = ListAttribute(of=UnicodeAttribute, null=True)
    pledge_accepted_at = UnicodeAttribute(null=True)
    submitted_at = UnicodeAttribute(null=True)
    reached_level = NumberAttribute(default=0)    # highest route level the current round reached
    stat_scopes = ListAttribute(of=UnicodeAttribute, null=True)   # 统计分析 scopes, fixed at submit
    execution_arn = UnicodeAttribute(null=True)
    returned_by = UnicodeAttribute(null=True)     # unit name that returned it (被退回)
    return_opinion = UnicodeAttribute(null=True)
    applied_level = UnicodeAttribute(null=True)   # 申请评定级别 (from basic info, at submit)
    result = UnicodeAttribute(null=True)          # 评定状态: 未认定 | 通过 | 未通过
    result_level = UnicodeAttribute(null=True)    # 评审后评定级别
    result_at = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()
    version = VersionAttribute()

    @staticmethod
    def key(decl_id: str):
        return f"DECL#{decl_id}", "META"

    @staticmethod
    def owner_key(person_id: str) -> str:
        return f"PERSON#{person_id}#DECL"

    def list_for_owner(self) -> None:
        """In memory (a new declaration): on its applicant's list, newest first."""
        self.gsi1pk = self.owner_key(self.person_id)
        self.gsi1sk = f"{self.created_at}#{self.decl_id}"


class DeclarationModule(Entity, discriminator="DeclarationModule"):
    decl_id = UnicodeAttribute()
    module = UnicodeAttribute()
    person_id = UnicodeAttribute()
    content = JSONAttribute(null=True)
    editable = BooleanAttribute(default=True)
    saved_at = UnicodeAttribute(null=True)
    version = VersionAttribute()

    @staticmethod
    def key(decl_id: str, module: str):
        return f"DECL#{decl_id}", f"MOD#{module}"


class Attachment(Entity, discriminator="Attachment"):
    decl_id = UnicodeAttribute()
    attachment_id = UnicodeAttribute()
    category = UnicodeAttribute()
    entry_id = UnicodeAttribute(null=True)
    slot = UnicodeAttribute(null=True)
    file_name = UnicodeAttribute()
    content_type = UnicodeAttribute()
    declared_size = NumberAttribute()
    size = NumberAttribute(null=True)
    incoming_key = UnicodeAttribute()             # where the client uploads (expires if unverified)
    s3_key = UnicodeAttribute()                   # where the verified file lives
    thumbnail_key = UnicodeAttribute(null=True)
    state = UnicodeAttribute()                    # pending | verifying | verified | rejected
    reason = UnicodeAttribute(null=True)
    claimed_at = UnicodeAttribute(null=True)
    multipart_upload_id = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    verified_at = UnicodeAttribute(null=True)

    @staticmethod
    def key(decl_id: str, category: str, attachment_id: str):
        return f"DECL#{decl_id}", f"ATT#{category}#{attachment_id}"


class AttachmentCount(Entity, discriminator="AttachmentCount"):
    """Verified files of one category (and entry): the race-free guard of the count limit."""
    n = NumberAttribute(default=0)

    @staticmethod
    def key(decl_id: str, category: str, entry_id: str | None):
        return f"DECL#{decl_id}", f"ATTCOUNT#{category}#{entry_id or '-'}"


class LiveDeclaration(Entity, discriminator="LiveDeclaration"):
    decl_id = UnicodeAttribute()

    @staticmethod
    def key(person_id: str, notice_id: str):
        return f"PERSON#{person_id}", f"LIVE#{notice_id}"
