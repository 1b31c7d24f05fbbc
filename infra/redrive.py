"""Move messages from a dead-letter queue back to its source queue (docs/runbook.md §6).

    python -m infra.redrive --region cn-north-1 --dlq <dlq url> --to <queue url> [--max 100]

SQS's own redrive (`start-message-move-task`) is not offered in the AWS China regions. Each
message is sent to the source queue (body and attributes unchanged) and only then deleted from the
DLQ: a failure in between leaves a duplicate, never a loss (the review-task opener and the export
worker are idempotent). Prints counts only (a message may carry a declaration id, never an ID number).
"""
import argparse
import sys


def redrive(sqs, dlq_url: str, target_url: str, limit: int = 1000) -> int:
    moved = 0
    while moved < limit:
        batch = sqs.receive_message(QueueUrl=dlq_url, MaxNumberOfMessages=min(10, limit - moved),
                                    MessageAttributeNames=["All"], WaitTimeSeconds=1, VisibilityTimeout=60)
        messages = batch.get("Messages", [])
        if not messages:
            break
        for m in messages:
            args = {"QueueUrl": target_url, "MessageBody": m["Body"]}
            if m.get("MessageAttributes"):
                args["MessageAttributes"] = m["MessageAttributes"]
            sqs.send_message(**args)
            sqs.delete_message(QueueUrl=dlq_url, ReceiptHandle=m["ReceiptHandle"])
            moved += 1
    return moved


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m infra.redrive", description=__doc__.splitlines()[0])
    parser.add_argument("--region", required=True)
    parser.add_argument("--dlq", required=True, help="URL of the dead-letter queue")
    parser.add_argument("--to", required=True, help="URL of the queue the messages came from")
    parser.add_argument("--max", type=int, default=1000)
    args = parser.parse_args(argv)
    import boto3

    print(f"moved {redrive(boto3.client('sqs', region_name=args.region), args.dlq, args.to, args.max)} messages")
    return 0


if __name__ == "__main__":
    sys.exit(main())
