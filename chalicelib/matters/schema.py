"""The schema every matter definition (chalicelib/matters/*.json) must satisfy.

Services read a definition through definition.Definition's typed accessors; these pydantic models
only *check* the data when the registry loads it (registry.SCHEMA_CHECK), so a broken definition fails
at import/test time with a message naming the file and the path inside it, never at a user's request.
Everything the accessors assume is enforced here (the identity form is a form, the report category a
reviewer attachment, the result words distinct, the two forms present, a stage's roles those its `by`
can choose). Unknown keys are refused everywhere (a misspelt "requried" must not silently make a field
optional).
"""
from typing import Literal, Optional

from pydantic import Field, model_validator

from chalicelib.matters.certificate import CertificateSpec
from chalicelib.matters.schema_modules import (  # noqa: F401  (FieldDef: read by tests)
    NON_MODULE_PLACES, ROLES, Condition, FieldDef, Key, MatterCode, Mime, Module, Strict, Text)


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
    # A file a person gives once (近期照片, 身份证): categories of any matter tagged with the same name
    # hold the same file, offered again on the person's next declaration (copied, verified as it was).
    profile: Optional[Key] = None
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
    """The two forms the platform renders (申报表 PDF, 一览表 XLSX), each at its own endpoint."""
    key: Literal["declaration_form", "summary_table"]
    label: Text


class Report(Strict):
    category: Key
    label: Text


# The roles each way of choosing a stage's reviewing body can yield (routing.build_route).
ROLES_BY = {"binding": {"unit"}, "superior_chain": {"unit"}, "region": {"city_bureau"},
            "personnel_authority": {"unit", "city_bureau", "province"}, "fixed": {"province", "committee"}}


class RouteStage(Strict):
    """One stage of the review route, as the manuals describe it. `roles` are the accounts that
    review at this stage (exactly those its `by` can choose; `committee`: a 评委会, whose result the
    provincial office records); `by` says how the reviewing body is chosen."""
    key: Key
    label: Text
    roles: list[Literal[ROLES]] = Field(min_length=1)
    by: Optional[Literal["binding", "superior_chain", "personnel_authority", "region", "fixed"]] = None
    description: Text
    final: bool = False

    @model_validator(mode="after")
    def _roles(self):
        possible = ROLES_BY[self.by or "fixed"]
        if not set(self.roles) <= possible:
            raise ValueError(f"roles {sorted(set(self.roles) - possible)} cannot be chosen by {self.by or 'fixed'!r}")
        if "committee" in self.roles and (self.roles != ["committee"] or not self.final):
            raise ValueError("a committee stage is the final stage and has the committee role only")
        return self


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


class ResultWords(Strict):
    """评定状态: pending until the committee records passed (grants a level), failed, or another."""
    pending: Text
    passed: Text
    failed: Text
    others: list[Text] = Field(default_factory=list, max_length=5)

    @model_validator(mode="after")
    def _distinct(self):
        words = [self.pending, self.passed, self.failed, *self.others]
        if len(set(words)) != len(words):
            raise ValueError("result words repeat")
        return self


class Review(Strict):
    deadline_days: int = Field(ge=1, le=90)
    remind_before_days: int = Field(ge=0)
    backstop_factor: int = Field(ge=1, le=10)
    send_required_roles: list[Literal[ROLES]]
    report: Report
    results: ResultWords
    levels: list[Text] = Field(min_length=1)                    # what a passed result grants (级别/等次)
    level_label: Optional[Text] = None    # how screens name the granted level (评审后评定级别); default 评审后级别
    results_note: Optional[Text] = None   # what each result word means, shown with the 评审结果 list
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
    # whether 确认开始申报 must carry the confirmation (every served matter's manual asks for it)
    required: bool = True
    source: Optional[Text] = None


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
    identity_form: Key       # the form module holding who declares and what (基本信息)
    requires_unit_info: list[Literal["reporting_info"]] = []   # what the recommending unit must have filled
    modules: list[Module] = Field(min_length=1)
    attachments: list[AttachmentRule]
    forms: list[FormDoc] = Field(min_length=2, max_length=2)   # 申报表, 一览表
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
        facts = [f.profile for m in self.modules for f in getattr(m, "fields", []) if f.profile]
        if len(set(facts)) != len(facts):
            raise ValueError("a profile fact is held by more than one field")
        files = [a.profile for a in self.attachments if a.profile]
        if len(set(files)) != len(files):
            raise ValueError("a profile file is held by more than one attachment category")
        for a in self.attachments:
            if a.profile and (a.per_entry or a.reviewer):
                raise ValueError(f"attachment {a.category}: a profile file is the person's, not an entry's or a reviewer's")
        if self.review.report.category not in cats or not cats[self.review.report.category].reviewer:
            raise ValueError("review.report.category must be a reviewer attachment category")
        if self.identity_form not in modules or modules[self.identity_form].kind != "form":
            raise ValueError(f"identity_form {self.identity_form!r} is not a form module")
        keys = sorted(f.key for f in self.forms)
        if keys != ["declaration_form", "summary_table"]:
            raise ValueError("forms are the declaration_form and the summary_table, once each")
        return self
