"""Seeded 通过 results for certificate tests (the full review chain is proven elsewhere: one test
in test_certificates.py walks it; batches of 1,000 are written directly)."""
import boto3

from chalicelib.identifiers import id_check_char


def id_number(n: int) -> str:
    first = f"220102199{n % 10}0101{n:03d}"[:17].ljust(17, "0")
    return first + id_check_char(first)


def seed_passed(world, count: int, login: str = "applicant1", year: str = "2026", level: str = "B类",
                result: str = "通过", start: int = 0) -> list:
    """`count` declarations of TALENT_GRADING with a committee result, each with the province's
    ResultRow (the row the issuing batch reads). Returns their ids."""
    from chalicelib.models.declarations import APPROVED, Declaration
    from chalicelib.models.results import ResultRow
    from chalicelib.services.results import results_key

    person = world.logins[login].subject
    province = world.code("province")
    now = "2026-11-30T02:00:00.000+00:00"
    ids = []
    with Declaration.batch_write() as batch:
        for n in range(start, start + count):
            decl_id = f"TG-seed-{n:05d}"
            pk, sk = Declaration.key(decl_id)
            batch.save(Declaration(pk=pk, sk=sk, decl_id=decl_id, person_id=person, person_name=f"测试人{n}",
                                   id_number=id_number(n), notice_id="seed", notice_title="seed",
                                   matter_type="TALENT_GRADING", year=year, status=APPROVED, round=1,
                                   unit_code=world.code("institute"), unit_name="吉林省农业科学院", route=[],
                                   result=result, result_level=level, result_at=now, submitted_at=now,
                                   created_at=now, updated_at=now))
            rpk, rsk = ResultRow.key(decl_id, province)
            batch.save(ResultRow(pk=rpk, sk=rsk, decl_id=decl_id, viewer_code=province, matter_type="TALENT_GRADING",
                                 year=year, round=1, person_name=f"测试人{n}", id_number=id_number(n), id_hash="x",
                                 unit_code=world.code("institute"), unit_name="吉林省农业科学院", result=result,
                                 result_level=level, submitted_at=now, updated_at=now,
                                 gsi2pk=results_key(province, "TALENT_GRADING", year),
                                 gsi2sk=ResultRow.sort_key(result, now, decl_id)))
            ids.append(decl_id)
    return ids


def queued(env) -> list:
    sqs = boto3.client("sqs", region_name="cn-north-1")
    return sqs.receive_message(QueueUrl=env["CERTIFICATE_QUEUE_URL"], MaxNumberOfMessages=10,
                               WaitTimeSeconds=0).get("Messages", [])
