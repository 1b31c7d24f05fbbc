"""Workbench counters, sharded so that a big unit's counts never become a hot key.

Key format
    CounterShard  PK=COUNT#<unit_code>#<year>   SK=<matter>#<shard 0..N-1>
Attributes are numbers named after the count (pending, to_send, returned, done_total) plus
done_<yyyymmdd> for 今日办结 in Asia/Shanghai. Writers ADD to one random shard inside the same
TransactWrite as the state change they count; readers Query the partition once and sum.
"""
from pynamodb.attributes import UnicodeAttribute

from chalicelib.models.base import Entity


class CounterShard(Entity, discriminator="CounterShard"):
    unit_code = UnicodeAttribute()
    year = UnicodeAttribute()
    matter = UnicodeAttribute()

    @staticmethod
    def partition(unit_code: str, year: str) -> str:
        """All shards of every matter of a unit for a year: read with one Query."""
        return f"COUNT#{unit_code}#{year}"

    @classmethod
    def key(cls, unit_code: str, year: str, matter: str, shard: int):
        return cls.partition(unit_code, year), f"{matter}#{shard}"

    @staticmethod
    def matter_of(sort_key: str) -> str:
        """The matter a shard counts, from its sort key."""
        return sort_key.rsplit("#", 1)[0]

    @staticmethod
    def day_attribute(day) -> str:
        """The name of the count of decisions done on a day (a date in Asia/Shanghai)."""
        return "done_" + day.strftime("%Y%m%d")
