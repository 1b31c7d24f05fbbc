"""The schema every matter definition (chalicelib/matters/*.json) must satisfy.

A definition is data that services and clients read as plain dicts; these pydantic models only
*check* it when the registry loads it (definition.SCHEMA_CHECK), so a broken definition fails at
import/test time with a message naming the file and the path inside it, never at a user's request.
Unknown keys are refused everywhere (a misspelt "requried" must not silently make a field optional).
"""
import string
from typing import Annotated, Literal, Optional, Union

from pydantic import BaseModel, ConfigDict, Field, model_validator

from chalicelib.matters.certificate import CertificateSpec

Key = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
MatterCode = Annotated[str, Field(pattern=r"^[A-Z][A-Z0-9_]{1,49}$")]
Text = Annotated[str, Field(min_length=1, max_length=2000)]
Mime = Literal["image/png", "image/jpeg", "image/bmp", "application/pdf"]
# Where an attachment category is uploaded: a module's key, the 附件上传 step, or the reviewer's step.
NON_MODULE_PLACES = ("attachments", "review")
FIELD_TYPES = ("text", "select", "phone", "date", "integer", "boolean")
ROLES = ("unit", "city_bureau", "province", "committee")   # committee: 评委会 (no account yet)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


def _placeholders(template: str) -> set:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


def _check_template(template: Optional[str], allowed: set, what: str):
    if template is None:
        return
    unknown = _placeholders(template) - allowed
    if unknown:
        raise ValueError(f"{what} uses unknown placeholder(s) {sorted(unknown)}; allowed: {sorted(allowed)}")


class Condition(Strict):
    """Holds when the value of `field` (in `module`, default: the same form) is one of `one_of`."""
    module: Optional[Key] = None
    field: Key
    one_of: list[Text] = Field(min_length=1)


class FieldDef(Strict):
    key: Key
    label: Text
    type: Literal[FIELD_TYPES]
    required: bool = False
    max_length: Optional[int] = Field(default=None, ge=1, le=5000)
    options: Optional[list[Text]] = Field(default=None, min_length=1)
    option_notes: Optional[dict[str, Text]] = None   # what choosing an option entails (破格类别 rules)
    min: Optional[int] = None
    max: Optional[int] = None
    derived: Optional[Literal["sex_from_id", "age_from_id"]] = None
    readonly: bool = False
    not_before: Optional[Key] = None
    may_be_future: bool = False                      # a date after today is allowed (a term's end)
    when: Optional[Condition] = None                 # the field applies (and may be required) only then
    hint: Optional[Text] = None
    source: Optional[Text] = None

    @model_validator(mode="after")
    def _consistent(self):
        if (self.type == "select") != (self.options is not None):
            raise ValueError("a select field needs options, and only a select field has them")
        if self.options is not None and len(set(self.options)) != len(self.options):
            raise ValueError("options repeat")
        if self.option_notes and not set(self.option_notes) <= set(self.options or ()):
            unknown = sorted(set(self.option_notes) - set(self.options or ()))
            raise ValueError(f"option_notes for unknown options {unknown}")
        if self.max_length is not None and self.type != "text":
            raise ValueError("max_length applies to text fields only")
        if (self.min is not None or self.max is not None) and self.type != "integer":
            raise ValueError("min/max apply to integer fields only")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError("min is greater than max")
        if (self.derived or self.readonly) and (self.required or self.when):
            raise ValueError("a derived or readonly field is filled by the platform: it cannot be required")
        if (self.not_before is not None or self.may_be_future) and self.type != "date":
            raise ValueError("not_before and may_be_future apply to date fields only")
        return self


def _check_fields(fields: list, own_module: str):
    keys = [f.key for f in fields]
    if len(set(keys)) != len(keys):
        raise ValueError(f"field keys repeat: {sorted({k for k in keys if keys.count(k) > 1})}")
    by_key = {f.key: f for f in fields}
    for f in fields:
        if f.not_before and (f.not_before not in by_key or by_key[f.not_before].type != "date"):
            raise ValueError(f"field {f.key}: not_before names {f.not_before!r}, not a date field here")
        if f.when and f.when.module in (None, own_module):
            other = by_key.get(f.when.field)
            if other is None or other is f:
                raise ValueError(f"field {f.key}: when names {f.when.field!r}, not another field here")
            if other.options and not set(f.when.one_of) <= set(other.options):
                raise ValueError(f"field {f.key}: when.one_of {f.when.one_of} not among {other.label}'s options")


class Photo(Strict):
    category: Key
    label: Text
    missing: Text


class SingleFlag(Strict):
    field: Key
    missing: Text
    conflict: Text


class ModuleBase(Strict):
    key: Key
    label: Text
    group: Text
    missing: Optional[Text] = None      # 【事项】<missing> when the module is not filled in
    notice: Optional[Text] = None
    hint: Optional[Text] = None
    when: Optional[Condition] = None    # the module applies only then (shown, validated, required)
    requires_saved: Optional[Key] = None  # editable only after that module has been saved
    source: Optional[Text] = None


class FormModule(ModuleBase):
    kind: Literal["form"]
    fields: list[FieldDef] = Field(min_length=1)
    photo: Optional[Photo] = None

    @model_validator(mode="after")
    def _fields(self):
        _check_fields(self.fields, self.key)
        if any(f.required for f in self.fields) and not self.missing:
            raise ValueError("a form with required fields needs a 'missing' message")
        return self


class ListModule(ModuleBase):
    kind: Literal["list"]
    entry_label: Text
    fields: list[FieldDef] = Field(min_length=1)
    min_items: int = Field(default=0, ge=0)
    max_items: int = Field(default=50, ge=1, le=200)
    attachment_category: Optional[Key] = None
    single_flag: Optional[SingleFlag] = None

    @model_validator(mode="after")
    def _fields(self):
        _check_fields(self.fields, self.key)
        if self.min_items > self.max_items:
            raise ValueError("min_items is greater than max_items")
        if self.min_items and not self.missing:
            raise ValueError("a list with min_items needs a 'missing' message")
        if self.single_flag:
            flag = next((f for f in self.fields if f.key == self.single_flag.field), None)
            if flag is None or flag.type != "boolean":
                raise ValueError(f"single_flag names {self.single_flag.field!r}, not a boolean field here")
        return self


class TextModule(ModuleBase):
    kind: Literal["text"]
    max_chars: int = Field(ge=1, le=20000)
    required: bool = False
    too_long: Text

    @model_validator(mode="after")
    def _messages(self):
        if self.required and not self.missing:
            raise ValueError("a required text module needs a 'missing' message")
        return self


EXPERT_SLOTS = {"count", "actual", "expert", "fields", "label"}


class ExpertMessages(Strict):
    """Wording of the declaration-level check; {expert} is e.g. 破格推荐专家1（张某）."""
    missing: Text                 # none added
    count: Text                   # {count} required, {actual} added
    incomplete: Text              # {expert} lacks {fields}
    attachment_missing: Text      # {expert} lacks the attachment {label}
    not_allowed: Text             # experts added although the condition does not hold
    not_saved: Text               # adding before requires_saved has been saved

    @model_validator(mode="after")
    def _templates(self):
        for name in type(self).model_fields:
            _check_template(getattr(self, name), EXPERT_SLOTS, f"messages.{name}")
        return self


class ExpertsModule(ModuleBase):
    """Recommending experts (破格 两名专家推荐): exactly `count` entries, each with its details and
    its own attachments (the categories whose module is this one; uploaded per expert)."""
    kind: Literal["experts"]
    entry_label: Text
    count: int = Field(ge=1, le=10)
    fields: list[FieldDef] = Field(min_length=1)
    name_field: Key               # the field naming an expert in messages
    messages: ExpertMessages

    @model_validator(mode="after")
    def _fields(self):
        _check_fields(self.fields, self.key)
        if self.name_field not in {f.key for f in self.fields}:
            raise ValueError(f"name_field {self.name_field!r} is not a field here")
        if self.when is None:
            raise ValueError("an experts module needs 'when' (e.g. 破格类别 = 两名专家推荐破格)")
        return self


Module = Annotated[Union[FormModule, ListModule, TextModule, ExpertsModule], Field(discriminator="kind")]


class AttachmentRule(Strict):
    category: Key
    label: Text
    module: Key
    max_kb: int = Field(ge=1, le=51200)
    max_count: int = Field(ge=1, le=50)
    min_count: int = Field(default=0, ge=0)
    types: list[Mime] = Field(min_length=1)
    slots: Optional[list[Text]] = None
    missing: Optional[Text] = None
    per_entry: bool = False
    thumbnail: bool = False
    reviewer: bool = False
    when: Optional[Condition] = None    # min_count applies only then
    hint: Optional[Text] = None
    source: Optional[Text] = None

    @model_validator(mode="after")
    def _consistent(self):
        if self.min_count > self.max_count:
            raise ValueError("min_count is greater than max_count")
        if self.slots is not None and len(self.slots) != self.max_count:
            raise ValueError("slots must name every one of max_count files")
        if len(set(self.types)) != len(self.types):
            raise ValueError("types repeat")
        if self.thumbnail and not any(t.startswith("image/") for t in self.types):
            raise ValueError("a thumbnail needs an image type")
        return self


class FormDoc(Strict):
    key: Key
    label: Text


class Report(Strict):
    category: Key
    label: Text


class RouteStage(Strict):
    """One stage of the review route, as the manuals describe it. `roles` are the accounts that may
    review at this stage; `by` says how the reviewing body is chosen."""
    key: Key
    label: Text
    roles: list[Literal[ROLES]] = Field(min_length=1)
    by: Optional[Literal["binding", "superior_chain", "personnel_authority", "region", "fixed"]] = None
    description: Text
    final: bool = False


class Route(Strict):
    description: Text
    stages: list[RouteStage] = Field(min_length=1)
    source: Optional[Text] = None

    @model_validator(mode="after")
    def _stages(self):
        keys = [s.key for s in self.stages]
        if len(set(keys)) != len(keys):
            raise ValueError("route stage keys repeat")
        if [s.final for s in self.stages].count(True) != 1 or not self.stages[-1].final:
            raise ValueError("exactly the last route stage is final")
        return self


class Review(Strict):
    deadline_days: int = Field(ge=1, le=90)
    remind_before_days: int = Field(ge=0)
    backstop_factor: int = Field(ge=1, le=10)
    send_required_roles: list[Literal[ROLES]]
    report: Report
    results: list[Text] = Field(min_length=3, max_length=3)   # 评定状态 labels: [pending, passed, failed]
    levels: list[Text] = Field(min_length=1)                    # what a passed result grants (级别/等次)
    route: Optional[Route] = None

    @model_validator(mode="after")
    def _days(self):
        if self.remind_before_days >= self.deadline_days:
            raise ValueError("remind_before_days must be less than deadline_days")
        return self


class SelfCheck(Strict):
    """条件自检: the 申报注意事项 the applicant reads before 确认并开始申报."""
    title: Text                 # 申报注意事项
    items: list[Text] = Field(min_length=1)
    confirm: Text               # the button: 确认并开始申报


class Menu(Strict):
    service: Text            # 人事人才 service, e.g. 职称申报评审及证书管理
    group: Text              # the applicant's menu, e.g. 专业技术职称评审申报
    order: int = Field(ge=0)


class MatterDefinition(Strict):
    code: MatterCode
    name: Text
    enabled: bool = True     # served by the platform's services (MATTER_CODES); see __init__.py
    menu: Optional[Menu] = None
    description: Optional[Text] = None
    steps: list[Text] = Field(min_length=1)
    pledge: Text
    notes: Optional[Text] = None
    self_check: Optional[SelfCheck] = None
    modules: list[Module] = Field(min_length=1)
    attachments: list[AttachmentRule]
    forms: list[FormDoc] = Field(min_length=2)   # [申报表, 一览表]
    review: Review
    certificate: Optional[CertificateSpec] = None   # 证书管理: matters/certificate.py
    source: Optional[Text] = None

    @model_validator(mode="after")
    def _references(self):
        modules = {m.key: m for m in self.modules}
        if len(modules) != len(self.modules):
            raise ValueError("module keys repeat")
        if set(modules) & set(NON_MODULE_PLACES):
            raise ValueError(f"module keys {list(NON_MODULE_PLACES)} are reserved")
        cats = {a.category: a for a in self.attachments}
        if len(cats) != len(self.attachments):
            raise ValueError("attachment categories repeat")

        def check_condition(cond: Condition, where: str, own: Optional[str] = None):
            target = modules.get(cond.module or own or "")
            if target is None or target.kind != "form":
                raise ValueError(f"{where}: when.module {cond.module!r} is not a form module")
            field = next((f for f in target.fields if f.key == cond.field), None)
            if field is None:
                raise ValueError(f"{where}: when.field {cond.field!r} is not a field of {target.key}")
            if field.options and not set(cond.one_of) <= set(field.options):
                raise ValueError(f"{where}: when.one_of {cond.one_of} not among {field.label}'s options")

        for m in self.modules:
            if m.when:
                if m.when.module is None:
                    raise ValueError(f"module {m.key}: when needs a module")
                check_condition(m.when, f"module {m.key}")
            if m.requires_saved and m.requires_saved not in modules:
                raise ValueError(f"module {m.key}: requires_saved names unknown module {m.requires_saved!r}")
            for f in getattr(m, "fields", []):
                if f.when and f.when.module not in (None, m.key):
                    check_condition(f.when, f"module {m.key} field {f.key}")
            if getattr(m, "photo", None) and m.photo.category not in cats:
                raise ValueError(f"module {m.key}: photo category {m.photo.category!r} is not an attachment")
            ac = getattr(m, "attachment_category", None)
            if ac and (ac not in cats or not cats[ac].per_entry or cats[ac].module != m.key):
                raise ValueError(f"module {m.key}: attachment_category {ac!r} must be a per_entry category of it")
        for a in self.attachments:
            if a.module not in modules and a.module not in NON_MODULE_PLACES:
                raise ValueError(f"attachment {a.category}: module {a.module!r} does not exist")
            if a.per_entry and (a.module not in modules or modules[a.module].kind not in ("list", "experts")):
                raise ValueError(f"attachment {a.category}: per_entry needs a list or experts module")
            if a.module in modules and modules[a.module].kind == "experts" and not a.per_entry:
                raise ValueError(f"attachment {a.category}: an expert's attachments are per_entry")
            if a.min_count and not a.missing and not (a.module in modules and modules[a.module].kind == "experts"):
                raise ValueError(f"attachment {a.category}: a required category (min_count) needs a 'missing' message")
            if a.when:
                if a.when.module is None:
                    raise ValueError(f"attachment {a.category}: when needs a module")
                check_condition(a.when, f"attachment {a.category}")
        if self.review.report.category not in cats or not cats[self.review.report.category].reviewer:
            raise ValueError("review.report.category must be a reviewer attachment category")
        return self
