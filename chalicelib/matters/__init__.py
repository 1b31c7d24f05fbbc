"""Matter types (事项) the platform handles. Each has a definition (modules, fields, limits,
attachment categories) kept as data in this package; only 人才分类定级评定 ships now."""
TALENT_GRADING = "TALENT_GRADING"

MATTER_CODES = {TALENT_GRADING: "人才分类定级评定"}
