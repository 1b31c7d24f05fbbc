"""Spreadsheets written row by row with xlsxwriter's constant_memory mode: memory stays flat
whatever the row count (rows are flushed to a temp file as they are written)."""

SUMMARY_COLUMNS = ("序号", "姓名", "证件号码", "推荐单位", "申请评定级别", "人员类别", "申报日期", "业务状态")
RESULT_COLUMNS = ("序号", "姓名", "证件号码", "推荐单位", "申请评定等级", "人才认定分类", "申报日期",
                  "业务标志", "评定状态", "评审后评定级别")


def write_rows(path: str, sheet: str, title: str, columns, rows, progress=None) -> int:
    """Write an iterable of row tuples to an XLSX file at path; returns the row count."""
    import xlsxwriter

    book = xlsxwriter.Workbook(path, {"constant_memory": True, "in_memory": False})
    ws = book.add_worksheet(sheet)
    head = book.add_format({"bold": True, "bg_color": "#F2F2F2", "border": 1})
    title_fmt = book.add_format({"bold": True, "font_size": 14})
    ws.write(0, 0, title, title_fmt)
    for col, name in enumerate(columns):
        ws.write(1, col, name, head)
        ws.set_column(col, col, 18 if col not in (0,) else 6)
    count = 0
    for count, row in enumerate(rows, start=1):
        ws.write(count + 1, 0, count)
        for col, value in enumerate(row, start=1):
            ws.write(count + 1, col, value)
        if progress and count % 1000 == 0:
            progress(count)
    book.close()
    return count
