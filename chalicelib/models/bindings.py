"""Binding requests (person → recommending unit, unit → superior unit) and a person's binding.

Key formats
    BindingRequest  PK=BINDREQ#<request_id>   SK=BINDREQ
                    GSI1PK=BINDREQ#<target_code>#<kind>#<PENDING|DONE>   GSI1SK=<created_at>#<id>
    PersonBinding   PK=PERSON#<person_id>     SK=BINDING
A unit's superior binding lives on its Unit item (superior_code, superior_status, superior_request).
"""
from pynamodb.attributes import UnicodeAttribute, VersionAttribute

from chalicelib.models.base import Entity, db_errors

KIND_PERSON = "person"
KIND_UNIT = "unit"

STATUS_PENDING = "pending"
STATUS_APPROVED = "approved"
STATUS_ENDED = "ended"
STATUS_CANCELLED = "cancelled"


class BindingRequest(Entity, discriminator="BindingRequest"):
    request_id = UnicodeAttribute()
    kind = UnicodeAttribute()
    requester_id = UnicodeAttribute()        # person id or unit credit code
    requester_name = UnicodeAttribute()
    requester_id_number = UnicodeAttribute(null=True)   # persons only; masked in every list
    target_code = UnicodeAttribute()
    target_name = UnicodeAttribute()
    year = UnicodeAttribute()
    status = UnicodeAttribute()
    opinion = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    decided_at = UnicodeAttribute(null=True)
    decided_by = UnicodeAttribute(null=True)
    decided_by_name = UnicodeAttribute(null=True)

    @staticmethod
    def key(request_id: str):
        return f"BINDREQ#{request_id}", "BINDREQ"

    @staticmethod
    def list_key(target_code: str, kind: str, done: bool) -> str:
        return f"BINDREQ#{target_code}#{kind}#{'DONE' if done else 'PENDING'}"

    def list_pending(self) -> None:
        """In memory (a new request): on the target unit's waiting list, by creation time."""
        self.gsi1pk = self.list_key(self.target_code, self.kind, done=False)
        self.gsi1sk = f"{self.created_at}#{self.request_id}"

    def move_to_done(self) -> list:
        """Update actions: from the waiting list to the decided list (keeps its sort key)."""
        return [BindingRequest.gsi1pk.set(self.list_key(self.target_code, self.kind, done=True))]

    @staticmethod
    def unlist() -> list:
        """Update actions: off both lists (a cancelled request)."""
        return [BindingRequest.gsi1pk.remove(), BindingRequest.gsi1sk.remove()]


class PersonBinding(Entity, discriminator="PersonBinding"):
    person_id = UnicodeAttribute()
    unit_code = UnicodeAttribute()
    unit_name = UnicodeAttribute()
    status = UnicodeAttribute()               # pending | approved | ended
    request_id = UnicodeAttribute()
    opinion = UnicodeAttribute(null=True)
    updated_at = UnicodeAttribute()
    # Set while a declaration is under review at this unit; unbinding is refused meanwhile.
    locked_by = UnicodeAttribute(null=True)
    version = VersionAttribute()

    @staticmethod
    def key(person_id: str):
        return f"PERSON#{person_id}", "BINDING"

    @classmethod
    def find(cls, person_id: str) -> "PersonBinding | None":
        """The person's binding to a recommending unit, or None (1 GetItem)."""
        with db_errors():
            try:
                return cls.get(*cls.key(person_id))
            except cls.DoesNotExist:
                return None
