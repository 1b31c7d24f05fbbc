"""Issue 28 item 1: PDFs with active content are disarmed (rebuilt without it) and the rebuild is what
is stored; clean PDFs (a scanned certificate with an embedded font) are stored byte for byte, judged
from ranged reads. Each test of active content failed on the code before the fix (stored as uploaded)."""
import io
import zlib

import pytest

from chalicelib.uploads import pdf_cdr
from tests.unit.uploads.conftest import BUCKET
from tests.unit.uploads.test_verify import KB, exists, get, put, run

EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64 + b"This program cannot be run in DOS mode"
ZIP = (b"PK\x03\x04\x14\x00\x00\x00\x00\x00" + b"\x00" * 16 + b"\x05\x00\x00\x00evil!" +
       b"PK\x05\x06" + b"\x00" * 18)
FONT = b"\x00\x01\x00\x00" + b"glyf" * 64                 # stands for an embedded TrueType program


def build(catalog_extra=b"", page_extra=b"", extra_objects=(), trailing=b"", pages=1, contents=b"4 0 R") -> bytes:
    """A scanned certificate: page(s) with an image, text in an embedded font; optional active content.
    Objects 1-7 are fixed; extra objects are numbered from 8."""
    image = zlib.compress(bytes(range(256)) * 16)          # 64×64 grey, Flate
    content = b"q 200 0 0 200 0 0 cm /Im1 Do Q BT /F1 12 Tf 20 220 Td (Certificate) Tj ET"
    kids = b" ".join(b"%d 0 R" % (3 if n == 0 else 100 + n) for n in range(pages))
    objects = {
        1: b"<< /Type /Catalog /Pages 2 0 R " + catalog_extra + b" >>",
        2: b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % pages,
        3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 240 260] /Contents " + contents + b" "
           b"/Resources << /XObject << /Im1 5 0 R >> /Font << /F1 6 0 R >> >> " + page_extra + b" >>",
        4: b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        5: b"<< /Type /XObject /Subtype /Image /Width 64 /Height 64 /ColorSpace /DeviceGray /BitsPerComponent 8 "
           b"/Filter /FlateDecode /Length %d >>\nstream\n" % len(image) + image + b"\nendstream",
        6: b"<< /Type /Font /Subtype /TrueType /BaseFont /ABCDEF+SimSun /FirstChar 32 /LastChar 126 "
           b"/FontDescriptor 7 0 R >>",
        7: b"<< /Type /FontDescriptor /FontName /ABCDEF+SimSun /Flags 4 /FontBBox [0 0 1000 1000] /ItalicAngle 0 "
           b"/Ascent 900 /Descent -100 /CapHeight 700 /StemV 80 /FontFile2 9 0 R >>",
        9: b"<< /Length %d >>\nstream\n" % len(FONT) + FONT + b"\nendstream",
    }
    for n in range(1, pages):
        objects[100 + n] = (b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 240 260] /Contents 4 0 R "
                            b"/Resources << /XObject << /Im1 5 0 R >> /Font << /F1 6 0 R >> >> >>")
    for n, body in enumerate(extra_objects, start=10):
        objects[n] = body
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for n, body in sorted(objects.items()):
        offsets[n] = out.tell()
        out.write(b"%d 0 obj\n" % n + body + b"\nendobj\n")
    size = max(objects) + 1
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % size)
    for n in range(1, size):
        out.write(b"%010d 00000 n \n" % offsets[n] if n in offsets else b"0000000000 65535 f \n")
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (size, xref))
    return out.getvalue() + trailing


JS = b"<< /S /JavaScript /JS (app.alert('x'); this.exportDataObject({cName: 'a.exe', nLaunch: 2});) >>"
CASES = {
    "openaction_javascript": dict(catalog_extra=b"/OpenAction 10 0 R", extra_objects=[JS]),
    "launch_cmd": dict(catalog_extra=b"/OpenAction << /S /Launch /Win << /F (cmd.exe) /P (/c calc) >> >>"),
    "embedded_exe": dict(catalog_extra=b"/Names << /EmbeddedFiles << /Names [(a.exe) 10 0 R] >> >>",
                         extra_objects=[b"<< /Type /Filespec /F (a.exe) /EF << /F 11 0 R >> >>",
                                        b"<< /Type /EmbeddedFile /Length %d >>\nstream\n" % len(EXE) + EXE +
                                        b"\nendstream"]),
    "openaction_uri_beacon": dict(catalog_extra=b"/OpenAction << /S /URI /URI (http://evil.example/beacon) >>"),
    "page_additional_actions": dict(page_extra=b"/AA << /O << /S /JavaScript /JS (app.launchURL('x')) >> >>"),
    "catalog_additional_actions": dict(catalog_extra=b"/AA << /WC << /S /JavaScript /JS (1) >> >>"),
    "javascript_name_tree": dict(catalog_extra=b"/Names << /JavaScript << /Names [(init) 10 0 R] >> >>",
                                 extra_objects=[JS]),
    "hex_escaped_name": dict(catalog_extra=b"/OpenAction << /S /J#61vaScript /JS (app.alert(1)) >>"),
    "link_annotation_launch": dict(page_extra=b"/Annots [10 0 R]", extra_objects=[
        b"<< /Type /Annot /Subtype /Link /Rect [0 0 240 260] /A << /S /Launch /F (cmd.exe) >> >>"]),
    "file_attachment_annotation": dict(page_extra=b"/Annots [10 0 R]", extra_objects=[
        b"<< /Type /Annot /Subtype /FileAttachment /Rect [0 0 20 20] /FS 11 0 R >>",
        b"<< /Type /Filespec /F (a.exe) /EF << /F 12 0 R >> >>",
        b"<< /Type /EmbeddedFile /Length %d >>\nstream\n" % len(EXE) + EXE + b"\nendstream"]),
    "zip_after_eof": dict(trailing=ZIP),
}
BAD_TOKENS = [b"/JavaScript", b"/JS", b"/Launch", b"/EmbeddedFile", b"/OpenAction", b"/AA", b"/URI", b"cmd.exe",
              b"evil.example", b"This program cannot", b"PK\x05\x06", b"app.alert", b"/FileAttachment"]


def _has_font_and_image(data: bytes):
    from pypdf import PdfReader

    page = PdfReader(io.BytesIO(data)).pages[0]
    font = page["/Resources"]["/Font"]["/F1"].get_object()
    assert font["/FontDescriptor"]["/FontFile2"].get_object().get_data() == FONT
    image = page["/Resources"]["/XObject"]["/Im1"].get_object()
    assert image["/Width"] == 64 and len(image.get_data()) == 64 * 64
    assert b"Certificate" in page.get_contents().get_data()


@pytest.mark.parametrize("case", sorted(CASES))
def test_active_content_is_removed_and_the_rebuild_is_what_is_stored(mock_s3, case):
    data = build(**CASES[case])
    put(mock_s3, "in/a.pdf", data, "application/pdf")
    v = run(mock_s3, "in/a.pdf", "application/pdf", dest_key="ok/a.pdf")
    assert v.ok and v.disarmed, v
    assert "已移除PDF中的" in v.message
    stored = get(mock_s3, "ok/a.pdf")
    assert stored != data and v.size == len(stored) and not exists(mock_s3, "in/a.pdf")
    for token in BAD_TOKENS:
        assert token not in stored, (case, token)
    assert stored.rstrip().endswith(b"%%EOF")
    _has_font_and_image(stored)                            # what reviewers need is all there
    from pypdf import PdfReader

    assert pdf_cdr.active_content(PdfReader(io.BytesIO(stored))) == set()
    again = run(mock_s3, "ok/a.pdf", "application/pdf")    # idempotent: the rebuild is clean
    assert again.ok and not again.disarmed and get(mock_s3, "ok/a.pdf") == stored


def test_the_verdict_names_what_was_removed(mock_s3):
    put(mock_s3, "in/a.pdf", build(**CASES["embedded_exe"]), "application/pdf")
    assert run(mock_s3, "in/a.pdf", "application/pdf").disarmed == (pdf_cdr.EMBEDDED,)
    put(mock_s3, "in/b.pdf", build(**CASES["zip_after_eof"]), "application/pdf")
    assert run(mock_s3, "in/b.pdf", "application/pdf").disarmed == (pdf_cdr.TRAILING,)
    put(mock_s3, "in/c.pdf", build(**CASES["launch_cmd"]), "application/pdf")
    assert run(mock_s3, "in/c.pdf", "application/pdf").disarmed == (pdf_cdr.LAUNCH,)


def test_a_scanned_certificate_with_an_embedded_font_is_stored_byte_for_byte(mock_s3, calls):
    data = build(pages=3, catalog_extra=b"/OpenAction [3 0 R /Fit]")     # a destination is not an action
    put(mock_s3, "in/a.pdf", data, "application/pdf")
    calls.clear()
    v = run(mock_s3, "in/a.pdf", "application/pdf", dest_key="ok/a.pdf")
    assert v.ok and v.disarmed == () and v.message == "文件核验通过", v
    assert "CopyObject" in calls.names() and "PutObject" not in calls.names()
    assert all(r is not None for r, _ in calls.got), "judged from ranged reads"
    assert get(mock_s3, "ok/a.pdf") == data


def test_a_big_clean_scan_is_judged_from_a_few_blocks(mock_s3, calls):
    big = build(extra_objects=[b"<< /Length %d >>\nstream\n" % (20 * 1024 * KB) + b"\x00" * (20 * 1024 * KB) +
                               b"\nendstream"])
    put(mock_s3, "in/big.pdf", big, "application/pdf")
    calls.clear()
    v = run(mock_s3, "in/big.pdf", "application/pdf", max_kb=50000)
    assert v.ok and not v.disarmed and calls.bytes_fetched <= 256 * KB, (v, calls.bytes_fetched)


def test_a_big_pdf_with_active_content_is_left_to_the_event_verifier_inline(mock_s3):
    data = build(catalog_extra=b"/OpenAction 10 0 R", extra_objects=[
        JS, b"<< /Length %d >>\nstream\n" % (2 * 1024 * KB) + b"\x00" * (2 * 1024 * KB) + b"\nendstream"])
    put(mock_s3, "in/a.pdf", data, "application/pdf")
    v = run(mock_s3, "in/a.pdf", "application/pdf", max_inline_pdf_bytes=1024 * KB)
    assert v.code == "DEFERRED" and get(mock_s3, "in/a.pdf") == data
    v = run(mock_s3, "in/a.pdf", "application/pdf")                       # the event verifier
    assert v.ok and v.disarmed and b"/JavaScript" not in get(mock_s3, "in/a.pdf")


def test_bytes_swapped_during_the_rebuild_are_never_stored(mock_s3):
    """Every read of the rebuild is pinned to the ETag: a re-POST mid-way starts verification again."""
    from chalicelib.uploads import verify

    evil = build(**CASES["launch_cmd"])
    clean_later = build()
    put(mock_s3, "in/a.pdf", evil, "application/pdf")
    real = pdf_cdr.fetch_whole

    def swap_then_fetch(reader, size):
        mock_s3.put_object(Bucket=BUCKET, Key="in/a.pdf", Body=clean_later)     # a re-POST lands now
        pdf_cdr.fetch_whole = real
        return real(reader, size)

    pdf_cdr.fetch_whole = swap_then_fetch
    try:
        v = verify.verify_object(mock_s3, BUCKET, "in/a.pdf", declared_type="application/pdf",
                                 allowed_types=frozenset({"application/pdf"}), max_bytes=3000 * KB,
                                 dest_key="ok/a.pdf")
    finally:
        pdf_cdr.fetch_whole = real
    assert v.ok and not v.disarmed, v                      # verified again: the new bytes, clean
    assert get(mock_s3, "ok/a.pdf") == clean_later
