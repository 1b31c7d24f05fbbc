"""Over HTTP against the running local stack: moto server, chalice local, the worker and real
Step Functions executions — the paths a phone and a browser take."""
import pytest

from tests.helpers.poll import poll


def test_health_and_openapi(http):
    assert http.call("GET", "/health").json()["status"] == "ok"
    doc = http.call("GET", "/openapi.json").json()
    assert "/declarations/{decl_id}/modules/{module}" in doc["paths"]


def test_unauthenticated_requests_get_401(http):
    r = http.call("GET", "/declarations", headers={"Authorization": "Bearer nonsense"})
    assert r.status_code == 401 and r.json()["Code"] == "UNAUTHORIZED"


def test_binding_flow_over_http(http):
    code = http.call("GET", "/bindings/me", login="applicant3").json()["unit_code"]   # pending at university
    pending = http.call("GET", "/binding-requests?kind=person&state=pending", login="university-agent").json()
    req = next(i for i in pending["items"] if i["requester_name"] == "王浩然")
    assert "*" in req["requester_id_number"]
    r = http.call("POST", f"/binding-requests/{req['request_id']}/decision", login="university-agent",
                  json={"decision": "approve", "opinion": "同意"})
    assert r.status_code == 200
    assert http.call("GET", "/bindings/me", login="applicant3").json() | {} and \
        http.call("GET", "/bindings/me", login="applicant3").json()["status"] == "approved"
    again = http.call("POST", f"/binding-requests/{req['request_id']}/decision", login="university-legal",
                      json={"decision": "end", "opinion": "x"})
    assert again.status_code == 409
    assert code


BASIC = {"name": "张明远", "phone": "13800000001", "personnel_category": "专业技术人员",
         "education": "博士研究生", "applied_level": "C类"}


def test_declaration_to_first_review_on_real_executions(http):
    notice = http.call("GET", "/notices", login="applicant1").json()["items"][0]
    r = http.call("POST", "/declarations", login="applicant1", json={"notice_id": notice["notice_id"], "confirmed": True})
    assert r.status_code == 201, r.text
    decl = r.json()
    d = decl["decl_id"]

    def save(module, content):
        v = http.call("GET", f"/declarations/{d}", login="applicant1").json()["modules"][module]["version"]
        resp = http.call("PUT", f"/declarations/{d}/modules/{module}", login="applicant1",
                         headers={"If-Match": str(v)}, json={"content": content})
        assert resp.status_code == 200, resp.text

    save("basic", BASIC)
    save("work", [{"employer": "长白理工大学", "post": "教授", "start_date": "2010-07-01"}])
    save("achievements", "主持国家重点研发计划项目一项。")
    save("honours", [{"name": "吉林省拔尖创新人才", "granted_on": "2021-09-10", "representative": True}])
    report = http.call("GET", f"/declarations/{d}/validation", login="applicant1").json()
    messages = [i["message"] for i in report["items"]]
    assert "【人才分类定级评定】基本信息_近期照片未上传" in messages
    refused = http.call("POST", f"/declarations/{d}/submit", login="applicant1")
    assert refused.status_code == 422 and refused.json()["Code"] == "VALIDATION_NOT_CLEAN"
