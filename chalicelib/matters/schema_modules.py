"""The parts of a matter definition's schema: field types, fields, `when` conditions and the four
kinds of module (form, list, text, experts). schema.py assembles the whole definition from them."""
import string
from typing import Annotated, Literal, Optional, Union

from pydantic import BaseModel, ConfigDict, Field, model_validator

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
    accepted: Optional[list[Text]] = Field(default=None, min_length=1)  # the options a declaration may hold
    refused: Optional[Text] = None                   # why another option is refused (须具有正高级职称)
    hint: Optional[Text] = None
    # What a person gives once (联系方式, 工作单位): fields of any matter tagged with the same name hold
    # the same fact, offered again (prefilled, editable) on the person's next declaration.
    profile: Optional[Key] = None
    source: Optional[Text] = None

    @model_validator(mode="after")
    def _consistent(self):
        if self.profile and (self.readonly or self.derived):
            raise ValueError("a profile field is one the person types (not readonly or derived)")
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
        if (self.accepted is None) != (self.refused is None):
            raise ValueError("accepted and refused go together")
        if self.accepted is not None and not set(self.accepted) <= set(self.options or ()):
            raise ValueError("accepted names options the field does not have")
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
    # the field left empty on the current entry (结束日期（空为至今）): a `profile` fact of this list
    # is the current entry's value
    current: Optional[Key] = None

    @model_validator(mode="after")
    def _fields(self):
        _check_fields(self.fields, self.key)
        if self.current and not any(f.key == self.current for f in self.fields):
            raise ValueError(f"current names {self.current!r}, not a field here")
        if any(f.profile for f in self.fields) and not self.current:
            raise ValueError("a list with a profile field needs 'current' (which entry holds it)")
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
    not_accepted: Optional[Text] = None   # {expert}'s value of a field is not among its `accepted`

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
        if any(f.accepted for f in self.fields) and not self.messages.not_accepted:
            raise ValueError("a field with 'accepted' needs messages.not_accepted")
        return self


Module = Annotated[Union[FormModule, ListModule, TextModule, ExpertsModule], Field(discriminator="kind")]
