"""Deployment rehearsal: `./dev rehearse [dev|prod]` — what the first real deploy would meet.

1. Package the stage (infra.package) unless --build names a finished build.
2. Native libraries: every `.so` in deployment.zip is read with `readelf -d` / `readelf -V`; a
   library it needs must be bundled in the zip or allowed by manylinux2014 (what every Lambda
   runtime has), and no symbol version may be newer than the runtime's glibc (python3.11:
   Amazon Linux 2, glibc 2.26; python3.12+: Amazon Linux 2023, glibc 2.34).
3. The zip alone: unzipped, each function's handler is imported by `python -I -S` (only the zip
   on sys.path, no site-packages) with only the environment the template gives that function
   (plus what the Lambda runtime sets) — a deployed stage, so config refuses missing settings.
4. Against moto's server with IAM enforced (INITIAL_NO_AUTH_ACTION_COUNT): the stack's resources
   from the template, one IAM user per function holding its role's statements, the API handler
   and the authorizer driven with API Gateway events (TOKEN authorizer, then the proxy event with
   the authorizer's context) as four callers sign in: a person, a legal person, an agent by phone
   and an agent by ID number (added by the legal person through the API first); then a declaration
   goes up its 5-level review chain, each level's task opened by the review-task opener from the
   zip with its own credentials (infra/rehearse_chain.py).
5. config.js written as `deploy` writes it and read back: it must carry the API base and the
   identity platform's issuer and client id.

Prints figures (zip size, native libraries, seconds) and exits non-zero on the first failure.
"""
import argparse
import json
import os
import pathlib
import re
import subprocess
import sys
import tempfile
import time
import zipfile

from infra.rehearse_gateway import IdentityPlatform, call_api

ROOT = pathlib.Path(__file__).resolve().parent.parent
RUNTIME_GLIBC = {"python3.11": (2, 26), "python3.12": (2, 34), "python3.13": (2, 34)}
# PEP 599 (manylinux2014): the libraries a wheel may link without bundling them.
MANYLINUX2014_LIBS = {
    "libgcc_s.so.1", "libstdc++.so.6", "libm.so.6", "libdl.so.2", "librt.so.1", "libc.so.6", "libnsl.so.1",
    "libutil.so.1", "libpthread.so.0", "libresolv.so.2", "libX11.so.6", "libXext.so.6", "libXrender.so.1",
    "libICE.so.6", "libSM.so.6", "libGL.so.1", "libgobject-2.0.so.0", "libgthread-2.0.so.0",
    "libglib-2.0.so.0", "ld-linux-x86-64.so.2", "libz.so.1", "libcrypt.so.1", "libexpat.so.1"}
MAX_VERSIONS = {"GLIBCXX": (3, 4, 19), "CXXABI": (1, 3, 7), "GCC": (4, 8, 0)}   # manylinux2014's toolchain


class RehearsalFailed(SystemExit):
    pass


def _version(text: str) -> tuple:
    return tuple(int(x) for x in text.split(".") if x.isdigit())


def native_libraries(zip_path: pathlib.Path, runtime: str) -> dict:
    """{'libraries': [...], 'problems': [...]} for every shared object in the zip."""
    glibc = RUNTIME_GLIBC[runtime]
    found, problems = [], []
    with zipfile.ZipFile(zip_path) as zf, tempfile.TemporaryDirectory() as tmp:
        names = [n for n in zf.namelist() if re.search(r"\.so(\.[0-9.]+)?$", n)]
        bundled = {pathlib.PurePosixPath(n).name for n in names}
        for name in names:
            path = pathlib.Path(zf.extract(name, tmp))
            dynamic = subprocess.run(["readelf", "-d", str(path)], capture_output=True, text=True).stdout
            needed = re.findall(r"\(NEEDED\)\s+Shared library: \[([^\]]+)\]", dynamic)
            versions = set(re.findall(r"Name: ((?:GLIBC|GLIBCXX|CXXABI|GCC)_[0-9.]+)",
                                      subprocess.run(["readelf", "-V", str(path)], capture_output=True, text=True).stdout))
            found.append({"file": name, "needs": needed, "versions": sorted(versions)})
            for lib in needed:
                if lib not in MANYLINUX2014_LIBS and lib not in bundled:
                    problems.append(f"{name}: needs {lib}, which {runtime} does not have and the zip does not bundle")
            for symbol in versions:
                family, _, number = symbol.partition("_")
                limit = glibc if family == "GLIBC" else MAX_VERSIONS[family]
                if _version(number) > limit:
                    problems.append(f"{name}: needs {symbol}, newer than {runtime} offers "
                                    f"({family} {'.'.join(map(str, limit))})")
    return {"libraries": found, "problems": problems}


def handlers(template: dict) -> dict:
    """{function logical id: (handler, runtime, environment template)} from the packaged template."""
    out = {}
    for lid, res in template["Resources"].items():
        if res["Type"] != "AWS::Serverless::Function":
            continue
        props = res["Properties"]
        out[lid] = (props["Handler"], props.get("Runtime", "python3.11"), props.get("Environment", {}).get("Variables", {}))
    return out


# The driver runs inside the isolated interpreter: it imports one handler and answers events.
DRIVER = r'''
import json, sys, importlib, traceback
class Context:
    function_name = "rehearsal"; memory_limit_in_mb = 512; aws_request_id = "rehearsal"
    invoked_function_arn = "arn:aws-cn:lambda:cn-north-1:123456789012:function:rehearsal"
    def get_remaining_time_in_millis(self): return 20000
module, _, attr = sys.argv[1].rpartition(".")
handler = getattr(importlib.import_module(module), attr)
print(json.dumps({"ready": True, "paths": sys.path}), flush=True)
for line in sys.stdin:
    try:
        out = handler(json.loads(line), Context())
        print(json.dumps({"ok": out}, default=str), flush=True)
    except Exception as exc:
        print(json.dumps({"error": repr(exc), "trace": traceback.format_exc()}), flush=True)
'''


class Function:
    """One function's handler in its own isolated interpreter, with only its environment."""

    def __init__(self, python: str, code_dir: pathlib.Path, handler: str, env: dict):
        self.proc = subprocess.Popen([python, "-I", "-S", "-c", f"import sys; sys.path.insert(0, {str(code_dir)!r})\n" + DRIVER,
                                      handler], cwd=code_dir, env=env, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        first = self.proc.stdout.readline()
        if not first:
            raise RehearsalFailed(f"{handler} does not import from the zip alone:\n{self.proc.stderr.read()[-3000:]}")
        self.paths = json.loads(first)["paths"]

    def __call__(self, event: dict):
        self.proc.stdin.write(json.dumps(event) + "\n")
        self.proc.stdin.flush()
        answer = json.loads(self.proc.stdout.readline())
        if "error" in answer:
            raise RehearsalFailed(answer["trace"])
        return answer["ok"]

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=10)


def _moto_actions(actions) -> list:
    actions = actions if isinstance(actions, list) else [actions]
    extra = []
    if any(a in actions for a in ("dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem",
                                  "dynamodb:ConditionCheckItem")):
        extra.append("dynamodb:TransactWriteItems")
    if "dynamodb:GetItem" in actions:
        extra.append("dynamodb:TransactGetItems")
    return actions + extra


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_http(url: str, deadline: float):
    import urllib.request

    while True:
        try:
            urllib.request.urlopen(url, timeout=1)
            return
        except Exception:  # noqa: BLE001
            if time.monotonic() > deadline:
                raise RehearsalFailed(f"{url} did not answer")
            time.sleep(0.2)


def rehearse(stage: str, build_dir: pathlib.Path, package: bool = True, log=print) -> dict:
    started = time.monotonic()
    figures = {}
    if package:
        from infra import package as packager

        packager.build(stage, build_dir)
    zip_path = build_dir / "deployment.zip"
    template = json.loads((build_dir / "sam.json").read_text(encoding="utf-8"))
    functions = handlers(template)
    runtimes = {rt for _, rt, _ in functions.values()}
    figures["zip_bytes"] = zip_path.stat().st_size
    for runtime in sorted(runtimes):
        native = native_libraries(zip_path, runtime)
        figures[f"native_{runtime}"] = [lib["file"] for lib in native["libraries"]]
        if native["problems"]:
            raise RehearsalFailed("native libraries that would not load on Lambda:\n  " + "\n  ".join(native["problems"]))
    log(f"zip {figures['zip_bytes']:,} bytes; {sum(len(v) for k, v in figures.items() if k.startswith('native_'))} "
        f"native libraries fit {', '.join(sorted(runtimes))}")

    with tempfile.TemporaryDirectory(prefix="rehearsal-") as tmp:
        code = pathlib.Path(tmp) / "task"
        with zipfile.ZipFile(zip_path) as zf:
            zf.extractall(code)
        figures.update(_drive(stage, code, functions, log))
    figures["seconds"] = round(time.monotonic() - started, 1)
    log(f"rehearsal passed in {figures['seconds']} s")
    return figures


def _drive(stage, code, functions, log) -> dict:
    import boto3

    from devtools import iam_audit, local_infra
    from infra import deploy

    port = _free_port()
    endpoint = f"http://127.0.0.1:{port}"
    states_keys = pathlib.Path(tempfile.mkdtemp(prefix="rehearsal-states-")) / "keys.json"
    moto_env = {**os.environ, "INITIAL_NO_AUTH_ACTION_COUNT": "3", "AWS_ACCESS_KEY_ID": "bootstrap",
                "AWS_SECRET_ACCESS_KEY": "bootstrap", "MOTO_STATES_CREDENTIALS_FILE": str(states_keys)}
    server = subprocess.Popen([sys.executable, "-m", "devtools.moto_server", "-H", "127.0.0.1", "-p", str(port)],
                              cwd=ROOT, env=moto_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    idp = IdentityPlatform()
    running = []
    try:
        _wait_http(f"{endpoint}/moto-api/", time.monotonic() + 60)
        import urllib.request

        urllib.request.urlopen(urllib.request.Request(      # moto runs the review state machine
            f"{endpoint}/moto-api/config", method="POST", headers={"Content-Type": "application/json"},
            data=json.dumps({"stepfunctions": {"execute_state_machine": True}}).encode()), timeout=10).read()
        region = "cn-north-1"
        # The three unauthenticated calls moto allows make the administrator; all else is signed.
        iam = boto3.client("iam", region_name=region, endpoint_url=endpoint, aws_access_key_id="x", aws_secret_access_key="x")
        iam.create_user(UserName="rehearsal-admin")
        iam.put_user_policy(UserName="rehearsal-admin", PolicyName="admin", PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
        admin = iam.create_access_key(UserName="rehearsal-admin")["AccessKey"]
        os.environ.update({"AWS_ACCESS_KEY_ID": admin["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": admin["SecretAccessKey"],
                           "AWS_ENDPOINT_URL": endpoint, "AWS_DEFAULT_REGION": region, "AWS_REGION": region})
        audience = f"talent-grading-api-{stage}"
        parameters = {"Stage": stage, "JwtIssuer": idp.issuer, "JwtJwksUrl": idp.jwks_url, "JwtAudience": audience,
                      "CorsAllowedOrigin": "https://rencai.example.gov.cn", "WebOidcClientId": "talent-grading-web",
                      "ApiPublicUrl": "https://api.rencai.example.gov.cn/api"}
        stack_name = f"talent-grading-{stage}"
        local_infra.deploy(endpoint, stack_name=stack_name, region=region, parameters=parameters)
        stack = local_infra.LAST_STACK
        admin_iam = boto3.client("iam", region_name=region, endpoint_url=endpoint)
        roles = iam_audit.role_statements(stack)
        seed_env = {k: str(v) for k, v in stack.resolve(functions["APIHandler"][2]).items()}
        os.environ.update({**seed_env, "STAGE": "local", "PII_HASH_KEY_PARAMETER": seed_env["PII_HASH_KEY_PARAMETER"]})
        from devtools import seed

        seed.seed_demo()                 # the units, agents and people the callers below are
        from chalicelib.models.accounts import Agent, DevLogin, Person, Unit

        credit_code = DevLogin.get(*DevLogin.key("university-legal")).unit_code
        agent_phone = next(a for a in Agent.query(Unit.key(credit_code)[0], Agent.sk.startswith("AGENT#"))
                           if not a.is_legal).phone
        person = Person.get(*Person.key("p-demo-0001"))

        def user(name, statements) -> dict:
            admin_iam.create_user(UserName=name)
            admin_iam.put_user_policy(UserName=name, PolicyName="role", PolicyDocument=json.dumps(
                {"Version": "2012-10-17", "Statement": statements}))
            return admin_iam.create_access_key(UserName=name)["AccessKey"]

        def lambda_env(lid):
            handler, runtime, variables = functions[lid]
            # moto 5.2 evaluates actions but passes "*" as the resource of DynamoDB and SSM calls
            # and no condition keys: here each statement keeps its actions on every resource
            # (conditional ones are left out); resources and conditions are evaluated in process
            # for every call of the test suite (devtools/iam_audit.py).
            # moto also authorises a transaction as the action dynamodb:TransactWriteItems (AWS
            # authorises each item's PutItem/UpdateItem/...): the item actions imply it here.
            statements = [{**st, "Resource": "*", "Action": _moto_actions(st.get("Action", []))}
                          for st in roles[lid] if "Condition" not in st and "Action" in st]
            key = user(lid, statements)
            env = {k: str(v) for k, v in stack.resolve(variables).items()}
            env.update({"AWS_ACCESS_KEY_ID": key["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"],
                        "AWS_REGION": region, "AWS_DEFAULT_REGION": region, "AWS_LAMBDA_FUNCTION_NAME": lid,
                        "AWS_EXECUTION_ENV": f"AWS_Lambda_{runtime}", "LAMBDA_TASK_ROOT": str(code),
                        "AWS_ENDPOINT_URL": endpoint, "LANG": "en_US.UTF-8", "TZ": ":UTC", "PATH": "/usr/bin:/bin"})
            return handler, runtime, env

        # The state machine's own SQS sends (moto runs it) sign with its role's keys.
        machine = stack.resolve(stack.t["Resources"]["ReviewStateMachineRole"]["Properties"]["Policies"][0]["PolicyDocument"])
        states_keys.write_text(json.dumps(user("ReviewStateMachine", [{**st, "Resource": "*"} for st in machine["Statement"]
                                                                       if st and "Condition" not in st]), default=str))
        started = {}
        for lid in functions:
            handler, runtime, env = lambda_env(lid)
            python = f"/usr/bin/{runtime}" if pathlib.Path(f"/usr/bin/{runtime}").exists() else sys.executable
            started[lid] = Function(python, code, handler, env)
            running.append(started[lid])
            if any("site-packages" in p for p in started[lid].paths):
                raise RehearsalFailed(f"{lid}: site-packages on sys.path: not the zip alone")
        log(f"{len(started)} handlers import from the zip alone, each with only its template environment")
        api, authorizer = started["APIHandler"], started["JwtAuth"]

        def sign_in(claims):
            return call_api(api, authorizer, "GET", "/me", idp.token(audience, claims))

        results = {}
        status, me = sign_in({"sub": "rh-p", "account_kind": "person", "name": person.name, "id_number": person.id_number})
        results["person"] = status
        status, legal = sign_in({"sub": "rh-l", "account_kind": "legal", "credit_code": credit_code, "name": "法人"})
        results["legal person"] = status
        legal_token = idp.token(audience, {"sub": "rh-l", "account_kind": "legal", "credit_code": credit_code})
        agent_id = seed._id("22010219850303123")
        added, body = call_api(api, authorizer, "POST", "/units/me/agents", legal_token,
                               {"name": "周敏", "phone": "13512340077", "id_number": agent_id})
        if added != 201:
            raise RehearsalFailed(f"the legal person could not add an agent: {added} {body}")
        results["agent by phone"] = sign_in({"sub": "rh-a", "account_kind": "agent", "credit_code": credit_code,
                                             "phone_number": agent_phone})[0]
        results["agent by ID number"] = sign_in({"sub": "rh-i", "account_kind": "agent", "credit_code": credit_code,
                                                 "id_number": agent_id})[0]
        refused = {k: v for k, v in results.items() if v != 200}
        if refused:
            raise RehearsalFailed(f"sign-in refused on the rehearsal stack (IAM enforced): {refused}")
        log("signed in with IAM enforced: " + ", ".join(results))
        from infra import rehearse_chain

        chain = rehearse_chain.open_every_level(
            lambda method, path, token, body=None, headers=None, **params: call_api(api, authorizer, method, path, token,
                                                                                 body, headers, params),
            lambda claims: idp.token(audience, claims), started["ReviewTaskOpenerFunction"],
            stack.physical["ReviewTaskQueue"]["Ref"],
            {"sub": "rh-p", "account_kind": "person", "name": person.name, "id_number": person.id_number}, log)

        outputs = {k: str(stack.resolve(v["Value"])) for k, v in (stack.t.get("Outputs") or {}).items()
                   if "Condition" not in v}
        outputs["EndpointURL"] = "https://rehearsal.execute-api.cn-north-1.amazonaws.com.cn/api/"
        config_js = code.parent / "config.js"
        config_js.write_text(deploy.web_config(outputs), encoding="utf-8")
        web = deploy.read_web_config(config_js.read_text(encoding="utf-8"))
        if not (web["apiBase"].startswith("https://api.") and web["oidcAuthority"] == idp.issuer and web["oidcClientId"]):
            raise RehearsalFailed(f"config.js lacks the identity settings or the ICP API address: {web}")
        log(f"config.js: {web}")
        return {"sign_ins": results, "config_js": web, **chain}
    finally:
        for fn in running:
            fn.proc.kill()
        server.terminate()
        server.wait(timeout=10)
        idp.server.shutdown()


def main(argv=None):
    parser = argparse.ArgumentParser(prog="./dev rehearse", description=__doc__.splitlines()[0])
    parser.add_argument("stage", nargs="?", default="prod", choices=["dev", "prod"])
    parser.add_argument("--build", default=None, help="a finished build directory (skips packaging)")
    args = parser.parse_args(argv)
    build = pathlib.Path(args.build) if args.build else ROOT / "build" / f"rehearsal-{args.stage}"
    figures = rehearse(args.stage, build, package=not args.build)
    print(json.dumps({k: v for k, v in figures.items() if not k.startswith("native_")}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
