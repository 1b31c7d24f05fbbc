"""统计分析: the counters equal a recount of the records after a randomized run of submissions,
returns, withdrawals, terminations, passes, 送审 and committee results (with a race two agents
lose and win), on a clock that moves; GET /statistics answers them within its scope only, with
one Query whatever the window's size."""
import datetime as dt
import os
import random
import threading
import types
import uuid
from collections import Counter

import pytest

from tests.helpers.review import add_report, ready

MODULES = ("basic", "education", "continuing", "work", "achievements", "honours", "attachments")
APPLICANTS = [("institute", 2), ("university", 1), ("company", 1), ("edu-dept", 1)]


def _applicants(world):
    """Extra applicants bound to units of two regions and of the chain institute → university →
    edu-dept."""
    from chalicelib.identity import ROLE_APPLICANT, Principal
    from chalicelib.schemas.accounts import PersonProfileIn
    from chalicelib.services import bindings, people
    from devtools.seed import _id

    from chalicelib.models.accounts import ReportingInfo, Unit

    company = Unit.get(*Unit.key(world.code("company")))     # the demo leaves its 报送信息 empty
    company.update(actions=[Unit.reporting_info.set(ReportingInfo(
        contact_name="王经理", contact_phone="13900000099", contact_post="人事", office_address="吉林市",
        personnel_authority="市（州）属")), Unit.reporting_complete.set(True)])
    logins = []
    n = 0
    for unit, count in APPLICANTS:
        for _ in range(count):
            n += 1
            person_id, login = f"p-stat-{n:04d}", f"stat{n}"
            principal = Principal(subject=person_id, role=ROLE_APPLICANT, name=f"统计{n}")
            people.save_profile(principal, PersonProfileIn(name=f"统计{n}", id_type="居民身份证（户口簿）",
                                                           id_number=_id(f"22010219800101{n:03d}"),
                                                           phone=f"139000000{n:02d}"))
            request = bindings.request_person_binding(principal, world.code(unit))
            bindings.decide(world.principal(f"{unit}-legal"), request["request_id"], "approve", "审核通过")
            world.logins[login] = types.SimpleNamespace(subject=person_id, role=ROLE_APPLICANT,
                                                        display_name=f"统计{n}", unit_code=None, is_legal=False)
            logins.append(login)
    return logins


class Run:
    """Drives the services as the state machine and the people would, on a clock that moves."""

    def __init__(self, world, rng):
        from chalicelib import clock

        self.world, self.rng, self.clock = world, rng, clock
        self.now = clock.now()
        self.marks = Counter()          # modules marked 有误 in decisions that committed
        self.submits = Counter()        # submissions per Beijing day
        self.agents = {}                # unit code -> agent login

    def tick(self):
        self.now += dt.timedelta(hours=self.rng.randint(1, 60))
        self.clock.fix(self.now)

    def open(self, decl_id, level, committee=False):
        from chalicelib import review_machine as machine
        from chalicelib.models.declarations import Declaration
        from chalicelib.services.review.machine import open_task

        meta = Declaration.get(*Declaration.key(decl_id))
        kind = machine.MSG_COMMITTEE if committee else machine.MSG_OPEN_TASK
        assert open_task({"type": kind, "decl_id": decl_id, "round": meta.round, "level": level,
                          "task_token": uuid.uuid4().hex}) == "opened"

    def principal_for(self, unit_code):
        login = next(login for login, e in self.world.logins.items()
                     if e.unit_code == unit_code and login.endswith("-agent"))
        return self.world.principal(login)

    def submit(self, login, decl_id):
        from chalicelib.services.review import decisions

        decisions.submit(self.world.principal(login), decl_id)
        self.submits[self.clock.today_local().strftime("%Y%m%d")] += 1
        self.open(decl_id, 0)

    def decide(self, task, outcome, target=None):
        from chalicelib.services.review import decisions

        wrong = set(self.rng.sample(MODULES, self.rng.randint(0, 2)))
        if outcome == "return" and not wrong:
            wrong = {"work"}
        marks = {m: ("wrong" if m in wrong else "correct") for m in MODULES}
        data = types.SimpleNamespace(outcome=outcome, marks=marks, opinion="审核意见",
                                     problem_modules=sorted(wrong) if outcome == "return" else None,
                                     return_to=target)
        decisions.decide(self.principal_for(task.unit_code), task.decl_id, data)
        self.marks.update(wrong)
        return marks


def _open_task(decl_id):
    from chalicelib.models.declarations import Declaration
    from chalicelib.models.reviews import ReviewTask

    meta = Declaration.get(*Declaration.key(decl_id))
    tasks = list(ReviewTask.query(f"DECL#{decl_id}", ReviewTask.sk.startswith(f"TASK#{meta.round:03d}#")))
    live = [t for t in tasks if t.state in ("open", "to_send")]
    return meta, (live[0] if live else None)


def _step(run, login, decl_id):
    """One random action that the declaration's state allows."""
    from chalicelib.services.review import decisions

    meta, task = _open_task(decl_id)
    rng = run.rng
    if meta.status == "draft":
        run.submit(login, decl_id)
    elif meta.status == "returned":
        if rng.random() < 0.3:
            decisions.withdraw(run.world.principal(login), decl_id)
        else:
            run.submit(login, decl_id)
    elif meta.status == "submitted" and task is not None:
        if task.state == "to_send":
            add_report(decl_id, {"round": task.round, "level": task.level})
            decisions._send_one(run.principal_for(task.unit_code), decl_id)
            _advance(run, meta, task.level + 1)
        elif task.level == len(meta.route):    # the committee
            from chalicelib.matters import registry

            words = registry.result_words(meta.matter_type)
            result = words.passed if rng.random() < 0.6 else words.failed
            decisions.record_result(run.world.principal("province-agent"), decl_id, result,
                                    rng.choice(("A类", "B类", "C类")) if result == words.passed else None)
        else:
            roll = rng.random()
            if roll < 0.6:
                run.decide(task, "pass")
                meta2, task2 = _open_task(decl_id)
                if task2 is None or task2.state != "to_send":
                    _advance(run, meta, task.level + 1)
            elif roll < 0.75:
                run.decide(task, "return", "applicant")
            elif roll < 0.85 and task.level > 0:
                target = rng.randrange(task.level)
                run.decide(task, "return", target)
                run.open(decl_id, target)
            else:
                run.decide(task, "terminate")


def _advance(run, meta, level):
    if level >= len(meta.route):
        run.open(meta.decl_id, len(meta.route), committee=True)
    else:
        run.open(meta.decl_id, level)


def _recount(run, decls):
    """Every figure, recounted from the records (declarations, tasks, audit trail) and the run's
    own ledger of marks and submission days: {scope: Counter(attribute: count)}."""
    from chalicelib import clock
    from chalicelib.models.audit import AuditRecord
    from chalicelib.models.declarations import Declaration
    from chalicelib.models.reviews import ReviewTask
    from chalicelib.services.statistics import counters as sc

    expected: dict = {}
    bodies: dict = {}
    for decl_id in decls:
        meta = Declaration.get(*Declaration.key(decl_id))
        scopes = meta.stat_scopes or []
        c = Counter()
        b = Counter()
        if meta.status != "draft":
            c[f"status|{meta.status}"] += 1
            c[f"reached|{sc.level_key(meta, meta.reached_level or 0)}"] += 1
        for task in ReviewTask.query(f"DECL#{decl_id}", ReviewTask.sk.startswith(f"TASK#{meta.round:03d}#")):
            stage = sc.level_key(meta, task.level)
            if task.state == "open":
                c[f"open|{stage}"] += 1
                b[(task.unit_code, task.level, "open")] += 1
                if task.due_at:
                    day = clock.parse_iso(task.due_at).astimezone(clock.SHANGHAI).strftime("%Y%m%d")
                    c[f"due|{stage}|{day}"] += 1
                    b[(task.unit_code, task.level, f"due|{day}")] += 1
            elif task.state == "to_send":
                c[f"tosend|{stage}"] += 1
                b[(task.unit_code, task.level, "tosend")] += 1
        # decisions and waiting times from the audit trail: each open, then its decision
        opened = {}
        for rec in AuditRecord.trail(f"DECL#{decl_id}"):
            detail = rec.detail.as_dict() if rec.detail else {}
            if rec.action == "review.open":
                opened[(int(detail["round"]), int(detail["level"]))] = rec.at
            elif rec.action in ("review.pass", "review.return", "review.terminate"):
                stage = sc.level_key(meta, int(detail["level"]))
                c[f"decided|{stage}"] += 1
                c[f"wait|{stage}|{sc.wait_bucket(opened[(int(detail['round']), int(detail['level']))], rec.at)}"] += 1
                if rec.action == "review.return":
                    c[f"returned|{stage}"] += 1
            elif rec.action == "review.result":
                level = len(meta.route)
                c[f"decided|{sc.COMMITTEE}"] += 1
                c[f"wait|{sc.COMMITTEE}|{sc.wait_bucket(opened[(meta.round, level)], rec.at)}"] += 1
                c[f"result|{rec.opinion}|{detail.get('level') or ''}"] += 1
                region = next((s[2:] for s in scopes if s.startswith("R#")), "")
                c[f"region|{region}|{rec.opinion}"] += 1
        for scope in scopes:
            expected.setdefault(scope, Counter()).update(c)
            for (code, level, name), n in b.items():
                if scope.startswith("U#") or level > 0:
                    bodies.setdefault(scope, Counter())[(code, name)] += n
    return expected, bodies


def _stored(scope, matter, year):
    from chalicelib.services.statistics.figures import read_partition

    totals, bodies, _days, _reads = read_partition(scope, matter, year)
    counted = Counter({k: v for k, v in totals.items()
                       if not k.startswith(("wrong|", "sub|")) and v})
    by_body = Counter({(code, name): n for code, b in bodies.items() for name, n in b["n"].items() if n})
    return counted, by_body, totals


@pytest.fixture
def fixed_clock():
    from chalicelib import clock

    yield
    clock.fix(None)


def test_counters_equal_a_recount_after_a_randomized_run_with_a_race(client, world, aws, fixed_clock, monkeypatch):
    from chalicelib.models import base
    from chalicelib.models.declarations import Declaration
    from chalicelib.errors import Conflict
    from chalicelib.services.review import decisions

    rng = random.Random(31)
    logins = ["applicant1", "applicant2", "applicant6"] + _applicants(world)
    decls = {login: ready(client, world, login)["decl_id"] for login in logins}
    run = Run(world, rng)
    run.tick()
    for _ in range(int(os.environ.get("STAT_STEPS", "30"))):
        login = rng.choice(logins)
        _step(run, login, decls[login])
        run.tick()

    # the race: two agents of one unit decide the same open task at once; exactly one wins
    waiting = [(login, d) for login, d in decls.items()
               if (lambda m_t: m_t[1] is not None and m_t[1].state == "open" and m_t[1].level < len(m_t[0].route))(_open_task(d))]
    if not waiting:
        run.submit(logins[0], decls[logins[0]]) if Declaration.get(*Declaration.key(decls[logins[0]])).status in ("draft", "returned") else None
        waiting = [(logins[0], decls[logins[0]])]
    login, decl_id = waiting[0]
    meta, task = _open_task(decl_id)
    agent, legal = _unit_logins(world, task.unit_code)
    barrier = threading.Barrier(2)
    real_task = decisions.my_task
    lock = threading.Lock()       # DynamoDB serialises transactions; moto in process does not
    real_transaction = base.transaction

    def both_read_then_write(part, principal):
        found = real_task(part, principal)
        barrier.wait(timeout=10)
        return found

    class Serialised:
        def __init__(self, *a, **kw):
            self.inner = real_transaction(*a, **kw)

        def __enter__(self):
            lock.acquire()
            return self.inner.__enter__()

        def __exit__(self, *exc):
            try:
                return self.inner.__exit__(*exc)
            finally:
                lock.release()

    monkeypatch.setattr(decisions, "my_task", both_read_then_write)
    monkeypatch.setattr(decisions, "transaction", Serialised)
    outcomes = []

    def attempt(login_, outcome):
        marks = {m: "correct" for m in MODULES}
        if outcome == "terminate":
            marks["work"] = "wrong"
        data = types.SimpleNamespace(outcome=outcome, marks=marks, opinion="审核意见", problem_modules=None,
                                     return_to=None)
        try:
            decisions.decide(world.principal(login_), decl_id, data)
            outcomes.append(("won", outcome, marks))
        except Conflict:
            outcomes.append(("lost", outcome, marks))

    threads = [threading.Thread(target=attempt, args=(agent, "pass")),
               threading.Thread(target=attempt, args=(legal, "terminate"))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    monkeypatch.undo()
    assert sorted(o[0] for o in outcomes) == ["lost", "won"]
    winner = next(o for o in outcomes if o[0] == "won")
    run.marks.update(m for m, v in winner[2].items() if v == "wrong")

    # every scope's counters equal the recount
    year = Declaration.get(*Declaration.key(decl_id)).year
    expected, expected_bodies = _recount(run, decls.values())
    assert set(expected) >= {"P", "R#220100", "R#220200", f"U#{world.code('institute')}",
                             f"U#{world.code('university')}", f"U#{world.code('edu-dept')}"}
    for scope, counts in expected.items():
        counted, by_body, totals = _stored(scope, "TALENT_GRADING", year)
        assert counted == Counter({k: v for k, v in counts.items() if v}), scope
        assert by_body == Counter({k: v for k, v in expected_bodies.get(scope, Counter()).items() if v}), scope
    province = _stored("P", "TALENT_GRADING", year)[2]
    assert {k[6:]: v for k, v in province.items() if k.startswith("wrong|") and v} == \
        {k: v for k, v in run.marks.items() if v}
    assert {k[4:]: v for k, v in province.items() if k.startswith("sub|") and v} == dict(run.submits)
    # the run reached every kind of event
    p = expected["P"]
    assert p["status|returned"] + p["status|terminated"] + p["status|approved"] > 0
    assert any(k.startswith("returned|") for k in p) and any(k.startswith("wait|") for k in p)


def _unit_logins(world, unit_code):
    agent = next(login for login, e in world.logins.items() if e.unit_code == unit_code and login.endswith("-agent"))
    return agent, agent.replace("-agent", "-legal")


# --- the route: figures, scope, reads ---------------------------------------------------------

def _seed_counts(world, year="2025"):
    """A few counted figures in several scopes, written as the hooks would."""
    from chalicelib.models.base import transaction
    from chalicelib.services.statistics import counters as sc

    def write(scopes, deltas, body=None, body_deltas=None):
        meta = types.SimpleNamespace(stat_scopes=scopes, matter_type="TALENT_GRADING", year=year, route=[])
        with transaction() as tx:
            sc._write(tx, meta, deltas, body, body_deltas)

    inst, uni, edu = (f"U#{world.code(u)}" for u in ("institute", "university", "edu-dept"))
    write(["P", "R#220100", inst, uni, edu], {"status|submitted": 3, "open|superiors": 2, "due|superiors|20250101": 1,
                                              "wait|superiors|0": 4, "wait|superiors|6": 1, "decided|superiors": 5,
                                              "returned|superiors": 1, "wrong|work": 2, "sub|20250105": 3},
          (world.code("university"), "长白理工大学", 1, "superiors"), {"open": 2, "due|20250101": 1})
    write(["P", "R#220200", f"U#{world.code('company')}"], {"status|approved": 1, "result|通过|A类": 1,
                                                          "region|220200|通过": 1})


def test_province_reads_every_figure_with_one_query(client, world, aws_calls):
    from chalicelib.services.statistics import report

    _seed_counts(world)
    aws_calls.clear()
    report.read(world.principal("province-agent"), "TALENT_GRADING", "2025", None)
    assert aws_calls == ["Query"]          # the whole page: one Query (the authorizer's reads aside)
    resp = client.get("/statistics?matter=TALENT_GRADING&year=2025", headers=world.headers("province-agent"))
    assert resp.status == 200, resp
    body = resp.json
    assert body["scope"]["kind"] == "province" and body["reads"] == {"queries": 1, "items": body["reads"]["items"]}
    status = {r["label"]: r["count"] for r in body["status"]}
    assert status == {"已申报": 3, "被退回": 0, "终审通过": 1, "审核不通过终止审核": 0}
    superiors = next(r for r in body["backlog"] if r["level"] == "superiors")
    assert superiors == {"level": "superiors", "label": "上级单位", "open": 2, "to_send": 0, "overdue": 1}
    waits = next(r for r in body["waiting"] if r["level"] == "superiors")
    assert waits["count"] == 5 and waits["median_days"] == 1.0 and waits["p90_days"] == 14.0
    assert next(r for r in body["returns"] if r["level"] == "superiors")["rate"] == 0.2
    assert body["wrong_modules"][0]["module"] == "work" and body["wrong_modules"][0]["count"] == 2
    assert body["bodies"] == [{"code": world.code("university"), "name": "长白理工大学", "level": "superiors",
                               "label": "上级单位", "open": 2, "to_send": 0, "overdue": 1}]
    assert body["results"] == [{"result": "通过", "level": "A类", "count": 1}]
    assert body["results_by_region"][0]["region_name"] == "吉林市"
    assert body["submissions"] == [{"date": "2025-01-05", "count": 3}]


SCOPE_CASES = [
    ("province-agent", "region:220200", 200),
    ("province-agent", "unit:{company}", 200),
    ("cc-bureau-agent", None, 200),                  # its region
    ("cc-bureau-agent", "region:220100", 200),
    ("cc-bureau-agent", "region:220200", 403),       # another region
    ("cc-bureau-agent", "province", 403),
    ("cc-bureau-agent", "unit:{institute}", 200),    # a unit of its region
    ("cc-bureau-agent", "unit:{company}", 403),      # a unit of another region
    ("university-agent", None, 200),
    ("university-agent", "unit:{institute}", 200),   # a unit below it
    ("university-agent", "unit:{edu-dept}", 403),    # the unit above it
    ("university-agent", "unit:{company}", 403),     # another unit
    ("institute-agent", "unit:{university}", 403),
    ("institute-legal", "province", 403),
    ("institute-agent", "region:220100", 403),
    ("company-agent", "unit:{institute}", 403),
    ("applicant1", None, 403),
    ("province-agent", "unit:nonsense", 422),
    ("province-agent", "region:229900", 422),
]


def test_scope_is_decided_from_our_records(client, world):
    """Each level reads only its own scope: the province all, a bureau its region and its units, a
    unit itself and the units below it (from the bound chain in our records)."""
    _seed_counts(world)
    codes = {u: world.code(u) for u in ("company", "institute", "university", "edu-dept")}
    for login, scope, status in SCOPE_CASES:
        query = "/statistics?matter=TALENT_GRADING&year=2025" + (f"&scope={scope.format(**codes)}" if scope else "")
        resp = client.get(query, headers=world.headers(login))
        assert resp.status == status, (login, scope, resp)
        if status == 403:
            assert resp.json["Code"] in ("STATISTICS_SCOPE_FORBIDDEN", "ROLE_FORBIDDEN") and "无权" in resp.json["Message"]


def test_a_unit_sees_itself_and_the_units_below_only(client, world):
    _seed_counts(world)
    mine = client.get("/statistics?matter=TALENT_GRADING&year=2025", headers=world.headers("university-agent")).json
    assert mine["scope"] == {"kind": "unit", "code": world.code("university"), "name": "长白理工大学"}
    assert {r["label"]: r["count"] for r in mine["status"]}["已申报"] == 3
    assert not mine["results"]                      # the company's result is not the university's
    company = client.get("/statistics?matter=TALENT_GRADING&year=2025", headers=world.headers("company-agent")).json
    assert {r["label"]: r["count"] for r in company["status"]}["已申报"] == 0
    assert company["results"] == [{"result": "通过", "level": "A类", "count": 1}]


def test_export_hands_back_a_spreadsheet_of_the_tables(client, world, aws):
    import io
    import urllib.parse

    import boto3
    import openpyxl

    _seed_counts(world)
    resp = client.get("/statistics/export?matter=TALENT_GRADING&year=2025&chart=backlog",
                      headers=world.headers("province-agent"))
    assert resp.status == 200, resp
    key = urllib.parse.urlparse(resp.json["url"]).path.split("/", 2)[-1]
    from chalicelib import config

    data = boto3.client("s3", region_name="cn-north-1").get_object(Bucket=config.ATTACHMENTS_BUCKET, Key=key)["Body"].read()
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
    assert rows[0] == ["审核层级", "待审核", "待送审", "已超期"]
    assert ["上级单位", 2, 0, 1] in rows
    denied = client.get("/statistics/export?matter=TALENT_GRADING&year=2025&scope=province",
                        headers=world.headers("institute-agent"))
    assert denied.status == 403


def test_the_sweep_keeps_a_daily_snapshot_for_the_trend(client, world, aws_calls):
    """What a counter cannot answer later (how many waited and were overdue that day) is kept by the
    hourly sweep, one item per day, read with the same one Query."""
    from functions import reminders

    _seed_counts(world, year=str(__import__("chalicelib.clock", fromlist=["x"]).today_local().year))
    reminders.handler({}, None)
    reminders.handler({}, None)                       # the day's item is overwritten, not added
    year = str(__import__("chalicelib.clock", fromlist=["x"]).today_local().year)
    body = client.get(f"/statistics?matter=TALENT_GRADING&year={year}", headers=world.headers("province-agent")).json
    assert [(t["open"], t["overdue"]) for t in body["trend"]] == [(2, 1)]
    assert body["reads"]["queries"] == 1
    assert "Scan" not in aws_calls
