"""The append-only audit trail: who did what, when, to which record.

Key format
    AuditRecord  PK=AUDIT#<scope>   SK=<iso time>#<random>
where scope is the record the action concerns (e.g. UNIT#<code>, PERSON#<id>, DECL#<id>).
Records are only ever put with attribute_not_exists (and IAM denies update/delete on AUDIT# keys),
usually inside the same transaction as the change they describe.
"""
import uuid

from pynamodb.attributes import MapAttribute, UnicodeAttribute

from chalicelib.models.base import Entity, now_iso


class AuditRecord(Entity, discriminator="AuditRecord"):
    scope = UnicodeAttribute()
    action = UnicodeAttribute()
    at = UnicodeAttribute()
    actor_id = UnicodeAttribute()
    actor_role = UnicodeAttribute()
    actor_name = UnicodeAttribute(null=True)
    actor_unit = UnicodeAttribute(null=True)
    opinion = UnicodeAttribute(null=True)
    detail = MapAttribute(null=True)

    @classmethod
    def new(cls, scope: str, action: str, principal, opinion: str | None = None,
            detail: dict | None = None, at: str | None = None) -> "AuditRecord":
        at = at or now_iso()
        return cls(pk=f"AUDIT#{scope}", sk=f"{at}#{uuid.uuid4().hex[:12]}", scope=scope,
                   action=action, at=at, actor_id=principal.subject, actor_role=principal.role,
                   actor_name=principal.name or None, actor_unit=principal.unit_code or None,
                   opinion=opinion, detail=detail)

    @classmethod
    def append(cls, tx, scope: str, action: str, principal, opinion: str | None = None,
               detail: dict | None = None, at: str | None = None) -> None:
        """Append a record inside the caller's transaction (put only if new: append-only)."""
        tx.save(cls.new(scope, action, principal, opinion=opinion, detail=detail, at=at),
                condition=cls.pk.does_not_exist())

    @classmethod
    def trail(cls, scope: str):
        """The records of one scope, oldest first (one Query)."""
        return cls.query(f"AUDIT#{scope}")

    def to_dict(self) -> dict:
        return {"action": self.action, "at": self.at, "actor_id": self.actor_id,
                "actor_role": self.actor_role, "actor_name": self.actor_name,
                "actor_unit": self.actor_unit, "opinion": self.opinion,
                "detail": self.detail.as_dict() if self.detail else None}
