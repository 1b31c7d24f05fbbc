"""Verify an object uploaded straight to S3: real size, real type, decodable, clean.

- size from HEAD (no GET at all when it is too large);
- type from magic bytes in a small ranged GET, against the declared type;
- images: dimensions read from the header first (decompression bombs refused before decoding),
  then decoded fully and re-encoded, which drops EXIF (GPS included), text chunks and anything
  appended after the image (polyglots); the photo also gets a small thumbnail;
- PDFs: only ranged reads of the head and the tail (header, startxref, %%EOF, /Encrypt) —
  never the whole file, whatever its size.
Idempotent: running it again on a verified object gives the same verdict.
"""
import dataclasses
import io
import re

KB = 1024
HEAD_BYTES = 64
PREFIX_BYTES = 64 * KB
PDF_HEAD = 1024
PDF_TAIL = 64 * KB
THUMB_PX = 240

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


class _Reader:
    """Ranged GETs that count every byte fetched."""

    def __init__(self, s3, bucket, key):
        self.s3, self.bucket, self.key = s3, bucket, key
        self.bytes_read = 0

    def range(self, start: int, end: int) -> bytes:
        body = self.s3.get_object(Bucket=self.bucket, Key=self.key, Range=f"bytes={start}-{end}")["Body"].read()
        self.bytes_read += len(body)
        return body

    def all(self, limit: int) -> bytes:
        body = self.s3.get_object(Bucket=self.bucket, Key=self.key)["Body"].read(limit + 1)
        self.bytes_read += len(body)
        return body


def _reject(s3, bucket, keys, delete, code, message, size, detected, read) -> Verdict:
    if delete:
        for key in keys:
            if key:
                s3.delete_object(Bucket=bucket, Key=key)
    return Verdict(False, code, message, size, detected, read)


def verify_object(s3, bucket: str, key: str, *, declared_type: str, allowed_types: frozenset,
                  max_bytes: int, dest_key: str | None = None, thumbnail_key: str | None = None,
                  max_pixels: int = 40_000_000, delete_rejected: bool = True) -> Verdict:
    from botocore.exceptions import ClientError

    declared = ALIASES.get(declared_type, declared_type)
    target = dest_key or key
    try:
        size = s3.head_object(Bucket=bucket, Key=key)["ContentLength"]
    except ClientError as exc:
        if exc.response["Error"]["Code"] in ("404", "NoSuchKey", "NotFound"):
            return Verdict(False, "NOT_FOUND", "未找到上传的文件，请重新上传", 0, None, 0)
        raise
    reject = lambda code, msg, detected=None, read=0: _reject(  # noqa: E731
        s3, bucket, {key, target if target != key else None, thumbnail_key}, delete_rejected, code, msg, size,
        detected, read)
    if size == 0:
        return reject("EMPTY", "文件为空，请重新选择")
    if size > max_bytes:
        return reject("TOO_LARGE", f"文件大小超过{max_bytes // KB}KB的限制")
    reader = _Reader(s3, bucket, key)
    head = reader.range(0, min(size, HEAD_BYTES) - 1)
    detected = sniff(head)
    if declared not in allowed_types:
        return reject("TYPE_NOT_ALLOWED", "文件格式不符合要求", detected, reader.bytes_read)
    if detected != declared:
        name = TYPE_NAMES.get(detected, "无法识别的格式")
        return reject("TYPE_MISMATCH", f"文件内容与声明的类型不符（实际为{name}）", detected, reader.bytes_read)
    if detected == "application/pdf":
        problem = _check_pdf(reader, size)
        if problem:
            return reject(problem[0], problem[1], detected, reader.bytes_read)
        if target != key:
            s3.copy_object(Bucket=bucket, Key=target, CopySource={"Bucket": bucket, "Key": key},
                           ContentType=detected, MetadataDirective="REPLACE")
            s3.delete_object(Bucket=bucket, Key=key)
        return Verdict(True, "OK", "文件核验通过", size, detected, reader.bytes_read)
    return _check_image(s3, bucket, key, target, thumbnail_key, reader, size, detected, max_pixels, max_bytes,
                        reject, head)


def _check_pdf(reader: _Reader, size: int):
    head = reader.range(0, min(PDF_HEAD, size) - 1)
    if not re.match(rb"%PDF-\d\.\d", head):
        return "PDF_CORRUPT", "PDF文件不完整或已损坏"
    tail = reader.range(max(0, size - PDF_TAIL), size - 1)
    if b"%%EOF" not in tail[-2048:]:
        return "PDF_CORRUPT", "PDF文件不完整或已损坏"
    m = list(re.finditer(rb"startxref\s+(\d+)", tail))
    if not m or int(m[-1].group(1)) >= size:
        return "PDF_CORRUPT", "PDF文件不完整或已损坏"
    offset = int(m[-1].group(1))
    probe = reader.range(offset, min(size - 1, offset + 63))
    if not (probe.startswith(b"xref") or re.match(rb"\d+\s+\d+\s+obj", probe)):
        return "PDF_CORRUPT", "PDF文件不完整或已损坏"
    if b"/Encrypt" in tail:
        return "PDF_ENCRYPTED", "PDF文件已加密，无法审阅，请上传未加密的文件"
    return None


def _check_image(s3, bucket, key, target, thumbnail_key, reader, size, detected, max_pixels, max_bytes, reject,
                 head: bytes):
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
