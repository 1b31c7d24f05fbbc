"""In-process tier: moto's mock_aws with the infra deployed from infra/template.yaml, the Chalice
test client, and tokens signed with the test key (tests/helpers/in_process.py, shared with
tests/scenarios). No network: sockets are disabled."""
import pytest

from tests.helpers.declarations import BASIC, save
from tests.helpers.in_process import (  # noqa: F401  (fixtures are found by name)
    _no_network, aws, aws_calls, client, no_personal_data_in_logs_or_errors, world)


@pytest.fixture
def draft(client, world):
    notice = client.get("/notices", headers=world.headers("applicant1")).json["items"][0]["notice_id"]
    d = client.post("/declarations", headers=world.headers("applicant1"), json_body={"notice_id": notice, "confirmed": True}).json
    assert save(client, world, d, "basic", BASIC).status == 200
    return d
