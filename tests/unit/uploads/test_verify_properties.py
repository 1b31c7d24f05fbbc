"""Property-based fuzzing (Hypothesis) of the upload verifier (issue 16): arbitrary bytes, valid
files with bytes flipped, cut or appended, and PDF headers in front of anything, under every
declared type. Whatever the input: no exception escapes, a pass stores a file of the declared type
that a reader opens, and a refusal leaves nothing behind. Derandomized, so CI is deterministic."""
import io
import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chalicelib.uploads.verify import sniff, verify_object
from tests.helpers.upload_samples import EXE, HTML, bmp, jpeg, pdf, png
from tests.helpers.verify_s3 import BUCKET

KB = 1024
ALL = frozenset({"image/png", "image/jpeg", "image/bmp", "application/pdf"})
FUZZ = settings(derandomize=True, max_examples=150, deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
SEEDS = [png(16, 12), jpeg(24, 16), bmp(8, 8), pdf(200), pdf(200, xref_stream=True), pdf(200, update=True)]
_keys = itertools.count()


@st.composite
def hostile_files(draw):
    kind = draw(st.sampled_from(["random", "mutated", "cut", "appended", "pdf-header"]))
    if kind == "random":
        return draw(st.binary(min_size=0, max_size=2048))
    seed = draw(st.sampled_from(SEEDS))
    if kind == "mutated":
        data = bytearray(seed)
        for _ in range(draw(st.integers(1, 8))):
            data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
        return bytes(data)
    if kind == "cut":
        return seed[: draw(st.integers(0, len(seed)))]
    if kind == "appended":
        return seed + draw(st.sampled_from([EXE, HTML, b"%%EOF\n", b"\x00" * 100]))
    body = draw(st.sampled_from([EXE, HTML, b"", b"1 0 obj\n<< >>\nendobj\n"]))
    return b"%PDF-1.7\n" + body + draw(st.sampled_from([b"", b"%%EOF\n", b"trailer\n<< /Root 1 0 R >>\n%%EOF\n",
                                                         b"startxref\n9\n%%EOF\n"]))


def _exists(s3, key):
    try:
        s3.head_object(Bucket=BUCKET, Key=key)
        return True
    except s3.exceptions.ClientError:
        return False


def _opens(data: bytes, declared: str) -> bool:
    if declared == "application/pdf":
        from pypdf import PdfReader

        reader = PdfReader(io.BytesIO(data), strict=False)
        return len(reader.pages) >= 1
    from PIL import Image

    img = Image.open(io.BytesIO(data))
    img.load()
    return True


@FUZZ
@given(data=hostile_files(), declared=st.sampled_from(sorted(ALL) + ["image/jpg", "text/html"]))
def test_whatever_the_bytes_the_verdict_is_sound(mock_s3, data, declared):
    n = next(_keys)
    src, dest, thumb = f"incoming/{n}.bin", f"decl/{n}.bin", f"decl/{n}.thumb.jpg"
    mock_s3.put_object(Bucket=BUCKET, Key=src, Body=data)
    verdict = verify_object(mock_s3, BUCKET, src, declared_type=declared, allowed_types=ALL, max_bytes=64 * KB,
                            dest_key=dest, thumbnail_key=thumb)
    assert verdict.message and verdict.code
    if verdict.ok:
        stored = mock_s3.get_object(Bucket=BUCKET, Key=dest)["Body"].read()
        wanted = {"image/jpg": "image/jpeg"}.get(declared, declared)
        assert sniff(stored[:64]) == wanted and _opens(stored, wanted)
        assert not _exists(mock_s3, src)
    else:
        assert not any(_exists(mock_s3, k) for k in (src, dest, thumb)), verdict


@FUZZ
@given(data=hostile_files())
def test_the_same_bytes_get_the_same_verdict_twice(mock_s3, data):
    n = next(_keys)
    verdicts = []
    for attempt in range(2):
        key = f"incoming/{n}-{attempt}.pdf"
        mock_s3.put_object(Bucket=BUCKET, Key=key, Body=data)
        v = verify_object(mock_s3, BUCKET, key, declared_type=sniff(data[:64]) or "application/pdf",
                          allowed_types=ALL, max_bytes=64 * KB, delete_rejected=False)
        verdicts.append((v.ok, v.code))
    assert verdicts[0] == verdicts[1]
