"""申报通知: the office drafts, edits, publishes and withdraws; applicants read the year's list."""
import datetime as dt

import pytest

from chalicelib import clock

SH = dt.timezone(dt.timedelta(hours=8))


def _notice(**over):
    now = dt.datetime.now(SH)
    body = {"title": "测试通知", "matter_type": "TALENT_GRADING", "year": now.year,
            "source": "吉林省人才开发处", "body": "通知正文",
            "files": [{"name": "附件1.pdf"}],
            "opens_at": (now - dt.timedelta(days=1)).isoformat(),
            "closes_at": (now + dt.timedelta(days=10)).isoformat()}
    body.update(over)
    return body


def test_office_publishes_and_applicants_list_newest_first(client, world):
    office = world.headers("province-agent")
    created = client.post("/admin/notices", headers=office, json_body=_notice(title="第二个通知"))
    assert created.status == 201 and created.json["status"] == "draft"
    applicant = world.headers("applicant1")
    titles = [n["title"] for n in client.get("/notices", headers=applicant).json["items"]]
    assert "第二个通知" not in titles                       # drafts are not listed
    assert client.get(f"/notices/{created.json['notice_id']}", headers=applicant).status == 404
    published = client.post(f"/admin/notices/{created.json['notice_id']}/publish", headers=office)
    assert published.status == 200 and published.json["window_open"] is True
    items = client.get("/notices", headers=applicant).json["items"]
    assert items[0]["title"] == "第二个通知" and len(items) == 2
    one = client.get(f"/notices/{items[0]['notice_id']}", headers=applicant).json
    assert one["body"] == "通知正文" and one["files"][0]["name"] == "附件1.pdf"


def test_withdrawn_notices_disappear(client, world):
    office = world.headers("province-agent")
    notice = client.get("/notices", headers=office).json["items"][0]
    resp = client.post(f"/admin/notices/{notice['notice_id']}/withdraw", headers=office)
    assert resp.status == 200 and resp.json["status_label"] == "已撤回"
    assert client.get("/notices", headers=world.headers("applicant1")).json["items"] == []


def test_edit_is_version_guarded(client, world):
    office = world.headers("province-agent")
    notice = client.post("/admin/notices", headers=office, json_body=_notice()).json
    ok = client.put(f"/admin/notices/{notice['notice_id']}", headers={**office, "If-Match": "1"},
                    json_body=_notice(title="改过的"))
    assert ok.status == 200 and ok.json["title"] == "改过的"
    stale = client.put(f"/admin/notices/{notice['notice_id']}", headers={**office, "If-Match": "1"},
                       json_body=_notice(title="又改"))
    assert stale.status == 409


@pytest.mark.parametrize("login", ["applicant1", "university-agent", "cc-bureau-agent"])
def test_only_the_provincial_office_manages_notices(client, world, login):
    resp = client.post("/admin/notices", headers=world.headers(login), json_body=_notice())
    assert resp.status == 403


@pytest.mark.parametrize("change", [
    {"closes_at": (dt.datetime.now(SH) - dt.timedelta(days=30)).isoformat()},   # closes before opens
    {"matter_type": "UNKNOWN"}, {"title": ""}, {"year": "abc"}, {"extra": 1},
    {"opens_at": "2026-13-01T00:00:00+08:00"},
])
def test_bad_notices_are_refused(client, world, change):
    office = world.headers("province-agent")
    before = client.get("/admin/notices", headers=office).json["items"]
    assert client.post("/admin/notices", headers=office, json_body=_notice(**change)).status == 422
    assert client.get("/admin/notices", headers=office).json["items"] == before


def test_window_decides_whether_a_declaration_may_start(world):
    from chalicelib.errors import Conflict
    from chalicelib.services import notices

    notice_id = notices.list_published(world.principal("applicant1"), "TALENT_GRADING", None, None, 5)["items"][0]["notice_id"]
    assert notices.require_open(notice_id).notice_id == notice_id
    clock.fix(dt.datetime.now(dt.timezone.utc) + dt.timedelta(days=400))
    try:
        with pytest.raises(Conflict):
            notices.require_open(notice_id)
    finally:
        clock.fix(None)


def test_notice_attachments_are_uploaded_verified_and_downloadable(client, world, aws):
    import boto3

    from tests.helpers import files

    office = world.headers("province-agent")
    notice = client.get("/notices", headers=office).json["items"][0]
    data = files.pdf()
    slot = client.post(f"/admin/notices/{notice['notice_id']}/files", headers=office, json_body={
        "file_name": "申报表模板.pdf", "content_type": "application/pdf", "size": len(data)})
    assert slot.status == 201
    boto3.client("s3", region_name="cn-north-1").put_object(      # what the form's fields carry
        Bucket=aws["ATTACHMENTS_BUCKET"], Key=slot.json["upload"]["fields"]["key"], Body=data,
        Metadata={"uploader": slot.json["upload"]["fields"]["x-amz-meta-uploader"]})
    done = client.post(f"/admin/notices/{notice['notice_id']}/files/{slot.json['file_id']}/complete", headers=office,
                       json_body={"file_name": "申报表模板.pdf", "content_type": "application/pdf"})
    assert done.status == 200 and done.json["files"][-1]["name"] == "申报表模板.pdf"
    link = client.get(f"/notices/{notice['notice_id']}/files/0", headers=world.headers("applicant1"))
    assert link.status == 200 and link.json["file_name"] == "申报表模板.pdf"
    fake = client.post(f"/admin/notices/{notice['notice_id']}/files", headers=office, json_body={
        "file_name": "x.pdf", "content_type": "application/pdf", "size": 10}).json
    boto3.client("s3", region_name="cn-north-1").put_object(
        Bucket=aws["ATTACHMENTS_BUCKET"], Key=fake["upload"]["fields"]["key"], Body=files.HTML,
        Metadata={"uploader": fake["upload"]["fields"]["x-amz-meta-uploader"]})
    bad = client.post(f"/admin/notices/{notice['notice_id']}/files/{fake['file_id']}/complete", headers=office,
                      json_body={"file_name": "x.pdf", "content_type": "application/pdf"})
    assert bad.status == 422 and "HTML" in bad.json["Message"]
    assert client.post(f"/admin/notices/{notice['notice_id']}/files", headers=world.headers("applicant1"),
                       json_body={"file_name": "x.pdf", "content_type": "application/pdf", "size": 10}).status == 403
