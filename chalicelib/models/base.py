"""The single DynamoDB table and the error translation every adapter uses.

All entities live in one table (infra/template.yaml, resource MainTable) keyed by PK/SK with two
sparse GSIs. Each entity module states its key formats; models/__init__.py lists the access
patterns.
"""
import contextlib

from pynamodb.attributes import DiscriminatorAttribute, UnicodeAttribute
from pynamodb.exceptions import PynamoDBException
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

from chalicelib import config
from chalicelib.aws import RETRYABLE_CODES, server_side
from chalicelib.clock import now_iso  # noqa: F401  (re-exported: the stored form of an instant)
from chalicelib.errors import Conflict, NotFound, Unavailable


class Gsi1(GlobalSecondaryIndex):
    """Lists owned by someone: a person's declarations, a unit's requests/tasks, notices by year."""

    class Meta:
        index_name = "GSI1"
        projection = AllProjection()

    gsi1pk = UnicodeAttribute(hash_key=True, attr_name="GSI1PK")
    gsi1sk = UnicodeAttribute(range_key=True, attr_name="GSI1SK")


class Gsi2(GlobalSecondaryIndex):
    """Secondary lookups: due-date sweep of open review tasks, unit's results by status."""

    class Meta:
        index_name = "GSI2"
        projection = AllProjection()

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
