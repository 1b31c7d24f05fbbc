"""Upload verification cost (DESIGN.md §5): bytes read from S3 to verify a 50 MB PDF (target
≤ 1 MB, bounded), peak memory / time to verify a 20-megapixel JPEG (in the S3-event verifier),
and what the API's "complete" pays for that JPEG (it only reads the header and defers)."""
import io
import os
import resource
import time
import tracemalloc


def main(quick: bool = False):
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "bench")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "bench")
    import boto3
    from moto import mock_aws
    from PIL import Image

    from chalicelib.services.uploads import INLINE_MAX_PIXELS
    from chalicelib.uploads.verify import verify_object
    from tests.helpers import files

    with mock_aws():
        s3 = boto3.client("s3", region_name="cn-north-1")
        s3.create_bucket(Bucket="bench-verify", CreateBucketConfiguration={"LocationConstraint": "cn-north-1"})
        size_mb = 10 if quick else 50          # "50 MB": the contract limit, 50000 KB
        pdf = files.pdf(padding=size_mb * 1000 * 1024 - 4000)
        s3.put_object(Bucket="bench-verify", Key="in/big.pdf", Body=pdf)
        t = time.perf_counter()
        v = verify_object(s3, "bench-verify", "in/big.pdf", declared_type="application/pdf",
                          allowed_types=frozenset({"application/pdf"}), max_bytes=50000 * 1024)
        pdf_s = time.perf_counter() - t
        w, h = (2736, 1824) if quick else (5472, 3648)
        img = Image.effect_noise((w // 8, h // 8), 60).resize((w, h)).convert("RGB")
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=85)
        del img
        s3.put_object(Bucket="bench-verify", Key="in/photo.jpg", Body=buf.getvalue())
        # What the API's "complete" pays for the same photo: the header says it is over the inline
        # bound, so it is left to the S3-event verifier (chalicelib/services/uploads.py).
        t = time.perf_counter()
        d = verify_object(s3, "bench-verify", "in/photo.jpg", declared_type="image/jpeg",
                          allowed_types=frozenset({"image/jpeg"}), max_bytes=20000 * 1024,
                          max_inline_pixels=INLINE_MAX_PIXELS)
        defer_s = time.perf_counter() - t
        # A scanner's PDF without a cross-reference table: rebuilt as readers do, then accepted.
        raw = files.pdf(text="scan")
        s3.put_object(Bucket="bench-verify", Key="in/scan.pdf",
                      Body=raw[: raw.index(b"xref\n")] + b"trailer\n<< /Size 5 /Root 1 0 R >>\n%%EOF\n")
        x = verify_object(s3, "bench-verify", "in/scan.pdf", declared_type="application/pdf",
                          allowed_types=frozenset({"application/pdf"}), max_bytes=50000 * 1024)
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        tracemalloc.start()
        t = time.perf_counter()
        j = verify_object(s3, "bench-verify", "in/photo.jpg", declared_type="image/jpeg",
                          allowed_types=frozenset({"image/jpeg"}), max_bytes=20000 * 1024)
        jpg_s = time.perf_counter() - t
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print("upload verification")
    print(f"  {size_mb} MB PDF : {v.code}, read {v.bytes_read / 1024:.1f} KB from S3 "
          f"({v.bytes_read / len(pdf) * 100:.3f} % of the file), {pdf_s * 1000:.0f} ms   (target ≤ 1024 KB)")
    print(f"  {w * h / 1e6:.0f} MP JPEG ({len(buf.getvalue()) / 2**20:.1f} MB): {j.code}, {jpg_s:.2f} s, "
          f"peak Python allocations {peak / 2**20:.0f} MB, max RSS grew {(rss_after - rss_before) / 1024:.0f} MB "
          f"(S3-event verifier)")
    print(f"  same JPEG in the API's complete: {d.code} in {defer_s * 1000:.0f} ms, read {d.bytes_read / 1024:.0f} KB "
          f"(inline bound {INLINE_MAX_PIXELS / 1e6:.0f} MP)")
    print(f"  PDF without an xref table: {x.code}, read {x.bytes_read} bytes")
    return {"pdf_bytes_read": v.bytes_read, "jpeg_peak_mb": peak / 2**20, "jpeg_seconds": jpg_s,
            "complete_defer_seconds": defer_s, "complete_defer_bytes": d.bytes_read}


if __name__ == "__main__":
    main()
