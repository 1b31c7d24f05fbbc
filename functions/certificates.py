"""SQS consumer: certificate issuing jobs (batch 发证 and 更正后重新发证). The only function whose
role may call kms:Sign on the certificate key.

A job that raised is reported as a batch item failure (chalicelib/jobs.py): its message comes back
after the visibility timeout and the job goes on from its saved cursor (issued results are skipped
by their claims), and after maxReceiveCount it lands in the DLQ, whose alarm reaches a person.
"""
from chalicelib.jobs import consume
from chalicelib.logs import get_logger

log = get_logger("talent.fn.certificates")


def handler(event, context):
    from chalicelib.services.certificates import issuing

    return consume(event, issuing.run_job, log, "certificate job")
