"""Issue 28 item 1: PDFs with active content are disarmed (rebuilt without it) and the rebuild is what
is stored; clean PDFs (a scanned certificate with an embedded font) are stored byte for byte, judged
from ranged reads. Each test of active content failed on the code before the fix (stored as uploaded)."""
import io

import pytest

from chalicelib.uploads import pdf_cdr
from tests.helpers.active_pdfs import CASES, FONT, JS, build
from tests.helpers.verify_s3 import BUCKET, KB, exists, get, put, run

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
