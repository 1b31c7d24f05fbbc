"""Matter types' definitions (modules, fields, limits, attachment categories, route), read from the
JSON files in this folder, and the generic validation of declarations against them.

Adding a matter type is writing another JSON file here: the registry discovers every `*.json` in
the folder, resolves `extends` (a definition may build on another file, e.g. a `_base*.json` that is
not a matter itself), and validates the result against chalicelib/matters/schema.py, so a broken
definition fails at import in the local stage and in tests/unit/test_matters.py (see SCHEMA_CHECK),
never at a user's request. Nothing here is specific to one matter.
"""
import datetime as dt
import json
import os
import uuid
from typing import Iterable, Mapping, Optional

from chalicelib import clock, config
from chalicelib import identifiers as ids
from chalicelib.errors import Conflict, NotFound, ValidationFailed

NON_FORM_MODULES = ("attachments",)   # the 附件上传 step: editable like a module, no content
LIST_KINDS = ("list", "experts")       # modules whose content is a list of entries with ids
IDENTITY_KEYS = ("key", "category")    # how entries of keyed lists are matched when merging
FOLDER = os.path.dirname(__file__)
# Every definition is checked against the schema (schema.py) when the registry is built, at import,
# in the local stage: tests, CI and `./dev up` fail at once on a broken file. A deployed package holds
# the very files CI checked and cannot change them, so the dev/prod stages skip the check: importing
# pydantic and building its models would cost a Lambda ~0.5 s per cold start (bench/cold_start.py:
# ratio 1.84 with the check, 1.16 without, target <= 1.3). MATTER_SCHEMA_CHECK=1/0 overrides.
SCHEMA_CHECK = config.MATTER_SCHEMA_CHECK


class DefinitionError(Exception):
    """A matter definition file is broken; the message names the file and the place in it."""


# --- loading -------------------------------------------------------------------------------------

def _fresh(value):
    """An independent copy of parsed JSON (json's C code: much faster than copy.deepcopy)."""
    return json.loads(json.dumps(value))


def _identity(item) -> Optional[str]:
    if isinstance(item, dict):
        for key in IDENTITY_KEYS:
            if isinstance(item.get(key), str):
                return item[key]
    return None


def merge(parent, child):
    """`child` overrides `parent`: objects merge key by key; lists of keyed objects (modules by
    "key", attachments by "category", fields by "key") merge entry by entry (an entry whose "type"
    or "kind" changes is replaced whole), new entries appended (or inserted after the entry named by
    their "after"); any other value is replaced."""
    if isinstance(parent, dict) and isinstance(child, dict):
        out = dict(parent)
        for key, value in child.items():
            out[key] = merge(parent[key], value) if key in parent else value
        return out
    if (isinstance(parent, list) and isinstance(child, list) and parent and child
            and all(_identity(p) for p in parent) and all(_identity(c) for c in child)):
        out = list(parent)
        for item in child:
            index = {_identity(p): n for n, p in enumerate(out)}
            n = index.get(_identity(item))
            if n is not None and any(k in item and item[k] != out[n].get(k) for k in ("type", "kind")):
                out[n] = item                  # a field/module changing its type keeps nothing
            elif n is not None:
                out[n] = merge(out[n], item)
            elif "after" in item:              # a new entry placed after a given one
                item = dict(item)
                after = item.pop("after")
                if after not in index:
                    raise DefinitionError(f"'after': {after!r} is not an entry of the extended list")
                out.insert(index[after] + 1, item)
            else:
                out.append(item)
        return out
    return child


def _omit(raw: dict, path: str, source: str):
    """Remove one entry named by a dotted path of keys/identities, e.g. "modules.basic.fields.x"."""
    *parents, last = path.split(".")
    node = raw
    for part in parents:
        node = node.get(part) if isinstance(node, dict) else next(
            (item for item in node if _identity(item) == part), None) if isinstance(node, list) else None
        if node is None:
            raise DefinitionError(f"{source}: omit {path!r}: {part!r} not found")
    if isinstance(node, dict) and last in node:
        del node[last]
    elif isinstance(node, list) and any(_identity(item) == last for item in node):
        node[:] = [item for item in node if _identity(item) != last]
    else:
        raise DefinitionError(f"{source}: omit {path!r}: {last!r} not found")


def _format_errors(error, raw: dict) -> str:
    """Pydantic's locations with list indices replaced by the entry's key: modules[basic].fields[sex]."""
    lines = []
    for err in error.errors():
        node, where = raw, ""
        for part in err["loc"]:
            if isinstance(part, int) and isinstance(node, list) and part < len(node):
                node = node[part]
                where += f"[{_identity(node) or part}]"
            elif isinstance(node, dict) and part in node:
                node = node[part]
                where += f".{part}"
            elif isinstance(part, str) and part in ("form", "list", "text", "experts"):
                continue   # the discriminated union's tag
            else:
                where += f".{part}"
        lines.append(f"  {where.lstrip('.') or '(top)'}: {err['msg']}")
    return "\n".join(lines)


def _check(raw: dict, path: str):
    import pydantic                              # only when checking: see SCHEMA_CHECK
    from chalicelib.matters import schema
    try:
        schema.MatterDefinition.model_validate(raw)
    except pydantic.ValidationError as exc:
        raise DefinitionError(f"{path}: not a valid matter definition:\n{_format_errors(exc, raw)}") from None


class Registry:
    """Every matter definition in a folder, resolved and validated when the registry is made."""

    def __init__(self, folder: str = FOLDER, check: bool = True):
        self.folder = folder
        files = {}
        for name in sorted(os.listdir(folder)):
            if name.endswith(".json"):
                path = os.path.join(folder, name)
                try:
                    with open(path, encoding="utf-8") as fh:
                        files[name[:-5]] = json.load(fh)
                except (OSError, ValueError) as exc:
                    raise DefinitionError(f"{path}: not readable JSON: {exc}") from exc
        self._files = files
        self._raw: dict = {}
        for stem in files:
            if stem.startswith("_"):
                continue                       # a base to extend, not a matter
            raw = _fresh(self._resolve(stem, ()))   # each matter its own tree
            path = os.path.join(folder, stem + ".json")
            if check:
                _check(raw, path)
            if raw.get("code") in self._raw:
                raise DefinitionError(f"{path}: matter code {raw['code']} is defined twice")
            self._raw[raw.get("code")] = raw
        self._definitions = {code: Definition(raw) for code, raw in self._raw.items()}

    def _resolve(self, stem: str, seen: tuple) -> dict:
        source = os.path.join(self.folder, stem + ".json")
        if stem in seen:
            raise DefinitionError(f"{source}: extends forms a cycle: {' -> '.join(seen + (stem,))}")
        if stem not in self._files:
            raise DefinitionError(f"{os.path.join(self.folder, seen[-1] + '.json')}: extends unknown file {stem!r}")
        if not isinstance(self._files[stem], dict):
            raise DefinitionError(f"{source}: a definition is a JSON object")
        raw = dict(self._files[stem])     # merge never mutates its inputs; subtrees may be shared
        parent = raw.pop("extends", None)
        omit = raw.pop("omit", [])
        if parent is not None:
            try:
                raw = merge(self._resolve(parent, seen + (stem,)), raw)
            except DefinitionError as exc:
                if exc.args[0].startswith("'after'"):
                    raise DefinitionError(f"{source}: {exc}") from None
                raise
        if omit:
            raw = _fresh(raw)
            for path in omit:
                _omit(raw, path, source)
        return raw

    def codes(self, include_disabled: bool = False) -> dict:
        """{code: name} of the matters, in menu order (disabled ones only when asked)."""
        order = sorted(self._raw.values(), key=lambda r: (r.get("menu") or {}).get("order", -1))
        return {r["code"]: r["name"] for r in order if include_disabled or r.get("enabled", True)}

    def get(self, code: str) -> "Definition":
        if code not in self._definitions:
            raise NotFound("事项类型不存在", code="MATTER_NOT_FOUND")
        return self._definitions[code]

    def all(self) -> list:
        return [self._definitions[code] for code in self.codes(include_disabled=True)]


class Definition:
    def __init__(self, raw: dict):
        self.raw = raw
        self.code = raw["code"]
        self.name = raw["name"]
        self.enabled = raw.get("enabled", True)
        self.modules = {m["key"]: m for m in raw["modules"]}
        self.attachments = {a["category"]: a for a in raw["attachments"]}

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

    def applies(self, rule: dict, modules: Mapping) -> bool:
        """Whether a module or attachment rule's `when` holds for the declaration's modules."""
        return holds(rule.get("when"), modules)


# The folder's registry, built (and every definition validated) when chalicelib.matters is imported.
REGISTRY = Registry(check=SCHEMA_CHECK)


def get(matter_type: str, include_disabled: bool = False) -> Definition:
    """A matter's definition; matters not yet served by the platform (enabled: false) only when asked."""
    definition = REGISTRY.get(matter_type)
    if not definition.enabled and not include_disabled:
        raise NotFound("事项类型不存在", code="MATTER_NOT_FOUND")
    return definition


DEFAULT_MATTER = "TALENT_GRADING"   # declarations made before ids carried their matter; lists' default


def served_code(value) -> str:
    """A matter_type query parameter: one of the served matters (default 人才分类定级评定), else a
    field error."""
    if value in (None, ""):
        return DEFAULT_MATTER
    if value not in REGISTRY.codes():
        raise ValidationFailed("事项类型不存在或尚未开放", code="VALIDATION_FAILED",
                               details=[{"field": "matter_type", "message": "事项类型：不存在或尚未开放"}])
    return value


def known_code(value) -> str:
    """A matter_type of a reviewing path (lists, results, exports, forms): any matter the registry
    defines, served or closed (enabled: false), so the declarations already made under a matter the
    province has since closed stay reviewable, listed and exported; default 人才分类定级评定."""
    if value in (None, ""):
        return DEFAULT_MATTER
    if value not in REGISTRY.codes(include_disabled=True):
        raise ValidationFailed("事项类型不存在", code="VALIDATION_FAILED",
                               details=[{"field": "matter_type", "message": "事项类型：不存在"}])
    return value


def new_declaration_id(matter_type: str) -> str:
    """A declaration id that names its matter, so a module save finds the definition without a read
    (人才分类定级评定 keeps the bare ids it always had)."""
    hex_id = uuid.uuid4().hex
    return hex_id if matter_type == DEFAULT_MATTER else f"{matter_type}-{hex_id}"


def matter_of(decl_id: str) -> str:
    return decl_id.rsplit("-", 1)[0] if "-" in (decl_id or "") else DEFAULT_MATTER


def for_declaration(decl_id: str) -> "Definition":
    """The definition a declaration id names (a stored declaration's matter stays served even if
    the matter is later closed to new declarations)."""
    return REGISTRY.get(matter_of(decl_id))


# --- declaration state, whatever holds it --------------------------------------------------------

def _attr(item, name, default=None):
    return item.get(name, default) if isinstance(item, Mapping) else getattr(item, name, default)


def _content(modules: Mapping, key: str):
    stored = modules.get(key) if modules else None
    return None if stored is None else _attr(stored, "content")


def _saved(modules: Mapping, key: str) -> bool:
    stored = modules.get(key) if modules else None
    return stored is not None and bool(_attr(stored, "saved_at") or _attr(stored, "saved"))


def holds(condition: Optional[dict], modules: Mapping, record: Optional[dict] = None) -> bool:
    """A `when` condition: the field's value (in its module, or in `record` for the same form)."""
    if not condition:
        return True
    source = record if condition.get("module") is None else _content(modules, condition["module"])
    return isinstance(source, Mapping) and source.get(condition["field"]) in condition["one_of"]


# --- validating content -------------------------------------------------------------------------

def _check_field(field: dict, value, problems: list, where: str, path: str = ""):
    label = f"{where}{field['label']}"
    key = f"{path}{field['key']}"   # "post" in a form, "1.post" in a list's second entry
    if value is None or value == "":
        if field.get("required"):
            problems.append({"field": key, "message": f"{label}：必须填写"})
        return None
    kind = field["type"]
    if kind in ("text", "select", "phone", "date") and not isinstance(value, str):
        problems.append({"field": key, "message": f"{label}：应为文本"})
        return None
    if kind == "text" and len(value) > field.get("max_length", 200):
        problems.append({"field": key,
                         "message": f"{label}：长度不能超过{field.get('max_length', 200)}个字"})
    elif kind == "select" and value not in field["options"]:
        problems.append({"field": key, "message": f"{label}：取值不在可选范围内"})
    elif kind == "phone" and not ids.is_valid_phone(value):
        problems.append({"field": key, "message": f"{label}：手机号码格式不正确"})
    elif kind == "date":
        try:
            day = dt.date.fromisoformat(value)
        except ValueError:
            problems.append({"field": key, "message": f"{label}：日期格式应为YYYY-MM-DD"})
        else:   # what a declaration records has happened (a term's end excepted): 2099 is a typo
            if day > clock.today_local() and not field.get("may_be_future"):
                problems.append({"field": key, "message": f"{label}：不能晚于今天"})
    elif kind == "integer":
        if isinstance(value, bool) or not isinstance(value, int):
            problems.append({"field": key, "message": f"{label}：应为整数"})
        elif not field.get("min", value) <= value <= field.get("max", value):
            problems.append({"field": key,
                             "message": f"{label}：应在{field.get('min')}到{field.get('max')}之间"})
    elif kind == "boolean" and not isinstance(value, bool):
        problems.append({"field": key, "message": f"{label}：应为是或否"})
    return value


def _condition_text(definition: "Definition", condition: dict, own_fields: list) -> str:
    fields = own_fields if condition.get("module") is None else \
        definition.modules[condition["module"]].get("fields", [])
    label = next((f["label"] for f in fields if f["key"] == condition["field"]), condition["field"])
    return f"{label}为“{'、'.join(condition['one_of'])}”"


def _check_record(fields: list, record, problems: list, where: str, keep: tuple = (),
                  definition: Optional["Definition"] = None, modules: Optional[Mapping] = None,
                  path: str = "") -> dict:
    if not isinstance(record, dict):
        problems.append({"field": path.rstrip(".") or where, "message": f"{where}：应为对象"})
        return {}
    known = {f["key"] for f in fields} | set(keep)
    for unknown in sorted(set(record) - known):
        problems.append({"field": f"{path}{unknown}", "message": f"{where}{unknown}：不是可接受的字段"})
    clean = {}
    for field in fields:
        if field.get("derived") or field.get("readonly"):
            continue
        condition = field.get("when")
        if condition and condition.get("module") is not None and modules is None:
            field = {**field, "required": False}   # cross-module condition, other modules unknown here
        elif condition and not holds(condition, modules or {}, record):
            # a conditional field that does not apply: it must stay empty
            if record.get(field["key"]) not in (None, ""):
                problems.append({"field": f"{path}{field['key']}", "message":
                                 f"{where}{field['label']}：仅在{_condition_text(definition, condition, fields)}时填写"})
            continue
        value = _check_field(field, record.get(field["key"]), problems, where, path)
        if value is not None:
            clean[field["key"]] = value
    for field in fields:   # dates that must not precede another (end before start)
        other = field.get("not_before")
        if other and clean.get(field["key"]) and clean.get(other):
            if clean[field["key"]] < clean[other]:
                problems.append({"field": f"{path}{field['key']}",
                                 "message": f"{where}{field['label']}：不能早于开始日期"})
    return clean


def _expert_name(module: dict, n: int, entry) -> str:
    name = entry.get(module["name_field"]) if isinstance(entry, Mapping) else None
    return f"{module['entry_label']}{n}" + (f"（{name}）" if isinstance(name, str) and name else "")


def _ready(definition: "Definition", module: dict, modules: Optional[Mapping]):
    """A module that applies only under a condition, or only after another is saved, cannot be
    edited before (e.g. 破格推荐专家: 基本信息 saved with 破格类别 两名专家推荐破格)."""
    if modules is None:
        return
    fmt = dict(count=module.get("count"), actual=0, expert="", fields="", label="")
    messages = module.get("messages", {})
    needed = module.get("requires_saved")
    if needed and not _saved(modules, needed):
        text = (definition.message(messages["not_saved"].format(**fmt)) if "not_saved" in messages
                else f"请先保存{definition.label(needed)}")
        raise Conflict(text, code="MODULE_NOT_READY")
    if module.get("when") and not holds(module["when"], modules):
        text = (definition.message(messages["not_allowed"].format(**fmt)) if "not_allowed" in messages
                else f"{module['label']}：仅在{_condition_text(definition, module['when'], [])}时填写")
        raise Conflict(text, code="MODULE_NOT_APPLICABLE")


def validate_content(definition: Definition, module_key: str, content, *, modules: Optional[Mapping] = None):
    """Normalize a module's content or raise ValidationFailed listing every problem.

    `modules` (module key -> stored module, anything with `content` and `saved_at`) lets the checks
    that depend on other modules run: cross-module conditions of fields, and whether a conditional
    module may be edited now (Conflict MODULE_NOT_READY / MODULE_NOT_APPLICABLE). Without it only
    the content itself is checked, as before."""
    module = definition.module(module_key)
    problems: list = []
    kind = module["kind"]
    if content not in (None, "", [], {}):      # emptying a module is always allowed
        _ready(definition, module, modules)
    if kind == "form":
        clean = _check_record(module["fields"], content, problems, "",
                              keep=tuple(f["key"] for f in module["fields"]
                                         if f.get("derived") or f.get("readonly")),
                              definition=definition, modules=modules)
    elif kind == "text":
        if not isinstance(content, str):
            problems.append({"field": module_key, "message": f"{module['label']}：应为文本"})
            clean = ""
        else:
            clean = content.strip()
            if len(clean) > module["max_chars"]:
                problems.append({"field": module_key, "message":
                                 f"{module['label']}：填写内容不超过{module['max_chars']}字（当前{len(clean)}字）"})
    else:
        if not isinstance(content, list):
            raise ValidationFailed(f"{module['label']}应为列表", code="VALIDATION_FAILED")
        limit = module["count"] if kind == "experts" else module.get("max_items", 50)
        if len(content) > limit:
            problems.append({"field": module_key,
                             "message": f"{module['label']}：最多{limit}{'名' if kind == 'experts' else '条'}"})
        clean, seen = [], set()
        for n, entry in enumerate(content[:limit]):
            where = (f"{_expert_name(module, n + 1, entry)}·" if kind == "experts"
                     else f"{module['entry_label']}第{n + 1}条·")
            record = _check_record(module["fields"], entry, problems, where, keep=("id",),
                                   definition=definition, modules=modules, path=f"{n}.")
            entry_id = entry.get("id") if isinstance(entry, dict) else None
            if not isinstance(entry_id, str) or not entry_id or len(entry_id) > 40 or entry_id in seen:
                entry_id = uuid.uuid4().hex[:12]
            seen.add(entry_id)
            clean.append({"id": entry_id, **record})
        flag = module.get("single_flag")
        if flag and sum(1 for e in clean if e.get(flag["field"]) is True) > 1:
            problems.append({"field": flag["field"], "message": flag["conflict"]})
    if problems:
        raise ValidationFailed("；".join(p["message"] for p in problems[:5]), details=problems)
    return clean


# --- validating a whole declaration --------------------------------------------------------------

def _verified(attachments: Iterable, category: str, entry_id: Optional[str] = None) -> int:
    return sum(1 for a in attachments
               if _attr(a, "category") == category and _attr(a, "state", "verified") == "verified"
               and (entry_id is None or _attr(a, "entry_id") == entry_id))


def _missing_fields(fields: list, record, modules: Mapping) -> list:
    record = record if isinstance(record, Mapping) else {}
    return [f for f in fields if f.get("required") and record.get(f["key"]) in (None, "", [], {})
            and holds(f.get("when"), modules, record)]   # 0 and False are answers


def _expert_problems(definition: Definition, key: str, module: dict, modules: Mapping,
                     attachments: list, add) -> None:
    entries = _content(modules, key) or []
    messages = module["messages"]
    fmt = dict(count=module["count"], actual=len(entries), expert="", fields="", label="")
    if not definition.applies(module, modules):
        if entries:
            add(key, messages["not_allowed"].format(**fmt))
        return
    if not entries:
        add(key, messages["missing"].format(**fmt))
        return
    if len(entries) != module["count"]:
        add(key, messages["count"].format(**fmt))
    rules = [a for a in definition.attachments_of(key) if a.get("min_count")]
    for n, entry in enumerate(entries[: module["count"]], start=1):
        expert = _expert_name(module, n, entry)
        lacking = _missing_fields(module["fields"], entry, modules)
        if lacking:
            add(key, messages["incomplete"].format(**{**fmt, "expert": expert,
                                                      "fields": "、".join(f["label"] for f in lacking)}))
        entry_id = entry.get("id") if isinstance(entry, Mapping) else None
        for rule in rules:
            if definition.applies(rule, modules) and \
                    (not entry_id or _verified(attachments, rule["category"], entry_id) < rule["min_count"]):
                add(key, messages["attachment_missing"].format(**{**fmt, "expert": expert, "label": rule["label"]}))


def validate_declaration(definition: Definition, modules: Mapping, attachments: Iterable) -> list:
    """数据验证信息: every unmet requirement of a declaration, in the manuals' wording
    (【事项名】模块_内容未填报), as [{"module", "message"}] in the order the app shows modules.

    `modules`: module key -> stored module (a DeclarationModule, or a dict) with `content` and
    `saved_at`; `attachments`: stored attachments (objects or dicts) with `category`, `entry_id` and
    `state` (only "verified" ones count). Conditional requirements (`when`) are evaluated against the
    modules' content: e.g. the experts module is required exactly when 破格类别 = 两名专家推荐破格."""
    attachments = list(attachments)
    modules = modules or {}
    out = []

    def add(module_key, text):
        out.append({"module": module_key, "message": definition.message(text)})

    for key, module in definition.modules.items():
        kind = module["kind"]
        if kind == "experts":
            _expert_problems(definition, key, module, modules, attachments, add)
            continue
        if not definition.applies(module, modules):
            continue
        content = _content(modules, key)
        if kind == "form":
            if not _saved(modules, key) or _missing_fields(module["fields"], content, modules):
                add(key, module["missing"])
            if module.get("photo") and not _verified(attachments, module["photo"]["category"]):
                add(key, module["photo"]["missing"])
        elif kind == "text":
            text = content or ""
            if module.get("required") and not text.strip():
                add(key, module["missing"])
            elif len(text) > module["max_chars"]:
                add(key, module["too_long"])
        else:
            entries = content or []
            if len(entries) < module.get("min_items", 0):
                add(key, module["missing"])
            flag = module.get("single_flag")
            if flag and entries and not any(e.get(flag["field"]) is True for e in entries):
                add(key, flag["missing"])
    for category, rule in definition.attachments.items():
        owner = definition.modules.get(rule["module"])
        if rule.get("reviewer") or (owner and owner["kind"] == "experts") or not rule.get("min_count"):
            continue
        if not definition.applies(rule, modules) or (owner and not definition.applies(owner, modules)):
            continue
        if _verified(attachments, category) < rule["min_count"]:
            add(rule["module"] if owner else "attachments", rule["missing"])
    return out


def public_view(definition: Definition) -> dict:
    """What a client needs to render the forms: modules, fields, required flags, limits, and (for
    matters that have them) the menu, the 条件自检 notes and the review route."""
    raw = definition.raw
    view = {"code": raw["code"], "name": raw["name"], "steps": raw["steps"], "pledge": raw["pledge"],
            "notes": raw.get("notes"), "modules": raw["modules"],
            "attachments": [{**a, "max_bytes": a["max_kb"] * 1024} for a in raw["attachments"]],
            "forms": raw["forms"]}
    for key in ("menu", "description", "self_check"):
        if raw.get(key) is not None:
            view[key] = raw[key]
    review = raw["review"]
    view["review"] = {"results": review["results"], "levels": review.get("levels", []),
                      "report": review.get("report")}
    if review.get("route"):
        view["route"] = review["route"]
    return view
