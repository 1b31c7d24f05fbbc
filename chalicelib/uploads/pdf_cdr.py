"""Active content in PDFs: found, and disarmed by reconstruction (CDR), issue 28 item 1.

Reviewers at every level open applicants' PDFs in desktop readers, which act on a document's
actions. A structurally valid PDF can carry them: an /OpenAction or /AA (additional action) that
runs JavaScript, launches a program (/Launch cmd.exe) or calls a URL (a beacon) when it is opened,
a JavaScript name tree, an embedded file (an EXE offered to the reader), link annotations, or a ZIP
archive appended after %%EOF (a polyglot that archive tools open).

Verdict: disarm, not refuse. What applicants upload are scans and exports of certificates from
scanner apps, WPS, Office and issuing systems, which add such things without the applicant knowing
(a document-level script for a form, a link in a footer, an XML invoice embedded in a PDF/A-3) and
which the applicant cannot remove. Refusing them would bounce genuine certificates with a reason
the applicant cannot act on; what the province needs from the file is what its pages show. So:

- `findings` parses the whole file (pypdf, every object reachable from the trailer: compressed
  object streams and #-escaped names are decoded as readers decode them) and lists what is active,
  plus data after the last %%EOF;
- nothing found: the file is stored byte for byte (a signed electronic certificate keeps its
  signature valid);
- something found: `rebuild` writes a new PDF holding only the pages with their content and
  resources (fonts, images: an embedded font stays) and their annotations that only draw (a seal
  or stamp keeps its appearance) stripped of actions; no catalog extras (no /OpenAction, /AA,
  /Names, /AcroForm, /Outlines), no link, file-attachment or media annotations, no orphan objects,
  no trailing data. The rebuilt file is parsed again and must show nothing active, with the same
  number of pages; what was removed is recorded in the declaration's audit trail.

Bounds: the walk goes through the verifier's ranged, ETag-pinned reads and never into page
content, resources, appearance streams, metadata or the structure tree (no action lives there), so a
clean scan is judged from a few blocks (a 50 MB scan: tens of KB). Only a file with something to
remove is read whole, by one GET pinned to the same ETag, into a spooled temporary file (memory up
to SPOOL_MEMORY, then /tmp); a file over
the caller's inline bound is then left to the S3-event verifier (sized for it). At most MAX_OBJECTS
objects and MAX_PAGES pages; pypdf's own decompression limits (75 MB a stream) apply; the rebuild
is written to a spooled temporary file (memory up to SPOOL_MEMORY, then /tmp) and refused when
larger than MAX_GROWTH × the original + 1 MiB.
"""
import tempfile

MAX_OBJECTS = 200_000
MAX_PAGES = 2_000
MAX_GROWTH = 2
SPOOL_MEMORY = 8 * 1024 * 1024
TRAILING_SLACK = 64          # bytes after %%EOF that are only whitespace/NULs still count as none

# What each kind is called in the audit trail and in the verdict (people read it).
JAVASCRIPT, LAUNCH, EMBEDDED, URI, ADDITIONAL, TRAILING, FORM, MEDIA, REMOTE = (
    "JavaScript脚本", "启动外部程序的动作", "嵌入文件", "访问网址的动作或链接", "附加动作（打开、关闭或翻页时执行）",
    "文件末尾附加的数据", "交互表单（XFA/提交表单）", "多媒体或3D内容", "打开其他文件的动作")
_ACTIONS = {"/JavaScript": JAVASCRIPT, "/Launch": LAUNCH, "/URI": URI, "/SubmitForm": FORM, "/ImportData": FORM,
            "/ResetForm": FORM, "/GoToR": REMOTE, "/GoToE": REMOTE, "/Rendition": MEDIA, "/Movie": MEDIA,
            "/Sound": MEDIA, "/RichMediaExecute": MEDIA}
_KEYS = {"/JS": JAVASCRIPT, "/JavaScript": JAVASCRIPT, "/AA": ADDITIONAL, "/EmbeddedFiles": EMBEDDED,
         "/EmbeddedFile": EMBEDDED, "/EF": EMBEDDED, "/XFA": FORM, "/RichMediaContent": MEDIA}
_DROPPED_ANNOTS = {"/Link": URI, "/FileAttachment": EMBEDDED, "/Movie": MEDIA, "/Sound": MEDIA, "/Screen": MEDIA,
                   "/RichMedia": MEDIA, "/3D": MEDIA}
_ANNOT_ACTION_KEYS = ("/A", "/AA", "/PA", "/Parent")


class TooComplex(Exception):
    """More objects or pages than a verification may walk."""


def trailing_data(tail: bytes) -> bool:
    """Data after the last %%EOF that is more than line ends/blanks (a ZIP, an EXE, HTML …)."""
    end = tail.rfind(b"%%EOF")
    rest = tail[end + 5:] if end >= 0 else b""
    return len(rest.strip(b" \t\r\n\f\x00")) > 0 or len(rest) > TRAILING_SLACK


# Values never walked: page content and resources, appearance streams, thumbnails, metadata, the
# structure tree, output intents (no action lives there; they are most of a file's bytes), and the
# values of what is flagged at its key anyway (a script, an embedded file, an XFA form).
_SKIP = {"/Contents", "/Resources", "/AP", "/Thumb", "/Metadata", "/StructTreeRoot", "/OutputIntents",
         "/PieceInfo", "/DR", "/Font", "/XObject", "/ParentTree", "/JS", "/EF", "/EmbeddedFile", "/XFA",
         "/RichMediaContent", "/Parent", "/P", "/ColorSpace"}


def _walk(root):
    """Every dictionary reachable from root outside _SKIP (indirect objects once each), iterative."""
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

    seen, stack, count = set(), [root], 0
    while stack:
        item = stack.pop()
        if isinstance(item, IndirectObject):
            ref = (item.idnum, item.generation)
            if ref in seen:
                continue
            seen.add(ref)
            count += 1
            if count > MAX_OBJECTS:
                raise TooComplex()
            item = item.get_object()
        if isinstance(item, DictionaryObject):
            yield item
            stack.extend(v for k, v in item.items() if k not in _SKIP)
        elif isinstance(item, ArrayObject):
            stack.extend(item)


def active_content(reader) -> set:
    """What readers would act on, anywhere in the document."""
    found = set()
    trailer = reader.trailer
    for obj in _walk(trailer):
        for key in obj.keys():
            if key in _KEYS:
                found.add(_KEYS[key])
        kind = obj.get("/S")
        if kind in _ACTIONS:
            found.add(_ACTIONS[kind])
        subtype = obj.get("/Subtype")
        if subtype in _DROPPED_ANNOTS and ("/Rect" in obj or obj.get("/Type") == "/Annot"):
            found.add(_DROPPED_ANNOTS[subtype])
        if obj.get("/Type") == "/EmbeddedFile":
            found.add(EMBEDDED)
    return found


def _strip_page(page) -> None:
    """In the reader's (cached) objects: the page without actions and without active annotations."""
    from pypdf.generic import ArrayObject, NameObject

    if "/AA" in page:
        del page["/AA"]
    annots = page.get("/Annots")
    if annots is None:
        return
    kept = ArrayObject()
    for ref in annots.get_object():
        annot = ref.get_object()
        if not hasattr(annot, "get") or annot.get("/Subtype") in _DROPPED_ANNOTS:
            continue
        for key in _ANNOT_ACTION_KEYS:
            if key in annot:
                del annot[key]
        kept.append(ref)
    if kept:
        page[NameObject("/Annots")] = kept
    else:
        del page["/Annots"]


def rebuild(reader, out) -> int:
    """Write the disarmed document to out; its page count."""
    from pypdf import PdfWriter

    if len(reader.pages) > MAX_PAGES:
        raise TooComplex()
    writer = PdfWriter()
    for page in reader.pages:
        _strip_page(page)
        writer.add_page(page)
    writer.write(out)
    return len(reader.pages)


DEFERRED = ("DEFERRED", "")
TOO_BROKEN = ("PDF_CORRUPT", "PDF文件结构损坏，无法在线核验，请用PDF阅读器另存后重新上传")
TOO_COMPLEX = ("PDF_TOO_COMPLEX", "PDF文件结构过于复杂，无法安全处理，请用PDF阅读器另存或打印为PDF后重新上传")
ACTIVE_LEFT = ("PDF_ACTIVE_CONTENT", "PDF文件含有无法移除的活动内容（脚本、嵌入文件等），请打印为PDF后重新上传")


def fetch_whole(reader, size: int):
    """The whole object by one GET pinned to the verified ETag, into a spooled temporary file (a
    rebuild reads every stream: thousands of ranged GETs would cost minutes)."""
    body = reader._get()
    out = tempfile.SpooledTemporaryFile(max_size=SPOOL_MEMORY)
    while True:
        chunk = body.read(1024 * 1024)
        if not chunk:
            break
        reader.bytes_read += len(chunk)
        if out.tell() + len(chunk) > size:
            out.close()
            raise TooComplex()             # more bytes than the HEAD said: not what was judged
        out.write(chunk)
    out.seek(0)
    return out


def _failed(stream):
    """The read failure pypdf may have swallowed: a 412 (Changed) or S3 error is raised again."""
    failure = stream.failure
    if failure is None:
        return None
    if type(failure).__name__ == "_Budget":
        return TOO_COMPLEX
    raise failure


def disarm(pdf, stream, tail: bytes, size: int, max_inline: int | None):
    """(problem, rebuilt file or None, what was removed) for a PDF the verifier opened: `pdf` is its
    PdfReader over `stream`, the verifier's ranged reader (ETag-pinned, blocks cached)."""
    from pypdf import PdfReader

    stream.budget = max(stream.budget, size + 256 * 1024)       # at most the whole file, once
    removed = {TRAILING} if trailing_data(tail[-4096:]) else set()
    try:
        removed |= active_content(pdf)
    except TooComplex:
        return TOO_COMPLEX, None, ()
    except Exception:  # noqa: BLE001 - what pypdf cannot walk is not judged clean
        return _failed(stream) or TOO_BROKEN, None, ()
    problem = _failed(stream)
    if problem or not removed:
        return problem, None, ()
    if max_inline is not None and size > max_inline:
        return DEFERRED, None, ()
    whole = fetch_whole(stream.reader, size)       # one pinned GET (a 412 raises Changed: start again)
    out = tempfile.SpooledTemporaryFile(max_size=SPOOL_MEMORY)
    try:
        pages = rebuild(PdfReader(whole, strict=False), out)
    except TooComplex:
        return TOO_COMPLEX, None, ()
    except Exception:  # noqa: BLE001 - what pypdf cannot rebuild is not stored
        return TOO_BROKEN, None, ()
    finally:
        whole.close()
    if out.tell() > MAX_GROWTH * size + 1024 * 1024:
        out.close()
        return TOO_COMPLEX, None, ()
    out.seek(0)
    try:
        again = PdfReader(out, strict=False)
        left = active_content(again) or len(again.pages) != pages
    except Exception:  # noqa: BLE001
        left = True
    if left:
        out.close()
        return ACTIVE_LEFT, None, ()
    out.seek(0)
    return None, out, tuple(sorted(removed))
