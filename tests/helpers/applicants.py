"""More applicants for the in-process tier: one bound to (and approved by) the institute with its
own local token, a declaration filled with such an applicant's headers, the open notice of a matter."""
import uuid

from tests.helpers.declarations import fill
from tests.helpers.in_process import make_token


def notice(client, world, matter="TALENT_GRADING"):
    items = client.get("/notices", headers=world.headers("applicant1")).json["items"]
    return next(n["notice_id"] for n in items if n["matter_type"] == matter)


def bound_applicant(world, n):
    """Another applicant bound to (and approved by) the institute: a local test token for setup."""
    from chalicelib.identity import ROLE_APPLICANT, Principal
    from chalicelib.schemas.accounts import PersonProfileIn
    from chalicelib.services import bindings, people
    from devtools.seed import _id

    person_id = f"p-budget-{uuid.uuid4().hex[:8]}"
    principal = Principal(subject=person_id, role=ROLE_APPLICANT, name="测试")
    people.save_profile(principal, PersonProfileIn(name="张明远", id_type="居民身份证（户口簿）",
                                                   id_number=_id(f"2201021985061{n:04d}"), phone="13800000001"))
    request = bindings.request_person_binding(principal, world.code("institute"))
    bindings.decide(world.principal("institute-legal"), request["request_id"], "approve", "审核通过")
    token = make_token({"sub": person_id, "role": ROLE_APPLICANT, "name": "张明远"})
    return {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}


def fill_with(client, decl, headers):
    class _World:      # fill() takes a world for headers; these applicants have their own token
        def headers(self, login, **extra):
            return {**headers, **extra}

    fill(client, _World(), decl)
    client.post(f"/declarations/{decl['decl_id']}/pledge", headers=headers, json_body={"accepted": True})
