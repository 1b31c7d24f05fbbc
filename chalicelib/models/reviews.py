"""Review tasks (one per declaration, round, level) and reviewers' common opinions.

Key formats
    ReviewTask     PK=DECL#<id>   SK=TASK#<round:03d>#<level:02d>
                   GSI1PK=TASKS#<unit>#<matter>#<year>#<bucket>  GSI1SK=<updated_at>#<decl_id>
                       bucket: pending (待审核) | to_send (待送审) | done (办结)
                   GSI2PK=DUE#<yyyy-mm-dd> GSI2SK=<due_at>#<decl>#<level>   while open (sweep)
                   GSI2PK=OUTBOX           GSI2SK=<decided_at>#<decl>       decided, not yet delivered
    ReturnedMark   PK=DECL#<id>   SK=RETURNED#<unit>   GSI1PK=TASKS#<unit>#<matter>#<year>#returned
    CommonOpinion  PK=OPINIONS#<agent_id>  SK=<opinion_id>
"""
from pynamodb.attributes import (BooleanAttribute, JSONAttribute, NumberAttribute, UnicodeAttribute,
                                 VersionAttribute)

from chalicelib.models.base import Entity

OPEN = "open"
TO_SEND = "to_send"
DONE = "done"

BUCKET_OF_STATE = {OPEN: "pending", TO_SEND: "to_send", DONE: "done"}


class ReviewTask(Entity, discriminator="ReviewTask"):
    decl_id = UnicodeAttribute()
    round = NumberAttribute()
    level = NumberAttribute()
    unit_code = UnicodeAttribute()
    unit_name = UnicodeAttribute()
    role = UnicodeAttribute()
    matter_type = UnicodeAttribute()
    year = UnicodeAttribute()
    person_name = UnicodeAttribute()
    id_number = UnicodeAttribute()
    state = UnicodeAttribute()
    token = UnicodeAttribute(null=True)
    opened_at = UnicodeAttribute()
    due_at = UnicodeAttribute(null=True)
    overdue = BooleanAttribute(default=False)
    reminded = BooleanAttribute(default=False)
    urged_at = UnicodeAttribute(null=True)
    visits = NumberAttribute(default=1)
    outcome = UnicodeAttribute(null=True)          # pass | return | terminate
    output = JSONAttribute(null=True)              # what SendTaskSuccess carries to the machine
    marks = JSONAttribute(null=True)               # {module: "correct" | "wrong"}
    problem_modules = JSONAttribute(null=True)
    return_to = UnicodeAttribute(null=True)
    opinion = UnicodeAttribute(null=True)
    decided_by = UnicodeAttribute(null=True)
    decided_by_name = UnicodeAttribute(null=True)
    decided_at = UnicodeAttribute(null=True)
    sent_at = UnicodeAttribute(null=True)
    delivered = BooleanAttribute(default=False)
    report_attachment = UnicodeAttribute(null=True)   # 推荐报告/申报函 (units' 送审)
    decl_unit_name = UnicodeAttribute(null=True)      # 推荐单位, 申请评定等级, 申报日期: the task lists' columns
    applied_level = UnicodeAttribute(null=True)
    submitted_at = UnicodeAttribute(null=True)
    updated_at = UnicodeAttribute()
    version = VersionAttribute()

    @staticmethod
    def key(decl_id: str, round_: int, level: int):
        return f"DECL#{decl_id}", f"TASK#{round_:03d}#{level:02d}"

    @staticmethod
    def list_key(unit: str, matter: str, year: str, bucket: str) -> str:
        return f"TASKS#{unit}#{matter}#{year}#{bucket}"


class ReturnedMark(Entity, discriminator="ReturnedMark"):
    """A declaration this unit returned to the applicant (已退回), until it comes back."""
    decl_id = UnicodeAttribute()
    unit_code = UnicodeAttribute()
    person_name = UnicodeAttribute()
    id_number = UnicodeAttribute()
    returned_at = UnicodeAttribute()

    @staticmethod
    def key(decl_id: str, unit_code: str):
        return f"DECL#{decl_id}", f"RETURNED#{unit_code}"


class CommonOpinion(Entity, discriminator="CommonOpinion"):
    agent_id = UnicodeAttribute()
    opinion_id = UnicodeAttribute()
    text = UnicodeAttribute()
    created_at = UnicodeAttribute()

    @staticmethod
    def key(agent_id: str, opinion_id: str):
        return f"OPINIONS#{agent_id}", opinion_id
