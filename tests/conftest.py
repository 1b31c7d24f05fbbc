"""Shared test settings: fake AWS credentials and a throwaway JWT key pair, set before any
project module is imported (config is read at import)."""
import os
import pathlib
import tempfile

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
pytest_plugins = ["tests.iam_audit"]   # each function's AWS calls checked against its role


def _keypair(directory: pathlib.Path):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo)
    (directory / "jwt-private.pem").write_bytes(private)
    return private, public.decode()


_KEYDIR = pathlib.Path(tempfile.mkdtemp(prefix="talent-test-keys-"))
TEST_PRIVATE_KEY, TEST_PUBLIC_KEY = _keypair(_KEYDIR)

for _name in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "AWS_SESSION_TOKEN"):
    os.environ.pop(_name, None)
os.environ.update({
    "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "cn-north-1", "AWS_REGION": "cn-north-1",
    "STAGE": "local", "TABLE_NAME": "talent-grading-test-main",
    "ATTACHMENTS_BUCKET": "talent-grading-test-attachments",
    "JWT_PUBLIC_KEY": TEST_PUBLIC_KEY,
    "DEV_JWT_PRIVATE_KEY_FILE": str(_KEYDIR / "jwt-private.pem"),
})



STACK_TIERS = ("tests/integration/", "tests/browser/")


def pytest_collection_modifyitems(items):
    """Under pytest-xdist (`./dev test`), the stack tiers run on one worker, in order: they share
    the machine's two cores with a local stack and chromium, and their timing budgets assume it."""
    for item in items:
        if any(tier in item.nodeid for tier in STACK_TIERS):
            item.add_marker(pytest.mark.xdist_group("stack"))


@pytest.fixture(scope="session")
def _moto_world():
    """One moto world per test process (per xdist worker): deployed and seeded once, put back
    before each test by the `aws` and `world` fixtures (tests/helpers/moto_world.py)."""
    from tests.helpers.moto_world import Worlds

    return Worlds()
