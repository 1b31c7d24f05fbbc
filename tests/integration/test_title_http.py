"""正常职称申报 over HTTP against the running local stack (moto server, chalice local, the worker,
real Step Functions executions): menu → 确认开始申报 → 破格 with two experts (real uploads by
presigned POST, per-expert files) → unit → superiors (行政专业主管部门) → province → 评委会 → 终审通过."""
import time

import pytest

from tests.helpers.poll import poll
from tests.helpers.title_scene import APPLICANT_FILES, EXPERT, EXPERTS, MODULES, basic, post_upload, slot_body


@pytest.fixture(scope="module")
def ctx(stack):
    from bench.load import setup

    return setup(stack.api_url)


def test_title_declaration_with_two_experts_to_final_approval(ctx, stack):
    from bench.load import new_applicant

    c, agents, base = ctx["c"], ctx["agents"], stack.api_url.rstrip("/")
    n = 7000 + int(time.time()) % 1000
    tok, unit, req = new_applicant(c, n, ctx["unit_codes"], "institute")
    c.call("approve", "POST", f"/binding-requests/{req['request_id']}/decision", agents["institute"],
           json={"decision": "approve", "opinion": "同意"})

    def call(method, path, token=tok, **kw):
        return c.s.request(method, f"{base}{path}", headers={"Authorization": f"Bearer {token}",
                                                             **kw.pop("headers", {})}, timeout=60, **kw)

    menu = call("GET", "/matters").json()
    normal = next(m for s in menu["services"] for g in s["groups"] for m in g["matters"] if m["code"] == "TITLE_NORMAL")
    assert normal["self_check"]["title"] == "申报注意事项"
    refused = call("POST", "/declarations", json={"notice_id": normal["notices"][0]["notice_id"]})
    assert refused.status_code == 422 and refused.json()["Code"] == "SELF_CHECK_REQUIRED"
    r = call("POST", "/declarations", json={"notice_id": normal["notices"][0]["notice_id"], "confirmed": True,
                                            "unit_code": ctx["unit_codes"]["institute"]})
    assert r.status_code == 201, r.text
    d = r.json()["decl_id"]
    modules = [m["key"] for m in call("GET", "/matters/TITLE_NORMAL/definition").json()["modules"]]

    def save(module, content):
        v = call("GET", f"/declarations/{d}").json()["modules"][module]["version"]
        resp = call("PUT", f"/declarations/{d}/modules/{module}", headers={"If-Match": str(v)}, json={"content": content})
        assert resp.status_code == 200, resp.text

    early = call("POST", f"/declarations/{d}/modules/experts/entries", json={"entry": {"name": "王教授"}})
    assert early.status_code == 409 and early.json()["Code"] == "MODULE_NOT_READY"
    save("basic", basic(n))
    for module, content in MODULES:
        save(module, content)
    ids = []
    for name in EXPERTS:
        resp = call("POST", f"/declarations/{d}/modules/experts/entries", json={"entry": {**EXPERT, "name": name}})
        assert resp.status_code == 201, resp.text
        ids = [e["id"] for e in resp.json()["content"]]
    third = call("POST", f"/declarations/{d}/modules/experts/entries", json={"entry": {**EXPERT, "name": "赵专家"}})
    assert third.status_code == 422

    def upload(category, data, ctype, entry_id=None, slot=None):
        s = call("POST", f"/declarations/{d}/attachments", json=slot_body(category, data, ctype, entry_id, slot))
        assert s.status_code == 201, s.text
        post_upload(c.s, s.json()["upload"], data, ctype)
        call("POST", f"/declarations/{d}/attachments/{s.json()['attachment']['attachment_id']}/complete")

    png, pdf = ctx["png"], ctx["pdf"]
    for category, slot in APPLICANT_FILES:
        upload(category, png, "image/png", slot=slot)
    upload("expert_title_certificate", png, "image/png", entry_id=ids[0])
    upload("expert_recommendation", pdf, "application/pdf", entry_id=ids[0])
    report = poll(lambda: (lambda r: r if [i["module"] for i in r["items"]] == ["experts"] * 2 else None)(
        call("GET", f"/declarations/{d}/validation").json()))
    assert all("破格推荐专家2（李研究员）" in i["message"] for i in report["items"])
    upload("expert_title_certificate", png, "image/png", entry_id=ids[1])
    upload("expert_recommendation", pdf, "application/pdf", entry_id=ids[1])
    poll(lambda: call("GET", f"/declarations/{d}/validation").json()["ok"])
    assert call("POST", f"/declarations/{d}/pledge", json={"accepted": True}).status_code == 200
    submitted = call("POST", f"/declarations/{d}/submit")
    assert submitted.status_code == 200, submitted.text

    marks = {m: "correct" for m in modules + ["attachments"]}
    for unit_login in ("institute", "university", "edu-dept"):
        token = agents.get(unit_login) or ctx["dev"](f"{unit_login}-agent")
        poll(lambda: (call("GET", f"/reviews/{d}", token).json().get("task") or {}).get("state") == "open")
        resp = call("POST", f"/reviews/{d}/decision", token, json={"outcome": "pass", "marks": marks})
        assert resp.status_code == 200 and resp.json()["state"] == "to_send", resp.text
        s = call("POST", f"/reviews/{d}/report", token, json={"file_name": "推荐报告.pdf",
                                                              "content_type": "application/pdf", "size": len(pdf)})
        assert s.status_code == 201, s.text
        up = s.json()["upload"]
        c.s.post(up["url"], data=up["fields"], files={"file": ("f", pdf, "application/pdf")}, timeout=60)
        done = call("POST", f"/reviews/{d}/report/{s.json()['attachment']['attachment_id']}/complete", token)
        assert done.status_code == 200, done.text
        sent = call("POST", "/reviews/send", token, json={"decl_ids": [d]})
        assert sent.json()["sent"] == 1, sent.text
    province = ctx["dev"]("province-agent")
    poll(lambda: (call("GET", f"/reviews/{d}", province).json().get("task") or {}).get("state") == "open")
    assert call("POST", f"/reviews/{d}/decision", province, json={"outcome": "pass", "marks": marks}).status_code == 200
    result = poll(lambda: (lambda r: r if r.status_code == 200 else None)(
        call("POST", f"/reviews/{d}/result", province, json={"result": "通过", "level": "正高级"})))
    assert result.json()["status_label"] == "终审通过"
    mine = call("GET", f"/declarations/{d}").json()
    assert mine["status_label"] == "终审通过"
    rows = call("GET", "/results?matter_type=TITLE_NORMAL", province).json()["items"]
    assert any(r["decl_id"] == d and r["result_level"] == "正高级" for r in rows)
    assert not c.errors, c.errors[:5]
