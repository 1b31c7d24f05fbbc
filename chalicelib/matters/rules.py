"""The rules a matter's definition states, applied to a declaration: `when` conditions, a module's
content (validate_content, at each save) and a whole declaration (validate_declaration, the 数据校验
list in the manuals' wording). Nothing here is specific to one matter: every rule is read from the
definition (definition.Definition).
"""
import datetime as dt
import uuid
from typing import Iterable, Mapping, Optional

from chalicelib import clock
from chalicelib import identifiers as ids
from chalicelib.errors import Conflict, ValidationFailed

# --- declaration state, whatever holds it --------------------------------------------------------

def _attr(item, name, default=None):
    return item.get(name, default) if isinstance(item, Mapping) else getattr(item, name, default)


def content_of(modules: Mapping, key: str):
    stored = modules.get(key) if modules else None
    return None if stored is None else _attr(stored, "content")


def _saved(modules: Mapping, key: str) -> bool:
    stored = modules.get(key) if modules else None
    return stored is not None and bool(_attr(stored, "saved_at") or _attr(stored, "saved"))


def holds(condition: Optional[dict], modules: Mapping, record: Optional[dict] = None) -> bool:
    """A `when` condition: the field's value (in its module, or in `record` for the same form)."""
    if not condition:
        return True
    source = record if condition.get("module") is None else content_of(modules, condition["module"])
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
    elif kind == "select" and field.get("accepted") and value not in field["accepted"]:
        problems.append({"field": key, "message": f"{label}：{field['refused']}"})
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


def _condition_text(definition: "definition.Definition", condition: dict, own_fields: list) -> str:
    fields = own_fields if condition.get("module") is None else \
        definition.modules[condition["module"]].get("fields", [])
    label = next((f["label"] for f in fields if f["key"] == condition["field"]), condition["field"])
    return f"{label}为“{'、'.join(condition['one_of'])}”"


def _check_record(fields: list, record, problems: list, where: str, keep: tuple = (),
                  definition: Optional["definition.Definition"] = None, modules: Optional[Mapping] = None,
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


def _ready(definition: "definition.Definition", module: dict, modules: Optional[Mapping]):
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


def validate_content(definition: "definition.Definition", module_key: str, content, *, modules: Optional[Mapping] = None):
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


def _expert_problems(definition: "definition.Definition", key: str, module: dict, modules: Mapping,
                     attachments: list, add) -> None:
    entries = content_of(modules, key) or []
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
        if any(f.get("accepted") and entry.get(f["key"]) not in (None, "") and entry.get(f["key"]) not in f["accepted"]
               for f in module["fields"] if isinstance(entry, Mapping)):
            add(key, messages["not_accepted"].format(**{**fmt, "expert": expert}))
        entry_id = entry.get("id") if isinstance(entry, Mapping) else None
        for rule in rules:
            if definition.applies(rule, modules) and \
                    (not entry_id or _verified(attachments, rule["category"], entry_id) < rule["min_count"]):
                add(key, messages["attachment_missing"].format(**{**fmt, "expert": expert, "label": rule["label"]}))


def validate_declaration(definition: "definition.Definition", modules: Mapping, attachments: Iterable) -> list:
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
        content = content_of(modules, key)
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

