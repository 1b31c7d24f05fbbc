"""Uploads in the in-process tier (the `draft` they go to: tests/unit/conftest.py): a slot, the
browser's POST to S3, the whole upload, the S3 event, the client's complete call."""
import boto3


def slot(client, world, decl, category, data, content_type, login="applicant1", **extra):
    body = {"category": category, "file_name": f"f.{content_type.split('/')[-1]}", "content_type": content_type,
            "size": len(data), **extra}
    return client.post(f"/declarations/{decl['decl_id']}/attachments", headers=world.headers(login), json_body=body)


def post(aws, made, data):
    """What the browser does: POST the file to S3 with the presigned fields (moto ignores the
    policy, which is why verification must catch everything)."""
    key = made["upload"]["fields"]["key"]
    boto3.client("s3", region_name="cn-north-1").put_object(Bucket=aws["ATTACHMENTS_BUCKET"], Key=key, Body=data)
    return key


def upload(client, world, aws, decl, category, data, content_type, login="applicant1", **extra):
    made = slot(client, world, decl, category, data, content_type, login, **extra)
    assert made.status == 201, made
    post(aws, made.json, data)
    done = client.post(f"/declarations/{decl['decl_id']}/attachments/{made.json['attachment']['attachment_id']}"
                       "/complete", headers=world.headers(login))
    return made.json, done


def exists(aws, key):
    s3 = boto3.client("s3", region_name="cn-north-1")
    try:
        s3.head_object(Bucket=aws["ATTACHMENTS_BUCKET"], Key=key)
        return True
    except s3.exceptions.ClientError:
        return False


def event(aws, key):
    return {"Records": [{"eventSource": "aws:s3", "eventName": "ObjectCreated:Post",
                         "s3": {"bucket": {"name": aws["ATTACHMENTS_BUCKET"]}, "object": {"key": key}}}]}


def complete(client, world, decl, att_id, login="applicant1"):
    return client.post(f"/declarations/{decl['decl_id']}/attachments/{att_id}/complete", headers=world.headers(login))
