"""The in-process world the search benchmarks measure in: moto with the project's patches, the
infra template deployed, config pointed at it; and the AWS calls made inside a block."""
import contextlib


@contextlib.contextmanager
def deployed():
    from moto import mock_aws

    from chalicelib import aws as aws_clients
    from chalicelib import config
    from devtools import moto_server
    from devtools.local_infra import deploy

    with mock_aws(), moto_server.installed():
        aws_clients.reset_clients()
        env = deploy(None, stack_name="talent-grading-bench", region="cn-north-1")
        for key, value in env.items():
            if hasattr(config, key):
                setattr(config, key, value)
        try:
            yield
        finally:
            aws_clients.reset_clients()


@contextlib.contextmanager
def counted(on_call):
    """Every AWS call in the block reaches `on_call(operation_name, answer)`."""
    import botocore.client

    original = botocore.client.BaseClient._make_api_call

    def counting(self, operation_name, api_params):
        out = original(self, operation_name, api_params)
        on_call(operation_name, out)
        return out

    botocore.client.BaseClient._make_api_call = counting
    try:
        yield
    finally:
        botocore.client.BaseClient._make_api_call = original
