"""Matter types (事项) the platform handles. Each has a definition (modules, fields, limits,
attachment categories, review route, result words) kept as a JSON file in this package: loading.py
reads and resolves the files (`extends`), schema.py checks them, definition.py answers what code may
ask of a matter (typed accessors), rules.py applies its rules to declarations, and registry.py holds
them all; adding a matter is adding a file.

MATTER_CODES ({code: name}, in menu order) lists the matters the platform serves. A definition with
"enabled": false is loaded and validated but not offered (no notices, no new declarations, not in
the menu); `registry.REGISTRY.codes(include_disabled=True)` lists them all."""
from chalicelib.matters.registry import DEFAULT_MATTER as TALENT_GRADING, REGISTRY  # noqa: E402,F401

MATTER_CODES = REGISTRY.codes()
