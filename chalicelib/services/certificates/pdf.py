"""The certificate PDF: A4 landscape, Chinese text in an embedded font, Beijing date, number,
check code and the QR code (vector squares, no image library).

Font: WenQuanYi Micro Hei (chalicelib/fonts/wqy-microhei.ttc, Apache-2.0, from Debian's
fonts-wqy-microhei), a TrueType collection reportlab embeds as a subset (only the glyphs used;
~20 KB per certificate). reportlab's CID font STSong-Light is not embedded, so a reader without
that font would substitute another: a certificate must look the same everywhere.
"""
import io
import os

FONT = "CertHei"
FONT_FILE = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(__file__))), "fonts", "wqy-microhei.ttc")


def _font():
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(FONT, FONT_FILE, subfontIndex=0))
    return FONT


def _qr(c, text: str, x: float, y: float, size: float):
    import segno

    qr = segno.make(text, error="m", micro=False)
    matrix = [list(row) for row in qr.matrix_iter(border=2)]
    cell = size / len(matrix)
    c.setFillColorRGB(1, 1, 1)
    c.rect(x, y, size, size, stroke=0, fill=1)
    c.setFillColorRGB(0, 0, 0)
    for r, row in enumerate(matrix):
        for col, dark in enumerate(row):
            if dark:
                c.rect(x + col * cell, y + size - (r + 1) * cell, cell, cell, stroke=0, fill=1)


def render(view: dict, spec, qr_text: str) -> bytes:
    """`view`: name, id_number (masked), unit, grant, committee, authority, date (Beijing,
    YYYY年MM月DD日), number, check_code, sentence; `spec`: the matter's CertificateSpec."""
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.pdfgen import canvas

    font = _font()
    out = io.BytesIO()
    width, height = landscape(A4)
    c = canvas.Canvas(out, pagesize=(width, height), invariant=1)
    c.setTitle(spec.title)
    c.setAuthor(view["authority"])
    c.setStrokeColorRGB(0.62, 0.12, 0.12)
    c.setLineWidth(3)
    c.rect(28, 28, width - 56, height - 56)
    c.setLineWidth(1)
    c.rect(36, 36, width - 72, height - 72)
    c.setFillColorRGB(0.62, 0.12, 0.12)
    c.setFont(font, 30)
    c.drawCentredString(width / 2, height - 100, spec.title)
    c.setFillColorRGB(0, 0, 0)
    c.setFont(font, 15)
    c.drawCentredString(width / 2, height - 145, view["sentence"])
    y = height - 195
    for field in spec.fields:
        value = view.get(field) or ""
        c.setFont(font, 12)
        c.drawRightString(250, y, f"{spec.label(field)}：")
        c.setFont(font, 13)
        c.drawString(258, y, value)
        y -= 26
    c.setFont(font, 12)
    c.drawRightString(250, y, "查验码：")
    c.drawString(258, y, view["check_code"])
    qr_size = 150
    _qr(c, qr_text, width - 90 - qr_size, 70, qr_size)
    c.setFont(font, 9)
    c.drawCentredString(width - 90 - qr_size / 2, 58, "扫码查验（离线亦可验证）")
    c.drawString(60, 58, "本证书经电子签名，可凭证书编号和查验码在线查验，或上传本文件核验是否为原件。")
    c.showPage()
    c.save()
    return out.getvalue()
