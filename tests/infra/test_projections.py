"""The indexes project what their queries read (INCLUDE, not ALL), and nothing a reader needs is
left out. A Query on a GSI returns only projected attributes and a filter sees only those; pynamodb
fills a missing attribute with its default, so a view reading an unprojected attribute would show
an empty value rather than fail. Each reader of an index query runs here on a recording instance:
what it reads must be in its entity's list (models/base.py GSI1_READS / GSI2_READS), and the
template's NonKeyAttributes must be exactly their union."""
import pathlib

import pytest
import yaml

from chalicelib.models import base
from chalicelib.models.accounts import DevLogin
from chalicelib.models.bindings import BindingRequest
from chalicelib.models.certificates import Certificate
from chalicelib.models.declarations import Declaration
from chalicelib.models.notices import Notice
from chalicelib.models.results import ResultRow
from chalicelib.models.reviews import ReturnedMark, ReviewTask

ROOT = pathlib.Path(__file__).resolve().parents[2]
KEYS = {"PK", "SK", "GSI1PK", "GSI1SK", "GSI2PK", "GSI2SK"}
MODELS = {m.__name__: m for m in (Declaration, ReviewTask, ReturnedMark, BindingRequest, Notice,
                                  Certificate, ResultRow, DevLogin)}


def _indexes() -> dict:
    table = yaml.safe_load((ROOT / "infra" / "template.yaml").read_text(encoding="utf-8"))["Resources"]["MainTable"]
    return {i["IndexName"]: i["Projection"] for i in table["Properties"]["GlobalSecondaryIndexes"]}


class Recorder:
    """Stands in for an item read from an index: records the attribute names a reader touches."""

    def __init__(self, item):
        object.__setattr__(self, "_item", item)
        object.__setattr__(self, "read", set())

    def __getattr__(self, name):
        attr = type(self._item).get_attributes().get(name)
        if attr is not None:
            self.read.add(attr.attr_name)
        return getattr(self._item, name)


def _sample(model):
    """An item with every attribute set to a plausible value (readers format dates, mask numbers)."""
    from pynamodb.attributes import (BooleanAttribute, JSONAttribute, ListAttribute, MapAttribute,
                                     NumberAttribute, UnicodeAttribute, VersionAttribute)
    values = {}
    for name, attr in model.get_attributes().items():
        if attr.attr_name in KEYS or name == "entity":
            continue
        if isinstance(attr, (NumberAttribute, VersionAttribute)):
            values[name] = 1
        elif isinstance(attr, BooleanAttribute):
            values[name] = False
        elif isinstance(attr, (JSONAttribute, ListAttribute, MapAttribute)):
            values[name] = None
        elif isinstance(attr, UnicodeAttribute):
            values[name] = "2026-05-01T08:00:00+00:00" if name.endswith(("_at", "_date")) else "x"
    overrides = {"id_number": "220102199001011234", "requester_id_number": "220102199001011234",
                 "state": "open", "matter_type": "TALENT_GRADING", "city_code": "220100",
                 "status": {Notice: "published", Declaration: "submitted"}.get(model, "x")}
    values.update({k: v for k, v in overrides.items() if k in values})
    return model(pk="P", sk="S", **values)


def _reads(model, reader) -> set:
    rec = Recorder(_sample(model))
    reader(rec)
    return rec.read


def _readers():
    """(index, entity, what reads it): every Query on GSI1/GSI2 in chalicelib and functions."""
    from chalicelib.services import bindings, declaration_aggregate, notices, results
    from chalicelib.services.authentication import list_dev_logins  # noqa: F401  (its reads below)
    from chalicelib.services.certificates import exporting, records
    from chalicelib.services.documents import result_row
    from chalicelib.services.review import queries, tasks

    def filters(*names):
        return lambda item: [getattr(item, n) for n in names]

    def sweep(task):   # machine.sweep_deadlines and _flag
        return (task.state, task.matter_type, task.due_at, task.overdue, task.reminded, task.unit_code,
                task.decl_id)

    def dev_login(i):   # authentication.list_dev_logins
        return {"login": i.login, "role": i.role, "name": i.display_name, "unit_code": i.unit_code,
                "is_legal": i.is_legal}

    return [
        ("GSI1", "Declaration", declaration_aggregate.summary_view),
        ("GSI1", "Declaration", filters("status")),                       # bindings._under_review
        ("GSI1", "ReviewTask", tasks.task_view),
        ("GSI1", "ReviewTask", filters("person_name", "id_number")),      # queries._filter
        ("GSI1", "ReturnedMark", queries._returned_view),
        ("GSI1", "ReturnedMark", filters("person_name", "id_number")),
        ("GSI1", "BindingRequest", bindings.request_view),
        ("GSI1", "Notice", lambda n: notices.view(n, full=False)),        # published, matter menu
        ("GSI1", "Certificate", records.view),                           # 我的证书 (full)
        ("GSI1", "ResultRow", results.row_view),                         # by 证件号码
        ("GSI1", "ResultRow", filters("unit_code", "city_code", "applied_level", "talent_category",
                                      "result_level", "person_name", "result")),
        ("GSI1", "DevLogin", dev_login),
        ("GSI2", "ReviewTask", sweep),
        ("GSI2", "Notice", lambda n: notices.view(n, full=False)),        # the office's list
        ("GSI2", "ResultRow", results.row_view),
        ("GSI2", "ResultRow", lambda r: result_row(r, True, True)),      # the export
        ("GSI2", "ResultRow", filters("unit_code", "city_code", "applied_level", "talent_category",
                                      "result_level", "person_name", "decl_id")),
        ("GSI2", "Certificate", lambda c: records.view(c, full=False)),
        ("GSI2", "Certificate", exporting.row),                          # the province's export
        ("GSI2", "Certificate", filters("status", "holder_name")),        # records.list_filter
        ("GSI1", "Declaration", filters("decl_id")),                      # given._earlier
    ]


READS = {"GSI1": base.GSI1_READS, "GSI2": base.GSI2_READS}


@pytest.mark.parametrize("index,entity,reader", _readers(),
                         ids=lambda v: v if isinstance(v, str) else getattr(v, "__name__", ""))
def test_what_each_index_reader_reads_is_projected(index, entity, reader):
    missing = _reads(MODELS[entity], reader) - set(READS[index][entity])
    assert not missing, f"{entity} read from {index} needs {sorted(missing)}: add to models/base.py {index}_READS"


def test_the_recorder_catches_an_unprojected_read():
    """The check above is not vacuous: a reader of an attribute left out is caught."""
    reads = _reads(ReviewTask, lambda t: (t.token, t.state))
    assert "token" in reads and "token" not in base.GSI1_READS["ReviewTask"]


def test_the_template_projects_exactly_what_the_models_declare():
    indexes = _indexes()
    for name, reads in READS.items():
        assert indexes[name]["ProjectionType"] == "INCLUDE"
        assert sorted(indexes[name]["NonKeyAttributes"]) == base.projected(reads)
    assert base.Gsi1.Meta.projection.non_key_attributes == base.projected(base.GSI1_READS)
    assert base.Gsi2.Meta.projection.non_key_attributes == base.projected(base.GSI2_READS)


def test_declared_attributes_exist_and_fit_dynamodb_s_limit():
    for reads in READS.values():
        for entity, names in reads.items():
            known = {a.attr_name for a in MODELS[entity].get_attributes().values()}
            assert set(names) <= known, f"{entity}: {sorted(set(names) - known)} are not attributes"
    # DynamoDB: at most 100 projected non-key attributes summed over a table's secondary indexes
    assert sum(len(base.projected(r)) for r in READS.values()) <= 100


def test_what_the_indexes_leave_out():
    """The point of INCLUDE: the large or hot attributes no list reads are not written to an index."""
    g1, g2 = base.projected(base.GSI1_READS), base.projected(base.GSI2_READS)
    for name in ("token", "output", "marks", "problem_modules", "route", "stat_scopes", "execution_arn", "body"):
        assert name not in g1 and name not in g2


@pytest.mark.parametrize("index,entity", [(i, e) for i, reads in READS.items() for e in reads])
def test_a_page_of_index_items_gives_a_cursor(index, entity):
    """A cursor is made from an index item, which lacks every attribute its index does not project
    (a required one too): pagination serialises the keys without the null check."""
    from chalicelib import pagination

    model = MODELS[entity]
    full = _sample(model)
    keys = {"PK": {"S": "P"}, "SK": {"S": "S"}, f"{index}PK": {"S": "L"}, f"{index}SK": {"S": "2026#x"}}
    raw = {name: value for name, value in full.serialize(null_check=False).items()
           if name in READS[index][entity] or name == "type"}
    items = [model.from_raw_data({**raw, **keys}) for _ in range(3)]
    page = pagination.query_page(lambda **kw: iter(items), 2, None, ("PK", "SK", f"{index}PK", f"{index}SK"),
                                 lambda item: item.pk)
    assert page["items"] == ["P", "P"] and page["next_cursor"]


INDEX_QUERY = r"\.gsi[12]\.query\(|Notice\.(?:published|office_list)\(|ReviewTask\.(?:outbox|due_on)\("
# Where the code queries an index, and how often: every one of them is a reader above. A new index
# query fails here until its reader is listed in _readers() and what it reads in GSI*_READS.
INDEX_QUERIES = {
    "chalicelib/models/notices.py": 2, "chalicelib/models/reviews.py": 2,
    "chalicelib/services/authentication.py": 1, "chalicelib/services/bindings.py": 2,
    "chalicelib/services/certificates/issuing.py": 1, "chalicelib/services/certificates/exporting.py": 1,
    "chalicelib/services/certificates/records.py": 2, "chalicelib/services/given.py": 1,
    "chalicelib/services/declarations.py": 1, "chalicelib/services/matter_menu.py": 1,
    "chalicelib/services/notices.py": 2, "chalicelib/services/results.py": 3,
    "chalicelib/services/review/machine.py": 2, "chalicelib/services/review/queries.py": 3,
}


def test_every_index_query_in_the_code_is_a_known_reader():
    import re

    found = {}
    for path in sorted([*(ROOT / "chalicelib").rglob("*.py"), *(ROOT / "functions").rglob("*.py"), ROOT / "app.py"]):
        n = len(re.findall(INDEX_QUERY, path.read_text(encoding="utf-8")))
        if n:
            found[str(path.relative_to(ROOT))] = n
    assert found == INDEX_QUERIES, "an index query was added or moved: list its reader and what it reads"
