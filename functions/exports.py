"""SQS consumer: background exports (results and certificate spreadsheets); the queue contract
and its failure reporting are chalicelib/jobs.py's."""
from chalicelib.jobs import consume
from chalicelib.logs import get_logger

log = get_logger("talent.fn.exports")


def handler(event, context):
    from chalicelib.services import documents

    return consume(event, documents.run_export, log, "export")
