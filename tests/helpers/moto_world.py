"""One moto world per test process, put back to a snapshot before each test.

Deploying infra/template.yaml into moto and seeding the demo costs 1.1–1.4 s of CPU; putting the
same state back costs a few milliseconds. `Snapshot.take()` records, inside moto's backends, what
the in-process tier relies on: every DynamoDB table's items, every S3 bucket's objects and
multipart uploads, the SQS queues and the Step Functions state machines. `restore()` brings each
back exactly: items deep-copied from the snapshot, objects and queues and tables that a test
created are removed, queue messages purged, executions stopped and forgotten.

Restoring works on moto's backends directly (no botocore call), so a test counting AWS calls
(`aws_calls`) never sees the restore's own.
"""
import copy
import datetime as dt
import threading
import time

from moto.core import DEFAULT_ACCOUNT_ID

ACCOUNT = DEFAULT_ACCOUNT_ID


def _dynamodb(region):
    from moto.dynamodb.models import dynamodb_backends

    return dynamodb_backends[ACCOUNT][region]


def _s3():
    from moto.s3.models import s3_backends

    backend = s3_backends[ACCOUNT]
    return [backend[partition] for partition in ("aws", "aws-cn") if partition in backend]


def _sqs(region):
    from moto.sqs.models import sqs_backends

    return sqs_backends[ACCOUNT][region]


def _stepfunctions(region):
    from moto.stepfunctions.parser.models import stepfunctions_parser_backends

    return stepfunctions_parser_backends[ACCOUNT][region]


class Snapshot:
    def __init__(self, region: str, table_name: str):
        self.region = region
        self.table_name = table_name
        self.tables: dict = {}
        self.objects: dict = {}
        self.queues: set = set()
        self.machines: list = []
        self.backend_ids: tuple = ()

    @classmethod
    def take(cls, region: str, table_name: str) -> "Snapshot":
        snap = cls(region, table_name)
        snap.tables = {name: copy.deepcopy(table.items) for name, table in _dynamodb(region).tables.items()}
        snap.objects = {}
        for backend in _s3():
            for name, bucket in backend.buckets.items():
                snap.objects[name] = {key: list(bucket.keys.getlist(key)) for key in bucket.keys}
        snap.queues = set(_sqs(region).queues)
        snap.machines = list(_stepfunctions(region).state_machines)
        snap.backend_ids = snap._ids()
        return snap

    def _ids(self) -> tuple:
        return (id(_dynamodb(self.region)), id(_sqs(self.region)), id(_stepfunctions(self.region)))

    def alive(self) -> bool:
        """False once something reset moto's backends (another test's own `mock_aws()`): the
        world must then be built again."""
        try:
            return self._ids() == self.backend_ids and self.table_name in _dynamodb(self.region).tables
        except KeyError:
            return False

    def restore(self, tables: dict | None = None) -> None:
        """Put moto back as it was when the snapshot was taken (or, for DynamoDB, `tables`)."""
        self.stop_executions()
        self._restore_tables(self.tables if tables is None else tables)
        self._restore_objects()
        self._purge_queues()

    def stop_executions(self) -> None:
        """Stop every running execution and wait (bounded) for its threads to end. moto runs each
        execution in threads of its own: one left running past its test's `mock_aws` sent its SQS
        task to http://localhost:5000 (moto's fallback when nothing intercepts boto calls), and one
        running into the next test's mock would deliver a message into that test's world."""
        backend = _stepfunctions(self.region)
        now = dt.datetime.now(tz=dt.timezone.utc)
        executions = []
        for machine in backend.state_machines:
            for execution in machine.executions:
                if str(getattr(execution, "status", "")).endswith("RUNNING"):
                    try:
                        execution.stop(stop_date=now, error="TestRestore", cause="world restored")
                    except Exception:  # noqa: BLE001 - a finished worker has nothing to stop
                        pass
                executions.append(execution)
            machine.executions.clear()
        backend.state_machines[:] = [m for m in backend.state_machines if m in self.machines]
        _wait_for_execution_threads(executions)

    def _restore_tables(self, tables: dict) -> None:
        from devtools import moto_server

        backend = _dynamodb(self.region)
        with moto_server.LOCK:
            for name in [n for n in backend.tables if n not in tables]:
                del backend.tables[name]
            for name, items in tables.items():
                backend.tables[name].items = copy.deepcopy(items)
            moto_server._GENERATION[0] += 1    # the Query patch's GSI index is rebuilt on next use

    def _restore_objects(self) -> None:
        for backend in _s3():
            for name in [n for n in backend.buckets if n not in self.objects]:
                bucket = backend.buckets.pop(name)
                _dispose(bucket)
            for name, saved in self.objects.items():
                bucket = backend.buckets.get(name)
                if bucket is None:
                    continue
                if not bucket.multiparts and len(bucket.keys) == len(saved) and all(
                        bucket.keys.getlist(k, None) == v for k, v in saved.items()):
                    continue
                for key in list(bucket.keys):
                    if bucket.keys.getlist(key) != saved.get(key):
                        for version in bucket.keys.getlist(key):
                            if version not in (saved.get(key) or []) and hasattr(version, "dispose"):
                                version.dispose()
                        del bucket.keys[key]
                for key, versions in saved.items():
                    bucket.keys.setlist(key, list(versions))
                for upload in bucket.multiparts.values():
                    upload.dispose()
                bucket.multiparts.clear()

    def _purge_queues(self) -> None:
        backend = _sqs(self.region)
        for name in [n for n in backend.queues if n not in self.queues]:
            del backend.queues[name]
        for queue in backend.queues.values():
            queue._messages = []
            queue._pending_messages = set()
            queue.deleted_messages = set()


def _release_callbacks(execution) -> None:
    """A task waiting for its token (`.waitForTaskToken`) waits on an event until the state's timeout,
    whether or not the execution was stopped: woken, it sees the execution stopped and ends."""
    worker = getattr(execution, "exec_worker", None)
    pool = getattr(getattr(getattr(worker, "env", None), "callback_pool_manager", None), "_pool", {})
    for endpoint in list(pool.values()):
        endpoint.interrupt_all()


EXECUTION_THREADS_DEADLINE_S = 10.0


def _wait_for_execution_threads(executions: list) -> None:
    """Until moto's execution threads have ended: a thread of a stopped execution can still reach a
    task and wait for its token after a first release, so the release is repeated while waiting."""
    from moto.stepfunctions.parser.utils import TMP_THREADS

    deadline = time.monotonic() + EXECUTION_THREADS_DEADLINE_S
    while True:
        TMP_THREADS[:] = [t for t in TMP_THREADS if t.is_alive() and t is not threading.current_thread()]
        if not TMP_THREADS or time.monotonic() > deadline:
            break
        for execution in executions:
            _release_callbacks(execution)
        TMP_THREADS[0].join(0.02)
    assert not TMP_THREADS, (f"Step Functions threads still running {EXECUTION_THREADS_DEADLINE_S:g} s after "
                             f"their executions were stopped: {[t.name for t in TMP_THREADS]}")


def _dispose(bucket) -> None:
    for key in bucket.keys.values():
        if hasattr(key, "dispose"):
            key.dispose()
    for upload in bucket.multiparts.values():
        upload.dispose()


class Worlds:
    """This process's moto world: infra/template.yaml deployed once and the demo seeded once;
    `snapshot` is the deployed, empty world, `seeded_tables` the tables after the seed. Built
    again if another test's own `mock_aws()` reset moto's backends (`Snapshot.alive`)."""

    def __init__(self):
        self.env = None
        self.snapshot = None
        self.seeded_tables = None
        self.logins = None
        self.accounts = None      # the seed's DevLogin records, read on first use

    def build(self):
        from chalicelib import aws as aws_clients
        from chalicelib import config
        from devtools import seed
        from devtools.local_infra import deploy

        aws_clients.reset_clients()
        self.env = deploy(None, stack_name="talent-grading-test", region="cn-north-1")
        for key, value in self.env.items():
            if hasattr(config, key):
                setattr(config, key, value)
        self.snapshot = Snapshot.take("cn-north-1", self.env["TABLE_NAME"])     # deployed, empty
        self.accounts = None
        self.logins = seed.seed_demo()
        seeded = Snapshot.take("cn-north-1", self.env["TABLE_NAME"])
        # the seed writes items only: the world fixture puts back its tables, nothing else
        assert seeded.objects == self.snapshot.objects and seeded.queues == self.snapshot.queues
        assert not any(m.executions for m in seeded.machines), "the seed started an execution"
        self.seeded_tables = seeded.tables
