"""Time in one place, so tests can fix the clock and "today" is always Asia/Shanghai.

The one clock (`now`), the one stored form of an instant (ISO 8601 in UTC with a "Z",
lexicographically sortable: `iso`, `now_iso`, read back by `parse_iso`) and the one display form
people read (Beijing time `YYYY-MM-DD HH:mm`: `beijing`; the day alone: `beijing_date`).
"""
import datetime as dt

SHANGHAI = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")
DISPLAY = "%Y-%m-%d %H:%M"

_fixed = {"now": None}


def now() -> dt.datetime:
    return _fixed["now"] or dt.datetime.now(dt.timezone.utc)


def today_local() -> dt.date:
    return now().astimezone(SHANGHAI).date()


def epoch_seconds() -> int:
    """The clock as Unix seconds (DynamoDB TTL attributes)."""
    return int(now().timestamp())


def iso(moment: dt.datetime, timespec: str = "milliseconds") -> str:
    """An instant as stored: UTC, "Z", milliseconds by default; sorts lexicographically."""
    return moment.astimezone(dt.timezone.utc).isoformat(timespec=timespec).replace("+00:00", "Z")


def now_iso() -> str:
    return iso(now())


def parse_iso(value: str) -> dt.datetime:
    """A stored instant back (any offset or "Z"; a naive value is UTC)."""
    moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.timezone.utc)


def beijing(instant: str | None, fmt: str = DISPLAY) -> str | None:
    """An ISO instant as people read it: Beijing time, YYYY-MM-DD HH:mm (None stays None)."""
    if not instant:
        return None
    return parse_iso(instant).astimezone(SHANGHAI).strftime(fmt)


def beijing_date(instant: str | None) -> str:
    """The Beijing day of an instant, YYYY-MM-DD ("" for none)."""
    return beijing(instant, "%Y-%m-%d") or ""


def fix(moment: dt.datetime | None):
    """Tests only: pin the clock (None releases it)."""
    _fixed["now"] = moment
