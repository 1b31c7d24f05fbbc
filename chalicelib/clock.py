"""Time in one place, so tests can fix the clock and "today" is always Asia/Shanghai."""
import datetime as dt

SHANGHAI = dt.timezone(dt.timedelta(hours=8), "Asia/Shanghai")

_fixed = {"now": None}


def now() -> dt.datetime:
    return _fixed["now"] or dt.datetime.now(dt.timezone.utc)


def today_local() -> dt.date:
    return now().astimezone(SHANGHAI).date()


def fix(moment: dt.datetime | None):
    """Tests only: pin the clock (None releases it)."""
    _fixed["now"] = moment
