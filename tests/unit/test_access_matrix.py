"""Every sensitive route × role × ownership, table-driven (issue #9): IDOR attempts on
declarations, attachments, tasks, results and exports. A submitted declaration of applicant1
sits at its first level (the institute)."""
import datetime as dt

import pytest

from tests.helpers.review import ready, wait_task

ACTORS = ["own", "other_applicant", "unit_on_route", "unit_not_reached", "unit_off_route",
          "bureau_other_region", "province_not_reached"]
LOGINS = {"own": "applicant1", "other_applicant": "applicant2", "unit_on_route": "institute-agent",
          "unit_not_reached": "university-agent", "unit_off_route": "company-agent",
          "bureau_other_region": "jl-bureau-agent", "province_not_reached": "province-agent"}

# (method, path template, body, expected status per actor in ACTORS order)
MATRIX = [
    ("GET", "/declarations/{d}", None, [200, 404, 403, 403, 403, 403, 403]),
    ("GET", "/declarations/{d}/validation", None, [200, 404, 403, 403, 403, 403, 403]),
    ("GET", "/declarations/{d}/progress", None, [200, 404, 200, 404, 404, 404, 404]),
    ("GET", "/declarations/{d}/forms/declaration_form", None, [200, 404, 200, 404, 404, 404, 404]),
    ("GET", "/declarations/{d}/attachments/{a}/download", None, [200, 404, 200, 404, 404, 404, 404]),
    ("PUT", "/declarations/{d}/modules/achievements", {"content": "改"}, [409, 404, 403, 403, 403, 403, 403]),
    ("DELETE", "/declarations/{d}", None, [409, 404, 403, 403, 403, 403, 403]),
    ("DELETE", "/declarations/{d}/attachments/{a}", None, [409, 404, 403, 403, 403, 403, 403]),
    ("POST", "/declarations/{d}/attachments", {"category": "contract", "file_name": "a.pdf",
                                               "content_type": "application/pdf", "size": 10},
     [409, 404, 403, 403, 403, 403, 403]),
    ("GET", "/reviews/{d}", None, [403, 403, 200, 404, 404, 404, 404]),
    ("POST", "/reviews/{d}/decision", {"outcome": "pass", "marks": {}}, [403, 403, 422, 404, 404, 404, 404]),
    # levels above may urge (催办) before the file reaches them; only an overdue task below can be urged
    ("POST", "/reviews/{d}/urge", None, [403, 403, 409, 409, 404, 404, 409]),
    # 上一条/下一条: only the caller's own list is searched (another unit learns nothing: in_list false)
    ("POST", "/reviews/{d}/neighbours", {"bucket": "pending"}, [403, 403, 200, 200, 200, 200, 200]),
    ("POST", "/reviews/{d}/result", {"result": "通过", "level": "A类"}, [403, 403, 403, 403, 403, 403, 404]),
    ("POST", "/declarations/{d}/withdraw", None, [409, 404, 403, 403, 403, 403, 403]),
    ("POST", "/declarations/{d}/submit", None, [200, 404, 403, 403, 403, 403, 403]),
    ("GET", "/results", None, [403, 403, 200, 200, 200, 200, 200]),
]


@pytest.fixture
def submitted(client, world, aws):
    decl = ready(client, world)
    client.post(f"/declarations/{decl['decl_id']}/submit", headers=world.headers("applicant1"))
    wait_task(client, world, aws, "institute-agent", decl["decl_id"])
    from chalicelib.models.declarations import Attachment

    att = next(a for a in Attachment.query(f"DECL#{decl['decl_id']}", Attachment.sk.startswith("ATT#id_card")))
    import boto3

    boto3.client("s3", region_name="cn-north-1").put_object(Bucket=aws["ATTACHMENTS_BUCKET"], Key=att.s3_key,
                                                            Body=b"%PDF-1.4 test")
    return {"d": decl["decl_id"], "a": att.attachment_id}


def test_access_matrix(client, world, submitted):
    failures = []
    for method, template, body, expected in MATRIX:
        path = template.format(**submitted)
        for actor, want in zip(ACTORS, expected):
            headers = world.headers(LOGINS[actor])
            if method == "PUT":
                headers["If-Match"] = "1"
            resp = client.call(method, path, headers=headers, json_body=body)
            if resp.status != want:
                failures.append(f"{method} {template} as {actor}: {resp.status} (expected {want}) {resp.body[:120]!r}")
    assert not failures, "\n".join(failures)


def test_export_jobs_belong_to_their_creator(client, world, aws):
    job = client.post("/exports", headers=world.headers("institute-legal"),
                      json_body={"year": str(dt.date.today().year)}).json
    for login in ("institute-agent", "university-legal", "applicant1", "province-agent"):
        assert client.get(f"/exports/{job['job_id']}", headers=world.headers(login)).status == 404   # another's job: not found
    assert client.get(f"/exports/{job['job_id']}", headers=world.headers("institute-legal")).status == 200


def test_task_lists_show_only_the_units_own_tasks(client, world, submitted):
    for login, visible in (("institute-agent", True), ("university-agent", False), ("company-agent", False),
                           ("cc-bureau-agent", False), ("province-agent", False)):
        items = client.get("/reviews?bucket=pending", headers=world.headers(login)).json["items"]
        assert any(i["decl_id"] == submitted["d"] for i in items) is visible, login
