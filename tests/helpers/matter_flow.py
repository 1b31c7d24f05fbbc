"""A matter driven through the API in the in-process tier, whatever its code: the office publishes
its notice, the applicant (applicant6) saves a module, the committee's task is open, an export's
rows are read back."""
import datetime as dt
import io

import openpyxl

from tests.helpers.declarations import fetch as _fetch
from tests.helpers.declarations import run_exports as _run_exports

LOGIN = "applicant6"


def h(world, login=LOGIN, **extra):
    return {**world.headers(login), **extra}


def publish(client, world, matter):
    office = h(world, "province-agent")
    today = dt.datetime.now(dt.timezone(dt.timedelta(hours=8)))
    created = client.post("/admin/notices", headers=office, json_body={
        "title": "测试新事项申报通知", "matter_type": matter, "year": today.year, "source": "测试", "body": "测试",
        "opens_at": (today - dt.timedelta(days=1)).isoformat(),
        "closes_at": (today + dt.timedelta(days=5)).isoformat()})
    assert created.status == 201, created.json
    published = client.post(f"/admin/notices/{created.json['notice_id']}/publish",
                            headers={**office, "If-Match": str(created.json["version"])})
    assert published.status == 200, published.json
    return created.json["notice_id"]


def save(client, world, decl_id, module, content):
    version = client.get(f"/declarations/{decl_id}", headers=h(world)).json["modules"][module]["version"]
    resp = client.put(f"/declarations/{decl_id}/modules/{module}",
                      headers=h(world, **{"If-Match": str(version)}), json_body={"content": content})
    assert resp.status == 200, (module, resp.json)


def committee_open(decl_id, level):
    from chalicelib.models.reviews import ReviewTask

    return any(t.state == "open" for t in ReviewTask.query(f"DECL#{decl_id}", ReviewTask.sk.startswith("TASK#"))
               if t.level == level)


def export(client, world, aws, login, **body):
    job = client.post("/exports", headers=h(world, login), json_body=body)
    assert job.status == 201, job.json
    _run_exports(aws)
    done = client.get(f"/exports/{job.json['job_id']}", headers=h(world, login)).json
    assert done["state"] == "done", done
    ws = openpyxl.load_workbook(io.BytesIO(_fetch(done["download"]["url"]))).active
    rows = list(ws.iter_rows(values_only=True))
    return rows[1], rows[2:]            # the header row, then the data rows (row 1 is the title)
