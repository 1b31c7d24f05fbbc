"""Verify an object uploaded straight to S3: real size, real type, decodable, clean.

- size from HEAD (no GET at all when it is too large);
- type from magic bytes in a small ranged GET, against the declared type;
- images: dimensions read from the header first (decompression bombs refused before decoding),
  then decoded fully and re-encoded, which drops EXIF (GPS included), text chunks and anything
  appended after the image (polyglots); the photo also gets a small thumbnail;
- PDFs with active content (JavaScript, launch/URI actions, embedded files, data after %%EOF) are
  rebuilt without it, and the rebuild is stored (chalicelib/uploads/pdf_cdr.py, issue 28 item 1);
- PDFs: opened the way PDF readers open them (pypdf, non-strict: a missing or broken xref table is
  rebuilt, as readers do) through ranged reads with a byte budget — never the whole file unless it
  is small; a PDF header in front of something else (an EXE or HTML body with a fake xref) is
  refused: the body must start with an object and the catalog and page tree must resolve;
- pinned (issue 16 item 1): every read carries If-Match on the ETag from the HEAD, and a PDF is
  moved with CopySourceIfMatch, so what is stored is exactly what was checked (images are stored
  re-encoded from the bytes that were read). A presigned POST stays usable until it expires: when
  the bytes change mid-way, verification starts again on the new bytes (a few times at most);
- retryable: when an earlier attempt already moved the object to dest_key and failed afterwards,
  the moved copy is verified in place, to the same verdict (issue 15 item 6);
- bounded inline: with max_inline_pixels, an image larger than that is not decoded here but
  answered DEFERRED (the S3-event verifier, sized for it, does the work).
Idempotent: running it again on a verified object gives the same verdict.
"""
import dataclasses
import io
import re

from chalicelib.uploads import pdf_cdr

KB = 1024
HEAD_BYTES = 64
PREFIX_BYTES = 64 * KB
PDF_HEAD = 1024
PDF_BLOCK = 16 * KB
PDF_READ_BUDGET = 4 * 1024 * KB     # bytes pypdf may fetch; a rebuild of a bigger broken file is refused
THUMB_PX = 240
ATTEMPTS = 3                        # verifications started over when the bytes change under us
PDF_CORRUPT = ("PDF_CORRUPT", "PDF文件不完整或已损坏")
PDF_INVALID = ("PDF_INVALID", "文件不是有效的PDF文件（PDF阅读器无法打开），请重新上传")
PDF_TOO_BROKEN = ("PDF_CORRUPT", "PDF文件结构损坏，无法在线核验，请用PDF阅读器另存后重新上传")

CHANGED = ("CHANGED", "文件在核验过程中被更换，请重新上传")
# After the header line (and comment lines, e.g. the binary marker), a PDF's body starts with an object.
_PDF_BODY = re.compile(rb"%PDF-\d\.\d[^\r\n]*(?:\r\n|\r|\n)(?:[ \t\r\n\f\x00]*%[^\r\n]*(?:\r\n|\r|\n))*"
                       rb"[ \t\r\n\f\x00]*\d+[ \t\r\n\f\x00]+\d+[ \t\r\n\f\x00]+obj\b")

TYPE_NAMES = {"image/png": "PNG图片", "image/jpeg": "JPEG图片", "image/bmp": "BMP图片",
              "application/pdf": "PDF文件", "text/html": "HTML网页", "application/x-msdownload": "可执行程序(EXE)",
              "application/x-elf": "可执行程序(ELF)", "application/zip": "压缩包(ZIP)", "image/gif": "GIF图片"}
ALIASES = {"image/jpg": "image/jpeg", "image/x-ms-bmp": "image/bmp"}
PIL_FORMATS = {"image/png": "PNG", "image/jpeg": "JPEG", "image/bmp": "BMP"}


@dataclasses.dataclass(frozen=True)
class Verdict:
    ok: bool
    code: str
    message: str
    size: int
    detected_type: str | None
    bytes_read: int
    thumbnail_key: str | None = None
    disarmed: tuple = ()            # what a PDF's rebuild removed (chalicelib/uploads/pdf_cdr.py)


def sniff(head: bytes) -> str | None:
    """The real type from the first bytes."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"BM") and len(head) >= 14:
        return "image/bmp"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head.startswith(b"MZ"):
        return "application/x-msdownload"
    if head.startswith(b"\x7fELF"):
        return "application/x-elf"
    if head.startswith(b"PK\x03\x04"):
        return "application/zip"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith((b"<!doctype", b"<html", b"<script", b"<svg", b"<?xml")):
        return "text/html"
    return None


class Changed(Exception):
    """The object's bytes changed between the HEAD and a later read or copy (HTTP 412)."""


def _precondition_failed(exc) -> bool:
    err = getattr(exc, "response", {}) or {}
    return err.get("Error", {}).get("Code") in ("PreconditionFailed", "412") or \
        err.get("ResponseMetadata", {}).get("HTTPStatusCode") == 412


class _Reader:
    """Ranged GETs pinned to one ETag that count every byte fetched."""

    def __init__(self, s3, bucket, key, etag: str | None = None):
        self.s3, self.bucket, self.key, self.etag = s3, bucket, key, etag
        self.bytes_read = 0

    def _get(self, **extra):
        from botocore.exceptions import ClientError

        if self.etag:
            extra["IfMatch"] = self.etag
        try:
            return self.s3.get_object(Bucket=self.bucket, Key=self.key, **extra)["Body"]
        except ClientError as exc:
            if _precondition_failed(exc):
                raise Changed() from exc
            raise

    def range(self, start: int, end: int) -> bytes:
        body = self._get(Range=f"bytes={start}-{end}").read()
        self.bytes_read += len(body)
        return body

    def all(self, limit: int) -> bytes:
        body = self._get().read(limit + 1)
        self.bytes_read += len(body)
        return body


class _Budget(Exception):
    pass


class _RangedFile(io.RawIOBase):
    """A read-only, seekable view of an S3 object for pypdf: fetched in aligned blocks by ranged,
    ETag-pinned GETs, at most `budget` bytes in all. `suffix` is presented after the object's last
    byte (a `startxref 0` for a file without one, so pypdf rebuilds the cross-reference as
    readers do). The first failure is kept: pypdf's recovery code may swallow exceptions."""

    def __init__(self, reader: _Reader, size: int, budget: int, known: dict, suffix: bytes = b""):
        super().__init__()
        self.reader, self.size, self.budget, self.blocks = reader, size, budget, dict(known)
        self.suffix, self.pos, self.failure = suffix, 0, None

    def readable(self):
        return True

    def seekable(self):
        return True

    def tell(self):
        return self.pos

    def seek(self, offset, whence=io.SEEK_SET):
        total = self.size + len(self.suffix)
        self.pos = max(0, {io.SEEK_SET: offset, io.SEEK_CUR: self.pos + offset, io.SEEK_END: total + offset}[whence])
        return self.pos

    def _block(self, n: int) -> bytes:
        if n not in self.blocks:
            start = n * PDF_BLOCK
            end = min(self.size, start + PDF_BLOCK) - 1
            if self.reader.bytes_read + (end - start + 1) > self.budget:
                self.failure = self.failure or _Budget()
                raise self.failure
            try:
                self.blocks[n] = self.reader.range(start, end)
            except Exception as exc:   # noqa: BLE001 - re-raised after pypdf returns
                self.failure = self.failure or exc
                raise
        return self.blocks[n]

    def read(self, n=-1):
        total = self.size + len(self.suffix)
        if n is None or n < 0:
            n = total - self.pos
        end = min(total, self.pos + n)
        out = bytearray()
        pos = self.pos
        while pos < min(end, self.size):
            block = self._block(pos // PDF_BLOCK)
            chunk = block[pos % PDF_BLOCK: pos % PDF_BLOCK + (min(end, self.size) - pos)]
            if not chunk:
                break
            out += chunk
            pos += len(chunk)
        if end > self.size:
            out += self.suffix[max(0, pos - self.size): end - self.size]
            pos = end
        self.pos = pos
        return bytes(out)

    def readinto(self, buffer):
        data = self.read(len(buffer))
        buffer[:len(data)] = data
        return len(data)


def _reject(s3, bucket, keys, delete, code, message, size, detected, read) -> Verdict:
    if delete:
        for key in keys:
            if key:
                s3.delete_object(Bucket=bucket, Key=key)
    return Verdict(False, code, message, size, detected, read)


def _missing(exc) -> bool:
    return exc.response["Error"]["Code"] in ("404", "NoSuchKey", "NotFound")


def verify_object(s3, bucket: str, key: str, *, declared_type: str, allowed_types: frozenset,
                  max_bytes: int, dest_key: str | None = None, thumbnail_key: str | None = None,
                  max_pixels: int = 40_000_000, delete_rejected: bool = True,
                  max_inline_pixels: int | None = None, max_inline_pdf_bytes: int | None = None) -> Verdict:
    """The verdict on the object at key; when it passes it is stored at dest_key (default: key)."""
    from botocore.exceptions import ClientError

    target = dest_key or key
    source = key
    for _ in range(ATTEMPTS):
        try:
            head = s3.head_object(Bucket=bucket, Key=source)
        except ClientError as exc:
            if not _missing(exc):
                raise
            if source != target:
                # An earlier attempt moved the object and failed afterwards: verify the moved copy.
                source = target
                continue
            return Verdict(False, "NOT_FOUND", "未找到上传的文件，请重新上传", 0, None, 0)
        try:
            return _verify_once(s3, bucket, source, head, declared_type=declared_type,
                                allowed_types=allowed_types, max_bytes=max_bytes, target=target,
                                thumbnail_key=thumbnail_key, max_pixels=max_pixels,
                                delete_rejected=delete_rejected, max_inline_pixels=max_inline_pixels,
                                max_inline_pdf_bytes=max_inline_pdf_bytes)
        except Changed:
            continue          # re-POSTed mid-way: start again on the bytes that are there now
    return _reject(s3, bucket, {key, target if target != key else None, thumbnail_key}, delete_rejected,
                   *CHANGED, 0, None, 0)


def _verify_once(s3, bucket, key, head_response, *, declared_type, allowed_types, max_bytes, target,
                 thumbnail_key, max_pixels, delete_rejected, max_inline_pixels,
                 max_inline_pdf_bytes=None) -> Verdict:
    from botocore.exceptions import ClientError

    declared = ALIASES.get(declared_type, declared_type)
    size, etag = head_response["ContentLength"], head_response.get("ETag")
    reject = lambda code, msg, detected=None, read=0: _reject(  # noqa: E731
        s3, bucket, {key, target if target != key else None, thumbnail_key}, delete_rejected, code, msg, size,
        detected, read)
    if size == 0:
        return reject("EMPTY", "文件为空，请重新选择")
    if size > max_bytes:
        return reject("TOO_LARGE", f"文件大小超过{max_bytes // KB}KB的限制")
    reader = _Reader(s3, bucket, key, etag)
    head = reader.range(0, min(size, HEAD_BYTES) - 1)
    detected = sniff(head)
    if declared not in allowed_types:
        return reject("TYPE_NOT_ALLOWED", "文件格式不符合要求", detected, reader.bytes_read)
    if detected != declared:
        name = TYPE_NAMES.get(detected, "无法识别的格式")
        return reject("TYPE_MISMATCH", f"文件内容与声明的类型不符（实际为{name}）", detected, reader.bytes_read)
    if detected == "application/pdf":
        problem, opened = _check_pdf(reader, size)
        if problem:
            return reject(problem[0], problem[1], detected, reader.bytes_read)
        problem, rebuilt, removed = pdf_cdr.disarm(*opened, size, max_inline_pdf_bytes)
        if problem == pdf_cdr.DEFERRED:
            # A rebuild reads the whole file: the S3-event verifier, sized for it, does it.
            return Verdict(False, "DEFERRED", "文件核验中，请稍候", size, detected, reader.bytes_read)
        if problem:
            return reject(problem[0], problem[1], detected, reader.bytes_read)
        if rebuilt is not None:
            # Stored: the rebuilt file, written here from the bytes read under If-Match.
            with rebuilt:
                new_size = rebuilt.seek(0, io.SEEK_END)
                rebuilt.seek(0)
                s3.put_object(Bucket=bucket, Key=target, Body=rebuilt, ContentLength=new_size,
                              ContentType=detected)
            if target != key:
                s3.delete_object(Bucket=bucket, Key=key)
            return Verdict(True, "OK", f"文件核验通过（已移除PDF中的{'、'.join(removed)}）", new_size, detected,
                           reader.bytes_read, disarmed=removed)
        if target != key:
            copy = {"CopySourceIfMatch": etag} if etag else {}
            try:
                s3.copy_object(Bucket=bucket, Key=target, CopySource={"Bucket": bucket, "Key": key},
                               ContentType=detected, MetadataDirective="REPLACE", **copy)
            except ClientError as exc:
                if _precondition_failed(exc):
                    raise Changed() from exc
                raise
            s3.delete_object(Bucket=bucket, Key=key)
        return Verdict(True, "OK", "文件核验通过", size, detected, reader.bytes_read)
    return _check_image(s3, bucket, key, target, thumbnail_key, reader, size, detected, max_pixels, max_bytes,
                        reject, head, max_inline_pixels)


def _check_pdf(reader: _Reader, size: int):
    """None when PDF readers can open the file, else (code, message)."""
    head = reader.range(0, min(PDF_HEAD, size) - 1)
    if not re.match(rb"%PDF-\d\.\d", head):
        return PDF_CORRUPT, None
    if not _PDF_BODY.match(head):
        return PDF_INVALID, None        # a PDF header in front of something else (EXE, HTML …)
    # The tail: whole blocks covering at least the last 2 KB, kept for pypdf (it reads backwards
    # from the end first); a small file is read whole here, once.
    tail_start = max(0, (size - 2 * KB) // PDF_BLOCK * PDF_BLOCK)
    tail = reader.range(tail_start, size - 1)
    if b"%%EOF" not in tail[-2048:]:
        return PDF_CORRUPT, None        # cut short (an interrupted upload)
    known = {(tail_start + i) // PDF_BLOCK: tail[i:i + PDF_BLOCK] for i in range(0, len(tail), PDF_BLOCK)}
    # No startxref at all (some scanner and phone apps): present one pointing nowhere, so pypdf
    # rebuilds the cross-reference from the objects, as PDF readers do.
    suffix = b"" if b"startxref" in tail[-1024:] else b"\nstartxref\n0\n%%EOF\n"
    stream = _RangedFile(reader, size, PDF_READ_BUDGET, known, suffix)
    verdict, pdf = _open_pdf(stream)
    if stream.failure is not None:
        if isinstance(stream.failure, _Budget):
            return PDF_TOO_BROKEN, None
        raise stream.failure            # Changed (re-verify) or an S3 failure (retry later)
    return verdict, (pdf, stream, tail)


def _open_pdf(stream):
    """Open as a reader would: the trailer's catalog, its page tree, at least one page."""
    import logging

    from pypdf import PdfReader

    logging.getLogger("pypdf").setLevel(logging.ERROR)
    try:
        pdf = PdfReader(stream, strict=False)
        if pdf.is_encrypted:
            return ("PDF_ENCRYPTED", "PDF文件已加密，无法审阅，请上传未加密的文件"), None
        root = pdf.trailer["/Root"].get_object()
        pages = root["/Pages"].get_object()
        count = int(pages["/Count"])
        first = pages["/Kids"][0].get_object()
        if count < 1 or first.get("/Type") not in ("/Page", "/Pages"):
            return PDF_INVALID, None
    except Exception:  # noqa: BLE001 - whatever pypdf cannot open, a reader cannot either
        return PDF_INVALID, None
    return None, pdf


def _check_image(s3, bucket, key, target, thumbnail_key, reader, size, detected, max_pixels, max_bytes, reject,
                 head: bytes, max_inline_pixels: int | None = None):
    import warnings

    from PIL import Image, ImageOps, UnidentifiedImageError

    too_big = lambda: reject("IMAGE_TOO_MANY_PIXELS", "图片像素过大，请压缩后重新上传", detected,  # noqa: E731
                             reader.bytes_read)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            # Dimensions from a bounded prefix first: a bomb is refused before the body is read.
            try:
                prefix = head + (reader.range(len(head), min(size, PREFIX_BYTES) - 1) if size > len(head) else b"")
                width, height = Image.open(io.BytesIO(prefix)).size
            except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
                width = height = 0      # header beyond the prefix (a big EXIF block): decide below
            if width * height > max_pixels:
                return too_big()
            if max_inline_pixels is not None and (width * height > max_inline_pixels or width * height == 0):
                # Too costly for the API request: the S3-event verifier, sized for it, decides.
                return Verdict(False, "DEFERRED", "文件核验中，请稍候", size, detected, reader.bytes_read)
            data = reader.all(max_bytes)
            img = Image.open(io.BytesIO(data))
            width, height = img.size
            if width * height > max_pixels:
                return too_big()
            img.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        return reject("IMAGE_TOO_MANY_PIXELS", "图片像素过大，请压缩后重新上传", detected, reader.bytes_read)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        return reject("IMAGE_CORRUPT", "图片文件不完整或已损坏", detected, reader.bytes_read)
    fmt = PIL_FORMATS[detected]
    img = ImageOps.exif_transpose(img)
    img.info.clear()                       # JPEG comments and other carried-over metadata go too
    if fmt == "JPEG" and img.mode not in ("RGB", "L"):
        img = img.convert("RGB")
    clean = io.BytesIO()
    save = {"JPEG": {"quality": 90, "optimize": True}, "PNG": {"optimize": True}, "BMP": {}}[fmt]
    img.save(clean, fmt, **save)           # a fresh file: no EXIF/GPS, no text chunks, no trailing bytes
    s3.put_object(Bucket=bucket, Key=target, Body=clean.getvalue(), ContentType=detected)
    if target != key:
        s3.delete_object(Bucket=bucket, Key=key)
    thumb = None
    if thumbnail_key:
        small = img.convert("RGB")
        small.thumbnail((THUMB_PX, THUMB_PX))
        out = io.BytesIO()
        small.save(out, "JPEG", quality=80)
        s3.put_object(Bucket=bucket, Key=thumbnail_key, Body=out.getvalue(), ContentType="image/jpeg")
        thumb = thumbnail_key
    return Verdict(True, "OK", "文件核验通过", len(clean.getvalue()), detected, reader.bytes_read, thumb)
