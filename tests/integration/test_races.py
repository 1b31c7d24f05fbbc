"""Races over HTTP against the local stack (moto with serialised DynamoDB, chalice local, the worker,
real Step Functions executions): two agents deciding one task, two approvals of one binding, two
returns of one declaration, submit racing withdraw. Every trial: exactly one wins (or the two
requests are consistently ordered), the counters equal a recount from the lists, nothing is stuck.

RACE_TRIALS sets the trials per race (default 3 here; `python -m tests.integration.test_races 25`
runs the long form against a stack from `./dev up`)."""
import concurrent.futures
import os
import threading
import time

import pytest

from tests.helpers.poll import poll

TRIALS = int(os.environ.get("RACE_TRIALS", "3"))
MARKS = {m: "correct" for m in ("basic", "education", "continuing", "work", "achievements", "honours",
                                "attachments")}
RETURN = {"outcome": "return", "marks": {**MARKS, "work": "wrong"}, "problem_modules": ["work"],
          "return_to": "applicant", "opinion": "工作经历不完整"}



def together(*calls):
    """Run the calls at the same instant (a barrier), return their responses in order."""
    barrier = threading.Barrier(len(calls))

    def go(call):
        barrier.wait(10)
        return call()

    with concurrent.futures.ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(go, calls))


class Race:
    def __init__(self, api_url):
        from bench.load import setup

        self.ctx = setup(api_url)
        self.c = self.ctx["c"]
        self.base = api_url
        self.legal = {u: self.ctx["dev"](f"{u}-legal") for u in ("institute", "university", "company")}
        self.n = 5000 + int(time.time()) % 1000 * 10

    def get(self, path, token):
        return self.c.s.get(f"{self.base}{path}", headers={"Authorization": f"Bearer {token}"}, timeout=30)

    def post(self, path, token, **kw):
        return self.c.s.post(f"{self.base}{path}", headers={"Authorization": f"Bearer {token}"}, timeout=60, **kw)

    def declarations(self, count, unit="institute", submit=True):
        from bench.load import prepare_declaration

        ctx = self.ctx
        base, self.n = self.n, self.n + count

        def one(i):
            d, _, tok = prepare_declaration(self.c, base + i, ctx["notice"], ctx["unit_codes"], ctx["agents"],
                                            ctx["png"], ctx["pdf"], unit=unit)
            if submit:
                assert self.post(f"/declarations/{d}/submit", tok).status_code == 200
            return d, tok

        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            out = list(pool.map(one, range(count)))
        assert not self.c.errors, self.c.errors[:5]
        return out

    def task(self, d, unit="institute", state="open"):
        token = self.ctx["agents"][unit]

        def ready():
            r = self.get(f"/reviews/{d}", token)
            return r.status_code == 200 and r.json()["task"]["state"] == state and r.json()["task"]
        return poll(ready)

    def listed(self, token, bucket):
        items, cursor = [], None
        while True:
            r = self.get(f"/reviews?bucket={bucket}&limit=100" + (f"&cursor={cursor}" if cursor else ""), token)
            assert r.status_code == 200, r.text
            items += r.json()["items"]
            cursor = r.json()["next_cursor"]
            if not cursor:
                return [i["decl_id"] for i in items]

    def recount(self, unit):
        """The workbench's maintained counters equal what the lists hold."""
        token = self.ctx["agents"][unit]
        rows = self.get("/workbench", token).json()["rows"]
        row = next(r for r in rows if r["matter"] == "TALENT_GRADING")
        for counter, bucket in (("pending", "pending"), ("to_send", "to_send"), ("returned", "returned")):
            ids = self.listed(token, bucket)
            assert len(ids) == len(set(ids)), f"{unit}: duplicates in {bucket}"
            assert row[counter] == len(ids), f"{unit}: counter {counter}={row[counter]} but {len(ids)} listed"
        bind = next(r for r in rows if r["matter"] == "BIND_PERSON")
        waiting, cursor = [], None
        while True:
            r = self.get("/binding-requests?kind=person&state=pending&limit=100" +
                         (f"&cursor={cursor}" if cursor else ""), token).json()
            waiting += r["items"]
            cursor = r.get("next_cursor")
            if not cursor:
                break
        assert bind["pending"] == len(waiting), f"{unit}: binding counter {bind['pending']} vs {len(waiting)}"


@pytest.fixture(scope="module")
def race(stack):
    return Race(stack.api_url)


def test_two_agents_deciding_one_task(race):
    for d, tok in race.declarations(TRIALS):
        race.task(d)
        first, second = together(
            lambda: race.post(f"/reviews/{d}/decision", race.ctx["agents"]["institute"],
                              json={"outcome": "pass", "marks": MARKS, "opinion": "同意"}),
            lambda: race.post(f"/reviews/{d}/decision", race.legal["institute"],
                              json={"outcome": "pass", "marks": MARKS, "opinion": "同意推荐"}))
        assert sorted([first.status_code, second.status_code]) == [200, 409], (first.text, second.text)
        task = race.task(d, state="to_send")
        winner = first if first.status_code == 200 else second
        assert task["opinion"] == winner.json()["opinion"]
        steps = race.get(f"/declarations/{d}/progress", tok).json()["steps"]
        assert [s["opinion"] for s in steps if s["action"] == "review.pass"] == [winner.json()["opinion"]]
    race.recount("institute")


def test_two_returns_of_one_declaration(race):
    for d, tok in race.declarations(TRIALS):
        race.task(d)
        first, second = together(
            lambda: race.post(f"/reviews/{d}/decision", race.ctx["agents"]["institute"], json=RETURN),
            lambda: race.post(f"/reviews/{d}/decision", race.legal["institute"], json=RETURN))
        assert sorted([first.status_code, second.status_code]) == [200, 409], (first.text, second.text)
        mine = race.get(f"/declarations/{d}", tok).json()
        assert mine["status"] == "returned" and mine["editable_modules"] == ["work"]
        # nothing stuck: the applicant can withdraw (撤销流程) and declare again
        assert race.post(f"/declarations/{d}/withdraw", tok).status_code == 200
        again = race.post(f"/declarations/{d}/submit", tok)
        assert again.status_code == 200 and again.json()["round"] == 2
        assert race.task(d)["round"] == 2
    race.recount("institute")


def test_submit_racing_withdraw(race):
    for d, tok in race.declarations(TRIALS):
        race.task(d)
        assert race.post(f"/reviews/{d}/decision", race.ctx["agents"]["institute"], json=RETURN).status_code == 200
        submit, withdraw = together(lambda: race.post(f"/declarations/{d}/submit", tok),
                                    lambda: race.post(f"/declarations/{d}/withdraw", tok))
        codes = (submit.status_code, withdraw.status_code)
        assert codes in ((200, 409), (409, 200), (200, 200)), (submit.text, withdraw.text)
        mine = race.get(f"/declarations/{d}", tok).json()
        if codes == (200, 409):      # the resubmission won: round 2 is in review
            assert mine["status"] == "submitted" and mine["round"] == 2
            assert race.task(d)["round"] == 2
        elif codes == (409, 200):    # the withdrawal won: a draft, declared anew later
            assert mine["status"] == "draft"
            assert race.post(f"/declarations/{d}/submit", tok).status_code == 200
            assert race.task(d)["round"] == 2
        else:                        # withdrawn first, then declared anew: one new round, one task
            assert mine["status"] == "submitted" and mine["round"] == 2
            assert race.task(d)["round"] == 2
    race.recount("institute")


def test_two_approvals_of_one_binding(race):
    from bench.load import new_applicant

    for i in range(TRIALS):
        tok, _, req = new_applicant(race.c, race.n + i, race.ctx["unit_codes"], "university")
        first, second = together(
            lambda: race.post(f"/binding-requests/{req['request_id']}/decision", race.ctx["agents"]["university"],
                              json={"decision": "approve", "opinion": "同意"}),
            lambda: race.post(f"/binding-requests/{req['request_id']}/decision", race.legal["university"],
                              json={"decision": "approve", "opinion": "同意绑定"}))
        assert sorted([first.status_code, second.status_code]) == [200, 409], (first.text, second.text)
        assert race.get("/bindings/me", tok).json()["status"] == "approved"
    race.n += TRIALS
    race.recount("university")


if __name__ == "__main__":     # the long form against a running stack: python -m tests.integration.test_races 25
    import sys

    TRIALS = int(sys.argv[1]) if len(sys.argv) > 1 else 25
    r = Race(os.environ.get("TALENT_API_URL", "http://127.0.0.1:8000"))
    for test in (test_two_agents_deciding_one_task, test_two_returns_of_one_declaration,
                 test_submit_racing_withdraw, test_two_approvals_of_one_binding):
        t = time.perf_counter()
        test(r)
        print(f"{test.__name__}: {TRIALS} trials ok in {time.perf_counter() - t:.0f} s", flush=True)


def test_a_crashed_worker_is_restarted_and_no_task_is_lost_or_opened_twice(stack, race):
    import signal

    if not hasattr(stack, "proc"):
        pytest.skip("needs a stack started by the tests (TALENT_API_URL points at an external one)")
    ready = race.declarations(2, submit=False)
    restarts = stack.restarts.get("worker", 0)
    worker = stack.proc("worker")
    os.killpg(worker.pid, signal.SIGKILL)
    # while the worker is down (and while it restarts) the API answers and takes submissions
    for d, tok in ready:
        assert race.post(f"/declarations/{d}/submit", tok).status_code == 200
    assert race.get("/health", tok).status_code == 200
    poll(lambda: stack.restarts.get("worker", 0) > restarts and stack.proc("worker").poll() is None)
    for d, tok in ready:
        assert race.task(d)["round"] == 1
        steps = race.get(f"/declarations/{d}/progress", tok).json()["steps"]
        assert [s["action"] for s in steps].count("review.open") == 1
    race.recount("institute")
