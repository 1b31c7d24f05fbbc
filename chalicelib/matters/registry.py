"""The registry of matters: every definition in this folder, loaded (loading.py) and wrapped in its
typed Definition (definition.py) when chalicelib.matters is imported; lookups by code and by
declaration id.

Adding a matter type is writing another JSON file here. Every definition is checked against the
schema (schema.py) when the registry is built, at import, in the local stage: tests, CI and
`./dev up` fail at once on a broken file. A deployed package holds the very files CI checked and
cannot change them, so the dev/prod stages skip the check: importing pydantic and building its
models would cost a Lambda ~0.5 s per cold start (bench/cold_start.py: ratio 1.84 with the check,
1.16 without, target <= 1.3). MATTER_SCHEMA_CHECK=1/0 overrides.
"""
import os
import uuid

from chalicelib import config
from chalicelib.errors import NotFound, ValidationFailed
from chalicelib.matters.definition import Definition
from chalicelib.matters.loading import DefinitionError, load_folder

FOLDER = os.path.dirname(__file__)
SCHEMA_CHECK = config.MATTER_SCHEMA_CHECK
DEFAULT_MATTER = "TALENT_GRADING"   # declarations made before ids carried their matter; lists' default


class Registry:
    """Every matter definition in a folder, resolved and validated when the registry is made."""

    def __init__(self, folder: str = FOLDER, check: bool = True):
        self.folder = folder
        self._definitions: dict = {}
        for path, raw in load_folder(folder, check):
            if raw.get("code") in self._definitions:
                raise DefinitionError(f"{path}: matter code {raw['code']} is defined twice")
            self._definitions[raw.get("code")] = Definition(raw)

    def codes(self, include_disabled: bool = False) -> dict:
        """{code: name} of the matters, in menu order (disabled ones only when asked)."""
        order = sorted(self._definitions.values(), key=lambda d: (d.raw.get("menu") or {}).get("order", -1))
        return {d.code: d.name for d in order if include_disabled or d.enabled}

    def get(self, code: str) -> Definition:
        if code not in self._definitions:
            raise NotFound("事项类型不存在", code="MATTER_NOT_FOUND")
        return self._definitions[code]

    def all(self) -> list:
        return [self._definitions[code] for code in self.codes(include_disabled=True)]


# The folder's registry, built (and every definition validated) when chalicelib.matters is imported.
REGISTRY = Registry(check=SCHEMA_CHECK)


def get(matter_type: str, include_disabled: bool = False) -> Definition:
    """A matter's definition; matters not yet served by the platform (enabled: false) only when asked."""
    definition = REGISTRY.get(matter_type)
    if not definition.enabled and not include_disabled:
        raise NotFound("事项类型不存在", code="MATTER_NOT_FOUND")
    return definition


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


def for_declaration(decl_id: str) -> Definition:
    """The definition a declaration id names (a stored declaration's matter stays served even if
    the matter is later closed to new declarations)."""
    return REGISTRY.get(matter_of(decl_id))


def result_words(matter_type: str):
    """评定状态 words of a matter (served or closed): definition.Results."""
    return get(matter_type, include_disabled=True).results
