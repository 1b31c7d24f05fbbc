"""Issue 28 item 3: two simultaneous requests for one single-file slot (身份证正面). Both could pass
the slot request's read; the accept transaction now holds the slot on the category's count item, so
at most one 正面 is ever verified and 反面 keeps its room. Each test failed on the code before the fix.

The requests race in threads here (moto in-process answers them); the verifications then run one
after the other, because moto's transactions are not atomic under concurrency (CONVENTIONS.md): the
guarantee under true concurrency is DynamoDB's (a transaction's condition and writes are atomic; a
concurrent transaction on the same item is cancelled with TransactionConflict, and the retried
verification then meets the holder)."""
import threading

from tests.helpers import files
from tests.helpers.uploads import post as _post
from tests.helpers.uploads import slot as _slot


def _complete(client, world, decl, att_id):
    return client.post(f"/declarations/{decl['decl_id']}/attachments/{att_id}/complete",
                       headers=world.headers("applicant1"))


def _verified(client, world, decl):
    full = client.get(f"/declarations/{decl['decl_id']}", headers=world.headers("applicant1")).json
    return [(a["slot"], a["state"]) for a in full["attachments"] if a["category"] == "id_card"
            and a["state"] == "verified"]


def _two_front_slots(client, world, aws, draft, monkeypatch):
    """Both requests see the slot empty: the read of each happens before the other's write."""
    from chalicelib.services import uploads

    real = uploads.create_slot
    barrier = threading.Barrier(2, timeout=30)

    def racing(part, *args, **kwargs):          # both hold their (empty-slot) view of the declaration
        barrier.wait()
        return real(part, *args, **kwargs)

    monkeypatch.setattr(uploads, "create_slot", racing)
    out = []

    def request():
        out.append(_slot(client, world, draft, "id_card", files.png(), "image/png", slot="正面"))

    threads = [threading.Thread(target=request) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    monkeypatch.setattr(uploads, "create_slot", real)
    assert [r.status for r in out] == [201, 201], out      # the slot read cannot stop this race
    return [r.json for r in out]


def test_two_simultaneous_front_uploads_verify_one_and_leave_room_for_the_back(client, world, aws, draft,
                                                                               monkeypatch):
    slots = _two_front_slots(client, world, aws, draft, monkeypatch)
    for slot in slots:
        _post(aws, slot, files.png(color=(1, 2, 3)))
    done = [_complete(client, world, draft, s["attachment"]["attachment_id"]).json for s in slots]
    assert sorted(d["state"] for d in done) == ["rejected", "verified"], done
    loser = next(d for d in done if d["state"] == "rejected")
    assert "正面已上传" in loser["reason"]
    assert _verified(client, world, draft) == [("正面", "verified")]
    back = _slot(client, world, draft, "id_card", files.png(), "image/png", slot="反面")
    assert back.status == 201, back
    _post(aws, back.json, files.png())
    assert _complete(client, world, draft, back.json["attachment"]["attachment_id"]).json["state"] == "verified"


def test_deleting_the_front_frees_its_slot_for_a_new_one(client, world, aws, draft, monkeypatch):
    first = _slot(client, world, draft, "id_card", files.png(), "image/png", slot="正面").json
    _post(aws, first, files.png())
    assert _complete(client, world, draft, first["attachment"]["attachment_id"]).json["state"] == "verified"
    gone = client.delete(f"/declarations/{draft['decl_id']}/attachments/{first['attachment']['attachment_id']}",
                         headers=world.headers("applicant1"))
    assert gone.status == 204, gone
    again = _slot(client, world, draft, "id_card", files.png(), "image/png", slot="正面").json
    _post(aws, again, files.png())
    assert _complete(client, world, draft, again["attachment"]["attachment_id"]).json["state"] == "verified"
    assert _verified(client, world, draft) == [("正面", "verified")]


def test_the_s3_event_verifier_holds_the_slot_too(client, world, aws, draft, monkeypatch):
    """The loser is verified by the S3 event (no complete call): same verdict."""
    from chalicelib.services import uploads

    slots = _two_front_slots(client, world, aws, draft, monkeypatch)
    for slot in slots:
        _post(aws, slot, files.png())
    states = [uploads.verify(draft["decl_id"], s["attachment"]["attachment_id"], inline=False).state for s in slots]
    assert sorted(states) == ["rejected", "verified"]
    assert _verified(client, world, draft) == [("正面", "verified")]
