"""Loading matter definitions: the JSON files of a folder, `extends` (a definition builds on another
file, e.g. a `_base*.json` that is not a matter itself) and `omit` resolved, each result checked
against schema.py when asked (see registry.SCHEMA_CHECK). Nothing here knows what a matter means.
"""
import json
import os
from typing import Optional

IDENTITY_KEYS = ("key", "category")    # how entries of keyed lists are matched when merging


class DefinitionError(Exception):
    """A matter definition file is broken; the message names the file and the place in it."""


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



def read_folder(folder: str) -> dict:
    """{stem: parsed JSON} of every *.json file in the folder."""
    files = {}
    for name in sorted(os.listdir(folder)):
        if name.endswith(".json"):
            path = os.path.join(folder, name)
            try:
                with open(path, encoding="utf-8") as fh:
                    files[name[:-5]] = json.load(fh)
            except (OSError, ValueError) as exc:
                raise DefinitionError(f"{path}: not readable JSON: {exc}") from exc
    return files


def load_folder(folder: str, check: bool = True) -> list:
    """[(path, resolved definition)] of every matter in the folder (files starting with "_" are bases
    to extend, not matters), each its own tree, checked against the schema when `check`."""
    files = read_folder(folder)
    out = []
    for stem in files:
        if stem.startswith("_"):
            continue
        raw = _fresh(_resolve(folder, files, stem, ()))
        path = os.path.join(folder, stem + ".json")
        if check:
            _check(raw, path)
        out.append((path, raw))
    return out


def _resolve(folder: str, files: dict, stem: str, seen: tuple) -> dict:
    source = os.path.join(folder, stem + ".json")
    if stem in seen:
        raise DefinitionError(f"{source}: extends forms a cycle: {' -> '.join(seen + (stem,))}")
    if stem not in files:
        raise DefinitionError(f"{os.path.join(folder, seen[-1] + '.json')}: extends unknown file {stem!r}")
    if not isinstance(files[stem], dict):
        raise DefinitionError(f"{source}: a definition is a JSON object")
    raw = dict(files[stem])     # merge never mutates its inputs; subtrees may be shared
    parent = raw.pop("extends", None)
    omit = raw.pop("omit", [])
    if parent is not None:
        try:
            raw = merge(_resolve(folder, files, parent, seen + (stem,)), raw)
        except DefinitionError as exc:
            if exc.args[0].startswith("'after'"):
                raise DefinitionError(f"{source}: {exc}") from None
            raise
    if omit:
        raw = _fresh(raw)
        for path in omit:
            _omit(raw, path, source)
    return raw
