"""Committee results in the in-process tier: a ready declaration whose applicant is a 高层次人才, and
the province's committee recording its result once the review chain has reached it."""
from tests.helpers.declarations import BASIC
from tests.helpers.declarations import save as _save
from tests.helpers.review import pump, ready

HIGH = {**BASIC, "talent_category": "高层次人才"}


def ready_high(client, world, login="applicant1"):
    decl = ready(client, world, login=login)
    fresh = client.get(f"/declarations/{decl['decl_id']}", headers=world.headers(login)).json
    assert _save(client, world, fresh, "basic", HIGH, login=login).status == 200
    return decl


def committee(client, world, aws, decl_id, result="通过", level="B类"):
    from chalicelib.models.reviews import ReviewTask

    def at_committee():
        return any(t.state == "open" for t in ReviewTask.query(f"DECL#{decl_id}", ReviewTask.sk.startswith("TASK#001#05")))

    pump(aws, at_committee)
    resp = client.post(f"/reviews/{decl_id}/result", headers=world.headers("province-agent"),
                       json_body={"result": result, "level": level})
    assert resp.status == 200, resp.json
