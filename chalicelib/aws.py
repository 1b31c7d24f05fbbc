"""AWS clients, created lazily on first use and reused across invocations.

boto3 itself is imported here only when a client is first needed, so importing the app costs no
more than pynamodb's botocore. Endpoints come from AWS_ENDPOINT_URL (the moto server locally).
"""
import functools
import os

from chalicelib import config


def _client(service: str):
    import boto3  # deferred: cold start (DESIGN.md §5)
    from botocore.config import Config

    tracing_enabled()
    return boto3.session.Session().client(
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
def tracing_enabled() -> bool:
    """Patch boto3/botocore for X-Ray only in AWS stages; a no-op locally and in tests."""
    if not config.XRAY_ENABLED or not os.environ.get("AWS_LAMBDA_FUNCTION_NAME"):
        return False
    from aws_xray_sdk.core import patch  # deferred: only where tracing is on

    patch(["boto3", "botocore"])
    return True


def reset_clients():
    """Forget cached clients (tests switch endpoints between mocks)."""
    for getter in (s3, sqs, stepfunctions, tracing_enabled):
        getter.cache_clear()


RETRYABLE_CODES = {"Throttling", "ThrottlingException", "SlowDown", "ServiceUnavailable", "RequestLimitExceeded",
                   "ProvisionedThroughputExceededException", "InternalError", "InternalFailure",
                   "RequestTimeout", "RequestTimeoutException", "TooManyRequestsException",
                   "ServiceException", "ServiceUnavailableException"}


def is_retryable(exc: BaseException) -> bool:
    """A failure of an AWS call that the caller may simply retry (throttling, timeouts, 5xx)."""
    from botocore.exceptions import ClientError, ConnectionError as BotoConnectionError, HTTPClientError

    from chalicelib.models.base import server_side

    if server_side(exc):      # a 5xx/connection failure, also when wrapped by pynamodb
        return True
    if isinstance(exc, ClientError):
        status = (exc.response.get("ResponseMetadata") or {}).get("HTTPStatusCode") or 0
        return exc.response.get("Error", {}).get("Code") in RETRYABLE_CODES or status >= 500
    return isinstance(exc, (BotoConnectionError, HTTPClientError))
