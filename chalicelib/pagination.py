"""Opaque cursors: the key of the last item returned, base64url-encoded JSON.

Built from the last item actually returned (pynamodb's last_evaluated_key can disagree with it,
#406/#1165), and checked on the way back in so a cursor cannot steer a query into another
partition.
"""
import base64
import binascii
import json

from chalicelib.errors import BadRequest

BAD_CURSOR = BadRequest("分页参数无效，请从第一页重新查询", code="BAD_CURSOR")
DEFAULT_PAGE = 20
MAX_PAGE = 100


def encode(key: dict) -> str:
    raw = json.dumps(key, separators=(",", ":"), ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(cursor: str | None, partition_attr: str, partition_value: str) -> dict | None:
    """The exclusive start key for pynamodb, or None for the first page."""
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        key = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise BAD_CURSOR
    if not isinstance(key, dict) or key.get(partition_attr) != partition_value or \
            not all(isinstance(k, str) and isinstance(v, str) for k, v in key.items()):
        raise BAD_CURSOR
    return {k: {"S": v} for k, v in key.items()}


def page_size(value) -> int:
    if value in (None, ""):
        return DEFAULT_PAGE
    try:
        size = int(value)
    except (TypeError, ValueError):
        raise BadRequest("每页条数应为整数", code="BAD_PAGE_SIZE")
    if not 1 <= size <= MAX_PAGE:
        raise BadRequest(f"每页条数应在1到{MAX_PAGE}之间", code="BAD_PAGE_SIZE")
    return size


def query_page(query, limit: int, start_key: dict | None, key_attrs: tuple, to_dict) -> dict:
    """Run a pynamodb query callable for one page and shape {"items", "next_cursor"}."""
    results = query(limit=limit + 1, page_size=limit + 1, last_evaluated_key=start_key)
    items = []
    for item in results:
        items.append(item)
        if len(items) > limit:
            break
    more = len(items) > limit
    items = items[:limit]
    cursor = None
    if more and items:
        last = items[-1]
        raw = last.serialize(null_check=False)   # an index item: only its projected attributes
        cursor = encode({a: raw[a]["S"] for a in key_attrs if a in raw})
    return {"items": [to_dict(i) for i in items], "next_cursor": cursor}
