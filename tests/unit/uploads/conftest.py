"""Library-level fixtures for chalicelib.uploads.verify: fake AWS credentials, a plain moto S3
bucket (no infra, no DynamoDB) and a log of every S3 call the verification makes, so the tests
can check what was fetched independently of the Verdict's own bytes_read."""
import dataclasses

import pytest

from tests.helpers.verify_s3 import BUCKET

REGION = "cn-north-1"


@pytest.fixture(autouse=True)
def _fake_aws_credentials(monkeypatch):
    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)


@pytest.fixture
def mock_s3():
    """moto's in-process AWS with one empty bucket; yields a boto3 S3 client."""
    import boto3
    from moto import mock_aws

    with mock_aws():
        client = boto3.client("s3", region_name=REGION)
        client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
        yield client


@dataclasses.dataclass
class CallLog:
    """Every S3 operation (name, params) and the bytes every GetObject returned."""
    ops: list = dataclasses.field(default_factory=list)
    got: list = dataclasses.field(default_factory=list)       # (Range or None, ContentLength)

    def before(self, model, params, **_):
        self.ops.append((model.name, dict(params)))

    def after_get(self, parsed, params=None, **_):
        self.got.append((self.ops[-1][1].get("Range") if self.ops else None, parsed.get("ContentLength", 0)))

    def names(self):
        return [name for name, _ in self.ops]

    @property
    def bytes_fetched(self):
        return sum(n for _, n in self.got)

    def clear(self):
        self.ops.clear()
        self.got.clear()


@pytest.fixture
def calls(mock_s3):
    log = CallLog()
    # before-parameter-build sees the API parameters (Key, Range…), before-call only the wire request
    mock_s3.meta.events.register("before-parameter-build.s3", log.before)
    mock_s3.meta.events.register("after-call.s3.GetObject", log.after_get)
    return log


@pytest.fixture
def bucket():
    return BUCKET
