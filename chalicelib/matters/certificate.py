"""The certificate a matter grants (证书管理): its typed spec in the matter JSON and its accessor.

A matter's definition may carry a "certificate" section; a matter without one issues none. What
differs between matters lives here, never in services or views: which 评定状态 words earn a
certificate, its title, the number prefix, the authority and 评委会 named on it, the sentence
that states the grant, and which fields the PDF and the verify page show.

    "certificate": {
      "title": "吉林省人才分类定级证书",
      "for_results": ["通过"],
      "number_prefix": "JLRC",
      "grant_label": "认定等级",
      "authority": "吉林省人力资源和社会保障厅",
      "committee": "吉林省人才分类定级评审委员会",
      "statement": "{name}同志经{committee}评审，认定为{grant}人才。",
      "fields": ["name", "id_number", "grant", "committee", "authority", "date", "number"]
    }

Services read it through `certificate_spec(definition)`; schema.MatterDefinition checks it when
the registry loads the file (so a broken section fails at import, never at a user's request).
"""
import string
from typing import Annotated, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, field_validator

Text = Annotated[str, Field(min_length=1, max_length=200)]
# What a certificate can show, in the order the PDF and the verify page list them.
FIELD_LABELS = {
    "name": "姓名",
    "id_number": "证件号码",
    "unit": "工作单位",
    "grant": None,            # the spec's grant_label (认定等级 / 资格名称 …)
    "committee": "评审机构",
    "authority": "发证机关",
    "date": "发证日期",
    "number": "证书编号",
}
PLACEHOLDERS = {"name", "grant", "committee", "authority", "year", "matter"}


class CertificateSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    title: Text
    for_results: list[Text] = Field(min_length=1)      # 评定状态 words that earn one (e.g. 通过)
    number_prefix: str = Field(pattern=r"^[A-Z]{2,6}$")
    grant_label: Text                                   # how the PDF names what was granted
    authority: Text                                     # 发证机关
    committee: Text                                     # the 评委会 / review body named on it
    statement: Text                                     # the sentence stating the grant
    fields: list[Literal[tuple(FIELD_LABELS)]] = Field(min_length=3)

    @field_validator("statement")
    @classmethod
    def _placeholders(cls, value: str) -> str:
        unknown = {n for _, n, _, _ in string.Formatter().parse(value) if n is not None} - PLACEHOLDERS
        if unknown:
            raise ValueError(f"statement uses unknown placeholder(s) {sorted(unknown)}; allowed: {sorted(PLACEHOLDERS)}")
        return value

    @field_validator("fields")
    @classmethod
    def _required_fields(cls, value: list) -> list:
        missing = {"name", "grant", "number"} - set(value)
        if missing or len(set(value)) != len(value):
            raise ValueError(f"fields must list name, grant and number once each (missing {sorted(missing)})")
        return value

    def earns(self, result: Optional[str]) -> bool:
        """Whether a result row with this 评定状态 gets a certificate."""
        return result in self.for_results

    def label(self, field: str) -> str:
        return self.grant_label if field == "grant" else FIELD_LABELS[field]

    def sentence(self, **values) -> str:
        return self.statement.format(**{k: values.get(k, "") for k in PLACEHOLDERS})


_cache: dict = {}


def certificate_spec(definition) -> Optional[CertificateSpec]:
    """The matter's certificate spec, or None when the matter grants no certificate. The result
    words it names must be the matter's own passing words (checked here as well as by a test)."""
    code = definition.code
    if code not in _cache:
        raw = definition.raw.get("certificate")
        spec = CertificateSpec.model_validate(raw) if raw else None
        if spec is not None:
            words = definition.results.final
            if not set(spec.for_results) <= set(words):
                raise ValueError(f"{code}: certificate.for_results {spec.for_results} not among {words}")
        _cache[code] = spec
    return _cache[code]
