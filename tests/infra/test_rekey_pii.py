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
        assert first == {"persons": 2, "claims_written": 2, "conflicts": []}
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
