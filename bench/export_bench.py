"""Export and form benchmarks (DESIGN.md §5, issue #8).

- Results export: 10 000 and 100 000 rows written by the same streaming writer the export job
  uses; wall time and peak Python memory (tracemalloc). Target: peak independent of row count
  (within 20 %).
- 申报表 PDF of a full declaration with 20 attachments listed: time and size.
Run: python -m bench.export_bench [rows ...]
"""
import os
import sys
import tempfile
import time
import tracemalloc


def _rows(n):
    for i in range(n):
        yield (f"申报人{i:06d}", f"220102********{i % 10000:04d}", "长白理工大学先进材料研究院", "C类",
               "专业技术人员", "2026-11-24", "终审通过", "通过", "C类")


def export(n: int) -> dict:
    from chalicelib.documents import spreadsheets

    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "x.xlsx")
        t = time.perf_counter()   # timed without tracemalloc, which slows allocation-heavy code
        spreadsheets.write_rows(path, "分类定级人才", "bench", spreadsheets.RESULT_COLUMNS, _rows(n))
        elapsed = time.perf_counter() - t
        size = os.path.getsize(path)
        tracemalloc.start()
        spreadsheets.write_rows(path, "分类定级人才", "bench", spreadsheets.RESULT_COLUMNS, _rows(n))
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return {"rows": n, "seconds": elapsed, "peak_mb": peak / 2**20, "file_mb": size / 2**20}


def pdf() -> dict:
    from chalicelib.documents import declaration_pdf
    from chalicelib.matters import registry

    d = registry.get("TALENT_GRADING")
    basic = {"name": "张明远", "phone": "13800000001", "personnel_category": "专业技术人员",
             "education": "博士研究生", "applied_level": "C类", "sex": "男性", "age": 41,
             "id_type": "居民身份证（户口簿）", "id_number": "220102198506123014"}
    view = {"notice_title": "关于开展2026年度吉林省人才分类定级评定工作的通知", "unit_name": "长白理工大学",
            "status_label": "已申报", "pledge_accepted_at": "2026-11-24T10:00:00Z",
            "submitted_at": "2026-11-24T10:01:00Z",
            "modules": {"basic": {"content": basic},
                        "education": {"content": [{"school": "吉林大学", "major": "材料学", "degree": "博士"}] * 3},
                        "continuing": {"content": [{"content": "高级研修班", "hours": 40}] * 5},
                        "work": {"content": [{"employer": "长白理工大学", "post": "教授", "start_date": "2010-07-01"}] * 6},
                        "achievements": {"content": "主持国家重点研发计划项目。" * 30},
                        "honours": {"content": [{"name": "吉林省拔尖创新人才", "granted_on": "2021-09-10",
                                                 "representative": True}] * 4}},
            "attachments": [{"category": "contract", "file_name": f"聘用合同第{i + 1}页.pdf", "state": "verified"}
                            for i in range(20)]}
    t = time.perf_counter()
    data = declaration_pdf.render(view, d)
    return {"seconds": time.perf_counter() - t, "kb": len(data) / 1024}


def main(counts=(10_000, 100_000)):
    export(100)   # warm-up: imports and first-use caches are not part of the per-row cost
    runs = [export(n) for n in counts]
    print("results export (xlsxwriter constant_memory, streamed rows)")
    for r in runs:
        print(f"  {r['rows']:>7} rows: {r['seconds']:6.2f} s   peak {r['peak_mb']:6.2f} MB   file {r['file_mb']:5.2f} MB")
    if len(runs) >= 2:
        ratio = runs[-1]["peak_mb"] / runs[0]["peak_mb"]
        print(f"  peak memory ratio {runs[-1]['rows']}/{runs[0]['rows']} rows: {ratio:.2f} (target ≤ 1.20)")
    p = pdf()
    print(f"申报表 PDF, 20 attachments listed: {p['seconds'] * 1000:.0f} ms, {p['kb']:.0f} KB")
    return runs, p


if __name__ == "__main__":
    main(tuple(int(a) for a in sys.argv[1:]) or (10_000, 100_000))
