"""A complete declaration made from a matter definition itself: a sample value for each field, each
module as stored, and the attachments every requirement asks for (verified)."""
from chalicelib.matters import rules

SAVED = "2026-11-26T08:00:00.000Z"
PHONE = "13912345678"


def sample(field: dict):
    kind = field["type"]
    if kind == "select":
        return field["options"][0]
    return {"text": "测试内容", "phone": PHONE, "date": "2020-01-01", "boolean": True,
            "integer": field.get("min", 1) if field.get("min", 1) <= field.get("max", 1) else field["min"]}[kind]


def fill(fields: list, overrides: dict | None = None) -> dict:
    record = dict(overrides or {})
    for field in fields:
        if field.get("derived") or field.get("readonly") or field["key"] in record:
            continue
        if rules.holds(field.get("when"), {}, record):
            record[field["key"]] = sample(field)
    return record


def stored(content, saved=True):
    return {"content": content, "saved_at": SAVED if saved else None}


def complete(d, basic=None, experts=None) -> tuple:
    """(modules, attachments) of a declaration that meets every requirement of `d`."""
    modules = {}
    for key, module in d.modules.items():
        if not d.applies(module, modules):
            continue
        if module["kind"] == "form":
            modules[key] = stored(fill(module["fields"], basic if key == "basic" else None))
        elif module["kind"] == "text":
            modules[key] = stored("工作总结" * 10)
        elif module["kind"] == "list":
            entries = [{"id": f"{key}{n}", **fill(module["fields"])} for n in range(max(1, module.get("min_items", 0)))]
            flag = module.get("single_flag")
            for n, entry in enumerate(entries):
                if flag:
                    entry[flag["field"]] = n == 0
            modules[key] = stored(entries)
    attachments = []
    for category, rule in d.attachments.items():
        if rule.get("reviewer"):
            continue
        if rule["module"] in d.modules and d.modules[rule["module"]]["kind"] == "experts":
            continue
        entries = [e["id"] for e in modules[rule["module"]]["content"]] if rule.get("per_entry") else [None]
        for entry_id in entries:
            attachments += [{"category": category, "entry_id": entry_id, "state": "verified"}
                            for _ in range(max(1, rule.get("min_count", 0)))]
    if experts is not None:
        modules["experts"] = stored(experts)
        for expert in experts:
            for rule in d.attachments_of("experts"):
                attachments.append({"category": rule["category"], "entry_id": expert["id"], "state": "verified"})
    return modules, attachments
