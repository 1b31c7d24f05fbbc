"""人才分类定级 declarations in the in-process tier: the demo applicant's basic module, saving a
module, filling a whole declaration, reading a presigned link, running the export worker."""
import datetime as dt
import urllib.parse

import boto3

BASIC = {"name": "张明远", "phone": "13800000001", "personnel_category": "专业技术人员",
         "education": "博士研究生", "applied_level": "C类"}


def save(client, world, decl, module, content, version=None, login="applicant1"):
    """PUT one module with the version it was read at (If-Match)."""
    version = version if version is not None else decl["modules"][module]["version"]
    return client.put(f"/declarations/{decl['decl_id']}/modules/{module}",
                      headers={**world.headers(login), "If-Match": str(version)},
                      json_body={"content": content})


def fill(client, world, draft, login="applicant1"):
    """Fill every module and mark the required attachments verified (uploads are issue #5)."""
    from chalicelib.models.declarations import Attachment

    d = draft
    assert save(client, world, d, "basic", BASIC, login=login).status == 200
    assert save(client, world, d, "work", [{"employer": "长白理工大学", "post": "教授",
                                             "start_date": "2010-07-01"}], login=login).status == 200
    assert save(client, world, d, "achievements", "主持国家级项目三项。", login=login).status == 200
    assert save(client, world, d, "honours", [{"name": "吉林省拔尖创新人才", "granted_on": "2021-09-10",
                                                "representative": True}], login=login).status == 200
    now = dt.datetime.now(dt.timezone.utc).isoformat()
    for category, n in (("photo", 1), ("id_card", 2), ("talent_certificate", 1)):
        for i in range(n):
            pk, sk = Attachment.key(d["decl_id"], category, f"{category}{i}")
            Attachment(pk=pk, sk=sk, decl_id=d["decl_id"], attachment_id=f"{category}{i}", category=category,
                       file_name="x.png", content_type="image/png", declared_size=100, size=100,
                       s3_key=f"decl/{d['decl_id']}/{category}{i}", incoming_key="incoming/x", state="verified",
                       created_at=now).save()


def fetch(url):
    """Read a presigned GET through boto3 (moto in process: no network)."""
    parsed = urllib.parse.urlparse(url)
    path = urllib.parse.unquote(parsed.path).lstrip("/")
    bucket, key = path.split("/", 1)
    return boto3.client("s3", region_name="cn-north-1").get_object(Bucket=bucket, Key=key)["Body"].read()


def run_exports(aws):
    """What the export worker does: take the queued jobs and run them."""
    from functions import exports

    sqs = boto3.client("sqs", region_name="cn-north-1")
    msgs = sqs.receive_message(QueueUrl=aws["EXPORT_QUEUE_URL"], MaxNumberOfMessages=10)["Messages"]
    assert exports.handler({"Records": [{"messageId": m["MessageId"], "body": m["Body"]} for m in msgs]},
                           None) == {"batchItemFailures": []}
    for m in msgs:
        sqs.delete_message(QueueUrl=aws["EXPORT_QUEUE_URL"], ReceiptHandle=m["ReceiptHandle"])
