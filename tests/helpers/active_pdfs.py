"""PDFs with active content (issue 28 item 1): a scanned certificate built by hand with an image and
an embedded font, and the cases that add JavaScript, launch actions, embedded files, URI beacons,
annotations or bytes after %EOF to it."""
import io
import zlib

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
