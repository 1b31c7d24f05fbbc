"""Structured JSON logs with the request id, and a last-line filter against personal data.

Services log facts (ids, codes, counts), never ID or phone numbers; the filter masks anything that
still looks like one, so a mistake cannot leak them into CloudWatch.
"""
import json
import logging
import re
import sys

from chalicelib.identifiers import mask_id_number, mask_phone

_ID_LIKE = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
_PHONE_LIKE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")

_request_id = {"value": None}


def set_request_id(request_id):
    _request_id["value"] = request_id


def scrub(text: str) -> str:
    text = _ID_LIKE.sub(lambda m: mask_id_number(m.group(0)), text)
    return _PHONE_LIKE.sub(lambda m: mask_phone(m.group(0)), text)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "level": record.levelname,
            "logger": record.name,
            "message": scrub(record.getMessage()),
            "request_id": _request_id["value"],
        }
        extra = getattr(record, "fields", None)
        if extra:
            entry.update({k: scrub(str(v)) if isinstance(v, str) else v for k, v in extra.items()})
        if record.exc_info:
            entry["exception"] = scrub(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False, default=str)


def get_logger(name: str) -> logging.Logger:
    logger = logging.getLogger(name)
    root = logging.getLogger("talent")
    if not root.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JsonFormatter())
        root.addHandler(handler)
        root.setLevel(logging.INFO)
        root.propagate = False
    return logger if name.startswith("talent") else logging.getLogger("talent." + name)
