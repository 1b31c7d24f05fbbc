"""Shared test settings: fake AWS credentials and a throwaway JWT key pair, set before any
project module is imported (config is read at import)."""
import os

import pytest

from devtools import frame_stack
from tests.helpers.keys import KEYDIR, TEST_PUBLIC_KEY

frame_stack.install()   # every pytest process (controller, xdist workers): see devtools/frame_stack.py

pytest_plugins = ["tests.iam_audit"]   # each function's AWS calls checked against its role


for _name in ("AWS_ENDPOINT_URL", "AWS_PROFILE", "AWS_SESSION_TOKEN"):
    os.environ.pop(_name, None)
os.environ.update({
    "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "cn-north-1", "AWS_REGION": "cn-north-1",
    "STAGE": "local", "TABLE_NAME": "talent-grading-test-main",
    "ATTACHMENTS_BUCKET": "talent-grading-test-attachments",
    "JWT_PUBLIC_KEY": TEST_PUBLIC_KEY,
    "DEV_JWT_PRIVATE_KEY_FILE": str(KEYDIR / "jwt-private.pem"),
})


def _one_model_loader():
    """moto's mock_aws sets boto3's default session aside, so each test's first boto3.client()
    made a new botocore session that parsed endpoints.json and the service's model again (~220 ms,
    178 model files in one test module): every session of the test process shares the product's
    one loader instead (chalicelib.aws.botocore_session)."""
    import botocore.session

    from chalicelib import aws

    botocore.session.get_session = aws.botocore_session


_one_model_loader()



# Each local stack's tests form one xdist group (one worker starts that stack and runs them in
# order): the browser tier in two halves, the applicants' phone pages and the console (each half
# its own web_stack: one browser group was ~9 minutes alone on a worker, the whole run's long
# pole), the fuzzing module (its own stack), the other integration tests (stack). Prefixes are
# matched in order: the first that fits names the group.
PHONE_BROWSER_FILES = ("test_axe_sweep.py", "test_applicant_mobile.py", "test_title_applicant.py",
                       "test_applicant_off_path.py", "test_certificates_web.py", "test_upload_pending.py",
                       "test_applicant_web_server.py")
STACK_GROUPS = tuple((f"tests/browser/{name}", "browser-phone") for name in PHONE_BROWSER_FILES) + (
    ("tests/browser/", "browser-console"), ("tests/integration/test_fuzz.py", "fuzz"),
    ("tests/integration/", "integration"))
# Under `./dev test` (--no-loadscope-reorder) each worker takes the next unit of work in this order
# when it runs dry: the longest groups first, then the ungrouped tests one by one. The stack tiers
# no longer wait for one another on one worker while the others finish the in-process tiers.
GROUP_ORDER = ("browser-console", "browser-phone", "package", "fuzz", "integration")


# tryfirst: xdist's worker turns the marks into a nodeid suffix ("…@browser") in its own hook; ours
# must have run by then. The suffix only groups if pytest reads `_nodeid` (pytest 9.2 does not:
# requirements-dev.txt pins 9.1.1); `pytest_collection_finish` below refuses to run split groups.
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items):
    for item in items:
        group = next((name for prefix, name in STACK_GROUPS if item.nodeid.startswith(prefix)), None)
        if group:
            item.add_marker(pytest.mark.xdist_group(group))


@pytest.hookimpl(specname="pytest_collection_modifyitems", trylast=True)
def pytest_collection_modifyitems_groups_first(items):
    """After every conftest has named its groups (tests/infra/conftest.py: "package")."""
    def rank(item):
        marker = item.get_closest_marker("xdist_group")
        name = marker.args[0] if marker and marker.args else None
        return GROUP_ORDER.index(name) if name in GROUP_ORDER else len(GROUP_ORDER)

    items.sort(key=rank)     # stable: the order within a group and among the others is kept


def pytest_collection_finish(session):
    """Under `--dist loadgroup` every grouped test must carry its group in its node id, or xdist
    spreads the group over both workers: two stacks each, and two package builds racing on
    Chalice's cache (a clean-clone CI run got a deployment.zip that was not a zip)."""
    if not session.config.getoption("loadgroup", default=False):
        return
    lost = [item.nodeid for item in session.items
            if item.get_closest_marker("xdist_group") and "@" not in item.nodeid]
    if lost:
        raise pytest.UsageError(f"xdist groups not applied ({len(lost)} tests, e.g. {lost[0]}): "
                                "check the pytest / pytest-xdist pair in requirements-dev.txt")


@pytest.fixture(scope="session")
def _moto_world():
    """One moto world per test process (per xdist worker): deployed and seeded once, put back
    before each test by the `aws` and `world` fixtures (tests/helpers/moto_world.py)."""
    from tests.helpers.moto_world import Worlds

    return Worlds()
