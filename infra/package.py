"""Build the deployable template: `python -m infra.package --stage prod --out build/prod`.

1. `chalice package --stage <stage> --merge-template infra/template.yaml <out>` (Chalice builds
   deployment.zip with the Lambda wheels of requirements.txt and a SAM template; our template is
   deep-merged into it: roles, environment, tables, bucket, queues, state machine, functions).
2. Inline infra/statemachine/review.asl.json as the state machine's Definition (CloudFormation
   cannot read a local file; the ASL lives only in that file, ${Placeholders} are filled by
   DefinitionSubstitutions at deploy time).
3. Add functions/ to deployment.zip (Chalice packages only app.py, chalicelib/ and vendor/).

Deploying to the AWS China regions (no `chalice deploy` needed):
    aws cloudformation package --template-file build/prod/sam.json --s3-bucket <artifacts> \
        --output-template-file build/prod/packaged.yaml --region cn-north-1
    aws cloudformation deploy --template-file build/prod/packaged.yaml --stack-name talent-grading-prod \
        --capabilities CAPABILITY_IAM CAPABILITY_AUTO_EXPAND --region cn-north-1 \
        --parameter-overrides Stage=prod CorsAllowedOrigin=https://<web origin>
"""
import argparse
import json
import os
import pathlib
import subprocess
import sys
import zipfile

ROOT = pathlib.Path(__file__).resolve().parent.parent
ASL = ROOT / "infra" / "statemachine" / "review.asl.json"


def build(stage: str, out: pathlib.Path) -> pathlib.Path:
    out.mkdir(parents=True, exist_ok=True)
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
    template_path = out / "sam.json"
    machine = template["Resources"]["ReviewStateMachine"]["Properties"]
    machine["Definition"] = json.loads(ASL.read_text(encoding="utf-8"))
    template_path.write_text(json.dumps(template, ensure_ascii=False, indent=2), encoding="utf-8")
    with zipfile.ZipFile(out / "deployment.zip", "a", compression=zipfile.ZIP_DEFLATED) as zf:
        present = set(zf.namelist())
        for path in sorted((ROOT / "functions").rglob("*.py")):
            name = str(path.relative_to(ROOT))
            if name not in present:
                zf.write(path, name)
    return template_path


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stage", default="prod", choices=["dev", "prod"])
    parser.add_argument("--out", default=None)
    args = parser.parse_args(argv)
    out = pathlib.Path(args.out or f"build/{args.stage}")
    print(build(args.stage, out if out.is_absolute() else ROOT / out))


if __name__ == "__main__":
    main()
