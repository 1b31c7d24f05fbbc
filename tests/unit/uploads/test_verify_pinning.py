"""Issue 16 item 1 on moto itself: moto honours If-Match on GetObject (not CopySourceIfMatch, which
tests/unit/test_hostile_uploads.py covers with an event hook), so a swap between the HEAD and the
reads is seen here with no emulation at all."""
from chalicelib.uploads.verify import ATTEMPTS, verify_object
from tests.helpers.upload_samples import EXE, jpeg, pdf, png
from tests.helpers.verify_s3 import BUCKET, exists, get, put

KB = 1024
ALL = frozenset({"image/png", "image/jpeg", "image/bmp", "application/pdf"})


class SwapOnRead:
    """Replace the object just before the first `times` GetObject calls (a re-POST racing the verifier)."""

    def __init__(self, s3, key, replacements):
        self.s3, self.key, self.replacements = s3, key, list(replacements)
        self.statuses = []

    def before(self, params, **_):
        if self.replacements:
            put(self.s3, self.key, self.replacements.pop(0))

    def after(self, http_response, **_):
        self.statuses.append(http_response.status_code)


def _run(s3, key, declared, **kw):
    return verify_object(s3, BUCKET, key, declared_type=declared, allowed_types=ALL, max_bytes=3000 * KB, **kw)


def _hooked(s3, swap):
    s3.meta.events.register("before-call.s3.GetObject", swap.before)
    s3.meta.events.register("after-call.s3.GetObject", swap.after)


def test_a_swap_after_the_head_is_a_412_and_the_new_bytes_are_judged(mock_s3):
    put(mock_s3, "in/a.pdf", pdf(500))
    swap = SwapOnRead(mock_s3, "in/a.pdf", [EXE])
    _hooked(mock_s3, swap)
    v = _run(mock_s3, "in/a.pdf", "application/pdf", dest_key="ok/a.pdf")
    assert 412 in swap.statuses                          # moto refused the read pinned to the old ETag
    assert (v.ok, v.code) == (False, "TYPE_MISMATCH") and "EXE" in v.message, v
    assert not exists(mock_s3, "ok/a.pdf") and not exists(mock_s3, "in/a.pdf")


def test_an_image_swapped_for_another_image_stores_the_one_that_was_read(mock_s3):
    first, second = png(40, 30), jpeg(50, 20)
    put(mock_s3, "in/a.png", first)
    _hooked(mock_s3, SwapOnRead(mock_s3, "in/a.png", [second]))
    v = _run(mock_s3, "in/a.png", "image/png", dest_key="ok/a.png")
    assert (v.ok, v.code) == (False, "TYPE_MISMATCH"), v    # judged on the JPEG actually there now


def test_endless_swapping_ends_in_a_refusal_not_a_loop(mock_s3):
    put(mock_s3, "in/a.pdf", pdf(500))
    _hooked(mock_s3, SwapOnRead(mock_s3, "in/a.pdf", [pdf(500 + n) for n in range(1, 20)]))
    v = _run(mock_s3, "in/a.pdf", "application/pdf", dest_key="ok/a.pdf")
    assert (v.ok, v.code) == (False, "CHANGED") and "更换" in v.message, v
    assert ATTEMPTS == 3 and not exists(mock_s3, "ok/a.pdf")


def test_an_object_already_moved_is_verified_where_it_lies(mock_s3):
    """Issue 15 item 6 at the library level: incoming/ is empty, the moved copy is judged again."""
    data = pdf(500)
    put(mock_s3, "ok/a.pdf", data)
    v = _run(mock_s3, "in/a.pdf", "application/pdf", dest_key="ok/a.pdf")
    assert v.ok and get(mock_s3, "ok/a.pdf") == data
    put(mock_s3, "ok/b.jpg", jpeg())
    v = _run(mock_s3, "in/b.jpg", "image/jpeg", dest_key="ok/b.jpg", thumbnail_key="t/b.jpg")
    assert v.ok and exists(mock_s3, "t/b.jpg")
    assert _run(mock_s3, "in/none.pdf", "application/pdf", dest_key="ok/none.pdf").code == "NOT_FOUND"
