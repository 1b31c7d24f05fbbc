"""Comparing devtools.moto_server's patches with moto as shipped."""
import pytest

from devtools import moto_server


@pytest.fixture
def moto_plain():
    """moto as shipped for the comparison, the project's patches put back afterwards."""
    was = bool(moto_server._ORIGINAL)
    moto_server.uninstall()
    try:
        yield
    finally:
        if was:
            moto_server.install()


def sets_sorted(value):
    """DynamoDB's sets have no order (moto as shipped passes them through a Python set, so their
    order changes with the process's hash seed): compare them sorted."""
    if isinstance(value, dict):
        return {k: sorted(v) if k in ("SS", "NS", "BS") else sets_sorted(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [sets_sorted(v) for v in value]
    return value
