"""Lighthouse (mobile preset: simulated slow 4G, 4× CPU) on the applicants' phone pages: the median
of five runs per page (Lighthouse's own advice on variability), against a local stack of its own.

The test suite keeps one bounded smoke (one page, one run: tests/browser/test_applicant_mobile.py);
the scores of every page are measured here: `./dev bench` (or `python -m bench.lighthouse_bench`).
Targets: performance ≥ 90, accessibility ≥ 95 (the exit code is non-zero if a median misses one).
"""
import json
import os
import pathlib
import subprocess
import sys
import tempfile

import requests

ROOT = pathlib.Path(__file__).resolve().parent.parent
WHO = "applicant1"                # seeded, bound to the institute and approved
TITLE_MATTER = "TITLE_NORMAL"
RUNS = 5
TARGET = {"performance": 90, "accessibility": 95}


def _token(api, login):
    return requests.post(f"{api}/dev/token", json={"login": login}, timeout=10).json()["token"]


def _open_notices(menu):
    """{matter code: its newest open notice id} from GET /matters."""
    return {m["code"]: m["notices"][0]["notice_id"]
            for service in menu["services"] for g in service["groups"] for m in g["matters"] if m["notices"]}


def declarations(api):
    """A draft of a non-职称 matter (人才分类定级) and one of 正常职称申报, both for WHO."""
    h = {"Authorization": f"Bearer {_token(api, WHO)}"}
    menu = _open_notices(requests.get(f"{api}/matters", headers=h, timeout=10).json())
    out = {}
    for code, notice in menu.items():
        kind = "title" if code == TITLE_MATTER else "talent" if not code.startswith("TITLE_") else None
        if kind and kind not in out:
            r = requests.post(f"{api}/declarations", headers=h, timeout=30,
                              json={"notice_id": notice, "confirmed": True})
            if r.ok:
                out[kind] = r.json()["decl_id"]
    return out


def pages(decls):
    paths = ["/login", "/m", "/m/binding", f"/m/matter/{TITLE_MATTER}"]
    d = decls.get("talent")
    if d:
        paths += [f"/m/declare/{d}?step=0", f"/m/declare/{d}?step=1&module=basic",
                  f"/m/declare/{d}?step=1&module=honours", f"/m/declare/{d}?step=2",
                  f"/m/declare/{d}", f"/m/progress/{d}"]
    t = decls.get("title")
    if t:
        paths += [f"/m/declare/{t}?step=1&module=basic", f"/m/declare/{t}?step=1&module=experts",
                  f"/m/declare/{t}?step=2"]
    return paths


def run_once(web_url, paths, out, who=WHO, timeout=1800):
    """One Lighthouse run over `paths` (web/scripts/lighthouse.mjs), signed in as `who`."""
    env = {**os.environ, "CHROME_PATH": os.environ.get("CHROMIUM", "/usr/bin/chromium")}
    proc = subprocess.run(["node", "scripts/lighthouse.mjs", web_url, who, str(out), *paths],
                          cwd=ROOT / "web", env=env, capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        raise RuntimeError(f"lighthouse failed:\n{proc.stderr[-3000:]}")
    return json.loads(pathlib.Path(out).read_text())


def measure(web_url, api_url, runs=RUNS):
    paths = pages(declarations(api_url))
    samples = {p: [] for p in paths}
    with tempfile.TemporaryDirectory() as tmp:
        for n in range(runs):
            for p, s in run_once(web_url, paths, pathlib.Path(tmp) / f"run-{n}.json").items():
                samples[p].append(s)
    return {p: sorted(r, key=lambda s: s["performance"])[len(r) // 2] for p, r in samples.items() if r}


def report(medians):
    print(f"Lighthouse mobile, median of {RUNS} runs per page (targets: performance ≥ 90, accessibility ≥ 95)")
    print(f"{'page':58} {'perf':>5} {'a11y':>5} {'FCP ms':>7} {'LCP ms':>7} {'TBT ms':>7} {'CLS':>6}")
    missed = []
    for p, s in medians.items():
        print(f"{p[:58]:58} {s['performance']:>5} {s['accessibility']:>5} {s['fcp_ms']:>7} {s['lcp_ms']:>7} "
              f"{s['tbt_ms']:>7} {s['cls']:>6.3f}")
        if s["runtime_error"] or any(s[k] < v for k, v in TARGET.items()):
            missed.append(p)
    print("below target: " + (", ".join(missed) if missed else "none"))
    return missed


def main(quick=False):
    if not (ROOT / "web" / "dist" / "index.html").exists() or not (ROOT / "web" / "node_modules" / "lighthouse").exists():
        print("Lighthouse: skipped (web/dist or web/node_modules missing: ./dev setup)")
        return []
    from devtools.local_stack import LocalStack

    with LocalStack() as stack:
        medians = measure(stack.web_url, stack.api_url, runs=1 if quick else RUNS)
    return report(medians)


if __name__ == "__main__":
    sys.exit(1 if main("--quick" in sys.argv) else 0)
