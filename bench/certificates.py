"""Certificate issuing benchmark (DESIGN.md §5: a batch of 1,000 through the worker with flat
memory; signature validation < 1 s).

In process on moto (mock_aws, the template's resources): N 通过 results are seeded, one batch job
is queued and the issuing worker (functions.certificates.handler) runs it with real PDFs, real
PAdES signatures (KMS on moto) and real S3 writes. Reported: seconds per certificate, traced
Python memory of our code (moto's in-process store excluded) after each 100, and the time to
validate one signed PDF with pyHanko. moto copies the whole table for every transaction, so the
wall time here grows faster than on DynamoDB; the per-100 memory is the figure that matters.
Run: python -m bench.certificates [N]   (default 1000)
"""
import os
import sys
import time
import tracemalloc

os.environ.setdefault("AWS_ACCESS_KEY_ID", "bench")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench")
os.environ.setdefault("AWS_DEFAULT_REGION", "cn-north-1")


def main(n: int = 1000) -> dict:
    import json

    import boto3
    from moto import mock_aws

    from chalicelib import aws as aws_clients, config

    with mock_aws(config={"stepfunctions": {"execute_state_machine": False}}):
        aws_clients.reset_clients()
        from devtools import seed
        from devtools.local_infra import deploy

        env = deploy(None, stack_name="bench-certs", region="cn-north-1")
        for key, value in env.items():
            if hasattr(config, key):
                setattr(config, key, value)
        logins = seed.seed_demo()
        from tests.unit.certificate_helpers import seed_passed
        from tests.unit.conftest import World

        world = World(logins)
        seed_passed(world, n)
        from chalicelib.services.certificates import issuing, records

        job = records.start_issue(world.principal("province-agent"), "TALENT_GRADING", "2026", None)
        memory, done = [], {"n": 0}
        real = issuing.issue_for

        def measured(decl_id, j):
            out = real(decl_id, j)
            done["n"] += 1
            if done["n"] % 100 == 0:
                snap = tracemalloc.take_snapshot().filter_traces([tracemalloc.Filter(False, "*/moto/*")])
                memory.append(round(sum(s.size for s in snap.statistics("filename")) / 2**20, 2))
            return out

        issuing.issue_for = measured
        from functions import certificates

        sqs = boto3.client("sqs", region_name="cn-north-1")
        msg = sqs.receive_message(QueueUrl=env["CERTIFICATE_QUEUE_URL"])["Messages"][0]
        tracemalloc.start()
        t = time.perf_counter()
        certificates.handler({"Records": [{"messageId": msg["MessageId"], "body": msg["Body"]}]}, None)
        elapsed = time.perf_counter() - t
        tracemalloc.stop()
        issuing.issue_for = real
        from chalicelib.models.certificates import Certificate
        from chalicelib.services.certificates import keys, pades

        certs = list(Certificate.gsi2.query(Certificate.list_key("TALENT_GRADING", "2026")))
        pdf = boto3.client("s3", region_name="cn-north-1").get_object(
            Bucket=config.ATTACHMENTS_BUCKET, Key=certs[0].pdf_key)["Body"].read()
        t = time.perf_counter()
        verdict = pades.validate(pdf, keys.certificate_der())
        validate = time.perf_counter() - t
        out = {"certificates": len(certs), "distinct_results": len({c.decl_id for c in certs}),
               "seconds_per_certificate": round(elapsed / max(1, len(certs)), 3),
               "traced_mb_per_100": memory, "pdf_kb": round(len(pdf) / 1024, 1),
               "validate_seconds": round(validate, 3), "validated": verdict}
        print(json.dumps(out, ensure_ascii=False))
        return out


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
