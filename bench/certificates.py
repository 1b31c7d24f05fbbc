"""Certificate issuing benchmark (DESIGN.md §5; issue 30: a batch of 1,000 through the worker with
flat memory and no duplicate after a worker crash; signature validation < 1 s).

In process on moto (the template's resources) with the local stack's transactional moto
(devtools/moto_server: moto's own transact_write_items copies the whole table per item, which
grows with the square of the rows and is not what DynamoDB does). N 通过 results are seeded, one
batch job is queued and the issuing worker (functions.certificates.handler) takes its message and
runs it with real PDFs, real PAdES signatures (KMS on moto) and real S3 writes. Midway through a
page the worker is killed (an exception, as a Lambda timeout or crash would end it): the handler
reports the message failed, it comes back, and the second delivery goes on from the job's saved
cursor. Reported: wall time and seconds per certificate, the process's RSS after each 100
certificates (moto's store included: it keeps every PDF in this process, so compare the growth
with `moto_s3_pdfs_mb`) and its peak; with BENCH_TRACE=1 also the Python memory our code holds
(tracemalloc, moto's store excluded; 20-30 times slower); certificates issued, duplicates (results with more than one certificate, and
numbers issued twice), and the time to validate one signed PDF with pyHanko.
Run: python -m bench.certificates [N]   (default 1000; `./dev bench --quick`: 100)
"""
import os
import sys
import time
import tracemalloc

os.environ.setdefault("AWS_ACCESS_KEY_ID", "bench")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench")
os.environ.setdefault("AWS_DEFAULT_REGION", "cn-north-1")

PAGE = 100          # the worker's page (issuing.PAGE): its cursor is saved after each


def _held_mb() -> float:
    """What our code holds now: every traced allocation but moto's store (any frame under moto)."""
    snap = tracemalloc.take_snapshot().filter_traces([
        tracemalloc.Filter(False, "*/moto/*", all_frames=True),
        tracemalloc.Filter(False, "*/devtools/moto_server.py", all_frames=True)])
    return round(sum(s.size for s in snap.statistics("filename")) / 2**20, 2)


def _rss_mb() -> float:
    """The process's resident memory now (moto's store included: it lives in this process)."""
    with open("/proc/self/statm") as f:
        return round(int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20, 1)


def _deliver(sqs, queue_url: str) -> bool:
    """One delivery of the job's message to the worker, as Lambda's SQS integration does: deleted
    when the handler reports no failure, otherwise visible again (the visibility timeout, shortened)."""
    from functions import certificates

    msg = sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=0)["Messages"][0]
    out = certificates.handler({"Records": [{"messageId": msg["MessageId"], "body": msg["Body"]}]}, None)
    if out["batchItemFailures"]:
        sqs.change_message_visibility(QueueUrl=queue_url, ReceiptHandle=msg["ReceiptHandle"], VisibilityTimeout=0)
        return False
    sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=msg["ReceiptHandle"])
    return True


def main(n: int = 1000, quick: bool = False) -> dict:
    import json
    import resource

    import boto3
    from moto import mock_aws

    from chalicelib import aws as aws_clients, config
    from devtools import moto_server

    n = 100 if quick else n
    with mock_aws(config={"stepfunctions": {"execute_state_machine": False}}), moto_server.installed():
        aws_clients.reset_clients()
        from devtools import seed
        from devtools.local_infra import deploy

        env = deploy(None, stack_name="bench-certs", region="cn-north-1")
        for key, value in env.items():
            if hasattr(config, key):
                setattr(config, key, value)
        from tests.helpers.certificates import seed_passed
        from tests.helpers.in_process import World

        world = World(seed.seed_demo())
        seed_passed(world, n)
        from chalicelib.services.certificates import issuing, records

        issuing.PAGE = PAGE
        job = records.start_issue(world.principal("province-agent"), "TALENT_GRADING", "2026", None)
        memory, rss, calls = [], [], {"n": 0}
        crash_at = (n // PAGE // 2) * PAGE + PAGE // 2 if n >= PAGE else n // 2   # midway through a middle page
        real = issuing.issue_for

        def measured(decl_id, j):
            calls["n"] += 1
            if calls["n"] == crash_at:
                raise RuntimeError("worker killed")
            out = real(decl_id, j)
            if calls["n"] % 100 == 0:
                rss.append(_rss_mb())
                if tracemalloc.is_tracing():
                    memory.append(_held_mb())
            return out

        issuing.issue_for = measured
        sqs = boto3.client("sqs", region_name="cn-north-1")
        if os.environ.get("BENCH_TRACE") == "1":        # 20-30 times slower (PDF fonts allocate a lot)
            tracemalloc.start(8)
        t = time.perf_counter()
        deliveries = [_deliver(sqs, env["CERTIFICATE_QUEUE_URL"])]
        while not deliveries[-1] and len(deliveries) < 3:
            deliveries.append(_deliver(sqs, env["CERTIFICATE_QUEUE_URL"]))
        elapsed = time.perf_counter() - t
        tracemalloc.stop()
        issuing.issue_for = real
        from chalicelib.models.certificates import Certificate, CertificateJob
        from chalicelib.services.certificates import keys, pades

        certs = list(Certificate.gsi2.query(Certificate.list_key("TALENT_GRADING", "2026")))
        final = CertificateJob.get(*CertificateJob.key(job["job_id"]))
        pdf = boto3.client("s3", region_name="cn-north-1").get_object(
            Bucket=config.ATTACHMENTS_BUCKET, Key=certs[0].pdf_key)["Body"].read()
        s3 = boto3.client("s3", region_name="cn-north-1")
        stored = sum(o["Size"] for page in s3.get_paginator("list_objects_v2").paginate(
            Bucket=config.ATTACHMENTS_BUCKET, Prefix="certificates/") for o in page.get("Contents", []))
        t = time.perf_counter()
        verdict = pades.validate(pdf, keys.certificate_der())
        validate = time.perf_counter() - t
        out = {"results": n, "certificates": len(certs), "job_state": final.state, "job_issued": int(final.issued),
               "deliveries": len(deliveries), "crashed_at": crash_at,
               "duplicates": (len(certs) - len({c.decl_id for c in certs})) + (len(certs) - len({c.number for c in certs})),
               "seconds": round(elapsed, 1), "seconds_per_certificate": round(elapsed / max(1, len(certs)), 3),
               "rss_mb_per_100": rss, "moto_s3_pdfs_mb": round(stored / 2**20, 1),
               "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
               **({"held_mb_per_100": memory} if memory else {}),
               "pdf_kb": round(len(pdf) / 1024, 1), "validate_seconds": round(validate, 3), "validated": verdict}
        print("certificates: a batch through the issuing worker, killed once midway (moto in process: "
              "the RSS includes moto's store, which holds every PDF)")
        print(json.dumps(out, ensure_ascii=False))
        return out


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
