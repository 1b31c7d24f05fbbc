"""Write the OpenAPI document to openapi.json (the copy kept in the repo for app developers).

Run: python -m devtools.openapi   (a test fails when the committed copy is out of date)
"""
import json
import os
import pathlib

ROOT = pathlib.Path(__file__).resolve().parent.parent


def generate() -> dict:
    os.environ.setdefault("STAGE", "prod")
    import app
    from chalicelib import openapi

    return openapi.document(app.ROUTES)


def render(doc: dict) -> str:
    return json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":
    (ROOT / "openapi.json").write_text(render(generate()), encoding="utf-8")
    print("openapi.json written")
