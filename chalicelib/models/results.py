"""评审结果 rows: one per declaration and level that may see it (the results access pattern).

Key format
    ResultRow  PK=DECL#<id>   SK=RESULT#<unit_code>
               GSI2PK=RESULTS#<unit_code>#<matter>#<year>   GSI2SK=<评定状态>#<submitted_at>#<decl_id>
               GSI1PK=RESULTID#<unit_code>#<matter>#<year>#<id_hash>  GSI1SK=<submitted_at>#<decl_id>
                   (the 证件号码 search: one keyed Query reads that person's rows only, whatever the
                   level holds; infra/rekey_pii.py rewrites it with id_hash)

A row is written in the same TransactWriteItems as the state change that makes the declaration
visible at that level: submit (the recommending unit and the provincial office, which sees all),
the opening of a review task (every superior unit and the city bureau the chain reaches). The
committee result rewrites every row of the declaration (≤ route length) in the result's
transaction; withdraw and termination delete them. The rows live in the declaration's partition,
so the declaration's one Query finds them.

The row carries what the filters of manual 001 §3.7 need (so a filter is a key condition or a
FilterExpression on the page read, never a second read per row): 姓名, a keyed hash of the 证件号码
(never the number as a filter value), 推荐单位, 市（州）, 申请评定级别, 人才认定分类, 评定状态.
"""
from pynamodb.attributes import NumberAttribute, UnicodeAttribute

from chalicelib.models.base import Entity


class ResultRow(Entity, discriminator="ResultRow"):
    decl_id = UnicodeAttribute()
    viewer_code = UnicodeAttribute()             # the level that sees this row
    matter_type = UnicodeAttribute()
    year = UnicodeAttribute()
    round = NumberAttribute(default=1)
    person_name = UnicodeAttribute()
    id_number = UnicodeAttribute()               # full; masked in every list, full in permitted exports
    id_hash = UnicodeAttribute()                 # keyed hash: the 证件号码 filter compares this
    unit_code = UnicodeAttribute()               # 推荐单位
    unit_name = UnicodeAttribute()
    city_code = UnicodeAttribute(null=True)      # 市（州） of the recommending unit
    applied_level = UnicodeAttribute(null=True)  # 申请评定级别
    talent_category = UnicodeAttribute(null=True)   # 人才认定分类 (e.g. 高层次人才)
    result = UnicodeAttribute(default="未认定")  # 评定状态: 未认定 | 通过 | 未通过
    result_level = UnicodeAttribute(null=True)   # 评审后评定级别
    submitted_at = UnicodeAttribute()
    updated_at = UnicodeAttribute()

    @staticmethod
    def key(decl_id: str, viewer_code: str):
        return f"DECL#{decl_id}", f"RESULT#{viewer_code}"

    @staticmethod
    def list_key(viewer_code: str, matter_type: str, year: str) -> str:
        return f"RESULTS#{viewer_code}#{matter_type}#{year}"

    @staticmethod
    def sort_key(result: str, submitted_at: str, decl_id: str) -> str:
        """GSI2SK: by 评定状态 (a key condition), then date submitted."""
        return f"{result}#{submitted_at}#{decl_id}"

    @staticmethod
    def id_key(viewer_code: str, matter_type: str, year: str, id_hash: str) -> str:
        """GSI1PK: a viewer's rows of one person (keyed hash of the 证件号码), one matter and year."""
        return f"RESULTID#{viewer_code}#{matter_type}#{year}#{id_hash}"

    @classmethod
    def with_result(cls, result: str):
        """The key condition selecting rows of one 评定状态."""
        return cls.gsi2sk.startswith(f"{result}#")
