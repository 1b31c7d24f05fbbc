"""Request schemas for declarations. Module content is validated against the matter
definition (chalicelib/matters), not here, because its shape is data."""
from typing import Any, Literal

from pydantic import Field

from chalicelib.validation import Schema


class DeclarationStartIn(Schema):
    notice_id: str = Field(title="申报通知", min_length=1, max_length=64)


class ModuleContentIn(Schema):
    content: Any = Field(title="模块内容")


class EntryIn(Schema):
    entry: dict = Field(title="条目")


class PledgeIn(Schema):
    accepted: Literal[True] = Field(title="诚信承诺")
