"""People of a browser test's own on the local stack, so that it never reads or changes rows another
test made: a tag drawn once per scene that names them (no other test, and no earlier run against the
same stack, lists them), and an applicant made through the token route (signed with the stack's key,
as bench/load.py does) with a profile, bound to a unit and approved. The caller's Http then speaks as
them under a login key of its own."""
import random
import uuid

from devtools.seed import _id
from tests.helpers import files
from tests.helpers.console import MARKS
from tests.helpers.paths import ROOT
from tests.helpers.poll import poll
from tests.helpers.stack import task_state


def tag() -> str:
    """Four digits that set a scene's people apart (names differ in their last characters only if
    every tag has the same length: one name never contains another)."""
    return f"{random.randrange(10_000):04d}"


def fresh_applicant(http, name: str, unit_login: str, phone: str = "13700002222") -> str:
    """`name` signs up (profile with a fresh ID number), asks `unit_login`'s unit to bind them and
    its agent approves. Returns the key under which `http.call(method, path, key)` speaks as them."""
    import jwt

    from chalicelib.identity import sign_token

    agent = f"{unit_login}-agent"
    unit = http.call("GET", "/units/me", agent)["credit_code"]
    seen = jwt.decode(http.tokens[agent], options={"verify_signature": False})
    key = f"own-{uuid.uuid4().hex[:12]}"
    http.tokens[key] = sign_token({"iss": seen["iss"], "aud": seen["aud"], "sub": key, "role": "applicant",
                                   "name": name}, (ROOT / ".local" / "jwt-private.pem").read_bytes(), ttl=3600)
    for _ in range(5):     # an ID number taken (by an earlier run on this stack): draw another
        base = f"220102{random.randrange(1960, 2000)}{random.randrange(1, 13):02d}" \
               f"{random.randrange(1, 29):02d}{random.randrange(1000):03d}"
        answer = http.call("PUT", "/persons/me", key, expect_status=(200, 201, 204, 409),
                           json={"name": name, "id_type": "居民身份证（户口簿）", "id_number": _id(base), "phone": phone})
        if answer is None or answer.get("Code") is None:
            break
    else:
        raise AssertionError(f"no free ID number for {name}")
    http.call("POST", "/bindings/me", key, json={"credit_code": unit})
    request = http.call("GET", "/bindings/me", key)["request_id"]
    http.call("POST", f"/binding-requests/{request}/decision", agent, json={"decision": "approve", "opinion": "同意"})
    return key


# 人才认定分类 高层次人才, C类 (the console tests' declaration; the name is the applicant's own)
BASIC = {"phone": "13800000005", "personnel_category": "专业技术人员", "education": "博士研究生",
         "applied_level": "C类", "talent_category": "高层次人才"}


def submitted(http, name: str) -> dict:
    """A fresh applicant `name`, bound to the institute, declares 人才分类定级 (every module, real
    uploads by presigned POST) and submits: the institute's agent has it open."""
    a = fresh_applicant(http, name, "institute", phone=BASIC["phone"])
    notice = http.call("GET", "/notices?matter_type=TALENT_GRADING", a)["items"][0]["notice_id"]
    decl = http.call("POST", "/declarations", a, json={"notice_id": notice, "confirmed": True})
    d = decl["decl_id"]
    contents = {"basic": {**BASIC, "name": name},
                "work": [{"employer": "长白理工大学", "post": "教授", "start_date": "2010-07-01"}],
                "achievements": "主持国家重点研发计划项目一项。",
                "honours": [{"name": "吉林省拔尖创新人才", "granted_on": "2021-09-10", "representative": True}]}
    for module, content in contents.items():
        http.call("PUT", f"/declarations/{d}/modules/{module}", a,
                  headers={"If-Match": str(decl["modules"][module]["version"])}, json={"content": content})
    png, pdf = files.png(300, 400), files.pdf()
    for category, data, ctype, slot in (("photo", png, "image/png", None), ("id_card", png, "image/png", "正面"),
                                        ("id_card", png, "image/png", "反面"),
                                        ("talent_certificate", pdf, "application/pdf", None),
                                        ("contract", pdf, "application/pdf", None)):
        http.upload(f"/declarations/{d}/attachments", lambda x: f"/declarations/{d}/attachments/{x}/complete", a,
                    f"{category}.{ctype.split('/')[1]}", ctype, data, category=category, **({"slot": slot} if slot else {}))
    poll(lambda: http.call("GET", f"/declarations/{d}/validation", a).get("ok"))
    http.call("POST", f"/declarations/{d}/pledge", a, json={"accepted": True})
    http.call("POST", f"/declarations/{d}/submit", a)
    http.call("GET", "/me", "institute-agent")           # token
    poll(lambda: task_state(http, "institute-agent", d) == "open")
    return {"http": http, "decl_id": d, "applicant": a, "name": name}


def pass_level(http, login: str, d: str, send: bool = True) -> None:
    """`login` passes declaration `d` over the API (every module correct) and, a unit, sends it on
    with its 推荐报告."""
    http.call("GET", "/me", login)           # token
    poll(lambda: task_state(http, login, d) == "open")
    http.call("POST", f"/reviews/{d}/decision", login,
              json={"outcome": "pass", "marks": MARKS, "opinion": f"{login}：材料真实，同意推荐"})
    if send:
        http.upload(f"/reviews/{d}/report", lambda a: f"/reviews/{d}/report/{a}/complete", login,
                    "推荐报告.pdf", "application/pdf", files.pdf())
        sent = http.call("POST", "/reviews/send", login, json={"decl_ids": [d]})
        assert sent["sent"] == 1, sent


def at_the_city_bureau(http, name: str) -> dict:
    """`submitted`, then the institute, the university and 吉林省教育厅 pass it: it waits at 长春市人社局."""
    scene = submitted(http, name)
    for login in ("institute-agent", "university-agent", "edu-dept-agent"):
        pass_level(http, login, scene["decl_id"])
    http.call("GET", "/me", "cc-bureau-agent")
    poll(lambda: task_state(http, "cc-bureau-agent", scene["decl_id"]) == "open")
    return scene
