"""AWS clients, created lazily on first use and reused across invocations.

boto3 itself is imported here only when a client is first needed, so importing the app costs no
more than pynamodb's botocore. Endpoints come from AWS_ENDPOINT_URL (the moto server locally).
X-Ray: the SDK is imported, and botocore patched, on the first AWS call (boto3 or pynamodb) and
only where tracing is on (`trace_on_first_use`); never in the China regions, locally or in tests.
"""
import functools
import threading

from chalicelib import config

_CREATING = threading.Lock()    # a session is not thread-safe: clients are made one at a time


@functools.lru_cache(maxsize=None)
def _loader(data_path):
    from botocore.loaders import create_loader

    return create_loader(data_path)


def botocore_session():
    """A new botocore session that reads endpoints and service models through the process's one
    loader. A session with a loader of its own parses endpoints.json and each model again: ~220 ms
    a session + client, against ~5 ms. pynamodb makes a session for each model class
    (chalicelib/models/base.py hands it this function), so a cold start paid that per entity."""
    import botocore.session

    session = botocore.session.Session()
    session.register_component("data_loader", _loader(session.get_config_variable("data_path")))
    return session


@functools.lru_cache(maxsize=None)
def _session():
    """One boto3 session for every client: its loader parses endpoints and each service's model
    once (a session per client parsed them again for each client)."""
    import boto3  # deferred: cold start (DESIGN.md §5)

    return boto3.session.Session(botocore_session=botocore_session())


def _client(service: str):
    from botocore.config import Config

    tracing_enabled()
    with _CREATING:
        return _session().client(
            service,
            region_name=config.AWS_REGION,
            config=Config(retries={"max_attempts": 3, "mode": "standard"},
                          signature_version="s3v4" if service == "s3" else None,
                          s3={"addressing_style": "path"} if service == "s3" else None),
        )


@functools.lru_cache(maxsize=None)
def s3():
    return _client("s3")


@functools.lru_cache(maxsize=None)
def sqs():
    return _client("sqs")


@functools.lru_cache(maxsize=None)
def stepfunctions():
    return _client("stepfunctions")


@functools.lru_cache(maxsize=None)
def kms():
    return _client("kms")


@functools.lru_cache(maxsize=None)
def ssm():
    return _client("ssm")


def tracing_configured() -> bool:
    """Tracing is on only inside a Lambda container whose template enabled it."""
    return config.XRAY_ENABLED and config.in_lambda()


@functools.lru_cache(maxsize=None)
def tracing_enabled() -> bool:
    """Import the X-Ray SDK and patch botocore (boto3 and pynamodb both call through it), once;
    a no-op where tracing is off."""
    if not tracing_configured():
        return False
    from aws_xray_sdk.core import patch  # deferred: only where tracing is on

    patch(["botocore"])
    return True


def trace_on_first_use() -> bool:
    """Called at app import: where tracing is on, the first botocore API call (any client,
    pynamodb's included) imports the SDK and patches, then proceeds traced. Costs nothing at
    import (botocore is already loaded by pynamodb) and nothing at all where tracing is off."""
    if not tracing_configured():
        return False
    from botocore.client import BaseClient

    original = BaseClient._make_api_call

    def first_call(self, operation_name, api_params):
        BaseClient._make_api_call = original      # the SDK wraps the original, once
        tracing_enabled()
        return BaseClient._make_api_call(self, operation_name, api_params)

    BaseClient._make_api_call = first_call
    return True


def reset_clients():
    """Forget cached clients (tests switch endpoints between mocks)."""
    for getter in (s3, sqs, stepfunctions, kms, ssm, tracing_enabled):
        getter.cache_clear()


# The one list of AWS error codes a caller may simply retry (any service: DynamoDB, its
# transactions' cancellation reasons, S3, SQS, Step Functions, SSM).
RETRYABLE_CODES = frozenset({
    "Throttling", "ThrottlingException", "SlowDown", "ServiceUnavailable", "RequestLimitExceeded",
    "ProvisionedThroughputExceededException", "InternalError", "InternalFailure", "InternalServerError",
    "RequestTimeout", "RequestTimeoutException", "TooManyRequestsException", "ServiceException",
    "ServiceUnavailableException", "TransactionInProgressException", "TransactionConflict",
})


def server_side(exc: BaseException) -> bool:
    """An AWS 5xx (or a lost connection) that survived the SDK's retries: the platform's 503 with
    Retry-After, never a 500 — whatever error code the service put on it."""
    from botocore.exceptions import ConnectionError as BotoConnectionError, HTTPClientError

    # pynamodb re-raises botocore's ClientError without its ResponseMetadata: walk the chain.
    seen, todo = set(), [exc]
    while todo:
        err = todo.pop()
        if err is None or id(err) in seen:
            continue
        seen.add(id(err))
        if isinstance(err, (BotoConnectionError, HTTPClientError)):
            return True
        meta = (getattr(err, "response", None) or {}).get("ResponseMetadata") or {}
        if (meta.get("HTTPStatusCode") or 0) >= 500:
            return True
        todo += [getattr(err, "cause", None), err.__cause__, err.__context__]
    return False


def is_retryable(exc: BaseException) -> bool:
    """A failure of an AWS call that the caller may simply retry (throttling, timeouts, 5xx)."""
    from botocore.exceptions import ClientError, ConnectionError as BotoConnectionError, HTTPClientError

    if server_side(exc):      # a 5xx/connection failure, also when wrapped by pynamodb
        return True
    if isinstance(exc, ClientError):
        status = (exc.response.get("ResponseMetadata") or {}).get("HTTPStatusCode") or 0
        return exc.response.get("Error", {}).get("Code") in RETRYABLE_CODES or status >= 500
    return isinstance(exc, (BotoConnectionError, HTTPClientError))
