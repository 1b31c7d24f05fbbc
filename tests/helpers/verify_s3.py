"""chalicelib.uploads.verify against a plain moto S3 bucket (tests/unit/uploads/conftest.py makes
it): put, read and check an object, and run the verification with the tests' limits."""
from chalicelib.uploads.verify import Verdict, verify_object

BUCKET = "verify-test-bucket"
KB = 1024
IMAGES = frozenset({"image/png", "image/jpeg", "image/bmp"})
ALL = IMAGES | {"application/pdf"}


def put(s3, key, data, content_type="application/octet-stream"):
    s3.put_object(Bucket=BUCKET, Key=key, Body=data, ContentType=content_type)
    return key


def get(s3, key) -> bytes:
    return s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()


def exists(s3, key) -> bool:
    try:
        s3.head_object(Bucket=BUCKET, Key=key)
        return True
    except s3.exceptions.ClientError:
        return False


def run(s3, key, declared, *, allowed=ALL, max_kb=3000, **kw) -> Verdict:
    return verify_object(s3, BUCKET, key, declared_type=declared, allowed_types=frozenset(allowed),
                         max_bytes=max_kb * KB, **kw)
