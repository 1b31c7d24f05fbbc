"""Batch 发证 through the issuing worker: 100 results in pages of 10 (1,000 with the same memory check: bench.certificates), a worker that crashes
midway through a page and is run again (the message comes back), no duplicate, every result
exactly one certificate, memory flat.

moto's own transact_write_items deep-copies the whole table for every item of every transaction
(its cost grows with the square of the rows), so this test runs on the local stack's
transactional moto (devtools/moto_server: a per-item undo log, indexed queries). The PDF + PAdES
path is stubbed to keep the suite fast (test_certificates.py proves the real one;
`python -m bench.certificates` runs 1,000 real signed PDFs through the same worker); everything
else is real: the job, the queue, the cursor, the claims, the transactions, the audit records."""
import json
import tracemalloc

import pytest

from tests.helpers.certificates import queued, seed_passed


def _cheap_render(cert, spec):
    cert.payload = "JLC1.stub.stub"
    cert.pdf_sha256 = f"{cert.number:0>64}"[-64:]
    cert.pdf_key = f"certificates/{cert.number}.pdf"


def _run(env, crash_after=None, monkeypatch=None):
    """One receive of the job's message and one handler call; the message is deleted only if
    the handler did not report it failed (as Lambda's SQS integration does)."""
    import boto3

    from functions import certificates

    msgs = queued(env)
    assert len(msgs) == 1
    event = {"Records": [{"messageId": m["MessageId"], "body": m["Body"]} for m in msgs]}
    out = certificates.handler(event, None)
    if not out["batchItemFailures"]:
        boto3.client("sqs", region_name="cn-north-1").delete_message(
            QueueUrl=env["CERTIFICATE_QUEUE_URL"], ReceiptHandle=msgs[0]["ReceiptHandle"])
    else:        # make it visible again now (the visibility timeout, shortened)
        boto3.client("sqs", region_name="cn-north-1").change_message_visibility(
            QueueUrl=env["CERTIFICATE_QUEUE_URL"], ReceiptHandle=msgs[0]["ReceiptHandle"], VisibilityTimeout=0)
    return out


def _certificates():
    from chalicelib.models.certificates import Certificate

    return list(Certificate.gsi2.query(Certificate.list_key("TALENT_GRADING", "2026")))


@pytest.fixture
def fast_transactions():
    from devtools import moto_server

    with moto_server.installed():
        yield


@pytest.mark.parametrize("count", [100])
def test_a_batch_survives_a_crash_without_duplicates_and_with_flat_memory(fast_transactions, client, world, aws,
                                                                           monkeypatch, count):
    from chalicelib.services.certificates import issuing

    page = count // 10
    monkeypatch.setattr(issuing, "_render_and_store", _cheap_render)
    monkeypatch.setattr(issuing, "PAGE", page)
    seed_passed(world, count)
    seed_passed(world, 5, result="未通过", start=count)        # not earning: never read by the batch
    resp = client.post("/certificates/issue", headers=world.headers("province-agent"),
                       json_body={"matter_type": "TALENT_GRADING", "year": "2026"})
    assert resp.status == 201 and resp.json["state"] == "queued"
    job_id = resp.json["job_id"]

    real = issuing.issue_for
    calls = {"n": 0}

    def crashing(decl_id, job):
        calls["n"] += 1
        if calls["n"] == 4 * page + page // 2:
            raise RuntimeError("worker killed")       # midway through a page
        return real(decl_id, job)

    monkeypatch.setattr(issuing, "issue_for", crashing)
    assert _run(aws)["batchItemFailures"]              # reported: the message comes back
    progress = client.get(f"/certificate-jobs/{job_id}", headers=world.headers("province-agent")).json
    assert progress["state"] == "running" and progress["issued"] == 4 * page   # four pages saved

    monkeypatch.setattr(issuing, "issue_for", real)
    growth = []

    def held():
        # allocations made anywhere under moto (or the local stack's patch of it) are the
        # database's, and the IAM audit's record of every call (~120 B each) and tracemalloc's own
        # are the harness's: excluded by any frame of their stack. The audit's records alone made
        # the second 40 certificates of a 200 batch "grow" 50-75 KB, depending on what the process ran before.
        snap = tracemalloc.take_snapshot().filter_traces([
            tracemalloc.Filter(False, "*/moto/*", all_frames=True),
            tracemalloc.Filter(False, "*/devtools/moto_server.py", all_frames=True),
            tracemalloc.Filter(False, "*/devtools/iam_audit.py", all_frames=True),
            tracemalloc.Filter(False, "*/tracemalloc.py", all_frames=True)])
        return sum(s.size for s in snap.statistics("filename"))

    def measured(decl_id, job):
        # what our code still holds after two and after four more pages (traced from the middle
        # of the 6th page): the second two pages must add next to nothing
        calls["n"] += 1
        if calls["n"] == 5 * page + page // 2:
            tracemalloc.start(8)
        out = real(decl_id, job)
        if calls["n"] in (7 * page + page // 2, 9 * page + page // 2):
            growth.append(held())
        return out

    monkeypatch.setattr(issuing, "issue_for", measured)
    try:
        assert _run(aws)["batchItemFailures"] == []
    finally:
        tracemalloc.stop()
    job = client.get(f"/certificate-jobs/{job_id}", headers=world.headers("province-agent")).json
    assert job["state"] == "done"
    certs = _certificates()
    assert len(certs) == count                                    # every result once ...
    assert len({c.decl_id for c in certs}) == count               # ... and none twice
    assert len({c.number for c in certs}) == count
    assert (job["issued"], job["skipped"]) == (count, 0)          # progress counts what it issued before the crash
    # memory held by our code (moto's in-process store excluded) does not grow with the rows
    # the second two pages add < 1.6 KB a certificate (measured at 200: ~11 KB for 40, botocore's; a page of
    # certificates is far more)
    assert len(growth) == 2 and growth[1] - growth[0] < 1638 * 2 * page, growth
    # run again: nothing more
    again = client.post("/certificates/issue", headers=world.headers("province-agent"),
                        json_body={"matter_type": "TALENT_GRADING", "year": "2026"})
    _run(aws)
    assert client.get(f"/certificate-jobs/{again.json['job_id']}", headers=world.headers("province-agent")).json["issued"] == 0
    assert len(_certificates()) == count
