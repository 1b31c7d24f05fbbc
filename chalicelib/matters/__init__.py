"""Matter types (事项) the platform handles. Each has a definition (modules, fields, limits,
attachment categories, review route) kept as a JSON file in this package and discovered by the
registry in definition.py; adding a matter is adding a file.

MATTER_CODES ({code: name}, in menu order) lists the matters the platform serves: 人才分类定级评定
and the 职称 matters. A definition with "enabled": false is loaded and validated but not offered
(no notices, no new declarations, not in the menu); `definition.REGISTRY.codes(include_disabled=True)`
lists them all."""
TALENT_GRADING = "TALENT_GRADING"

from chalicelib.matters.definition import REGISTRY  # noqa: E402  (builds and validates every definition)

MATTER_CODES = REGISTRY.codes()
