"""A matter type's definition (modules, fields, limits, attachment categories), read from JSON,
and the generic validation of module content against it.

Adding a matter type (e.g. 职称评审 with 破格 and two recommending experts) means writing another
JSON file; nothing here is specific to 人才分类定级评定.
"""
import datetime as dt
import functools
import json
import os
import uuid

from chalicelib import identifiers as ids
from chalicelib.errors import NotFound, ValidationFailed
from chalicelib.matters import MATTER_CODES

_FILES = {"TALENT_GRADING": "talent_grading.json"}
NON_FORM_MODULES = ("attachments",)   # the 附件上传 step: editable like a module, no content


class Definition:
    def __init__(self, raw: dict):
        self.raw = raw
        self.code = raw["code"]
        self.name = raw["name"]
        self.modules = {m["key"]: m for m in raw["modules"]}
        self.attachments = {a["category"]: a for a in raw["attachments"]}

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

    def label(self, module_key: str) -> str:
        return "附件材料" if module_key == "attachments" else self.modules[module_key]["label"]

    def message(self, text: str) -> str:
        """Validation wording of the manuals: 【人才分类定级评定】荣誉奖励_荣誉（奖励）信息未填报."""
        return f"【{self.name}】{text}"

    def empty(self, module_key: str):
        kind = self.modules[module_key]["kind"] if module_key in self.modules else "none"
        return {"form": {}, "list": [], "text": ""}.get(kind)


@functools.lru_cache(maxsize=None)
def get(matter_type: str) -> Definition:
    if matter_type not in MATTER_CODES:
        raise NotFound("事项类型不存在", code="MATTER_NOT_FOUND")
    path = os.path.join(os.path.dirname(__file__), _FILES[matter_type])
    with open(path, encoding="utf-8") as fh:
        return Definition(json.load(fh))


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
            dt.date.fromisoformat(value)
        except ValueError:
            problems.append({"field": key, "message": f"{label}：日期格式应为YYYY-MM-DD"})
    elif kind == "integer":
        if isinstance(value, bool) or not isinstance(value, int):
            problems.append({"field": key, "message": f"{label}：应为整数"})
        elif not field.get("min", value) <= value <= field.get("max", value):
            problems.append({"field": key,
                             "message": f"{label}：应在{field.get('min')}到{field.get('max')}之间"})
    elif kind == "boolean" and not isinstance(value, bool):
        problems.append({"field": key, "message": f"{label}：应为是或否"})
    return value


def _check_record(fields: list, record, problems: list, where: str, keep: tuple = (), path: str = "") -> dict:
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


def validate_content(definition: Definition, module_key: str, content):
    """Normalize a module's content or raise ValidationFailed listing every problem."""
    module = definition.module(module_key)
    problems: list = []
    kind = module["kind"]
    if kind == "form":
        clean = _check_record(module["fields"], content, problems, "",
                              keep=tuple(f["key"] for f in module["fields"]
                                         if f.get("derived") or f.get("readonly")))
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
        if len(content) > module.get("max_items", 50):
            problems.append({"field": module_key,
                             "message": f"{module['label']}：最多{module.get('max_items', 50)}条"})
        clean, seen = [], set()
        for n, entry in enumerate(content[: module.get("max_items", 50)]):
            where = f"{module['entry_label']}第{n + 1}条·"
            record = _check_record(module["fields"], entry, problems, where, keep=("id",), path=f"{n}.")
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


def public_view(definition: Definition) -> dict:
    """What a client needs to render the forms: modules, fields, required flags, limits."""
    raw = definition.raw
    return {"code": raw["code"], "name": raw["name"], "steps": raw["steps"], "pledge": raw["pledge"],
            "notes": raw.get("notes"), "modules": raw["modules"],
            "attachments": [{**a, "max_bytes": a["max_kb"] * 1024} for a in raw["attachments"]],
            "forms": raw["forms"]}
