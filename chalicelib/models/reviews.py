"""Review tasks (one per declaration, round, level) and reviewers' common opinions.

Key formats
    ReviewTask     PK=DECL#<id>   SK=TASK#<round:03d>#<level:02d>
                   GSI1PK=TASKS#<unit>#<matter>#<year>#<bucket>  GSI1SK=<updated_at>#<decl_id>
                       bucket: pending (待审核) | to_send (待送审) | done (办结)
                   GSI2PK=DUE#<yyyy-mm-dd> GSI2SK=<due_at>#<decl>#<level>   while open (sweep)
                   GSI2PK=OUTBOX           GSI2SK=<decided_at>#<decl>       decided, not yet delivered
    ReturnedMark   PK=DECL#<id>   SK=RETURNED#<unit>   GSI1PK=TASKS#<unit>#<matter>#<year>#returned
    TaskIdIndex    PK=TASKID#<unit>#<id_hash>   SK=<matter>#<year>#DECL#<id>#TASK#<round:03d>#<level:02d>
                       a unit's tasks of one person (keyed hash of the 证件号码, chalicelib.pii): the
                       证件号码 search is one keyed Query of this partition, then a BatchGetItem of
                       the tasks it names; written in the transaction that opens the task, never
                       changed (the task moves between lists, the person does not); infra/rekey_pii.py
                       writes it under a new key next to the old one, then prunes the old
    CommonOpinion  PK=OPINIONS#<agent_id>  SK=<opinion_id>
"""
from pynamodb.attributes import (BooleanAttribute, JSONAttribute, NumberAttribute, UnicodeAttribute,
                                 VersionAttribute)

from chalicelib.models.base import Entity
# the task states and their transitions live in models/status.py (re-exported here)
from chalicelib.models.status import DONE, OPEN, TO_SEND

BUCKET_OF_STATE = {OPEN: "pending", TO_SEND: "to_send", DONE: "done"}
RETURNED_BUCKET = "returned"
OUTBOX = "OUTBOX"


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

    # --- index keys: the task owns them; flows say where the task goes, not how it is spelled ---

    def place(self, bucket: str, at: str) -> None:
        """In memory (a task about to be saved): list it in `bucket`, newest first by `at`."""
        self.gsi1pk = self.list_key(self.unit_code, self.matter_type, self.year, bucket)
        self.gsi1sk = f"{at}#{self.decl_id}"

    def set_due(self, due: str | None) -> None:
        """In memory: on the due-date sweep index while open with a deadline (off it without)."""
        self.gsi2pk = f"DUE#{due[:10]}" if due else None
        self.gsi2sk = f"{due}#{self.decl_id}#{self.level:02d}" if due else None

    def move_to(self, bucket: str, at: str, restamp: bool = True) -> list:
        """Update actions moving the task to another list bucket (re-sorted at `at` unless
        restamp is False)."""
        actions = [ReviewTask.gsi1pk.set(self.list_key(self.unit_code, self.matter_type, self.year, bucket))]
        return actions + ([ReviewTask.gsi1sk.set(f"{at}#{self.decl_id}")] if restamp else [])

    def into_outbox(self, at: str) -> list:
        """Update actions: off the due index, into the outbox until the decision is delivered."""
        return [ReviewTask.gsi2pk.set(OUTBOX), ReviewTask.gsi2sk.set(f"{at}#{self.decl_id}")]

    @staticmethod
    def off_secondary_index() -> list:
        """Update actions: off the due index and the outbox (waiting for 送审, or delivered)."""
        return [ReviewTask.gsi2pk.remove(), ReviewTask.gsi2sk.remove()]

    @classmethod
    def outbox(cls, limit: int):
        """Decisions recorded but not yet delivered to the state machine, oldest first."""
        return cls.gsi2.query(OUTBOX, limit=limit)

    @classmethod
    def due_on(cls, day: str, **kwargs):
        """Open tasks due on a day (yyyy-mm-dd): the reminder/overdue sweep."""
        return cls.gsi2.query(f"DUE#{day}", **kwargs)


class ReturnedMark(Entity, discriminator="ReturnedMark"):
    """A declaration this unit returned to the applicant (已退回), until it comes back."""
    decl_id = UnicodeAttribute()
    unit_code = UnicodeAttribute()
    person_name = UnicodeAttribute()
    id_number = UnicodeAttribute()
    returned_at = UnicodeAttribute()
    round = NumberAttribute(null=True)                # 轮次, 推荐单位, 申报级别, 申报日期: the list's columns
    decl_unit_name = UnicodeAttribute(null=True)
    applied_level = UnicodeAttribute(null=True)
    submitted_at = UnicodeAttribute(null=True)

    @staticmethod
    def key(decl_id: str, unit_code: str):
        return f"DECL#{decl_id}", f"RETURNED#{unit_code}"

    @classmethod
    def new(cls, task: "ReviewTask", person_name: str, id_number: str, at: str) -> "ReturnedMark":
        """The 已退回 entry of the unit that returned the declaration, listed with its tasks."""
        pk, sk = cls.key(task.decl_id, task.unit_code)
        return cls(pk=pk, sk=sk, decl_id=task.decl_id, unit_code=task.unit_code, person_name=person_name,
                   id_number=id_number, returned_at=at, round=task.round, decl_unit_name=task.decl_unit_name,
                   applied_level=task.applied_level, submitted_at=task.submitted_at,
                   gsi1pk=ReviewTask.list_key(task.unit_code, task.matter_type, task.year, RETURNED_BUCKET),
                   gsi1sk=f"{at}#{task.decl_id}")


class TaskIdIndex(Entity, discriminator="TaskIdIndex"):
    """One review task of a unit, found by the applicant's 证件号码 (its keyed hash): a base-table
    item, not an index projection (GSI1 and GSI2 are at DynamoDB's 100 projected attributes)."""
    decl_id = UnicodeAttribute()
    round = NumberAttribute()
    level = NumberAttribute()

    @staticmethod
    def partition(unit_code: str, id_hash: str) -> str:
        return f"TASKID#{unit_code}#{id_hash}"

    @staticmethod
    def prefix(matter_type: str, year: str) -> str:
        """The sort-key prefix selecting one matter's and year's tasks (a key condition)."""
        return f"{matter_type}#{year}#"

    @classmethod
    def of(cls, task: "ReviewTask", id_hash: str) -> "TaskIdIndex":
        """The index item of `task` for the person whose ID number hashes to `id_hash`."""
        pk, sk = ReviewTask.key(task.decl_id, task.round, task.level)
        return cls(pk=cls.partition(task.unit_code, id_hash),
                   sk=f"{cls.prefix(task.matter_type, task.year)}{pk}#{sk}",
                   decl_id=task.decl_id, round=task.round, level=task.level)

    def task_key(self) -> tuple:
        return ReviewTask.key(self.decl_id, self.round, self.level)


class CommonOpinion(Entity, discriminator="CommonOpinion"):
    agent_id = UnicodeAttribute()
    opinion_id = UnicodeAttribute()
    text = UnicodeAttribute()
    created_at = UnicodeAttribute()

    @staticmethod
    def key(agent_id: str, opinion_id: str):
        return f"OPINIONS#{agent_id}", opinion_id
