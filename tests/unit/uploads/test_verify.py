"""chalicelib.uploads.verify.verify_object against real files in moto S3 (DESIGN.md §2, §5).

Every file is generated (tests/helpers/upload_samples.py): images with Pillow, PDFs by hand. The `calls` fixture records each
S3 operation and the Content-Length of each GetObject, so "bytes read" and "no GET at all" are
checked independently of the Verdict's own accounting.

Tests marked xfail(strict=True) state the contract of the verification brief where the committed
implementation differs; they turn into failures (XPASS) once the implementation is brought in
line, so the marker must then be removed.
"""
import dataclasses
import io
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from chalicelib.uploads.verify import Verdict
from tests.helpers.upload_samples import (ELF, EXE, GIF, HTML, ZIP, bmp, chunk, gps_exif, jpeg, noise, pdf,
                                          pdf_of_size, png, png_bomb)
from tests.helpers.verify_s3 import BUCKET, KB, exists, get, put, run

ROOT = Path(__file__).resolve().parents[3]


# ---------------------------------------------------------------- helpers ------------------

def open_image(data: bytes):
    from PIL import Image

    img = Image.open(io.BytesIO(data))
    img.load()
    return img


def jpeg_segments(data: bytes) -> list[int]:
    """The marker bytes of the JPEG segments before the scan (0xE0 = APP0, 0xE1 = EXIF/XMP, 0xFE = COM…)."""
    assert data[:2] == b"\xff\xd8"
    pos, markers = 2, []
    while pos + 4 <= len(data):
        assert data[pos] == 0xFF, f"not a marker at {pos}"
        marker = data[pos + 1]
        markers.append(marker)
        if marker == 0xDA:                # start of scan: entropy-coded data follows
            break
        pos += 2 + struct.unpack(">H", data[pos + 2:pos + 4])[0]
    return markers


def assert_accounted(verdict: Verdict, calls):
    """The Verdict's bytes_read equals what S3 actually returned to GetObject."""
    assert verdict.bytes_read == calls.bytes_fetched, (verdict.bytes_read, calls.got)


# ---------------------------------------------------------------- valid files pass ---------

@pytest.mark.parametrize("make,declared,fmt", [
    (lambda: png(64, 48), "image/png", "PNG"),
    (lambda: jpeg(80, 60), "image/jpeg", "JPEG"),
    (lambda: bmp(20, 20), "image/bmp", "BMP"),
])
def test_valid_image_passes_and_is_reencoded_same_format_and_size(mock_s3, calls, make, declared, fmt):
    data = make()
    original = open_image(data)
    put(mock_s3, "in/a", data, declared)
    v = run(mock_s3, "in/a", declared, dest_key="ok/a")
    assert (v.ok, v.code, v.detected_type) == (True, "OK", declared), v
    assert_accounted(v, calls)
    stored = get(mock_s3, "ok/a")
    img = open_image(stored)
    assert img.format == fmt and img.size == original.size
    if fmt != "JPEG":                                  # lossless formats keep every pixel
        assert img.convert("RGB").tobytes() == original.convert("RGB").tobytes()
    assert mock_s3.head_object(Bucket=BUCKET, Key="ok/a")["ContentType"] == declared
    assert not exists(mock_s3, "in/a"), "the source is deleted after a successful move"


def test_image_jpg_is_treated_as_image_jpeg(mock_s3):
    put(mock_s3, "in/a.jpg", jpeg())
    v = run(mock_s3, "in/a.jpg", "image/jpg", allowed={"image/jpeg", "image/png"})
    assert v.ok and v.detected_type == "image/jpeg", v


def test_valid_pdf_passes_untouched_with_ranged_reads_only(mock_s3, calls):
    data = pdf(padding=3000)
    put(mock_s3, "in/a.pdf", data, "application/pdf")
    v = run(mock_s3, "in/a.pdf", "application/pdf")
    assert (v.ok, v.code, v.detected_type, v.size) == (True, "OK", "application/pdf", len(data)), v
    assert get(mock_s3, "in/a.pdf") == data
    calls.clear()
    v = run(mock_s3, "in/a.pdf", "application/pdf")
    assert all(r is not None for r, _ in calls.got), f"an unranged GET: {calls.got}"
    assert "PutObject" not in calls.names()
    assert_accounted(v, calls)


@pytest.mark.parametrize("kind", ["xref_stream", "update"])
def test_pdf_with_xref_stream_or_incremental_update_passes(mock_s3, kind):
    put(mock_s3, "in/a.pdf", pdf(padding=500, **{kind: True}))
    v = run(mock_s3, "in/a.pdf", "application/pdf")
    assert v.ok, v


def test_pdf_moved_to_dest_by_server_side_copy(mock_s3, calls):
    data = pdf(padding=200_000)
    put(mock_s3, "in/a.pdf", data, "text/html")          # whatever type the uploader claimed
    calls.clear()
    v = run(mock_s3, "in/a.pdf", "application/pdf", dest_key="ok/a.pdf")
    assert v.ok, v
    assert "CopyObject" in calls.names() and "PutObject" not in calls.names()
    assert all(r is not None for r, _ in calls.got) and v.bytes_read < 100 * KB
    assert get(mock_s3, "ok/a.pdf") == data and not exists(mock_s3, "in/a.pdf")
    assert mock_s3.head_object(Bucket=BUCKET, Key="ok/a.pdf")["ContentType"] == "application/pdf"


def test_20_mb_pdf_passes_reading_at_most_1_mb(mock_s3, calls):
    data = pdf(padding=20 * 1024 * KB)
    put(mock_s3, "in/big.pdf", data)
    v = run(mock_s3, "in/big.pdf", "application/pdf", max_kb=50000)
    assert v.ok and v.size == len(data), v
    assert v.bytes_read <= 1024 * KB and calls.bytes_fetched <= 1024 * KB
    assert all(r is not None for r, _ in calls.got), f"an unranged GET: {calls.got}"
    assert_accounted(v, calls)


# ---------------------------------------------------------------- size -------------------

@pytest.mark.parametrize("max_kb", [2000, 3000, 5000, 20000, 50000])
def test_oversize_is_refused_from_head_alone_and_deleted(mock_s3, calls, max_kb):
    put(mock_s3, "in/big", png() + b"\x00" * (max_kb * KB))           # S3 accepted it: moto ignores the policy
    v = run(mock_s3, "in/big", "image/png", max_kb=max_kb)
    assert (v.ok, v.code, v.bytes_read) == (False, "TOO_LARGE", 0), v
    assert v.message == f"文件大小超过{max_kb}KB的限制"
    assert v.size == max_kb * KB + len(png())
    assert "GetObject" not in calls.names() and calls.bytes_fetched == 0
    assert not exists(mock_s3, "in/big")


def test_exactly_the_limit_is_allowed_one_byte_more_is_not(mock_s3):
    put(mock_s3, "in/edge.pdf", pdf_of_size(2000 * KB))
    assert run(mock_s3, "in/edge.pdf", "application/pdf", max_kb=2000).ok
    put(mock_s3, "in/over.pdf", pdf_of_size(2000 * KB + 1))
    assert run(mock_s3, "in/over.pdf", "application/pdf", max_kb=2000).code == "TOO_LARGE"


def test_empty_and_missing(mock_s3, calls):
    put(mock_s3, "in/empty", b"")
    v = run(mock_s3, "in/empty", "image/png")
    assert (v.ok, v.code, v.size, v.bytes_read) == (False, "EMPTY", 0, 0), v
    assert not exists(mock_s3, "in/empty")
    v = run(mock_s3, "in/never-uploaded", "image/png")
    assert (v.ok, v.code, v.bytes_read) == (False, "NOT_FOUND", 0) and v.message, v
    assert "GetObject" not in calls.names()


# ---------------------------------------------------------------- type -------------------

IMPOSTORS = [(HTML, "HTML"), (b" \r\n\t<html><body>x</body></html>", "HTML"), (EXE, "EXE"),
             (ELF, "ELF"), (ZIP, "ZIP"), (GIF, "GIF")]


@pytest.mark.parametrize("data,name", IMPOSTORS)
def test_impostor_declared_as_jpeg_is_rejected_named_and_deleted(mock_s3, calls, data, name):
    put(mock_s3, "in/x.jpg", data, "image/jpeg")
    v = run(mock_s3, "in/x.jpg", "image/jpeg", dest_key="ok/x.jpg", thumbnail_key="thumb/x.jpg")
    assert not v.ok and v.code in ("TYPE_MISMATCH", "TYPE_NOT_ALLOWED"), v
    assert name in v.message and "实际为" in v.message, v.message
    assert v.bytes_read <= 64, "only the magic-byte prefix is fetched"
    assert_accounted(v, calls)
    assert not any(exists(mock_s3, k) for k in ("in/x.jpg", "ok/x.jpg", "thumb/x.jpg"))


@pytest.mark.parametrize("data", [HTML, EXE])
def test_impostor_declared_as_jpeg_is_a_type_mismatch(mock_s3, data):
    put(mock_s3, "in/x.jpg", data)
    v = run(mock_s3, "in/x.jpg", "image/jpeg")
    assert v.code == "TYPE_MISMATCH" and v.message.startswith("文件内容与声明的类型不符"), v


@pytest.mark.parametrize("data,declared,detected", [
    (png(), "image/jpeg", "image/png"), (jpeg(), "image/png", "image/jpeg"), (pdf(), "image/png", "application/pdf")])
def test_allowed_type_other_than_declared_is_a_mismatch(mock_s3, data, declared, detected):
    put(mock_s3, "in/x", data)
    v = run(mock_s3, "in/x", declared)
    assert (v.ok, v.code, v.detected_type) == (False, "TYPE_MISMATCH", detected), v
    assert v.message.startswith("文件内容与声明的类型不符") and not exists(mock_s3, "in/x")


def test_type_outside_the_allowed_set(mock_s3):
    put(mock_s3, "in/x.png", png())
    v = run(mock_s3, "in/x.png", "image/png", allowed={"application/pdf"})
    assert (v.ok, v.code) == (False, "TYPE_NOT_ALLOWED"), v
    put(mock_s3, "in/x.bin", b"\x00\x01\x02 just bytes")
    v = run(mock_s3, "in/x.bin", "image/png")
    assert not v.ok and v.detected_type is None and v.code in ("TYPE_NOT_ALLOWED", "TYPE_MISMATCH"), v


# ---------------------------------------------------------------- images -----------------

@pytest.fixture
def no_decoding(monkeypatch):
    """Fail loudly if any pixel data is decoded."""
    from PIL import Image, ImageFile

    decoded = []

    def refuse(self, *a, **kw):
        decoded.append(self.size)
        raise RuntimeError("pixel data decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", refuse)
    monkeypatch.setattr(Image.Image, "load", refuse)
    return decoded


@pytest.mark.parametrize("w,h", [(30000, 30000),   # > 2 × Image.MAX_IMAGE_PIXELS: Pillow raises at open
                                 (10000, 10000),   # between 1× and 2×: Pillow only warns
                                 (8000, 8000)])    # 64 MP < Pillow's limit, > max_pixels (40 MP)
def test_decompression_bomb_refused_before_decoding(mock_s3, no_decoding, w, h):
    bomb = png_bomb(w, h)
    assert len(bomb) < 1024
    put(mock_s3, "in/bomb.png", bomb)
    v = run(mock_s3, "in/bomb.png", "image/png", dest_key="ok/bomb.png", thumbnail_key="t/bomb.jpg")
    assert (v.ok, v.code) == (False, "IMAGE_TOO_MANY_PIXELS"), v
    assert "像素过大" in v.message
    assert no_decoding == []
    assert not any(exists(mock_s3, k) for k in ("in/bomb.png", "ok/bomb.png", "t/bomb.jpg"))


def test_pixel_cap_is_the_callers(mock_s3):
    put(mock_s3, "in/a.png", png(100, 100))
    assert run(mock_s3, "in/a.png", "image/png", max_pixels=5000).code == "IMAGE_TOO_MANY_PIXELS"
    put(mock_s3, "in/b.png", png(100, 100))
    assert run(mock_s3, "in/b.png", "image/png", max_pixels=10_000).ok


def test_bomb_rejected_having_read_only_a_prefix(mock_s3):
    put(mock_s3, "in/bomb.png", png_bomb(30000, 30000, trailing=b"\x00" * (1024 * KB)))
    v = run(mock_s3, "in/bomb.png", "image/png")
    assert v.code == "IMAGE_TOO_MANY_PIXELS" and v.bytes_read <= 64 * KB, v


def test_exif_and_gps_are_gone_after_verification(mock_s3):
    from PIL import Image

    out = io.BytesIO()
    noise(80, 60).save(out, "JPEG", exif=gps_exif(), xmp=b"<x:xmpmeta>secret</x:xmpmeta>",
                       icc_profile=b"\x00" * 128)
    data = out.getvalue()
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(0x8825), "the upload does carry GPS"
    assert 0xE1 in jpeg_segments(data)
    put(mock_s3, "in/gps.jpg", data)
    v = run(mock_s3, "in/gps.jpg", "image/jpeg", dest_key="ok/gps.jpg")
    assert v.ok, v
    stored = get(mock_s3, "ok/gps.jpg")
    img = Image.open(io.BytesIO(stored))
    assert not img.getexif() and not img.getexif().get_ifd(0x8825)
    assert "exif" not in img.info and "xmp" not in img.info and "icc_profile" not in img.info
    assert 0xE1 not in jpeg_segments(stored) and 0xE2 not in jpeg_segments(stored)    # no APP1/APP2 at all
    assert b"TestCam" not in stored and b"secret" not in stored


def test_jpeg_comment_segment_is_gone_after_verification(mock_s3):
    put(mock_s3, "in/com.jpg", jpeg(comment=b"<script>alert(1)</script> 220102199001011234"))
    assert run(mock_s3, "in/com.jpg", "image/jpeg").ok
    stored = get(mock_s3, "in/com.jpg")
    assert 0xFE not in jpeg_segments(stored) and b"<script>" not in stored


def test_png_text_and_exif_chunks_are_gone(mock_s3):
    from PIL import Image, PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "<script>alert(1)</script>")
    info.add_itxt("Author", "张三 13800000000")
    data = png(64, 48, pnginfo=info, exif=gps_exif())
    assert b"tEXt" in data and b"iTXt" in data and b"eXIf" in data
    put(mock_s3, "in/t.png", data)
    assert run(mock_s3, "in/t.png", "image/png").ok
    stored = get(mock_s3, "in/t.png")
    for chunk in (b"tEXt", b"iTXt", b"zTXt", b"eXIf"):
        assert chunk not in stored
    assert not Image.open(io.BytesIO(stored)).getexif()


def test_orientation_is_applied_before_the_exif_is_dropped(mock_s3):
    from PIL import Image

    out = io.BytesIO()
    noise(80, 60).save(out, "JPEG", exif=gps_exif(orientation=6))      # "rotate 90° clockwise to display"
    put(mock_s3, "in/rot.jpg", out.getvalue())
    assert run(mock_s3, "in/rot.jpg", "image/jpeg").ok
    img = Image.open(io.BytesIO(get(mock_s3, "in/rot.jpg")))
    assert img.size == (60, 80) and not img.getexif()


@pytest.mark.parametrize("make,declared,end", [(lambda: jpeg(120, 90), "image/jpeg", b"\xff\xd9"),
                                               (lambda: png(), "image/png", chunk(b"IEND", b""))])
def test_polyglot_trailing_bytes_are_removed(mock_s3, make, declared, end):
    image = make()
    put(mock_s3, "in/poly", image + HTML + EXE)
    v = run(mock_s3, "in/poly", declared)
    assert v.ok, v
    stored = get(mock_s3, "in/poly")
    assert stored.endswith(end)
    assert b"<script>" not in stored and b"<html" not in stored.lower() and b"DOS mode" not in stored
    open_image(stored)


@pytest.mark.parametrize("make,declared", [(lambda: jpeg(400, 300), "image/jpeg"),
                                           (lambda: png(400, 300, color=None), "image/png")])
def test_truncated_image_is_corrupt_and_deleted(mock_s3, make, declared):
    data = make()
    put(mock_s3, "in/cut", data[: len(data) // 2])
    v = run(mock_s3, "in/cut", declared, dest_key="ok/cut", thumbnail_key="t/cut.jpg")
    assert (v.ok, v.code) == (False, "IMAGE_CORRUPT"), v
    assert "损坏" in v.message
    assert not any(exists(mock_s3, k) for k in ("in/cut", "ok/cut", "t/cut.jpg"))


def test_thumbnail_is_a_small_jpeg(mock_s3):
    put(mock_s3, "in/photo.png", png(1000, 500))
    v = run(mock_s3, "in/photo.png", "image/png", dest_key="ok/photo.png", thumbnail_key="t/photo.jpg")
    assert v.ok and v.thumbnail_key == "t/photo.jpg", v
    head = mock_s3.head_object(Bucket=BUCKET, Key="t/photo.jpg")
    assert head["ContentType"] == "image/jpeg"
    thumb = open_image(get(mock_s3, "t/photo.jpg"))
    assert thumb.format == "JPEG" and max(thumb.size) <= 240 and thumb.size == (240, 120)


def test_no_thumbnail_unless_asked(mock_s3, calls):
    put(mock_s3, "in/a.png", png())
    calls.clear()
    v = run(mock_s3, "in/a.png", "image/png")
    assert v.ok and v.thumbnail_key is None
    assert [p["Key"] for name, p in calls.ops if name == "PutObject"] == ["in/a.png"]


# ---------------------------------------------------------------- PDFs -------------------

def test_pdf_cut_in_the_middle_is_corrupt_and_deleted(mock_s3, calls):
    whole = pdf(padding=50_000)
    put(mock_s3, "in/cut.pdf", whole[: len(whole) // 2])
    v = run(mock_s3, "in/cut.pdf", "application/pdf", dest_key="ok/cut.pdf")
    assert (v.ok, v.code, v.message) == (False, "PDF_CORRUPT", "PDF文件不完整或已损坏"), v
    assert not exists(mock_s3, "in/cut.pdf") and not exists(mock_s3, "ok/cut.pdf")
    assert all(r is not None for r, _ in calls.got)


@pytest.mark.parametrize("mangle", [
    lambda d: d.replace(b"startxref\n", b"startxref\n9999999", 1),            # offset beyond the file
    lambda d: d.replace(b"\nxref\n0 ", b"\nXXXX\n0 ", 1),                      # offset points at garbage
    lambda d: d[: d.rindex(b"startxref")] + b"%%EOF\n",                        # no startxref
])
def test_pdf_with_a_broken_cross_reference_opens_as_readers_rebuild_it(mock_s3, mangle):
    """Issue 16 item 8: PDF readers rebuild a broken or missing cross-reference; so do we."""
    put(mock_s3, "in/bad.pdf", mangle(pdf(padding=2000)))
    v = run(mock_s3, "in/bad.pdf", "application/pdf")
    assert (v.ok, v.code) == (True, "OK"), v


def test_pdf_header_without_a_version_is_corrupt(mock_s3):
    put(mock_s3, "in/bad.pdf", b"%PDF-x.y" + pdf(padding=2000)[8:])
    v = run(mock_s3, "in/bad.pdf", "application/pdf")
    assert (v.ok, v.code) == (False, "PDF_CORRUPT"), v


def test_encrypted_pdf_is_refused(mock_s3):
    put(mock_s3, "in/enc.pdf", pdf(padding=1000, encrypt=True))
    v = run(mock_s3, "in/enc.pdf", "application/pdf")
    assert (v.ok, v.code) == (False, "PDF_ENCRYPTED"), v
    assert "已加密" in v.message and not exists(mock_s3, "in/enc.pdf")


# ---------------------------------------------------------------- idempotence / deletion ---

@pytest.mark.parametrize("make,declared", [(lambda: png(), "image/png"), (lambda: jpeg(), "image/jpeg"),
                                           (lambda: bmp(), "image/bmp"), (lambda: pdf(5000), "application/pdf")])
def test_running_twice_gives_the_same_verdict(mock_s3, make, declared):
    put(mock_s3, "in/a", make())
    first = run(mock_s3, "in/a", declared, thumbnail_key="t/a.jpg")
    second = run(mock_s3, "in/a", declared, thumbnail_key="t/a.jpg")
    key = lambda v: (v.ok, v.code, v.message, v.detected_type, v.thumbnail_key)   # noqa: E731
    assert first.ok and key(first) == key(second), (first, second)
    if declared == "application/pdf":
        assert first == second                  # nothing is rewritten: even bytes_read is the same
    elif declared in ("image/png", "image/bmp"):  # lossless: the second re-encoding is byte-identical
        assert dataclasses.replace(first, bytes_read=0) == dataclasses.replace(second, bytes_read=0)
    if declared != "application/pdf":
        open_image(get(mock_s3, "in/a"))        # still a decodable image after two re-encodings


def test_verifying_the_stored_copy_again_is_ok(mock_s3):
    """The S3 event and the client's complete call may both arrive; the second sees the clean copy."""
    put(mock_s3, "in/a.jpg", jpeg())
    assert run(mock_s3, "in/a.jpg", "image/jpeg", dest_key="ok/a.jpg").ok
    again = run(mock_s3, "ok/a.jpg", "image/jpeg")
    assert again.ok and again.code == "OK"


def test_rejection_is_repeatable_when_not_deleting(mock_s3):
    put(mock_s3, "in/x.jpg", HTML)
    first = run(mock_s3, "in/x.jpg", "image/jpeg", delete_rejected=False)
    second = run(mock_s3, "in/x.jpg", "image/jpeg", delete_rejected=False)
    assert not first.ok and first == second
    assert get(mock_s3, "in/x.jpg") == HTML


def test_rejection_leaves_no_dest_or_thumbnail_behind(mock_s3):
    """Even stale objects at the destination and thumbnail keys from an earlier attempt are removed."""
    put(mock_s3, "ok/a.jpg", jpeg())
    put(mock_s3, "t/a.jpg", jpeg())
    data = jpeg(400, 300)
    put(mock_s3, "in/a.jpg", data[: len(data) // 3])
    v = run(mock_s3, "in/a.jpg", "image/jpeg", dest_key="ok/a.jpg", thumbnail_key="t/a.jpg")
    assert v.code == "IMAGE_CORRUPT"
    assert not any(exists(mock_s3, k) for k in ("in/a.jpg", "ok/a.jpg", "t/a.jpg"))


# ---------------------------------------------------------------- import weight ----------

def test_module_import_is_light_and_the_pdf_path_opens_with_pypdf():
    code = (
        "import sys\n"
        "import chalicelib.uploads.verify as v\n"
        "assert not {'PIL', 'pypdf', 'chalice', 'pynamodb'} & {m.split('.')[0] for m in sys.modules}, "
        "sorted(m for m in sys.modules if m.split('.')[0] in ('PIL', 'pypdf', 'chalice', 'pynamodb'))\n"
        "import boto3\n"
        "from moto import mock_aws\n"
        "with mock_aws():\n"
        "    s3 = boto3.client('s3', region_name='cn-north-1')\n"
        "    s3.create_bucket(Bucket='verify-lazy-import', CreateBucketConfiguration={'LocationConstraint': 'cn-north-1'})\n"
        f"    s3.put_object(Bucket='verify-lazy-import', Key='a.pdf', Body={pdf(1000)!r})\n"
        "    r = v.verify_object(s3, 'verify-lazy-import', 'a.pdf', declared_type='application/pdf',\n"
        "                        allowed_types=frozenset({'application/pdf'}), max_bytes=3000 * 1024)\n"
        "    assert r.ok, r\n"
        # pypdf (imported on the PDF path only) imports PIL.Image for its image API; nothing decodes.
        "assert 'pypdf' in sys.modules\n"
    )
    env = {"PATH": "/usr/bin:/bin", "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
           "AWS_DEFAULT_REGION": "cn-north-1", "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]


def test_a_big_pdf_that_needs_a_rebuild_is_refused_within_the_read_budget(mock_s3, calls):
    """Rebuilding a missing cross-reference reads the whole file: allowed up to PDF_READ_BUDGET."""
    from chalicelib.uploads.verify import PDF_READ_BUDGET

    data = pdf(padding=PDF_READ_BUDGET + 100 * KB)
    put(mock_s3, "in/big.pdf", data.replace(b"startxref\n", b"startxref\n9", 1))
    calls.clear()
    v = run(mock_s3, "in/big.pdf", "application/pdf", max_kb=50000)
    assert (v.ok, v.code) == (False, "PDF_CORRUPT") and "另存" in v.message, v
    assert calls.bytes_fetched <= PDF_READ_BUDGET + 4 * KB
    assert_accounted(v, calls)


def test_a_pdf_whose_catalog_has_no_pages_is_invalid(mock_s3):
    data = pdf(200).replace(b"/Count 1", b"/Count 0").replace(b"/Kids [3 0 R]", b"/Kids []  ")
    put(mock_s3, "in/empty.pdf", data)
    v = run(mock_s3, "in/empty.pdf", "application/pdf")
    assert (v.ok, v.code) == (False, "PDF_INVALID"), v
