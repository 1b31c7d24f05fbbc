"""The manuals as acceptance scenarios: the in-process tier of tests/unit (moto world, Chalice test
client, signed tokens: tests/helpers/in_process.py), so each scenario runs exactly like a unit test."""
from tests.helpers.in_process import (  # noqa: F401  (fixtures are found by name)
    _no_network, aws, aws_calls, client, no_personal_data_in_logs_or_errors, world)
