"""Spreadsheets written row by row with xlsxwriter's constant_memory mode: memory stays flat
whatever the row count (rows are flushed to a temp file as they are written).

Formula injection (OWASP "CSV Injection"): xlsxwriter's `write()` turns a string that starts with
`=` into a live formula, so a name like `=HYPERLINK(...)` became a link in the 一览表. Every text
cell here goes through `write_string`, and text that a spreadsheet program would read as a formula
when re-typed or saved as CSV (a leading = + - @, tab or carriage return, also their full-width
forms) gets a leading apostrophe, as the OWASP guidance says.
"""
import numbers

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")

SUMMARY_COLUMNS = ("序号", "姓名", "证件号码", "推荐单位", "申请评定级别", "人员类别", "申报日期", "业务状态")
RESULT_COLUMNS = ("序号", "姓名", "证件号码", "推荐单位", "申请评定等级", "人才认定分类", "申报日期",
                  "业务标志", "评定状态", "评审后评定级别")


def summary_columns(definition) -> tuple:
    """序号 姓名 证件号码 推荐单位, the matter's own 申报 fields (definition.summary_fields), 申报日期
    业务状态 (人才分类定级评定: SUMMARY_COLUMNS)."""
    return SUMMARY_COLUMNS[:4] + tuple(label for _, label in definition.summary_fields) + SUMMARY_COLUMNS[-2:]


def result_columns(definition) -> tuple:
    """Results export columns: 人才认定分类 only for a matter that has it; 申请…级别 as the matter
    labels it; the granted level as the matter names it (definition.level_label)."""
    if definition.has_talent_category:
        return RESULT_COLUMNS[:-1] + (definition.level_label,)
    return ("序号", "姓名", "证件号码", "推荐单位", definition.applied_level_label, "申报日期", "业务标志", "评定状态",
            definition.level_label)


def write_rows(path: str, sheet: str, title: str, columns, rows, progress=None) -> int:
    """Write an iterable of row tuples to an XLSX file at path; returns the row count."""
    import xlsxwriter

    book = xlsxwriter.Workbook(path, {"constant_memory": True, "in_memory": False})
    ws = book.add_worksheet(sheet)
    head = book.add_format({"bold": True, "bg_color": "#F2F2F2", "border": 1})
    title_fmt = book.add_format({"bold": True, "font_size": 14})
    ws.write_string(0, 0, neutralize(title), title_fmt)
    for col, name in enumerate(columns):
        ws.write_string(1, col, neutralize(name), head)
        ws.set_column(col, col, 18 if col not in (0,) else 6)
    count = 0
    for count, row in enumerate(rows, start=1):
        ws.write_number(count + 1, 0, count)
        for col, value in enumerate(row, start=1):
            write_cell(ws, count + 1, col, value)
        if progress and count % 1000 == 0:
            progress(count)
    book.close()
    return count


def neutralize(text: str) -> str:
    """Text that cannot be read as a formula: a leading apostrophe before = + - @ tab CR."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def write_cell(ws, row: int, col: int, value) -> None:
    """Numbers stay numbers, nothing stays blank, everything else is a string cell."""
    if value is None or value == "":
        ws.write_blank(row, col, None)
    elif isinstance(value, numbers.Real) and not isinstance(value, bool):
        ws.write_number(row, col, value)
    else:
        ws.write_string(row, col, neutralize(str(value)))
