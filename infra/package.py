"""Build the deployable template: `python -m infra.package --stage prod --out build/prod`.

1. `chalice package --stage <stage> --merge-template infra/template.yaml <out>` (Chalice builds
   deployment.zip with the Lambda wheels of requirements.txt and a SAM template; our template is
   deep-merged into it: roles, environment, tables, bucket, queues, state machine, functions).
2. Inline infra/statemachine/review.asl.json as the state machine's Definition (CloudFormation
   cannot read a local file; the ASL lives only in that file, ${Placeholders} are filled by
   DefinitionSubstitutions at deploy time).
3. Make the web origin a template parameter in Chalice's swagger too (the CORS preflight answers
   with `CorsAllowedOrigin`, not with whatever was in the environment at package time), point
   API Gateway at the functions' `live` alias (provisioned concurrency lives there), and move the
   template's Gateway Responses into the swagger (`x-amazon-apigateway-gateway-responses`): as
   separate resources next to a `Body`, every redeploy of the body would drop them (W3660).
4. Rebuild deployment.zip: add functions/ (Chalice packages only app.py, chalicelib/ and
   vendor/), drop what no function imports, and ship bytecode compiled for the runtime's Python
   (unchecked-hash .pyc: valid whatever the file times; Lambda's file system is read-only, so
   without them every cold start compiles every module).
5. `expand()` applies the SAM transform with aws-sam-translator (what SAM/CloudFormation do) so
   the infra tests lint and scan what is really deployed.

`./dev deploy <stage> --region … --artifacts-bucket …` (infra/deploy.py) packages, uploads and
deploys; see docs/runbook.md.
"""
import argparse
import compileall
import copy
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import zipfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
ASL = ROOT / "infra" / "statemachine" / "review.asl.json"
RUNTIME = "python3.11"      # every function's Runtime; the .pyc must be compiled by this Python
# Installed as dependencies of dependencies but imported by no function (pip's own machinery).
NOT_SHIPPED = ("pip", "setuptools", "wheel", "_distutils_hack", "pkg_resources", "distutils-precedence.pth")
ALIAS_OF = {"APIHandler": "APIHandler.Alias", "JwtAuth": "JwtAuth.Alias"}


def _chalice_package(stage: str, out: pathlib.Path) -> dict:
    env = {**os.environ, "AWS_DEFAULT_REGION": os.environ.get("AWS_DEFAULT_REGION", "cn-north-1")}
    chalice = pathlib.Path(sys.executable).with_name("chalice")
    subprocess.run([str(chalice), "package", "--stage", stage, "--merge-template",
                    str(ROOT / "infra" / "template.yaml"), str(out)], cwd=ROOT, env=env, check=True)
    # A YAML merge template makes Chalice write sam.yaml (long-form intrinsics only, so a plain
    # loader reads it); the deployable artefact is written as sam.json.
    import yaml

    produced = out / "sam.yaml"
    template = yaml.safe_load(produced.read_text(encoding="utf-8"))
    produced.unlink()
    return template


def _walk(node, visit):
    if isinstance(node, dict):
        for key in list(node):
            node[key] = visit(key, node[key])
            _walk(node[key], visit)
    elif isinstance(node, list):
        for item in node:
            _walk(item, visit)


def finish_template(template: dict) -> dict:
    """Steps 2 and 3 on Chalice's output (pure: used by the tests on a saved template too)."""
    r = template["Resources"]
    r["ReviewStateMachine"]["Properties"]["Definition"] = json.loads(ASL.read_text(encoding="utf-8"))

    def visit(key, value):
        if key == "method.response.header.Access-Control-Allow-Origin":
            return {"Fn::Sub": "'${CorsAllowedOrigin}'"}
        if key == "Fn::Sub" and isinstance(value, str):
            for fn, alias in ALIAS_OF.items():
                value = value.replace("${%s.Arn}" % fn, "${%s}" % alias)
        return value

    body = r["RestAPI"]["Properties"]["DefinitionBody"]
    _walk(body, visit)
    responses = body.setdefault("x-amazon-apigateway-gateway-responses", {})
    for lid in [lid for lid, res in r.items() if res["Type"] == "AWS::ApiGateway::GatewayResponse"]:
        props = r.pop(lid)["Properties"]
        entry = {"responseParameters": props.get("ResponseParameters", {}),
                 "responseTemplates": props.get("ResponseTemplates", {})}
        if "StatusCode" in props:
            entry["statusCode"] = int(props["StatusCode"])
        responses[props["ResponseType"]] = entry
    for fn, alias in ALIAS_OF.items():
        permission = r.get(f"{fn}InvokePermission")
        if permission:
            permission["Properties"]["FunctionName"] = {"Ref": alias}
    return template


def _skip(name: str) -> bool:
    top = name.split("/", 1)[0]
    base = top.split("-", 1)[0] if top.endswith(".dist-info") else top
    return base in NOT_SHIPPED or top in NOT_SHIPPED


def rebuild_zip(zip_path: pathlib.Path) -> dict:
    """Step 4. Returns figures: entries, .pyc count, size."""
    if sys.version_info[:2] != tuple(int(x) for x in RUNTIME[len("python"):].split(".")):
        raise SystemExit(f"package with {RUNTIME}: the .pyc must match the Lambda runtime "
                         f"(this is {sys.version.split()[0]})")
    with tempfile.TemporaryDirectory() as tmp:
        tree = pathlib.Path(tmp) / "pkg"
        with zipfile.ZipFile(zip_path) as zf:
            modes = {i.filename: i.external_attr for i in zf.infolist()}
            zf.extractall(tree)
        for path in sorted((ROOT / "functions").rglob("*.py")):
            target = tree / path.relative_to(ROOT)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target)
        for child in list(tree.iterdir()):
            if _skip(child.name):
                shutil.rmtree(child) if child.is_dir() else child.unlink()
        for stale in tree.rglob("__pycache__"):
            shutil.rmtree(stale, ignore_errors=True)
        ok = compileall.compile_dir(str(tree), quiet=1, workers=1, ddir="/var/task",
                                    invalidation_mode=__import__("py_compile").PycInvalidationMode.UNCHECKED_HASH)
        if not ok:
            raise SystemExit("compileall failed")
        zip_path.unlink()
        count = pyc = 0
        with zipfile.ZipFile(zip_path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for path in sorted(p for p in tree.rglob("*") if p.is_file()):
                name = str(path.relative_to(tree))
                info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = modes.get(name, 0o644 << 16) or (0o644 << 16)
                zf.writestr(info, path.read_bytes())
                count += 1
                pyc += name.endswith(".pyc")
    return {"entries": count, "pyc": pyc, "bytes": zip_path.stat().st_size}


def _zip_problem(zip_path: pathlib.Path) -> str | None:
    """Why `zip_path` is not a readable zip (None when it is): size, first bytes, free space."""
    try:
        with zipfile.ZipFile(zip_path) as zf:
            bad = zf.testzip()
        if bad is None:
            return None
        problem = f"bad CRC in {bad}"
    except (OSError, zipfile.BadZipFile) as exc:
        problem = f"{type(exc).__name__}: {exc}"
    size = zip_path.stat().st_size if zip_path.exists() else -1
    head = zip_path.read_bytes()[:8].hex() if size > 0 else ""
    free = shutil.disk_usage(zip_path.parent).free
    return f"{zip_path}: {problem}; {size} bytes, starts {head!r}, {free} bytes free on its disk"


def _packaged(stage: str, out: pathlib.Path) -> dict:
    """`chalice package`, checked: a clean-clone CI run once got a deployment.zip that was not a
    zip (cause not reproduced). Chalice reuses its cached zip under .chalice/deployments, so a bad
    build is dropped from the cache and made once more; a second bad one stops the build."""
    template = _chalice_package(stage, out)
    problem = _zip_problem(out / "deployment.zip")
    if problem is None:
        return template
    print(f"warning: chalice package wrote an unreadable zip ({problem}); building it again",
          file=sys.stderr)
    for cached in (ROOT / ".chalice" / "deployments").glob("*.zip"):
        cached.unlink()
    (out / "deployment.zip").unlink(missing_ok=True)
    template = _chalice_package(stage, out)
    problem = _zip_problem(out / "deployment.zip")
    if problem is not None:
        raise SystemExit(f"chalice package wrote an unreadable zip twice: {problem}")
    return template


def build(stage: str, out: pathlib.Path) -> pathlib.Path:
    out.mkdir(parents=True, exist_ok=True)
    template = finish_template(_packaged(stage, out))
    template_path = out / "sam.json"
    template_path.write_text(json.dumps(template, ensure_ascii=False, indent=1), encoding="utf-8")
    figures = rebuild_zip(out / "deployment.zip")
    (out / "package-figures.json").write_text(json.dumps(figures), encoding="utf-8")
    return template_path


def expand(template: dict, region: str = "cn-north-1") -> dict:
    """The SAM transform, as CloudFormation applies it (aws-sam-translator)."""
    from samtranslator.public.translator import ManagedPolicyLoader  # noqa: F401 - API check
    from samtranslator.translator.transform import transform

    template = copy.deepcopy(template)
    for res in template["Resources"].values():
        if res["Type"] == "AWS::Serverless::Function" and isinstance(res["Properties"].get("CodeUri"), str) \
                and not res["Properties"]["CodeUri"].startswith("s3://"):
            res["Properties"]["CodeUri"] = "s3://artifacts-bucket/deployment.zip"   # what `package` writes

    class NoManagedPolicies:    # every function has its own role: nothing to look up
        def load(self):
            return {}

    previous = os.environ.get("AWS_DEFAULT_REGION")
    os.environ["AWS_DEFAULT_REGION"] = region    # samtranslator derives the partition from it
    try:
        return transform(template, {}, NoManagedPolicies())
    finally:
        if previous is None:
            os.environ.pop("AWS_DEFAULT_REGION", None)
        else:
            os.environ["AWS_DEFAULT_REGION"] = previous


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stage", default="prod", choices=["dev", "prod"])
    parser.add_argument("--out", default=None)
    parser.add_argument("--expand", metavar="REGION", action="append", default=[],
                        help="also write expanded-<REGION>.json (the SAM transform applied)")
    args = parser.parse_args(argv)
    out = pathlib.Path(args.out or f"build/{args.stage}")
    out = out if out.is_absolute() else ROOT / out
    path = build(args.stage, out)
    for region in args.expand:
        expanded = expand(json.loads(path.read_text(encoding="utf-8")), region)
        (out / f"expanded-{region}.json").write_text(json.dumps(expanded, ensure_ascii=False, indent=1),
                                                     encoding="utf-8")
    print(path)


if __name__ == "__main__":
    main()
