"""Local stand-in for Lambda's event sources: long-polls the queues on the moto endpoint and calls
the same functions/ handlers with the event shapes Lambda would send.

- review-task queue → functions.review_tasks.handler (SQS event, partial batch failures honoured)
- export queue      → functions.exports.handler
- certificate queue → functions.certificates.handler (issuing jobs)
- upload-events     → functions.verify_upload.handler (the S3 notification unwrapped into the
                       S3 event a direct bucket trigger delivers)
Run: python -m devtools.worker (environment as the API's). Stops cleanly on SIGINT/SIGTERM.
"""
import importlib
import json
import logging
import os
import signal
import sys
import threading
import time
import uuid

log = logging.getLogger("talent.worker")
LONG_POLL = 2   # seconds a receive waits for a message (bounds how long a stop waits for a thread)
# seconds a received batch stays hidden: far longer than each handler takes locally, short enough
# that a batch held by a crashed worker comes back soon
VISIBILITY = {"functions.review_tasks": 20, "functions.verify_upload": 60, "functions.exports": 600,
              "functions.certificates": 600}


class Context:
    def __init__(self, name):
        self.function_name = name
        self.aws_request_id = uuid.uuid4().hex
        self._deadline = time.time() + 60

    def get_remaining_time_in_millis(self):
        return max(0, int((self._deadline - time.time()) * 1000))


def sqs_event(messages, queue_arn, region):
    return {"Records": [{
        "messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"],
        "attributes": m.get("Attributes", {}), "messageAttributes": m.get("MessageAttributes", {}),
        "md5OfBody": m.get("MD5OfBody"), "eventSource": "aws:sqs", "eventSourceARN": queue_arn,
        "awsRegion": region} for m in messages]}


def s3_event(messages):
    records = []
    for m in messages:
        body = json.loads(m["Body"])
        records.extend(r for r in body.get("Records", []) if r.get("eventSource") == "aws:s3")
    return {"Records": records}


class Worker:
    def __init__(self, env=None):
        import boto3

        env = env or os.environ
        self.region = env.get("AWS_DEFAULT_REGION", "cn-north-1")
        self.sqs = boto3.client("sqs", region_name=self.region, endpoint_url=env.get("AWS_ENDPOINT_URL"))
        self.routes = [(env[k], mod, kind) for k, mod, kind in (
            ("REVIEW_QUEUE_URL", "functions.review_tasks", "sqs"),
            ("EXPORT_QUEUE_URL", "functions.exports", "sqs"),
            ("CERTIFICATE_QUEUE_URL", "functions.certificates", "sqs"),
            ("UPLOAD_EVENTS_QUEUE_URL", "functions.verify_upload", "s3"),
        ) if env.get(k)]
        self.arns = {url: self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])
                     ["Attributes"]["QueueArn"] for url, _, _ in self.routes}
        self.stopping = False

    def poll_once(self, route, wait=LONG_POLL) -> int:
        """One receive on one queue (waiting up to `wait` seconds for a message) and its handler."""
        url, module_name, kind = route
        # A batch taken by a worker that then crashed reappears after VISIBILITY[...] seconds for
        # the restarted worker (handlers are idempotent: a task is opened once per token).
        msgs = self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=VISIBILITY[module_name],
                                        WaitTimeSeconds=wait).get("Messages", [])
        if not msgs:
            return 0
        handler = importlib.import_module(module_name).handler
        ok = msgs
        try:
            if kind == "s3":
                handler(s3_event(msgs), Context(module_name))      # S3 triggers have no partial failures
            else:
                result = handler(sqs_event(msgs, self.arns[url], self.region), Context(module_name)) or {}
                failed = {f["itemIdentifier"] for f in result.get("batchItemFailures", [])}
                ok = [m for m in msgs if m["MessageId"] not in failed]
        except Exception:  # noqa: BLE001 - like Lambda: the whole batch becomes visible again
            log.exception("handler %s failed", module_name)
            ok = []
        for m in ok:
            self.sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
        return len(msgs)

    def serve(self, route):
        """One queue's event source: long-polls it until stopped (Lambda polls each queue on its own)."""
        while not self.stopping:
            try:
                self.poll_once(route)
            except Exception:  # noqa: BLE001 - the endpoint hiccuped: try again shortly
                log.exception("poll failed")
                time.sleep(0.5)

    def run(self):
        def stop(*_):
            self.stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        # A thread per queue, each long-polling: one thread polling the four queues in turn could
        # not wait on any (a message would wait for the others' waits), so it asked each every
        # 0.2 s: ~20 requests a second from an idle stack, a tenth of a core in this process and
        # in moto for each running stack.
        threads = [threading.Thread(target=self.serve, args=(route,), name=route[1], daemon=True)
                   for route in self.routes]
        for thread in threads:
            thread.start()
        while not self.stopping:
            time.sleep(0.2)        # signals are handled by the main thread, between sleeps
        for thread in threads:     # a handler under way finishes; a receive ends within LONG_POLL
            thread.join(timeout=LONG_POLL + 30)


if __name__ == "__main__":
    logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(message)s")
    from devtools import frame_stack, iam_audit

    frame_stack.install()
    iam_audit.enforce_from_environment()     # each handler's calls against its function's role
    Worker().run()
