"""Package, upload and deploy one stage: `./dev deploy prod --region cn-north-1 --artifacts-bucket B`.

1. `infra.package` builds build/<stage>/sam.json and deployment.zip (skip with --no-package).
2. deployment.zip goes to s3://<artifacts>/<stack>/code/<sha256>.zip and every function's CodeUri
   points there (what `aws cloudformation package` does); the packaged template (well over
   CloudFormation's 51,200-byte inline limit) goes to s3://<artifacts>/<stack>/templates/.
3. Parameters: infra/parameters/<stage>.json, then --parameter Key=Value overrides. On an
   update, every parameter given in neither keeps its previous value (UsePreviousValue): a
   redeploy never falls back to a default and drops a resource (CloudFront, an alarm
   subscription) nobody asked to drop. Every template parameter without a default must have a
   value (given, or the stack's previous one), and the PII hash key must exist in SSM Parameter
   Store (SecureString /<stack>/pii-hash-key) — the deploy refuses otherwise. So it does when the
   account's Lambda concurrency quota is below what the stack needs (infra/capacity.py: the
   reserved sum + provisioned + ≥ 100 unreserved, from the template and WindowDeclarations).
4. CloudFormation change set (CREATE or UPDATE; CAPABILITY_IAM + CAPABILITY_AUTO_EXPAND for the
   SAM transform), executed, followed to a terminal state (bounded by --timeout).
5. web/dist is uploaded to the stack's WebBucket, with config.js: the API under its ICP domain
   (ApiPublicUrl) and the identity platform's issuer and the web's client id (web_config).

--dry-run prints every AWS call it would make and makes none. docs/runbook.md has the whole
procedure (prerequisites, rollback, restore, key rotation).
"""
import argparse
import hashlib
import json
import mimetypes
import pathlib
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
INLINE_LIMIT = 51_200           # bytes of TemplateBody CloudFormation accepts
CAPABILITIES = ["CAPABILITY_IAM", "CAPABILITY_AUTO_EXPAND"]
TERMINAL_OK = {"CREATE_COMPLETE", "UPDATE_COMPLETE"}
TERMINAL_FAILED = {"CREATE_FAILED", "ROLLBACK_COMPLETE", "ROLLBACK_FAILED", "UPDATE_ROLLBACK_COMPLETE",
                   "UPDATE_ROLLBACK_FAILED", "UPDATE_FAILED", "DELETE_COMPLETE", "DELETE_FAILED"}


class DeployError(SystemExit):
    pass


class DryRunClient:
    """Stands in for a boto3 client under --dry-run: prints the call, returns nothing."""

    def __init__(self, service, log):
        self.service, self.log = service, log

    def __getattr__(self, operation):
        def call(**kwargs):
            shown = {k: (f"<{len(v)} bytes>" if isinstance(v, (bytes, bytearray)) else v) for k, v in kwargs.items()}
            self.log(f"[dry-run] {self.service}.{operation}({json.dumps(shown, ensure_ascii=False, default=str)})")
            return {}
        return call


def parse_parameters(stage: str, overrides: list) -> dict:
    path = ROOT / "infra" / "parameters" / f"{stage}.json"
    values = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    for item in overrides:
        key, sep, value = item.partition("=")
        if not sep:
            raise DeployError(f"--parameter {item!r}: expected Key=Value")
        values[key] = value
    return {k: str(v) for k, v in values.items()}


def check_parameters(template: dict, values: dict, previous: set = frozenset()) -> None:
    """`previous`: the parameters the existing stack has (kept with UsePreviousValue)."""
    declared = template.get("Parameters", {})
    unknown = sorted(set(values) - set(declared))
    if unknown:
        raise DeployError(f"unknown template parameters: {', '.join(unknown)}")
    missing = sorted(name for name, spec in declared.items()
                     if "Default" not in spec and not values.get(name) and name not in previous)
    if missing:
        raise DeployError(f"parameters without a value: {', '.join(missing)} "
                          "(infra/parameters/<stage>.json or --parameter Key=Value)")


def change_set_parameters(template: dict, values: dict, previous: set) -> list:
    """Given values, and UsePreviousValue for every other parameter the stack already has."""
    out = [{"ParameterKey": k, "ParameterValue": v} for k, v in sorted(values.items())]
    out += [{"ParameterKey": k, "UsePreviousValue": True}
            for k in sorted(set(template.get("Parameters", {})) & set(previous) - set(values))]
    return out


def web_config(outputs: dict) -> str:
    """config.js as the web reads it (web/src/auth.js, web/src/api.js): the API's public address
    and the identity platform; refuses to publish a web that could not sign anyone in."""
    api = (outputs.get("ApiPublicUrl") or outputs.get("EndpointURL") or "").rstrip("/")
    config = {"apiBase": api, "oidcAuthority": outputs.get("OidcIssuer", ""),
              "oidcClientId": outputs.get("OidcClientId", "")}
    missing = [k for k, v in config.items() if not v]
    if missing:
        raise DeployError(f"config.js would lack {', '.join(missing)}: the login page would say 未配置统一身份认证平台 "
                          "(set WebOidcClientId / JwtIssuer / ApiPublicUrl in infra/parameters/<stage>.json)")
    return "window.TALENT_CONFIG = " + json.dumps(config, ensure_ascii=False) + ";\n"


def read_web_config(text: str) -> dict:
    """The object config.js assigns (what the browser will see)."""
    prefix = "window.TALENT_CONFIG = "
    if not text.startswith(prefix):
        raise ValueError("config.js does not assign window.TALENT_CONFIG")
    return json.loads(text[len(prefix):].strip().rstrip(";"))


def packaged_template(template: dict, bucket: str, code_key: str) -> dict:
    """`aws cloudformation package` for our one artefact: every local CodeUri → the S3 object."""
    template = json.loads(json.dumps(template))
    for res in template["Resources"].values():
        if res["Type"] == "AWS::Serverless::Function":
            res["Properties"]["CodeUri"] = f"s3://{bucket}/{code_key}"
    return template


class Deployer:
    def __init__(self, stage, region, artifacts_bucket, stack_name=None, clients=None, log=print,
                 poll_seconds=10.0, timeout_seconds=3600.0, sleep=time.sleep):
        self.stage, self.region, self.bucket = stage, region, artifacts_bucket
        self.stack = stack_name or f"talent-grading-{stage}"
        self.log = log
        self.poll, self.timeout, self.sleep = poll_seconds, timeout_seconds, sleep
        self._clients = clients or {}

    def client(self, service):
        if service not in self._clients:
            import boto3

            self._clients[service] = boto3.client(service, region_name=self.region)
        return self._clients[service]

    @property
    def pii_key_parameter(self) -> str:
        return f"/{self.stack}/pii-hash-key"

    # --- steps ----------------------------------------------------------------------------------
    def upload_code(self, zip_path: pathlib.Path) -> str:
        data = zip_path.read_bytes()
        key = f"{self.stack}/code/{hashlib.sha256(data).hexdigest()}.zip"
        self.client("s3").put_object(Bucket=self.bucket, Key=key, Body=data)
        self.log(f"uploaded {zip_path.name} ({len(data):,} bytes) to s3://{self.bucket}/{key}")
        return key

    def upload_template(self, template: dict) -> str:
        body = json.dumps(template, ensure_ascii=False, separators=(",", ":")).encode()
        key = f"{self.stack}/templates/{hashlib.sha256(body).hexdigest()}.json"
        self.client("s3").put_object(Bucket=self.bucket, Key=key, Body=body)
        suffix = ".amazonaws.com.cn" if self.region.startswith("cn-") else ".amazonaws.com"
        url = f"https://{self.bucket}.s3.{self.region}{suffix}/{key}"
        self.log(f"template: {len(body):,} bytes (inline limit {INLINE_LIMIT:,}) → {url}")
        return url

    def check_pii_key(self) -> None:
        try:
            self.client("ssm").get_parameter(Name=self.pii_key_parameter, WithDecryption=False)
        except Exception as exc:  # noqa: BLE001 - any failure: refuse with the fix
            if exc.__class__.__name__ != "ParameterNotFound" and "ParameterNotFound" not in str(exc):
                raise
            raise DeployError(
                f"SSM parameter {self.pii_key_parameter} does not exist. Create it once (never reuse the "
                f"local key):\n  aws ssm put-parameter --region {self.region} --type SecureString "
                f"--name {self.pii_key_parameter} --value \"$(openssl rand -hex 32)\"") from None

    def check_lambda_quota(self, template: dict, parameters: dict) -> dict:
        """Refuse before anything is uploaded when the account's Lambda concurrency cannot hold the
        stack (a new China account starts far below 1,000): reserved + provisioned + unreserved."""
        from infra import capacity

        need = capacity.required_concurrency(template, parameters)
        settings = self.client("lambda").get_account_settings()
        limit = settings.get("AccountLimit", {}).get("ConcurrentExecutions")
        if limit is None:       # --dry-run
            self.log(f"Lambda concurrency: the stack needs ≥ {need['total']} (checked against the account on deploy)")
            return need
        problem = capacity.quota_problem(int(limit), need)
        if problem:
            raise DeployError(problem)
        self.log(f"Lambda concurrency: quota {limit} ≥ {need['total']} needed "
                 f"(reserved {need['reserved']} + provisioned {need['provisioned']} + unreserved {need['unreserved']})")
        return need

    def existing_stack(self):
        """The stack's description, or None when there is none yet."""
        try:
            stacks = self.client("cloudformation").describe_stacks(StackName=self.stack).get("Stacks", [])
        except Exception as exc:  # noqa: BLE001
            if "does not exist" in str(exc):
                return None
            raise
        if not stacks or stacks[0].get("StackStatus") == "REVIEW_IN_PROGRESS":
            return None
        return stacks[0]

    def stack_exists(self) -> bool:
        return self.existing_stack() is not None


    def change_set(self, template_url: str, parameters: dict, template: dict | None = None, stack="describe") -> dict:
        cfn = self.client("cloudformation")
        stack = self.existing_stack() if stack == "describe" else stack
        kind = "UPDATE" if stack is not None else "CREATE"
        previous = {p["ParameterKey"] for p in (stack or {}).get("Parameters", [])}
        name = f"deploy-{int(time.time())}"
        cfn.create_change_set(
            StackName=self.stack, ChangeSetName=name, ChangeSetType=kind, TemplateURL=template_url,
            Capabilities=CAPABILITIES, Parameters=change_set_parameters(template or {}, parameters, previous),
            Tags=[{"Key": "app", "Value": "talent-grading"}, {"Key": "stage", "Value": self.stage}])
        self.log(f"change set {name} ({kind}) for stack {self.stack}")
        return {"name": name, "kind": kind}

    def _until(self, describe, done, failed, what):
        deadline = time.monotonic() + self.timeout
        while True:
            state = describe()
            if state in done:
                return state
            if state in failed:
                raise DeployError(f"{what}: {state}")
            if time.monotonic() > deadline:
                raise DeployError(f"{what}: still {state} after {self.timeout:.0f} s")
            self.sleep(self.poll)

    def execute(self, change: dict) -> dict:
        """Wait for the change set, execute it, follow the stack; "no changes" is not a failure."""
        cfn = self.client("cloudformation")

        def change_set_state():
            out = cfn.describe_change_set(StackName=self.stack, ChangeSetName=change["name"])
            if out.get("Status") == "FAILED" and "didn't contain changes" in out.get("StatusReason", ""):
                return "NO_CHANGES"
            return out.get("Status")

        if self._until(change_set_state, {"CREATE_COMPLETE", "NO_CHANGES"}, {"FAILED"}, "change set") == "NO_CHANGES":
            self.log("no infrastructure changes")
            cfn.delete_change_set(StackName=self.stack, ChangeSetName=change["name"])
        else:
            cfn.execute_change_set(StackName=self.stack, ChangeSetName=change["name"])
            final = self._until(lambda: cfn.describe_stacks(StackName=self.stack)["Stacks"][0]["StackStatus"],
                                TERMINAL_OK, TERMINAL_FAILED, f"stack {self.stack}")
            self.log(f"stack {self.stack}: {final}")
        stack = cfn.describe_stacks(StackName=self.stack)["Stacks"][0]
        return {o["OutputKey"]: o["OutputValue"] for o in stack.get("Outputs", [])}

    def upload_web(self, dist: pathlib.Path, bucket: str, outputs: dict) -> int:
        config = web_config(outputs)       # refused before anything is uploaded
        if not (dist / "index.html").exists():
            raise DeployError(f"{dist}/index.html missing: build the web first (./dev setup)")
        s3, count = self.client("s3"), 0
        for path in sorted(p for p in dist.rglob("*") if p.is_file()):
            key = str(path.relative_to(dist))
            if key == "config.js":
                continue
            kind = mimetypes.guess_type(key)[0] or "application/octet-stream"
            cache = "no-cache" if key.endswith(".html") else "public, max-age=31536000, immutable"
            s3.put_object(Bucket=bucket, Key=key, Body=path.read_bytes(), ContentType=kind, CacheControl=cache)
            count += 1
        api_url = read_web_config(config)["apiBase"]
        s3.put_object(Bucket=bucket, Key="config.js", Body=config.encode(), ContentType="application/javascript",
                      CacheControl="no-cache")
        self.log(f"web: {count + 1} files to s3://{bucket}/ (API {api_url})")
        return count + 1

    # --- the whole command ------------------------------------------------------------------------
    def run(self, build_dir: pathlib.Path, parameters: dict, web_dist: pathlib.Path) -> dict:
        template = json.loads((build_dir / "sam.json").read_text(encoding="utf-8"))
        stack = self.existing_stack()
        check_parameters(template, parameters, {p["ParameterKey"] for p in (stack or {}).get("Parameters", [])})
        self.check_pii_key()
        self.check_lambda_quota(template, parameters)
        code_key = self.upload_code(build_dir / "deployment.zip")
        template_url = self.upload_template(packaged_template(template, self.bucket, code_key))
        outputs = self.execute(self.change_set(template_url, parameters, template, stack=stack))
        if outputs.get("WebBucketName") and outputs.get("EndpointURL"):
            self.upload_web(web_dist, outputs["WebBucketName"], outputs)
        for key in ("EndpointURL", "WebUrl", "WebBucketName", "AlarmTopicArn"):
            if key in outputs:
                self.log(f"{key}: {outputs[key]}")
        return outputs


def main(argv=None):
    parser = argparse.ArgumentParser(prog="./dev deploy", description=__doc__.splitlines()[0])
    parser.add_argument("stage", choices=["dev", "prod"])
    parser.add_argument("--region", required=True, help="cn-north-1, cn-northwest-1, ...")
    parser.add_argument("--artifacts-bucket", required=True, help="existing S3 bucket in that region")
    parser.add_argument("--stack-name", default=None, help="default talent-grading-<stage>")
    parser.add_argument("--parameter", action="append", default=[], metavar="Key=Value",
                        help="template parameter (overrides infra/parameters/<stage>.json)")
    parser.add_argument("--no-package", action="store_true", help="deploy build/<stage> as it is")
    parser.add_argument("--dry-run", action="store_true", help="print the AWS calls, make none")
    parser.add_argument("--timeout", type=float, default=3600.0, help="seconds to wait for the stack")
    args = parser.parse_args(argv)

    build_dir = ROOT / "build" / args.stage
    if not args.no_package:
        from infra import package

        package.build(args.stage, build_dir)
    parameters = parse_parameters(args.stage, args.parameter)
    clients = None
    if args.dry_run:
        clients = {s: DryRunClient(s, print) for s in ("s3", "ssm", "cloudformation", "lambda")}
    deployer = Deployer(args.stage, args.region, args.artifacts_bucket, args.stack_name, clients=clients,
                        timeout_seconds=args.timeout)
    if args.dry_run:
        template = json.loads((build_dir / "sam.json").read_text(encoding="utf-8"))
        check_parameters(template, parameters)
        deployer.check_pii_key()
        deployer.check_lambda_quota(template, parameters)
        code_key = deployer.upload_code(build_dir / "deployment.zip")
        url = deployer.upload_template(packaged_template(template, args.artifacts_bucket, code_key))
        deployer.change_set(url, parameters, template)
        print(f"[dry-run] then: execute the change set, wait for the stack, upload web/dist to its WebBucket")
        return 0
    deployer.run(build_dir, parameters, ROOT / "web" / "dist")
    return 0


if __name__ == "__main__":
    sys.exit(main())
