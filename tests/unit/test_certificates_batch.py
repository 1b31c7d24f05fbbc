"""Batch 发证 through the issuing worker: 200 results in pages of 20, a worker that crashes midway
and is run again (the message comes back), no duplicate, every result exactly one certificate,
memory flat.

The suite runs 200 (moto copies the whole table for every transaction, so its cost grows with the
square of the rows); `python -m bench.certificates` runs 1,000 through the same worker with real
signed PDFs and reports peak memory per 100. The PDF + PAdES path is stubbed here
(test_certificates.py proves the real one); everything else is real: the job, the queue, the
cursor, the claims, the transactions, the audit records."""
import json
import tracemalloc

import pytest

from tests.unit.certificate_helpers import queued, seed_passed


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


@pytest.mark.parametrize("count", [200])
def test_a_batch_survives_a_crash_without_duplicates_and_with_flat_memory(client, world, aws, monkeypatch, count):
    from chalicelib.services.certificates import issuing

    monkeypatch.setattr(issuing, "_render_and_store", _cheap_render)
    monkeypatch.setattr(issuing, "PAGE", 20)
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
        if calls["n"] == 87:
            raise RuntimeError("worker killed")       # midway through a page
        return real(decl_id, job)

    monkeypatch.setattr(issuing, "issue_for", crashing)
    assert _run(aws)["batchItemFailures"]              # reported: the message comes back
    progress = client.get(f"/certificate-jobs/{job_id}", headers=world.headers("province-agent")).json
    assert progress["state"] == "running" and progress["issued"] == 80      # four pages saved

    monkeypatch.setattr(issuing, "issue_for", real)
    peaks = []

    def measured(decl_id, job):
        out = real(decl_id, job)
        if calls["n"] in (100, 190):
            snap = tracemalloc.take_snapshot().filter_traces([tracemalloc.Filter(False, "*/moto/*"),
                                                              tracemalloc.Filter(False, "*/werkzeug/*")])
            peaks.append(sum(s.size for s in snap.statistics("filename")))
        calls["n"] += 1
        return out

    monkeypatch.setattr(issuing, "issue_for", measured)
    tracemalloc.start()
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
    assert len(peaks) == 2 and peaks[1] - peaks[0] < 512 * 1024, peaks
    # run again: nothing more
    again = client.post("/certificates/issue", headers=world.headers("province-agent"),
                        json_body={"matter_type": "TALENT_GRADING", "year": "2026"})
    _run(aws)
    assert client.get(f"/certificate-jobs/{again.json['job_id']}", headers=world.headers("province-agent")).json["issued"] == 0
    assert len(_certificates()) == count
