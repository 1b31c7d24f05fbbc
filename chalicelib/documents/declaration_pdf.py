"""享受人才分类定级待遇对象评定申报表: the whole declaration laid out as a government form.

Chinese text uses reportlab's built-in CID font STSong-Light (no font file to ship or download).
"""
import io

from chalicelib.clock import beijing
from chalicelib.matters.definition import DECLARATION_FORM

FONT = "STSong-Light"


def _styles():
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    base = ParagraphStyle("cell", fontName=FONT, fontSize=9.5, leading=13, wordWrap="CJK")
    return {
        "title": ParagraphStyle("title", parent=base, fontSize=16, leading=22, alignment=1, spaceAfter=10),
        "h": ParagraphStyle("h", parent=base, fontSize=11.5, leading=16, spaceBefore=8, spaceAfter=4),
        "cell": base,
        "small": ParagraphStyle("small", parent=base, fontSize=8.5, leading=11),
    }


def _esc(value) -> str:
    from xml.sax.saxutils import escape

    return escape("" if value is None else str(value))


def render(view: dict, definition, photo: bytes | None = None) -> bytes:
    """PDF bytes for a declaration view (aggregate.full_view) and its definition."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    st = _styles()
    P = lambda text, style="cell": Paragraph(_esc(text), st[style])  # noqa: E731
    grid = TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                       ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                       ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#f2f2f2"))])
    title = definition.form_label(DECLARATION_FORM)
    story = [P(title, "title"),
             P(f"申报通知：{view['notice_title']}　　推荐单位：{view['unit_name']}", "small"), Spacer(1, 4)]

    identity = definition.identity_form
    basic_def = definition.modules[identity]
    basic = view["modules"][identity]["content"] or {}
    rows = [[P(f["label"]), P(_display(basic.get(f["key"])))] for f in basic_def["fields"]]
    photo_cell = P("近期照片（未上传）")
    if photo:
        photo_cell = Image(io.BytesIO(photo), width=30 * mm, height=40 * mm, kind="proportional")
    table = Table([[r[0], r[1], photo_cell if i == 0 else ""] for i, r in enumerate(rows)],
                  colWidths=[32 * mm, 100 * mm, 38 * mm])
    table.setStyle(grid)
    table.setStyle(TableStyle([("SPAN", (2, 0), (2, len(rows) - 1)), ("ALIGN", (2, 0), (2, 0), "CENTER")]))
    story += [P(basic_def["label"], "h"), table]

    for key, module in definition.modules.items():
        if key == identity:
            continue
        content = view["modules"].get(key, {}).get("content")
        story.append(P(module["label"], "h"))
        if module["kind"] == "text":
            story.append(Table([[P(content or "（未填写）")]], colWidths=[170 * mm], style=grid))
            continue
        if module["kind"] == "form":       # label : value, like 基本信息
            record = content if isinstance(content, dict) else {}
            story.append(Table([[P(f["label"]), P(_display(record.get(f["key"])))] for f in module["fields"]],
                               colWidths=[50 * mm, 120 * mm], style=grid))
            continue
        # list modules (and 破格推荐专家) as tables: one row per entry
        fields = [f for f in module["fields"]]
        header = [P(f["label"]) for f in fields]
        body = [[P(_display(entry.get(f["key"]))) for f in fields] for entry in (content or [])]
        if not body:
            body = [[P("（未填写）")] + [""] * (len(fields) - 1)]
        t = Table([header] + body, colWidths=[170 * mm / len(fields)] * len(fields), repeatRows=1)
        t.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                               ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f2f2f2"))]))
        story.append(t)

    story.append(P("附件材料", "h"))
    labels = {c: a["label"] for c, a in definition.attachments.items()}
    # Only what was accepted (verified) is part of the declaration: pending or rejected uploads
    # never appear on the form.
    accepted = [a for a in view["attachments"]
                if a["category"] != definition.report.category and a["state"] == "verified"]
    att_rows = [[P("类别"), P("文件名"), P("上传时间")]] + [
        [P(labels.get(a["category"], a["category"])), P(a["file_name"]), P(beijing(a.get("created_at")))]
        for a in accepted]
    if not accepted:
        att_rows.append([P("（无）"), "", ""])
    t = Table(att_rows, colWidths=[55 * mm, 85 * mm, 30 * mm], repeatRows=1)
    t.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                           ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f2f2f2"))]))
    story.append(t)

    story += [P("诚信承诺", "h"), P(definition.pledge),
              P(f"承诺时间：{beijing(view.get('pledge_accepted_at')) or '未承诺'}"
                f"　　提交时间：{beijing(view.get('submitted_at')) or '未提交'}"
                f"　　业务状态：{view['status_label']}", "small")]
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=20 * mm, rightMargin=20 * mm,
                            topMargin=18 * mm, bottomMargin=18 * mm, title=title,
                            author="吉林省人力资源和社会保障厅")
    doc.build(story)
    return out.getvalue()


def _display(value) -> str:
    if value is True:
        return "是"
    if value is False:
        return "否"
    return "" if value is None else str(value)
