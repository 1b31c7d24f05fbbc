"""The OpenAPI document covers every route and the committed copy is current."""
import json

from tests.helpers.paths import ROOT


def test_every_route_is_documented(client):
    import app

    doc = client.get("/openapi.json").json
    for path, methods in app.app.routes.items():
        for method in methods:
            if method == "OPTIONS":
                continue
            assert method.lower() in doc["paths"].get(path, {}), f"{method} {path} missing from OpenAPI"


def test_request_schemas_are_the_validators(client):
    doc = client.get("/openapi.json").json
    profile = doc["components"]["schemas"]["PersonProfileIn"]
    assert profile["additionalProperties"] is False
    assert profile["properties"]["name"]["maxLength"] == 50
    op = doc["paths"]["/declarations/{decl_id}/modules/{module}"]["put"]
    assert any(p["name"] == "If-Match" for p in op["parameters"])
    assert op["responses"]["409"]["content"]["application/json"]["schema"]["$ref"] == "#/components/schemas/Error"


def test_committed_copy_is_current(monkeypatch):
    """Regenerate with `python -m devtools.openapi` after changing routes or schemas."""
    import app
    from chalicelib import openapi
    from devtools.openapi import render

    routes = [r for r in app.ROUTES if not r.path.startswith("/dev/")]
    committed = (ROOT / "openapi.json").read_text(encoding="utf-8")
    assert json.loads(committed) == json.loads(render(openapi.document(routes)))
