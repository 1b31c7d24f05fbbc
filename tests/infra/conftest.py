"""The prod deployment package, built once per test process and shared by the packaging and the
rehearsal tests. They run on one xdist worker (group "package"): `chalice package` keeps its
dependency cache under .chalice/deployments, and two builds at once in one checkout race on it."""
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
PACKAGING_TESTS = ("tests/infra/test_package.py", "tests/infra/test_rehearse.py")


@pytest.hookimpl(tryfirst=True)     # before xdist reads the marks (tests/conftest.py says why)
def pytest_collection_modifyitems(items):
    for item in items:
        if item.nodeid.startswith(PACKAGING_TESTS):
            item.add_marker(pytest.mark.xdist_group("package"))


@pytest.fixture(scope="session")
def prod_package(tmp_path_factory):
    out = tmp_path_factory.mktemp("package")
    done = subprocess.run([sys.executable, "-m", "infra.package", "--stage", "prod", "--out", str(out)],
                          cwd=ROOT, capture_output=True, text=True, timeout=1500)
    assert done.returncode == 0, f"infra.package failed:\n{done.stdout[-3000:]}\n{done.stderr[-5000:]}"
    return out
