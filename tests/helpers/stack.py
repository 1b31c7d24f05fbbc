"""The local stack the browser tier drives: the access tokens' lifetime it is started with, and its
API over HTTP as any demo login (dev tokens, real presigned uploads), a review task's state."""
import requests

ACCESS_TOKEN_TTL = 30   # seconds; the web renews 10 s before expiry


class Http:
    def __init__(self, base):
        self.base, self.s, self.tokens = base.rstrip("/"), requests.Session(), {}

    def call(self, method, path, login, expect_status=(200, 201, 204), **kw):
        if login not in self.tokens:
            self.tokens[login] = self.s.post(f"{self.base}/dev/token", json={"login": login}, timeout=10).json()["token"]
        headers = {"Authorization": f"Bearer {self.tokens[login]}", **kw.pop("headers", {})}
        r = self.s.request(method, f"{self.base}{path}", headers=headers, timeout=30, **kw)
        assert r.status_code in expect_status, (method, path, r.status_code, r.text[:300])
        return r.json() if r.content else None

    def upload(self, slot_path, complete, login, file_name, ctype, data, **extra):
        slot = self.call("POST", slot_path, login, json={"file_name": file_name, "content_type": ctype,
                                                          "size": len(data), **extra})
        up = slot["upload"]
        r = self.s.post(up["url"], data=up["fields"], files={"file": (file_name, data, ctype)}, timeout=60)
        assert r.status_code == 204, r.text[:200]     # S3's answer to a POST upload
        return self.call("POST", complete(slot["attachment"]["attachment_id"]), login)


def task_state(http, login, d):
    r = http.s.get(f"{http.base}/reviews/{d}", headers={"Authorization": f"Bearer {http.tokens.get(login) or ''}"},
                   timeout=30)
    return r.json()["task"]["state"] if r.status_code == 200 else None
