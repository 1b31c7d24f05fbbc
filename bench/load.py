"""Load run against the running local stack (DESIGN.md §5): many simulated applicants and
reviewers through the whole flow at once, then a check of the stored state.

Each applicant: profile → bind to a unit (the unit's agent approves) → start a declaration →
fill every module (concurrent module saves) → real uploads by presigned POST (photo, ID card ×2,
talent certificate), verified by the worker from the S3 events → pledge → submit (twice: a
double tap). Meanwhile the first-level reviewers work their 待审核 lists and pass every task. Afterwards: zero errors, every
declaration submitted exactly once with one execution, and the units' counters equal the real
counts. Prints throughput and latency percentiles.

    python -m bench.load --applicants 200 --workers 32          (stack from ./dev up)
    python -m bench.load --applicants 200 --start-stack         (starts its own)
    python -m bench.load --applicants 50 --start-stack --runs 2 (twice against one stack)

Every run uses fresh identities (ID numbers drawn per run), so it can run again against the same
stack. Prints requests/s per quarter of the applicants' phase and the AWS calls per request type
(counted in the API process: devtools/call_counter.py).
"""
import argparse
import collections
import concurrent.futures
import io
import json
import pathlib
import random
import statistics
import threading
import time
import uuid

import requests

ROOT = pathlib.Path(__file__).resolve().parent.parent
UNITS = ["institute", "university", "company"]


class Client:
    def __init__(self, base, private_key):
        self.base = base.rstrip("/")
        self.key = private_key
        self.local = threading.local()
        self.latencies = collections.defaultdict(list)
        self.errors = []
        self.timeline = []          # (start, end) of every request, for the throughput trend
        self.lock = threading.Lock()
        self.issuer = {}            # iss/aud the API expects (learnt from one of its own dev tokens)

    @property
    def s(self):
        if not hasattr(self.local, "s"):
            self.local.s = requests.Session()
        return self.local.s

    def token(self, claims):
        from chalicelib.identity import sign_token

        return sign_token({**self.issuer, **claims}, self.key, ttl=3600)

    def call(self, label, method, path, token, expect=(200, 201, 204), **kw):
        headers = {"Authorization": f"Bearer {token}", **kw.pop("headers", {})}
        t = time.perf_counter()
        r = self.s.request(method, self.base + path, headers=headers, timeout=60, **kw)
        with self.lock:
            self.latencies[label].append(time.perf_counter() - t)
            self.timeline.append((t, time.perf_counter()))
            if r.status_code not in expect:
                self.errors.append(f"{label}: {r.status_code} {r.text[:200]}")
        return r


def _png():
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (120, 160), (30, 60, 200)).save(out, "PNG")
    return out.getvalue()


# Fresh identities on every run against one stack: a run draws a tag (region × birth year) for
# its ID numbers; n spreads over birth month, day and sequence (336,000 distinct per tag).
REGIONS = ("220102", "220103", "220104", "220105", "220106", "220112", "220113")
RUN_TAG = [random.randrange(len(REGIONS) * 40)]


def id_number(n: int, tag: int) -> str:
    from devtools.seed import _id

    region, year = REGIONS[tag % len(REGIONS)], 1960 + tag // len(REGIONS)
    return _id(f"{region}{year}{(n // 28) % 12 + 1:02d}{n % 28 + 1:02d}{(n // 336) % 1000:03d}")


def new_applicant(c: Client, n: int, unit_codes: dict, unit: str | None = None):
    """A fresh applicant with a profile and a binding request to a unit: (token, unit, request)."""
    sub = f"load-{uuid.uuid4().hex[:10]}"
    tok = c.token({"sub": sub, "role": "applicant", "name": f"申报人{n}"})
    tag = RUN_TAG[0]
    for _ in range(5):      # an ID number an earlier run used (the same tag drawn): another tag
        r = c.call("profile", "PUT", "/persons/me", tok, expect=(200, 201, 204, 409),
                   json={"name": f"申报人{n}", "id_type": "居民身份证（户口簿）", "id_number": id_number(n, tag),
                         "phone": f"139{n % 10 ** 8:08d}"})
        if r.status_code != 409:
            break
        tag = random.randrange(len(REGIONS) * 40)
    else:
        with c.lock:
            c.errors.append(f"profile: no free ID number for applicant {n}")
    unit = unit or UNITS[n % len(UNITS)]
    c.call("bind", "POST", "/bindings/me", tok, json={"credit_code": unit_codes[unit]})
    req = c.call("binding", "GET", "/bindings/me", tok).json()
    return tok, unit, req


def prepare_declaration(c: Client, n: int, notice_id: str, unit_codes: dict, agents: dict, png: bytes,
                        pdf: bytes, unit: str | None = None):
    """Everything before 提交: bound, every module filled, uploads verified, pledge accepted."""
    tok, unit, req = new_applicant(c, n, unit_codes, unit)
    c.call("approve", "POST", f"/binding-requests/{req['request_id']}/decision", agents[unit],
           json={"decision": "approve", "opinion": "同意"})
    decl = c.call("start", "POST", "/declarations", tok, json={"notice_id": notice_id, "confirmed": True}).json()
    d = decl["decl_id"]
    contents = {"basic": {"name": f"申报人{n}", "phone": f"139{n:08d}", "personnel_category": "专业技术人员",
                          "education": "博士研究生", "applied_level": "C类"},
                "work": [{"employer": "长白理工大学", "post": "教授", "start_date": "2010-07-01"}],
                "achievements": "主持国家级项目。",
                "honours": [{"name": "吉林省拔尖创新人才", "granted_on": "2021-09-10", "representative": True}]}
    with concurrent.futures.ThreadPoolExecutor(4) as pool:    # one applicant, several modules at once
        list(pool.map(lambda kv: c.call("save", "PUT", f"/declarations/{d}/modules/{kv[0]}", tok,
                                        headers={"If-Match": str(decl["modules"][kv[0]]["version"])},
                                        json={"content": kv[1]}), contents.items()))
    for category, data, ctype, slot in (("photo", png, "image/png", None), ("id_card", png, "image/png", "正面"),
                                        ("id_card", png, "image/png", "反面"),
                                        ("talent_certificate", pdf, "application/pdf", None)):
        slot_resp = c.call("slot", "POST", f"/declarations/{d}/attachments", tok, json={
            "category": category, "file_name": f"{category}.{ctype.split('/')[1]}", "content_type": ctype,
            "size": len(data), **({"slot": slot} if slot else {})}).json()
        up = slot_resp["upload"]
        t = time.perf_counter()
        r = c.s.post(up["url"], data=up["fields"], files={"file": ("f", data, ctype)}, timeout=60)
        with c.lock:
            c.latencies["s3-post"].append(time.perf_counter() - t)
            if r.status_code not in (200, 204):
                c.errors.append(f"s3-post: {r.status_code} {r.text[:200]}")
        c.call("complete", "POST", f"/declarations/{d}/attachments/{slot_resp['attachment']['attachment_id']}/complete", tok)
    deadline = time.time() + 20          # a file still being verified by the S3 event's run
    while time.time() < deadline:
        report = c.s.get(f"{c.base}/declarations/{d}/validation", headers={"Authorization": f"Bearer {tok}"},
                         timeout=30).json()
        if report.get("ok"):
            break
        time.sleep(0.3)
    c.call("pledge", "POST", f"/declarations/{d}/pledge", tok, json={"accepted": True})
    return d, unit, tok


def applicant_flow(c: Client, n: int, notice_id: str, unit_codes: dict, agents: dict, png: bytes, pdf: bytes):
    d, unit, tok = prepare_declaration(c, n, notice_id, unit_codes, agents, png, pdf)
    c.call("submit", "POST", f"/declarations/{d}/submit", tok)
    c.call("submit-again", "POST", f"/declarations/{d}/submit", tok)    # double tap
    return d, unit


def reviewers(c: Client, agents: dict, expected: dict, done: threading.Event, deadline_s=600) -> dict:
    """The first-level reviewers work their 待审核 lists while applicants are still declaring:
    one thread per unit takes the newest page and passes every task on it. Returns decided per unit."""
    marks = {m: "correct" for m in ("basic", "education", "continuing", "work", "achievements", "honours",
                                    "attachments")}
    decided = collections.Counter()
    decided_ids: set = set()

    def work(unit):
        token = agents[unit]
        deadline = time.time() + deadline_s
        while time.time() < deadline:
            if done.is_set() and decided[unit] >= expected.get(unit, 0):
                return
            page = c.call("list", "GET", "/reviews?bucket=pending&limit=50", token).json()
            for item in page.get("items", []):
                r = c.call("decide", "POST", f"/reviews/{item['decl_id']}/decision", token,
                           json={"outcome": "pass", "marks": marks}, expect=(200, 409))
                if r.status_code == 200:
                    decided[unit] += 1
                    decided_ids.add(item["decl_id"])
            if not page.get("items"):
                time.sleep(1.0)     # an empty list: look again in a second, as a person would

    threads = [threading.Thread(target=work, args=(u,)) for u in agents]
    for t in threads:
        t.start()
    return {"threads": threads, "decided": decided, "ids": decided_ids}


def reviewer_pass(c: Client, agents: dict, decls: list, deadline_s=120):
    """First-level reviewers pass everything routed to them (as tasks open)."""
    marks = {m: "correct" for m in ("basic", "education", "continuing", "work", "achievements", "honours",
                                    "attachments")}
    pending = dict(decls)
    deadline = time.time() + deadline_s
    while pending and time.time() < deadline:
        progressed = False
        for d, unit in list(pending.items()):
            r = c.s.get(f"{c.base}/reviews/{d}", headers={"Authorization": f"Bearer {agents[unit]}"}, timeout=30)
            if r.status_code != 200 or r.json()["task"]["state"] != "open":
                continue
            c.call("decide", "POST", f"/reviews/{d}/decision", agents[unit], json={"outcome": "pass", "marks": marks})
            pending.pop(d)
            progressed = True
        if not progressed:
            time.sleep(0.3)
    return pending


def check_state(c: Client, agents: dict, decls: list) -> list:
    problems = []
    for unit, token in agents.items():
        wb = c.s.get(f"{c.base}/workbench", headers={"Authorization": f"Bearer {token}"}, timeout=30).json()
        row = next(r for r in wb["rows"] if r["matter"] == "TALENT_GRADING")
        listed, cursor = [], None
        while True:
            url = f"{c.base}/reviews?bucket=to_send&limit=100" + (f"&cursor={cursor}" if cursor else "")
            page = c.s.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=30).json()
            listed += page["items"]
            cursor = page["next_cursor"]
            if not cursor:
                break
        ids = [i["decl_id"] for i in listed]
        if len(ids) != len(set(ids)):
            problems.append(f"{unit}: duplicated tasks in 待送审")
        mine = {d for d, u in decls if u == unit}
        if not mine <= set(ids):
            problems.append(f"{unit}: {len(mine - set(ids))} declarations lost from 待送审")
        if row["to_send"] != len(ids):
            problems.append(f"{unit}: counter 待送审={row['to_send']} but {len(ids)} listed")
        if row["pending"] != 0:
            problems.append(f"{unit}: counter 待审核={row['pending']} after every task was decided")
        bind = next(r for r in wb["rows"] if r["matter"] == "BIND_PERSON")
        waiting = c.s.get(f"{c.base}/binding-requests?kind=person&state=pending&limit=100",
                          headers={"Authorization": f"Bearer {token}"}, timeout=30).json()["items"]
        if bind["pending"] != len(waiting):
            problems.append(f"{unit}: binding counter 待审核={bind['pending']} but {len(waiting)} waiting")
    return problems


def setup(api_url: str) -> dict:
    """Tokens of the units' agents, their codes, the open notice and the files to upload."""
    private = (ROOT / ".local" / "jwt-private.pem").read_bytes()
    c = Client(api_url, private)
    dev = lambda login: requests.post(f"{api_url}/dev/token", json={"login": login}, timeout=10).json()["token"]  # noqa: E731
    agents = {u: dev(f"{u}-agent") for u in UNITS}
    # The stack's API trusts the local identity platform's issuer and audience; sign with the same.
    import jwt

    seen = jwt.decode(agents[UNITS[0]], options={"verify_signature": False})
    c.issuer = {"iss": seen["iss"], "aud": seen["aud"]}
    unit_codes = {u: requests.get(f"{api_url}/units/me", headers={"Authorization": f"Bearer {agents[u]}"},
                                  timeout=10).json()["credit_code"] for u in UNITS}
    # the company must complete its reporting info before its people may declare
    legal = dev("company-legal")
    unit = requests.get(f"{api_url}/units/me", headers={"Authorization": f"Bearer {legal}"}, timeout=10).json()
    requests.put(f"{api_url}/units/me", headers={"Authorization": f"Bearer {legal}", "If-Match": str(unit["version"])},
                 json={"name": unit["name"], "region_code": unit["region_code"], "reporting_info": {
                     "contact_name": "周红", "contact_phone": "13700009999", "contact_post": "人事主管",
                     "office_address": "吉林市船营区", "personnel_authority": "市（州）属"}}, timeout=10)
    notice = requests.get(f"{api_url}/notices", headers={"Authorization": f"Bearer {agents['institute']}"},
                          timeout=10).json()["items"][0]["notice_id"]
    from tests.helpers.files import pdf as make_pdf

    return {"c": c, "dev": dev, "agents": agents, "unit_codes": unit_codes, "notice": notice,
            "png": _png(), "pdf": make_pdf()}


def run(api_url: str, applicants: int, workers: int, calls_log=None) -> dict:
    from devtools import call_counter

    RUN_TAG[0] = random.randrange(len(REGIONS) * 40)
    calls_before = call_counter.read(calls_log) if calls_log else {}
    ctx = setup(api_url)
    c, agents, unit_codes, notice, png, pdf = (ctx[k] for k in ("c", "agents", "unit_codes", "notice", "png", "pdf"))
    t0 = time.perf_counter()
    decls = []
    expected: dict = {}
    applicants_done = threading.Event()
    review = reviewers(c, agents, expected, applicants_done)
    with concurrent.futures.ThreadPoolExecutor(workers) as pool:
        futures = [pool.submit(applicant_flow, c, n, notice, unit_codes, agents, png, pdf) for n in range(applicants)]
        for f in concurrent.futures.as_completed(futures):
            try:
                decls.append(f.result())
            except Exception as exc:  # noqa: BLE001 - counted as an error, the run goes on
                c.errors.append(f"flow: {exc!r}")
    applicants_seconds = time.perf_counter() - t0
    expected.update(collections.Counter(unit for _, unit in decls))
    applicants_done.set()
    for t in review["threads"]:
        t.join()
    left = reviewer_pass(c, agents, [(d, u) for d, u in decls if d not in review["ids"]], deadline_s=60)
    elapsed = time.perf_counter() - t0
    problems = check_state(c, agents, decls) + [f"{len(left)} tasks never opened"] * bool(left)
    requests_total = sum(len(v) for v in c.latencies.values())
    report = {"applicants": applicants, "declarations": len(decls), "seconds": elapsed,
              "requests": requests_total, "rps": requests_total / elapsed, "errors": c.errors,
              "problems": problems, "latency_ms": {}, "trend": _trend(c.timeline, t0, t0 + applicants_seconds)}
    if calls_log:
        time.sleep(0.5)     # the API writes the file after each request
        report["aws_calls"] = call_counter.difference(call_counter.read(calls_log), calls_before)
    for label, values in sorted(c.latencies.items()):
        values = sorted(values)
        report["latency_ms"][label] = {"n": len(values), "p50": statistics.median(values) * 1000,
                                       "p95": values[int(len(values) * 0.95) - 1] * 1000, "max": values[-1] * 1000}
    return report


def _trend(timeline: list, start: float, end: float, slices: int = 4) -> list:
    """Requests/s and median latency in equal time slices of the applicants' phase: as the table
    grows the figures must not fall (the first and last slices include ramp-up/-down)."""
    out = []
    width = (end - start) / slices
    for i in range(slices):
        lo, hi = start + i * width, start + (i + 1) * width
        inside = [(b - a) for a, b in timeline if lo <= b < hi]
        out.append({"slice": i + 1, "rps": len(inside) / width if width else 0.0,
                    "p50_ms": statistics.median(inside) * 1000 if inside else 0.0})
    return out


def print_report(r: dict):
    print(f"load: {r['applicants']} applicants, {r['declarations']} declarations submitted and passed at level 1")
    print(f"  {r['requests']} requests in {r['seconds']:.1f} s = {r['rps']:.1f} req/s")
    for label, l in r["latency_ms"].items():
        print(f"  {label:<13} n={l['n']:<5} p50 {l['p50']:7.1f} ms   p95 {l['p95']:7.1f} ms   max {l['max']:7.1f} ms")
    if r.get("trend"):
        print("  req/s per quarter of the applicants' phase (table growing): " + "   ".join(
            f"[Q{t['slice']}] {t['rps']:.1f} req/s p50 {t['p50_ms']:.0f} ms" for t in r["trend"]))
    if r.get("aws_calls"):
        print("  AWS calls per request type (counted in the API process; the authorizer runs on every request locally):")
        for label, v in sorted(r["aws_calls"].items(), key=lambda kv: -kv[1]["requests"]):
            total = sum(v["calls"].values())
            detail = ", ".join(f"{op} {n / v['requests']:.2g}" for op, n in sorted(v["calls"].items()))
            print(f"    {label:<52} n={v['requests']:<5} {total / v['requests']:5.2f} calls/request  ({detail})")
    print(f"  errors: {len(r['errors'])}   state problems: {len(r['problems'])}")
    for line in (r["errors"] + r["problems"])[:10]:
        print("   -", line)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--api", default="http://127.0.0.1:8000")
    p.add_argument("--applicants", type=int, default=200)
    p.add_argument("--workers", type=int, default=32)
    p.add_argument("--start-stack", action="store_true")
    p.add_argument("--runs", type=int, default=1, help="runs against the one stack, fresh identities each")
    p.add_argument("--calls-log", default=None,
                   help="the API's AWS-call counts (default: the newest .local/logs/aws-calls-*.json)")
    a = p.parse_args()
    reports = []
    if a.start_stack:
        from devtools.local_stack import LocalStack

        with LocalStack() as stack:
            for _ in range(a.runs):
                reports.append(run(stack.api_url, a.applicants, a.workers, stack.calls_log))
                print_report(reports[-1])
    else:
        logs = sorted((ROOT / ".local" / "logs").glob("aws-calls-*.json"), key=lambda p: p.stat().st_mtime)
        calls_log = a.calls_log or (logs[-1] if logs else None)
        for _ in range(a.runs):
            reports.append(run(a.api, a.applicants, a.workers, calls_log))
            print_report(reports[-1])
    raise SystemExit(1 if any(r["errors"] or r["problems"] for r in reports) else 0)


if __name__ == "__main__":
    main()
