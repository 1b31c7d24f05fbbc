"""Rotating the PII hash key: claims re-keyed next to the old ones, then the old ones pruned;
uniqueness holds throughout, and the job's hash is the service's hash."""
import boto3
from moto import mock_aws

from chalicelib import config, pii
from chalicelib.models.accounts import Person, PersonIdNumber
from devtools.local_infra import deploy
from infra import rekey_pii

OLD, NEW = b"o" * 64, b"n" * 64
PEOPLE = [("p-1", "ID_CARD", "220102199001011234"), ("p-2", "PASSPORT", "E12345678")]


def claims(ddb, table):
    items = ddb.scan(TableName=table)["Items"]
    return {i["PK"]["S"]: i["person_id"]["S"] for i in items if i["type"]["S"] == "PersonIdNumber"}


def test_rekey_then_prune(monkeypatch):
    with mock_aws():
        table = deploy(None, stack_name="talent-grading-test")["TABLE_NAME"]
        assert table == config.TABLE_NAME
        monkeypatch.setattr(pii, "hash_key", lambda: OLD)
        for person_id, id_type, number in PEOPLE:
            pk, sk = Person.key(person_id)
            Person(pk=pk, sk=sk, person_id=person_id, name="张三", id_type=id_type, id_number=number,
                   phone="13800000000", created_at="t", updated_at="t").save()
            cpk, csk = PersonIdNumber.key(pii.id_number_digest(id_type, number))
            PersonIdNumber(pk=cpk, sk=csk, person_id=person_id).save()
        ddb = boto3.client("dynamodb", region_name="cn-north-1")

        first = rekey_pii.rekey(ddb, table, NEW)
        assert first == {"persons": 2, "claims_written": 2, "conflicts": [], "agent_index_written": 0,
                         "agent_phone_written": 0, "results_rekeyed": 0, "task_index_written": 0}
        assert len(claims(ddb, table)) == 4                        # old and new side by side
        assert rekey_pii.rekey(ddb, table, NEW)["claims_written"] == 2   # idempotent

        assert rekey_pii.prune(ddb, table, NEW) == {"claims_kept": 2, "claims_deleted": 2}
        monkeypatch.setattr(pii, "hash_key", lambda: NEW)
        expected = {f"IDNUM#{pii.id_number_digest(t, n)}": p for p, t, n in PEOPLE}
        assert claims(ddb, table) == expected                      # the service finds them with the new key


def test_a_claim_of_another_person_is_a_conflict_not_an_overwrite():
    with mock_aws():
        table = deploy(None, stack_name="talent-grading-test")["TABLE_NAME"]
        pk, sk = Person.key("p-1")
        Person(pk=pk, sk=sk, person_id="p-1", name="张三", id_type="ID_CARD", id_number="220102199001011234",
               phone="13800000000", created_at="t", updated_at="t").save()
        cpk, csk = PersonIdNumber.key(rekey_pii.digest(NEW, "ID_CARD", "220102199001011234"))
        PersonIdNumber(pk=cpk, sk=csk, person_id="p-9").save()
        ddb = boto3.client("dynamodb", region_name="cn-north-1")
        assert rekey_pii.rekey(ddb, table, NEW)["conflicts"] == ["p-1"]
        assert claims(ddb, table)[cpk] == "p-9"


def test_rotation_keeps_agents_by_id_number_and_result_searches_findable_under_both_keys(monkeypatch):
    """Runbook §5 end to end on the keyed items the services read: an agent signing in by ID
    number and a 评审结果 search by 证件号码 work before, during (both keys) and after the switch."""
    from chalicelib import identifiers as ids
    from chalicelib.models.accounts import Agent, AgentIdNumber
    from chalicelib.models.results import ResultRow
    from chalicelib.services import results, signin

    assert rekey_pii.RESIDENT == ids.ID_TYPE_RESIDENT
    number = "220102199001011234"
    with mock_aws():
        table = deploy(None, stack_name="talent-grading-test")["TABLE_NAME"]
        ddb = boto3.client("dynamodb", region_name="cn-north-1")
        monkeypatch.setattr(pii, "hash_key", lambda: OLD)
        monkeypatch.setattr(pii, "previous_hash_key", lambda: None)
        pk, sk = AgentIdNumber.key("U1", pii.id_number_digest(ids.ID_TYPE_RESIDENT, number))
        AgentIdNumber(pk=pk, sk=sk, agent_id="a-1").save()
        ddb.put_item(TableName=table, Item={"PK": {"S": "UNIT#U1"}, "SK": {"S": "AGENT#a-1"}, "type": {"S": "Agent"},
                                            "agent_id": {"S": "a-1"}, "id_number": {"S": number}})
        ddb.put_item(TableName=table, Item={"PK": {"S": "RESULT#d-1"}, "SK": {"S": "VIEW#U1"}, "type": {"S": "ResultRow"},
                                            "id_number": {"S": number}, "id_hash": {"S": results.id_digest(number)}})

        def agent_found():
            for d in pii.id_number_digests(ids.ID_TYPE_RESIDENT, number):
                try:
                    return AgentIdNumber.get(*AgentIdNumber.key("U1", d)).agent_id
                except AgentIdNumber.DoesNotExist:
                    pass

        def result_found():
            hashes = results.id_digests(number)
            return [i["PK"]["S"] for i in ddb.scan(TableName=table)["Items"]
                    if i["type"]["S"] == "ResultRow" and i["id_hash"]["S"] in hashes]

        assert agent_found() == "a-1" and result_found() == ["RESULT#d-1"]
        out = rekey_pii.rekey(ddb, table, NEW)
        assert out["agent_index_written"] == 1 and out["results_rekeyed"] == 1 and out["conflicts"] == []
        # containers restarted with both keys: the current is new, the previous old
        monkeypatch.setattr(pii, "hash_key", lambda: NEW)
        monkeypatch.setattr(pii, "previous_hash_key", lambda: OLD)
        assert agent_found() == "a-1" and result_found() == ["RESULT#d-1"]
        rekey_pii.prune(ddb, table, NEW)
        monkeypatch.setattr(pii, "previous_hash_key", lambda: None)      # rotation over: new key only
        assert agent_found() == "a-1" and result_found() == ["RESULT#d-1"]
        index = [i for i in ddb.scan(TableName=table)["Items"] if i["type"]["S"] == "AgentIdNumber"]
        assert len(index) == 1                                            # the old index item is gone
        assert signin.agent_by_id_number.__doc__ and ResultRow and Agent


def test_rotation_keeps_agents_by_phone_and_keyed_result_searches_findable_under_both_keys(monkeypatch):
    """Issue 29: the keyed items added since (an agent's phone index item, the 证件号码 index of
    评审结果 rows) are re-keyed too, through the services' own reads: sign-in by phone (one GetItem
    of the phone item) and the keyed results search, before, during and after the switch. Run
    with the current key, the job also writes what older data lacks (a phone item, a row's key)."""
    from chalicelib import identifiers as ids
    from chalicelib.identity import Principal
    from chalicelib.models.accounts import Agent
    from chalicelib.models.results import ResultRow
    from chalicelib.services import results, signin, units

    assert rekey_pii.PHONE == "AGENT_PHONE"
    number, phone = "220102199001011234", "13912345678"
    with mock_aws():
        table = deploy(None, stack_name="talent-grading-test")["TABLE_NAME"]
        ddb = boto3.client("dynamodb", region_name="cn-north-1")
        monkeypatch.setattr(pii, "hash_key", lambda: OLD)
        monkeypatch.setattr(pii, "previous_hash_key", lambda: None)
        pk, sk = Agent.key("U1", "a-1")
        Agent(pk=pk, sk=sk, unit_code="U1", agent_id="a-1", name="经办人", phone=phone, created_at="t",
              updated_at="t").save()                       # listed before the phone index item existed
        pk, sk = ResultRow.key("d-1", "U1")
        ResultRow(pk=pk, sk=sk, decl_id="d-1", viewer_code="U1", matter_type="TALENT_GRADING", year="2025",
                  person_name="张三", id_number=number, id_hash=results.id_digest(number), unit_code="U1",
                  unit_name="单位", submitted_at="2025-01-01T00:00:00+00:00", updated_at="t",
                  gsi2pk=ResultRow.list_key("U1", "TALENT_GRADING", "2025"), gsi2sk="x").save()   # no keyed index yet
        viewer = Principal(subject="a-1", role="unit", name="经办人", unit_code="U1")

        def found():
            by_phone = signin.agent("U1", phone)[0].agent_id
            rows = results.search(viewer, {"matter_type": "TALENT_GRADING", "year": "2025", "id_number": number},
                                  None, 20)
            return by_phone, [r["decl_id"] for r in rows["items"]], rows["scanned"]

        backfill = rekey_pii.rekey(ddb, table, OLD)               # the current key: writes what is missing
        assert backfill["agent_phone_written"] == 1 and backfill["results_rekeyed"] == 1

        def no_listing(*_args):
            raise AssertionError("sign-in by phone read the unit's agent list, not the phone item")

        monkeypatch.setattr(signin, "_agent_by_listed_phone", no_listing)
        assert found() == ("a-1", ["d-1"], 1)
        out = rekey_pii.rekey(ddb, table, NEW)
        assert out["agent_phone_written"] == 1 and out["results_rekeyed"] == 1 and out["conflicts"] == []
        monkeypatch.setattr(pii, "hash_key", lambda: NEW)
        monkeypatch.setattr(pii, "previous_hash_key", lambda: OLD)
        assert found() == ("a-1", ["d-1"], 1)
        rekey_pii.prune(ddb, table, NEW)
        monkeypatch.setattr(pii, "previous_hash_key", lambda: None)      # rotation over: new key only
        assert found() == ("a-1", ["d-1"], 1)
        phones = [i for i in ddb.scan(TableName=table)["Items"] if i["type"]["S"] == "AgentPhone"]
        assert [i["SK"]["S"] for i in phones] == [units.agent_phone_index("U1", phone).sk]   # old item pruned
        assert ids.normalize(phone) == phone


def test_rotation_keeps_review_searches_by_id_number_findable_under_both_keys(monkeypatch):
    """Issue 29: a review task's 证件号码 index item (TaskIdIndex) is re-keyed like the agents' index
    items: written under the new key next to the old one, found by the review list's search (the
    service's own read) before, during (both keys) and after the switch, the old one pruned. Run
    with the current key, the job writes the item a task opened before the index existed lacks."""
    from chalicelib.identity import Principal
    from chalicelib.models.reviews import ReviewTask, TaskIdIndex
    from chalicelib.services import results
    from chalicelib.services.review import queries

    number, unit, year = "22010219900101123X", "U1", "2025"
    with mock_aws():
        table = deploy(None, stack_name="talent-grading-test")["TABLE_NAME"]
        ddb = boto3.client("dynamodb", region_name="cn-north-1")
        monkeypatch.setattr(pii, "hash_key", lambda: OLD)
        monkeypatch.setattr(pii, "previous_hash_key", lambda: None)
        tasks = []
        for decl, level in (("d-1", 0), ("d-2", 1)):
            pk, sk = ReviewTask.key(decl, 1, level)
            task = ReviewTask(pk=pk, sk=sk, decl_id=decl, round=1, level=level, unit_code=unit, unit_name="单位",
                              role="unit", matter_type="TALENT_GRADING", year=year, person_name="张三",
                              id_number=number, state="open", opened_at="t", updated_at="t")
            task.place("pending", f"2025-01-0{level + 1}T00:00:00+00:00")
            task.save()
            tasks.append(task)
        TaskIdIndex.of(tasks[0], results.id_digest(number)).save()      # d-2: opened before the index
        viewer = Principal(subject="a-1", role="unit", name="经办人", unit_code=unit)

        def found(typed=number):
            page = queries.list_tasks(viewer, "pending", "TALENT_GRADING", year, None, typed, None, 20)
            return [t["decl_id"] for t in page["items"]]

        def index_items():
            return sorted(i["PK"]["S"] for i in ddb.scan(TableName=table)["Items"] if i["type"]["S"] == "TaskIdIndex")

        assert found() == ["d-1"]
        backfill = rekey_pii.rekey(ddb, table, OLD)                  # the current key: writes what is missing
        assert backfill["task_index_written"] == 1
        assert found() == ["d-2", "d-1"] and found(number.lower()) == ["d-2", "d-1"]
        assert rekey_pii._task_index(OLD, ddb.get_item(TableName=table, Key={"PK": {"S": tasks[0].pk}, "SK": {"S": tasks[0].sk}})["Item"]) \
            == TaskIdIndex.of(tasks[0], results.id_digest(number)).serialize() | {"type": {"S": "TaskIdIndex"}}
        out = rekey_pii.rekey(ddb, table, NEW)
        assert out["task_index_written"] == 2 and out["conflicts"] == []
        assert len(index_items()) == 4                                # old and new side by side
        monkeypatch.setattr(pii, "hash_key", lambda: NEW)
        monkeypatch.setattr(pii, "previous_hash_key", lambda: OLD)
        assert found() == ["d-2", "d-1"]                              # both keys: no duplicates
        monkeypatch.setattr(pii, "previous_hash_key", lambda: None)
        assert found() == ["d-2", "d-1"]                              # the new key's items alone
        rekey_pii.prune(ddb, table, NEW)
        assert index_items() == [TaskIdIndex.partition(unit, rekey_pii.digest(NEW, rekey_pii.RESIDENT, number))] * 2
        assert found() == ["d-2", "d-1"]
