"""The route contract (chalicelib/web.Router): bodies and query strings validated by schemas,
If-Match read in one place, one year validator and one matter-code validator for every schema."""
import importlib
import inspect
import pathlib
import pkgutil
import typing

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_every_query_route_names_a_schema_and_its_view_takes_it():
    import app
    from chalicelib.validation import Schema

    with_query = [r for r in app.ROUTES if r.query]
    assert {r.path for r in with_query} >= {"/reviews", "/results", "/notices", "/workbench", "/declarations"}
    for r in with_query:
        module, cls = r.query.split(".")
        assert module == "queries" and issubclass(getattr(importlib.import_module("chalicelib.schemas.queries"), cls),
                                                  Schema), r


def test_views_get_what_the_route_declares():
    import app  # noqa: F401  (importing it registers every area)
    import chalicelib.api as api

    views, source = {}, (ROOT / "app.py").read_text(encoding="utf-8")
    for info in pkgutil.iter_modules(api.__path__):
        module = importlib.import_module(f"chalicelib.api.{info.name}")
        views.update({name: obj for name, obj in vars(module).items() if inspect.isfunction(obj)})
        source += pathlib.Path(module.__file__).read_text(encoding="utf-8")
    assert "if_match()" not in source and " q(" not in source
    assert '"TALENT_GRADING"' not in source          # the matter default lives in the schemas
    for name in ("put_unit", "update_notice", "publish_notice", "save_module", "remove_entry"):
        assert "version" in inspect.signature(views[name]).parameters
    for name in ("list_reviews", "list_results", "list_notices", "workbench_counts"):
        assert "query" in inspect.signature(views[name]).parameters


def _schema_fields():
    import chalicelib.schemas as pkg
    from pydantic import BaseModel

    for info in pkgutil.iter_modules(pkg.__path__):
        module = importlib.import_module(f"chalicelib.schemas.{info.name}")
        for cls in vars(module).values():
            if isinstance(cls, type) and issubclass(cls, BaseModel) and cls.__module__ == module.__name__:
                yield from ((cls, name, field) for name, field in cls.model_fields.items())


def test_every_text_year_and_matter_code_uses_the_one_validator():
    from chalicelib.schemas.types import check_known_matter_code, check_matter_code, check_year

    years = matters = 0
    served, known = set(), set()
    for cls, name, field in _schema_fields():
        if name == "year" and field.annotation is not int:      # NoticeIn.year is a number (2000–2100)
            validators = [getattr(m, "func", None) for m in field.metadata]
            args = typing.get_args(field.annotation)
            inner = [getattr(m, "func", None) for a in args for m in getattr(a, "__metadata__", ())]
            assert check_year in validators + inner, (cls, name)
            years += 1
        if name == "matter_type":
            validators = [getattr(m, "func", None) for m in field.metadata]
            assert check_matter_code in validators or check_known_matter_code in validators, (cls, name)
            (served if check_matter_code in validators else known).add(cls.__name__)
            matters += 1
    assert years >= 6 and matters >= 5
    # declaring paths take only served matters; reviewing paths (lists, results, exports) also a matter
    # the province has closed, whose declarations stay reviewable
    assert {"NoticeIn", "NoticesQuery"} <= served
    assert {"ReviewListQuery", "ResultListQuery", "ReviewSearchIn", "ResultFiltersIn", "ExportIn"} <= known


@pytest.mark.parametrize("value", ["2026", "２０２６", "٢٠٢٦", "20261", "26", "year"])
def test_one_year_validator(value):
    from pydantic import ValidationError

    from chalicelib.schemas.queries import WorkbenchQuery

    if value == "2026":
        assert WorkbenchQuery.model_validate({"year": value}).year == "2026"
    else:
        with pytest.raises(ValidationError):
            WorkbenchQuery.model_validate({"year": value})


def test_query_strings_are_validated_like_bodies(client, world):
    agent = world.headers("institute-agent")
    resp = client.get("/reviews?year=%EF%BC%92%EF%BC%90%EF%BC%92%EF%BC%96", headers=agent)   # full-width 2026
    assert resp.status == 422 and resp.json["Message"] == "年度：应为四位数字"
    # the same wording for a body
    resp = client.post("/reviews/search", headers=agent, json_body={"year": "26"})
    assert resp.status == 422 and resp.json["Message"] == "年度：应为四位数字"
    resp = client.get("/workbench?year=20x6", headers=agent)
    assert resp.status == 422 and resp.json["Message"] == "年度：应为四位数字"
    resp = client.get("/reviews?matter_type=NOPE", headers=agent)
    assert resp.status == 422 and resp.json["Code"] == "VALIDATION_FAILED"
    assert resp.json["Message"] == "事项类型：不存在"   # a reviewing path: closed matters are listed too
    resp = client.get("/reviews?bucket=everything", headers=agent)
    assert resp.status == 422 and resp.json["Message"] == "列表：取值不在可选范围内"
    # empty values count as absent, unknown parameters are ignored, the page size keeps its 400
    assert client.get("/reviews?year=&bucket=&_=1", headers=agent).status == 200
    resp = client.get("/reviews?limit=500", headers=agent)
    assert resp.status == 400 and resp.json["Code"] == "BAD_PAGE_SIZE"


def test_if_match_is_read_in_one_place(client, world):
    legal = world.headers("institute-legal")
    for bad in ("abc", "1.5", "-1", "１"):
        resp = client.post("/admin/notices/n1/publish", headers={**legal, "If-Match": bad})
        assert resp.status == 400 and resp.json == {"Code": "BAD_VERSION", "Message": "If-Match应为版本号"}, bad
        resp = client.delete("/declarations/d1/modules/basic/entries/e1", headers={**legal, "If-Match": bad})
        assert resp.status == 400 and resp.json["Code"] == "BAD_VERSION", bad
    # a well-formed version reaches the service (which decides what it means)
    resp = client.post("/admin/notices/n1/publish", headers={**legal, "If-Match": '"3"'})
    assert resp.status == 403 and resp.json["Code"] == "ROLE_FORBIDDEN", resp   # the legal person publishes no notice


def test_openapi_lists_query_parameters_from_the_schemas():
    import app
    from chalicelib import openapi

    doc = openapi.document(app.ROUTES)
    params = {p["name"]: p for p in doc["paths"]["/reviews"]["get"]["parameters"] if p["in"] == "query"}
    assert list(params) == ["bucket", "matter_type", "year", "name", "cursor", "limit"]
    assert params["bucket"]["schema"]["enum"] == ["pending", "to_send", "done", "returned"]
    assert params["year"]["schema"]["anyOf"][0]["pattern"] == r"^\d{4}$"


def test_every_area_is_a_blueprint_registered_by_app():
    import app
    import chalicelib.api as api
    from chalicelib.web import Area

    areas = {info.name for info in pkgutil.iter_modules(api.__path__)}
    assert areas == {"accounts", "bindings", "notices", "declarations", "reviews", "results", "forms", "statistics",
                     "certificates", "local"}
    for name in areas - {"local"}:
        module = importlib.import_module(f"chalicelib.api.{name}")
        assert isinstance(module.area, Area) and module.area.blueprint is not None
        assert all(path in app.app.routes for path, _, _ in module.area._views)
    # app.py keeps only the app, its authorizer, CORS, /health and /openapi.json
    assert {r.path for r in app.ROUTES if r.path.startswith("/dev/")} == (
        {"/dev/token", "/dev/logins", "/dev/platform-account"} if app.config.is_local() else set())
