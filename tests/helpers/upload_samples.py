"""Real files for the verification tests (chalicelib.uploads.verify), generated here: images with
Pillow, PDFs by hand, and the first bytes of formats that must never pass as an upload."""
import io
import struct
import zlib


def png(w=64, h=48, color=(200, 30, 30), **save) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (w, h), color).save(out, "PNG", **save)
    return out.getvalue()


def noise(w, h):
    """Photo-like content: smooth noise, so JPEG compresses it realistically."""
    from PIL import Image

    return Image.effect_noise((max(1, w // 8), max(1, h // 8)), 60).resize((w, h)).convert("RGB")


def jpeg(w=80, h=60, **save) -> bytes:
    out = io.BytesIO()
    noise(w, h).save(out, "JPEG", quality=90, **save)
    return out.getvalue()


def bmp(w=20, h=20) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (w, h), (0, 255, 0)).save(out, "BMP")
    return out.getvalue()


def gps_exif(orientation=None):
    from PIL import Image

    exif = Image.Exif()
    exif[0x010F] = "TestCam"                                                     # Make
    exif[0x8825] = {1: "N", 2: (43.0, 53.0, 0.0), 3: "E", 4: (125.0, 19.0, 0.0)}   # GPS IFD (长春)
    if orientation:
        exif[0x0112] = orientation
    return exif


def chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_bomb(w=30000, h=30000, trailing=b"") -> bytes:
    """A PNG of a few hundred bytes whose IHDR declares w×h RGB pixels."""
    ihdr = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 4096))
            + chunk(b"IEND", b"") + trailing)


def pdf(padding=0, *, encrypt=False, xref_stream=False, update=False) -> bytes:
    """A minimal PDF with a correct cross-reference; `padding` grows a content stream."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R >>"]
    stream = b"BT /F1 12 Tf 20 100 Td (hello) Tj ET" + b" " * padding
    objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    if encrypt:
        objects.append(b"<< /Filter /Standard /V 1 /R 2 /O <" + b"00" * 32 + b"> /U <" + b"00" * 32
                       + b"> /P -44 >>")
    out = io.BytesIO()
    out.write(b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for n, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % n + body + b"\nendobj\n")
    size = len(objects) + 1
    extra = b" /Encrypt 5 0 R /ID [<0123456789abcdef0123456789abcdef> <0123456789abcdef0123456789abcdef>]" \
        if encrypt else b""
    xref = out.tell()
    if xref_stream:                       # PDF 1.5 cross-reference stream instead of an xref table
        rows = b"".join(b"\x01" + struct.pack(">I", off) + b"\x00" for off in offsets)
        rows = b"\x00\x00\x00\x00\x00\xff" + rows + b"\x01" + struct.pack(">I", xref) + b"\x00"
        data = zlib.compress(rows)
        out.write(b"%d 0 obj\n<< /Type /XRef /Size %d /W [1 4 1] /Root 1 0 R /Filter /FlateDecode /Length %d >>\n"
                  b"stream\n" % (size, size + 1, len(data)) + data + b"\nendstream\nendobj\n")
    else:
        out.write(b"xref\n0 %d\n0000000000 65535 f \n" % size)
        for off in offsets:
            out.write(b"%010d 00000 n \n" % off)
        out.write(b"trailer\n<< /Size %d /Root 1 0 R%s >>\n" % (size, extra))
    out.write(b"startxref\n%d\n%%%%EOF\n" % xref)
    if update:                            # an incremental update: a second section and %%EOF
        body_at = out.tell()
        out.write(b"3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 300] /Contents 4 0 R >>\nendobj\n")
        xref2 = out.tell()
        out.write(b"xref\n3 1\n%010d 00000 n \ntrailer\n<< /Size %d /Root 1 0 R /Prev %d >>\nstartxref\n%d\n%%%%EOF\n"
                  % (body_at, size, xref, xref2))
    return out.getvalue()


def pdf_of_size(total: int) -> bytes:
    padding = 0
    for _ in range(5):                    # the xref offsets grow digits with the padding
        data = pdf(padding=padding)
        if len(data) == total:
            return data
        padding += total - len(data)
    raise AssertionError("could not hit the size")


HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200 + b"This program cannot be run in DOS mode"
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 200
ZIP = b"PK\x03\x04\x14\x00\x00\x00\x08\x00" + b"\x00" * 100
GIF = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x00\x00\x00\x00\x00,\x00\x00\x00\x00" \
      b"\x01\x00\x01\x00\x00\x02\x02D\x01\x00;"
