"""The review lists' search by 证件号码 (issue 29): one keyed Query of the unit's index items of that
person (TaskIdIndex, written when the task opens) and one BatchGetItem of the tasks they name, the
number as typed normalised as writes normalise it, only the caller's unit's tasks, the list (待审核/
待送审/办结/已退回) and 姓名 applied to those few, the page and cursor shape of the lists."""
from tests.helpers.applicants import bound_applicant as _bound_applicant
from tests.helpers.applicants import fill_with as _fill_with
from tests.helpers.applicants import notice as _notice
from tests.helpers.review import MARKS_ALL_CORRECT, decide, wait_task

WIDE = str.maketrans("0123456789", "０１２３４５６７８９")


def _search(client, headers, **body):
    resp = client.post("/reviews/search", headers=headers, json_body={"bucket": "pending", **body})
    assert resp.status == 200, resp.json
    return resp.json


def _ids(page):
    return [t["decl_id"] for t in page["items"]]


def _submitted(client, world, aws, n):
    headers = _bound_applicant(world, n)
    decl = client.post("/declarations", headers=headers,
                       json_body={"notice_id": _notice(client, world), "confirmed": True}).json
    _fill_with(client, decl, headers)
    assert client.post(f"/declarations/{decl['decl_id']}/submit", headers=headers).status == 200
    wait_task(client, world, aws, "institute-agent", decl["decl_id"])
    from chalicelib.models.declarations import Declaration

    return decl["decl_id"], Declaration.get(*Declaration.key(decl["decl_id"])).id_number


def test_a_full_width_number_with_a_lowercase_x_finds_the_person(client, world, aws, aws_calls):
    decl_id, number = _submitted(client, world, aws, 3)
    assert number.endswith("X")
    me = world.headers("institute-agent")
    for typed in (number, number[:-1] + "x", number[:-1].translate(WIDE) + "x", number[:-1].translate(WIDE) + "ｘ"):
        del aws_calls[:]
        page = _search(client, me, id_number=typed)
        assert _ids(page) == [decl_id], typed
        assert page["next_cursor"] is None and page["budget_reached"] is False
        assert page["items"][0]["id_number"] != number                    # masked in the list
        assert sorted(c for c in aws_calls if c in ("Query", "BatchGetItem", "Scan")) == ["BatchGetItem", "Query"]
    assert _ids(_search(client, me, id_number=number, name="张明")) == [decl_id]   # 姓名 too
    assert _ids(_search(client, me, id_number=number, name="李")) == []
    assert _ids(_search(client, me, id_number=number[:-1] + "1")) == []            # another number


def test_another_units_reviewer_does_not_find_the_task(client, world, aws):
    decl_id, number = _submitted(client, world, aws, 4)
    assert _ids(_search(client, world.headers("institute-agent"), id_number=number)) == [decl_id]
    for other in ("university-agent", "company-agent", "province-agent"):     # not (yet) on its route
        for bucket in ("pending", "to_send", "done", "returned"):
            assert _search(client, world.headers(other), id_number=number, bucket=bucket)["items"] == [], (other, bucket)
        resp = client.post(f"/reviews/{decl_id}/neighbours", headers=world.headers(other),
                           json_body={"bucket": "pending", "id_number": number})
        assert resp.json == {"previous": None, "next": None, "in_list": False}
    assert client.post("/reviews/search", headers=world.headers("applicant1"),
                       json_body={"bucket": "pending", "id_number": number}).status == 403


def test_the_search_follows_the_task_from_list_to_list(client, world, aws):
    """The index item names the task, not a list: the search finds it in the list it is in now."""
    me = world.headers("institute-agent")
    passed, number = _submitted(client, world, aws, 5)
    returned, other_number = _submitted(client, world, aws, 6)
    assert decide(client, world, "institute-agent", passed).status == 200
    resp = decide(client, world, "institute-agent", returned, outcome="return", problem_modules=["basic"],
                  opinion="请补充", marks={**MARKS_ALL_CORRECT, "basic": "wrong"})
    assert resp.status == 200, resp.json
    assert _search(client, me, id_number=number)["items"] == []
    assert _ids(_search(client, me, id_number=number, bucket="to_send")) == [passed]
    assert _ids(_search(client, me, id_number=other_number, bucket="returned")) == [returned]
    assert _search(client, me, id_number=other_number, bucket="pending")["items"] == []
    assert _search(client, me, id_number=number, bucket="returned")["items"] == []


def test_a_persons_entries_page_by_cursor_and_neighbours_walk_them(client, world, aws):
    """Several tasks of one person in one list (index items of the same key): pages of `limit`
    with the lists' cursor, then an empty cursor; 上一条/下一条 within the person's entries."""
    from chalicelib import clock
    from chalicelib.models.reviews import ReviewTask, TaskIdIndex
    from chalicelib.services import results

    number, code, year = "22010219850610003X", world.code("institute"), str(clock.today_local().year)
    for i in range(5):
        pk, sk = ReviewTask.key(f"many{i}", 1, 0)
        task = ReviewTask(pk=pk, sk=sk, decl_id=f"many{i}", round=1, level=0, unit_code=code, unit_name="u",
                          role="unit", matter_type="TALENT_GRADING", year=year, person_name="张明远",
                          id_number=number, state="open", opened_at="t", updated_at="t")
        task.place("pending", f"2026-01-0{i + 1}T00:00:00+00:00")
        task.save()
        TaskIdIndex.of(task, results.id_digest(number)).save()
    me = world.headers("institute-agent")
    first = _search(client, me, id_number=number, limit=2)
    assert _ids(first) == ["many4", "many3"] and first["next_cursor"]
    second = _search(client, me, id_number=number, limit=2, cursor=first["next_cursor"])
    assert _ids(second) == ["many2", "many1"] and second["next_cursor"]
    third = _search(client, me, id_number=number, limit=2, cursor=second["next_cursor"])
    assert _ids(third) == ["many0"] and third["next_cursor"] is None
    elsewhere = client.post("/reviews/search", headers=me, json_body={
        "bucket": "done", "id_number": number, "cursor": first["next_cursor"]})
    assert elsewhere.status == 400 and elsewhere.json["Code"] == "BAD_CURSOR"     # a cursor of another list
    walk = client.post("/reviews/many2/neighbours", headers=me,
                       json_body={"bucket": "pending", "id_number": number}).json
    assert (walk["previous"]["decl_id"], walk["next"]["decl_id"], walk["in_list"]) == ("many3", "many1", True)
    edge = client.post("/reviews/many0/neighbours", headers=me, json_body={"bucket": "pending", "id_number": number}).json
    assert edge["previous"]["decl_id"] == "many1" and edge["next"] is None
