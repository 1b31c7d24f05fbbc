"""The single DynamoDB table and the error translation every adapter uses.

All entities live in one table (infra/template.yaml, resource MainTable) keyed by PK/SK with two
sparse GSIs. Each entity module states its key formats; models/__init__.py lists the access
patterns.
"""
import contextlib

import pynamodb.connection.base
from pynamodb.attributes import DiscriminatorAttribute, UnicodeAttribute
from pynamodb.exceptions import PynamoDBException
from pynamodb.indexes import GlobalSecondaryIndex, IncludeProjection
from pynamodb.models import Model

from chalicelib import config
from chalicelib.aws import RETRYABLE_CODES, botocore_session, server_side

# pynamodb opens a botocore session per model class (and per thread) through this module name;
# ours share the process's one loader of service models (chalicelib.aws.botocore_session).
pynamodb.connection.base.get_session = botocore_session
from chalicelib.clock import now_iso  # noqa: F401  (re-exported: the stored form of an instant)
from chalicelib.errors import Conflict, NotFound, Unavailable


# What each index's queries read, per entity: the views they feed, the filter expressions they
# evaluate (a filter on an index sees projected attributes only) and what a reader writes back.
# The indexes project exactly the union (INCLUDE, not ALL), so an attribute no index query reads
# (a task's token, marks, the declaration's route...) costs no index write when it changes and
# no index storage. tests/infra/test_projections.py holds each reader to these lists and the
# template's NonKeyAttributes to the union (DynamoDB allows 100 across both indexes).
GSI1_READS = {
    # my declarations (declaration_aggregate.summary_view); bindings' "any declaration under review" (status)
    "Declaration": ("decl_id", "notice_id", "notice_title", "matter_type", "year", "status", "round",
                    "unit_code", "unit_name", "person_name", "id_number", "created_at", "updated_at",
                    "submitted_at"),
    # a unit's task lists and 上一条/下一条 (review.tasks.task_view; filter person_name; 证件号码: TaskIdIndex)
    "ReviewTask": ("decl_id", "round", "level", "unit_code", "unit_name", "role", "matter_type", "year",
                   "person_name", "id_number", "state", "opened_at", "due_at", "overdue", "urged_at",
                   "outcome", "opinion", "decided_at", "decided_by_name", "sent_at", "report_attachment",
                   "decl_unit_name", "applied_level", "submitted_at", "version"),
    # the 已退回 list (review.queries._returned_view; same filters)
    "ReturnedMark": ("decl_id", "person_name", "id_number", "returned_at", "round", "decl_unit_name",
                     "applied_level", "submitted_at"),
    # binding requests waiting for / decided by a unit (bindings.request_view)
    "BindingRequest": ("request_id", "kind", "requester_id", "requester_name", "requester_id_number",
                       "target_code", "target_name", "status", "opinion", "created_at", "decided_at",
                       "decided_by_name"),
    # the year's published notices and the menu of open matters (notices.view(full=False), is_open)
    "Notice": ("notice_id", "title", "matter_type", "year", "source", "publish_date", "opens_at",
               "closes_at", "status", "version"),
    # 我的证书 (certificates.records.view, full: the holder sees the 查验码 and the QR payload)
    "Certificate": ("number", "title", "holder_name", "id_masked", "unit_name", "grant", "matter_type",
                    "year", "authority", "committee", "issued_at", "status", "reason", "replaced_by",
                    "replaces", "decl_id", "check_code", "payload"),
    # results search by 证件号码 (results.row_view; the other filters)
    "ResultRow": ("decl_id", "round", "person_name", "id_number", "unit_code", "unit_name", "city_code",
                  "applied_level", "talent_category", "submitted_at", "result", "result_level",
                  "matter_type"),
    # demo logins (local stage)
    "DevLogin": ("login", "role", "display_name", "unit_code", "is_legal"),
}
GSI2_READS = {
    # the due-date sweep (machine.sweep_deadlines, _flag: its update is not conditioned on the
    # version); the outbox sweep reads keys only, then the tasks by key (token and output unprojected)
    "ReviewTask": ("decl_id", "unit_code", "matter_type", "state", "due_at", "overdue", "reminded"),
    # the provincial office's notices (notices.view(full=False))
    "Notice": GSI1_READS["Notice"],
    # a level's results (results.row_view, the export's result_row, filters) and the issuing worker (decl_id)
    "ResultRow": GSI1_READS["ResultRow"],
    # the province's certificate list and export (records.view(full=False); filters status, holder_name)
    "Certificate": ("number", "title", "holder_name", "id_masked", "unit_name", "grant", "matter_type",
                    "year", "authority", "committee", "issued_at", "status", "reason", "replaced_by",
                    "replaces", "decl_id"),
}


def projected(reads: dict) -> list:
    """An index's NonKeyAttributes: the discriminator and every attribute its queries read."""
    return sorted({"type", *(name for names in reads.values() for name in names)})


class Gsi1(GlobalSecondaryIndex):
    """Lists owned by someone: a person's declarations, a unit's requests/tasks, notices by year."""

    class Meta:
        index_name = "GSI1"
        projection = IncludeProjection(projected(GSI1_READS))

    gsi1pk = UnicodeAttribute(hash_key=True, attr_name="GSI1PK")
    gsi1sk = UnicodeAttribute(range_key=True, attr_name="GSI1SK")


class Gsi2(GlobalSecondaryIndex):
    """Secondary lookups: due-date sweep of open review tasks, unit's results by status."""

    class Meta:
        index_name = "GSI2"
        projection = IncludeProjection(projected(GSI2_READS))

    gsi2pk = UnicodeAttribute(hash_key=True, attr_name="GSI2PK")
    gsi2sk = UnicodeAttribute(range_key=True, attr_name="GSI2SK")


class Entity(Model):
    class Meta:
        table_name = config.TABLE_NAME
        region = config.AWS_REGION
        host = config.DYNAMODB_ENDPOINT_URL
        max_retry_attempts = 3

    pk = UnicodeAttribute(hash_key=True, attr_name="PK")
    sk = UnicodeAttribute(range_key=True, attr_name="SK")
    gsi1pk = UnicodeAttribute(null=True, attr_name="GSI1PK")
    gsi1sk = UnicodeAttribute(null=True, attr_name="GSI1SK")
    gsi2pk = UnicodeAttribute(null=True, attr_name="GSI2PK")
    gsi2sk = UnicodeAttribute(null=True, attr_name="GSI2SK")
    entity = DiscriminatorAttribute(attr_name="type")

    gsi1 = Gsi1()
    gsi2 = Gsi2()


def error_code(exc: BaseException) -> str:
    cause = getattr(exc, "cause", None)
    code = getattr(exc, "cause_response_code", None)
    if code:
        return code
    if cause is not None and hasattr(cause, "response"):
        return cause.response.get("Error", {}).get("Code", "")
    return ""


def cancellation_codes(exc: BaseException) -> list:
    """Per-item reasons of a cancelled transaction ("None" for items that were fine)."""
    reasons = getattr(exc, "cancellation_reasons", None) or []
    return [(r.code if r is not None else "None") for r in reasons]


@contextlib.contextmanager
def db_errors(conflict: Conflict | None = None, not_found: NotFound | None = None):
    """Translate pynamodb/botocore failures to domain errors by code, never by message."""
    try:
        yield
    except Model.DoesNotExist:
        raise not_found or NotFound()
    except PynamoDBException as exc:
        code = error_code(exc)
        reasons = cancellation_codes(exc)
        # A retried transaction whose ClientRequestToken was already used by a different request
        # (another agent's decision on the same task) is the same conflict as a failed guard.
        if code in ("ConditionalCheckFailedException", "IdempotentParameterMismatchException") or \
                "ConditionalCheckFailed" in reasons:
            raise conflict or Conflict() from exc
        if code in RETRYABLE_CODES or any(r in RETRYABLE_CODES for r in reasons) or server_side(exc):
            raise Unavailable() from exc
        raise


_connection = {}


def connection():
    """One pynamodb Connection per process for transactions (created on first use)."""
    if "c" not in _connection:
        from pynamodb.connection import Connection

        _connection["c"] = Connection(region=Entity.Meta.region, host=Entity.Meta.host,
                                      max_retry_attempts=3)
    return _connection["c"]


def transaction(client_request_token: str | None = None):
    """A TransactWrite; pass a token derived from the operation so a retry is idempotent."""
    from pynamodb.transactions import TransactWrite

    return TransactWrite(connection=connection(), client_request_token=client_request_token)


def request_token(*parts) -> str:
    """A ClientRequestToken (≤ 36 chars) derived from the operation, so a retried transaction
    within DynamoDB's 10-minute window is applied once."""
    import hashlib

    return hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()[:36]
