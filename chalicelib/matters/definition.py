"""A matter's definition, read through typed accessors: what every service and screen asks of a
matter (its identity form, report category, result words, route, forms, summary columns, which unit
information a declaration requires) is answered here from the matter's JSON file, so nothing outside
chalicelib/matters/ reads the JSON itself or spells a matter's own words.

The schema (schema.py) guarantees what these accessors assume; the registry (registry.py) makes one
Definition per matter file.
"""
from typing import Mapping, NamedTuple, Optional

from chalicelib.errors import NotFound
from chalicelib.matters import rules

NON_FORM_MODULES = ("attachments",)   # the 附件上传 step: editable like a module, no content
LIST_KINDS = ("list", "experts")       # modules whose content is a list of entries with ids
DECLARATION_FORM, SUMMARY_TABLE = "declaration_form", "summary_table"   # the two forms' endpoints
# 一览表 columns drawn from the identity form when the matter has the field (in this order).
SUMMARY_KEYS = ("series", "profession", "applied_level", "applied_title", "apply_type", "break_type",
                "personnel_category")
# What a declaration may require of its recommending unit, and how the manuals name it.
UNIT_INFO_LABELS = {"reporting_info": "人才分类定级报送信息"}
ROLE_COMMITTEE = "committee"           # a route stage held by a 评委会 (recorded by the province)
LEVEL_LABEL = "评审后级别"              # the granted level's name for a matter that does not give its own


class Report(NamedTuple):
    """The reviewer's attachment sent with 送审 (推荐报告/申报函)."""
    category: str
    label: str


class Results(NamedTuple):
    """评定状态: `pending` until the committee records one of the final words; `passed` grants a
    level, `failed` and `others` do not."""
    pending: str
    passed: str
    failed: str
    others: tuple = ()

    @property
    def final(self) -> tuple:
        """The words a committee may record."""
        return (self.passed, self.failed) + self.others

    @property
    def all(self) -> tuple:
        return (self.pending,) + self.final


class Stage(NamedTuple):
    key: str
    label: str
    by: str
    roles: tuple
    final: bool

    @property
    def committee(self) -> bool:
        return ROLE_COMMITTEE in self.roles


# 人才分类定级评定's route, for a definition without stages: unit → superiors → city bureau → province.
DEFAULT_STAGES = (Stage("recommending_unit", "推荐单位", "binding", ("unit",), False),
                  Stage("superiors", "上级单位", "superior_chain", ("unit",), False),
                  Stage("city_bureau", "市（州）人社局", "region", ("city_bureau",), False),
                  Stage("province", "省人社厅", "fixed", ("province",), True))


class Definition:
    def __init__(self, raw: dict):
        self.raw = raw
        self.code = raw["code"]
        self.name = raw["name"]
        self.enabled = raw.get("enabled", True)
        self.modules = {m["key"]: m for m in raw["modules"]}
        self.attachments = {a["category"]: a for a in raw["attachments"]}
        review = raw["review"]
        words = review["results"]
        self.results = Results(words["pending"], words["passed"], words["failed"], tuple(words.get("others", ())))
        self.report = Report(review["report"]["category"], review["report"]["label"])
        self.levels = tuple(review["levels"])
        self.identity_form = raw["identity_form"]
        self.requires_unit_info = tuple(raw.get("requires_unit_info", ()))
        route = review.get("route") or {}
        self.stages = tuple(Stage(s["key"], s["label"], s.get("by") or "fixed", tuple(s["roles"]), s.get("final", False))
                            for s in route.get("stages", ())) or DEFAULT_STAGES

    # --- review ---------------------------------------------------------------------------------

    @property
    def deadline_days(self) -> int:
        return self.raw["review"]["deadline_days"]

    @property
    def remind_before_days(self) -> int:
        return self.raw["review"]["remind_before_days"]

    @property
    def backstop_factor(self) -> int:
        return self.raw["review"]["backstop_factor"]

    @property
    def send_required_roles(self) -> tuple:
        """The reviewing roles whose 审核通过 waits for 送审 (with the report attached)."""
        return tuple(self.raw["review"]["send_required_roles"])

    @property
    def committee_stage(self) -> Optional[Stage]:
        """The route's 评委会 stage (its result recorded by the provincial office), if it has one."""
        return next((s for s in self.stages if s.committee), None)

    @property
    def level_label(self) -> str:
        """How the level a passed result grants is named (评审后评定级别, 评审后级别)."""
        return self.raw["review"].get("level_label") or LEVEL_LABEL

    @property
    def results_note(self) -> Optional[str]:
        """What each result word means (the manual's 注 under 评审结果查询), if the matter says."""
        return self.raw["review"].get("results_note")

    def result_level(self, result: str, level: Optional[str]) -> Optional[str]:
        """The level a committee's result grants: only a passing result grants one."""
        return level if result == self.results.passed else None

    # --- the declaration's forms ----------------------------------------------------------------

    @property
    def identity_fields(self) -> dict:
        """{key: field} of the identity form (基本信息: name, 申报级别, …)."""
        return {f["key"]: f for f in self.modules[self.identity_form]["fields"]}

    def identity_content(self, modules: Mapping) -> dict:
        """The identity form's content of a declaration's modules (key -> stored module)."""
        content = rules.content_of(modules, self.identity_form)
        return content if isinstance(content, Mapping) else {}

    @property
    def photo_category(self) -> Optional[str]:
        """The attachment category of the identity form's photo (the 申报表's 近期照片), if any."""
        photo = self.modules[self.identity_form].get("photo")
        return photo["category"] if photo else None

    def form_label(self, key: str) -> str:
        """The label of one of the two forms (DECLARATION_FORM 申报表, SUMMARY_TABLE 一览表)."""
        return next(f["label"] for f in self.raw["forms"] if f["key"] == key)

    @property
    def summary_fields(self) -> tuple:
        """((key, label), …) of the identity form's fields the 一览表 shows, in SUMMARY_KEYS order."""
        fields = self.identity_fields
        return tuple((k, fields[k]["label"]) for k in SUMMARY_KEYS if k in fields)

    @property
    def has_talent_category(self) -> bool:
        return "talent_category" in self.identity_fields

    @property
    def applied_level_label(self) -> str:
        field = self.identity_fields.get("applied_level")
        return field["label"] if field else "申报级别"

    @property
    def self_check(self) -> Optional[dict]:
        """条件自检: {title, items, confirm}, read before 确认开始申报, or None."""
        return self.raw.get("self_check")

    @property
    def pledge(self) -> str:
        return self.raw["pledge"]

    @property
    def menu(self) -> dict:
        menu = self.raw.get("menu") or {}
        return {"service": menu.get("service", self.name), "group": menu.get("group", self.name),
                "order": menu.get("order", 0)}

    @property
    def description(self) -> Optional[str]:
        return self.raw.get("description")

    def unit_info_missing(self, unit) -> Optional[str]:
        """The name of the unit information this matter requires and the unit lacks, else None."""
        for what in self.requires_unit_info:
            if what == "reporting_info" and not unit.reporting_complete:
                return UNIT_INFO_LABELS[what]
        return None

    # --- modules and attachments ----------------------------------------------------------------

    @property
    def cross_module(self) -> bool:
        """Whether a module's editability or a field's condition reads another module (then a save
        needs the declaration's other modules)."""
        return any(m.get("when") or m.get("requires_saved") or
                   any((f.get("when") or {}).get("module") for f in m.get("fields", []))
                   for m in self.modules.values())

    @property
    def module_keys(self) -> list:
        """Every editable unit of a declaration, in the order the app shows them."""
        return list(self.modules) + list(NON_FORM_MODULES)

    def module(self, key: str) -> dict:
        if key not in self.modules:
            raise NotFound("申报模块不存在", code="MODULE_NOT_FOUND")
        return self.modules[key]

    def attachment(self, category: str) -> dict:
        if category not in self.attachments:
            raise NotFound("附件类别不存在", code="ATTACHMENT_CATEGORY_NOT_FOUND")
        return self.attachments[category]

    def attachments_of(self, module_key: str) -> list:
        return [a for a in self.attachments.values() if a["module"] == module_key]

    def label(self, module_key: str) -> str:
        return "附件材料" if module_key == "attachments" else self.modules[module_key]["label"]

    def message(self, text: str) -> str:
        """Validation wording of the manuals: 【人才分类定级评定】荣誉奖励_荣誉（奖励）信息未填报."""
        return f"【{self.name}】{text}"

    def empty(self, module_key: str):
        kind = self.modules[module_key]["kind"] if module_key in self.modules else "none"
        return {"form": {}, "list": [], "text": "", "experts": []}.get(kind)

    # --- what a person gives once (联系方式, 工作单位, 近期照片, 身份证): the `profile` tags --------------

    @property
    def profile_fields(self) -> dict:
        """{fact: (module, field)} of the fields tagged `profile` (the same fact in every matter that
        tags it), in the modules' order."""
        return {f["profile"]: (m, f) for m in self.modules.values() for f in m.get("fields", [])
                if f.get("profile")}

    def given_facts(self, modules: Mapping) -> dict:
        """{fact: value} a declaration's saved modules hold in the tagged fields; a list module's fact
        is its current entry's (the one whose `current` field is empty, else the last)."""
        given = {}
        for fact, (module, field) in self.profile_fields.items():
            content = rules.content_of(modules, module["key"])
            if module["kind"] == "list" and isinstance(content, list) and content:
                open_ended = [e for e in content if isinstance(e, Mapping) and not e.get(module.get("current"))]
                content = (open_ended or content)[-1]
            value = content.get(field["key"]) if isinstance(content, Mapping) else None
            if value not in (None, ""):
                given[fact] = value
        return given

    @property
    def profile_files(self) -> dict:
        """{fact: attachment rule} of the categories tagged `profile` (近期照片, 身份证)."""
        return {a["profile"]: a for a in self.attachments.values() if a.get("profile")}

    def applies(self, rule: dict, modules: Mapping) -> bool:
        """Whether a module or attachment rule's `when` holds for the declaration's modules."""
        return rules.holds(rule.get("when"), modules)


def public_view(definition: Definition) -> dict:
    """What a client needs to render the forms: modules, fields, required flags, limits, and (for
    matters that have them) the menu, the 条件自检 notes and the review route."""
    raw = definition.raw
    view = {"code": raw["code"], "name": raw["name"], "steps": raw["steps"], "pledge": raw["pledge"],
            "notes": raw.get("notes"), "modules": raw["modules"], "identity_form": definition.identity_form,
            "attachments": [{**a, "max_bytes": a["max_kb"] * 1024} for a in raw["attachments"]],
            "forms": raw["forms"]}
    for key in ("menu", "description", "self_check"):
        if raw.get(key) is not None:
            view[key] = raw[key]
    results = definition.results
    view["review"] = {"results": list(results.all), "final_results": list(results.final),
                      "result_words": results._asdict() | {"others": list(results.others)},
                      "levels": list(definition.levels), "report": definition.report._asdict(),
                      "level_label": definition.level_label, "results_note": definition.results_note}
    if raw["review"].get("route"):
        view["route"] = raw["review"]["route"]
    return view
