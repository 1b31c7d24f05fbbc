"""统计分析 counters: one partition per scope, matter and year, read with one Query.

Key formats
    StatShard  PK=STAT#<scope>#<matter>#<year>
               SK=S#<shard>               the scope's totals (a random shard per write)
               SK=B#<body>#<shard>        one reviewing body's backlog within the scope
               SK=D#<yyyymmdd>            the daily snapshot (written by the hourly sweep)
    scope: P (the province) | R#<city code> (市州, GB/T 2260) | U#<credit code> (a unit, counting
    its own declarations and those of every unit below it on the bound superior chain).

Attributes are numbers named `<figure>|<key>…` (e.g. `status|submitted`, `wait|superiors|3`,
`due|city_bureau|20250301`), added with UpdateItem ADD inside the TransactWrite of the state change
they count (services/statistics/counters.py); the reader sums every shard. A scope partition
holds the shards, one item per (reviewing body, shard) and one snapshot per day: its size grows
with the bodies and days of a window, never with its declarations.
"""
from pynamodb.attributes import UnicodeAttribute

from chalicelib.models.base import Entity

PROVINCE_SCOPE = "P"


class StatShard(Entity, discriminator="StatShard"):
    scope = UnicodeAttribute(null=True)
    matter = UnicodeAttribute(null=True)
    year = UnicodeAttribute(null=True)

    @staticmethod
    def partition(scope: str, matter: str, year: str) -> str:
        return f"STAT#{scope}#{matter}#{year}"

    @classmethod
    def shard_key(cls, scope: str, matter: str, year: str, shard: int):
        return cls.partition(scope, matter, year), f"S#{shard:02d}"

    @classmethod
    def body_key(cls, scope: str, matter: str, year: str, body: str, shard: int):
        return cls.partition(scope, matter, year), f"B#{body}#{shard:02d}"

    @classmethod
    def day_key(cls, scope: str, matter: str, year: str, day: str):
        """day: yyyymmdd (Asia/Shanghai)."""
        return cls.partition(scope, matter, year), f"D#{day}"


def region_scope(city_code: str) -> str:
    return f"R#{city_code}"


def unit_scope(credit_code: str) -> str:
    return f"U#{credit_code}"
