"""The whole system on one machine: `./dev up` (python -m devtools.local_stack).

moto server (the AWS endpoint, state-machine execution on) → infra from infra/template.yaml →
demo data → `chalice local` (the API) → the worker (queues → functions/) → the web frontend.
Prints where to look and how to log in; Ctrl-C stops every process it started.
"""
import argparse
import json
import os
import pathlib
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request

ROOT = pathlib.Path(__file__).resolve().parent.parent
STATE = ROOT / ".local"
HOST = "127.0.0.1"


def port_free(port: int, host: str = HOST) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
            return True
        except OSError:
            return False


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def keypair(directory: pathlib.Path):
    """The local identity's RSA key pair (generated once; tokens are signed with it)."""
    directory.mkdir(parents=True, exist_ok=True)
    private, public = directory / "jwt-private.pem", directory / "jwt-public.pem"
    if not private.exists():
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa

        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        private.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                              serialization.NoEncryption()))
        public.write_bytes(key.public_key().public_bytes(serialization.Encoding.PEM,
                                                         serialization.PublicFormat.SubjectPublicKeyInfo))
        os.chmod(private, 0o600)
    return private, public.read_text()


def wait_http(url: str, deadline_s: float, proc=None, method="GET") -> None:
    deadline = time.time() + deadline_s
    while time.time() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"{url} never came up: the process exited ({proc.returncode})")
        try:
            with urllib.request.urlopen(urllib.request.Request(url, method=method), timeout=2):
                return
        except Exception:  # noqa: BLE001 - not up yet
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {deadline_s:.0f} s")


class LocalStack:
    """Programmatic handle for tests: start() returns when the API answers; stop() ends all."""

    def __init__(self, moto_port=None, api_port=None, web_port=None, seed=True, web=True, quiet=True,
                 oidc_port=None):
        self.oidc_port = oidc_port or free_port()
        self.moto_port = moto_port or free_port()
        self.api_port = api_port or free_port()
        self.web_port = web_port or free_port()
        self.seed, self.web, self.quiet = seed, web, quiet
        self.procs: list = []
        self.logins: list = []
        self.env: dict = {}
        self.logdir = STATE / "logs"
        self._web_server = None
        self._specs: dict = {}              # name -> how to (re)start it, for the supervisor
        self._stopping = threading.Event()
        self._supervisor = None
        self.restarts: dict = {}            # name -> how many times it was restarted
        self.fatal: str | None = None       # set when a process that holds state (moto) died
        self.announce = False               # print restarts (./dev up) as well as logging them

    @property
    def moto_url(self):
        return f"http://{HOST}:{self.moto_port}"

    @property
    def api_url(self):
        return f"http://{HOST}:{self.api_port}"

    @property
    def web_url(self):
        return f"http://{HOST}:{self.web_port}"

    def _spawn(self, name, args, env, restartable=False, mode="w"):
        self.logdir.mkdir(parents=True, exist_ok=True)
        out = open(self.logdir / f"{name}.log", mode) if self.quiet else None
        proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT if out else None,
                                start_new_session=True)
        proc.name = name
        self.procs = [p for p in self.procs if p.name != name] + [proc]
        self._specs[name] = {"args": args, "env": env, "restartable": restartable,
                             "started": time.monotonic(), "failures": self._specs.get(name, {}).get("failures", 0)}
        return proc

    def proc(self, name):
        return next((p for p in self.procs if p.name == name), None)

    # Stateless processes (the worker, the API) are restarted with exponential backoff when they
    # die; the queues keep their messages (a batch in flight reappears after its visibility
    # timeout and opening a task is idempotent by token), so nothing is lost or opened twice.
    # moto holds every piece of local state: if it dies the stack reports it and stops.
    BACKOFF_FIRST, BACKOFF_MAX, HEALTHY_AFTER = 0.5, 30.0, 60.0

    def _supervise(self):
        while not self._stopping.wait(0.25):
            for proc in list(self.procs):
                spec = self._specs.get(proc.name)
                if spec is None:
                    continue
                if proc.poll() is None:
                    if time.monotonic() - spec["started"] > self.HEALTHY_AFTER:
                        spec["failures"] = 0
                    continue
                if not spec["restartable"]:
                    self.fatal = f"{proc.name} exited ({proc.returncode})"
                    return
                delay = min(self.BACKOFF_MAX, self.BACKOFF_FIRST * 2 ** spec["failures"])
                spec["failures"] += 1
                self._note(f"{proc.name} exited ({proc.returncode}); restarting in {delay:.1f} s")
                if self._stopping.wait(delay):
                    return
                self._spawn(proc.name, spec["args"], spec["env"], restartable=True, mode="a")
                self.restarts[proc.name] = self.restarts.get(proc.name, 0) + 1

    def _note(self, line: str):
        self.logdir.mkdir(parents=True, exist_ok=True)
        with open(self.logdir / "supervisor.log", "a") as f:
            f.write(f"{time.strftime('%Y-%m-%d %H:%M:%S')} {line}\n")
        if self.announce:
            print(line, file=sys.stderr, flush=True)

    def tail(self, name, lines=20) -> str:
        path = self.logdir / f"{name}.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""

    def start(self):
        for port, flag in ((self.moto_port, "--moto-port / MOTO_PORT"), (self.api_port, "--api-port / API_PORT"),
                           (self.web_port, "--web-port / WEB_PORT"), (self.oidc_port, "--oidc-port / OIDC_PORT")):
            if not port_free(port):
                raise SystemExit(f"端口 {port} 已被占用：请关闭占用它的程序，或用 {flag} 换一个端口。"
                                 f" (port {port} is in use; change it with {flag})")
        private, public = keypair(STATE)
        base_env = {**os.environ, "AWS_ACCESS_KEY_ID": "local", "AWS_SECRET_ACCESS_KEY": "local",
                    "AWS_DEFAULT_REGION": "cn-north-1", "AWS_REGION": "cn-north-1",
                    "PYTHONUNBUFFERED": "1"}
        base_env.pop("AWS_PROFILE", None)
        moto = self._spawn("moto", [sys.executable, "-m", "devtools.moto_server", "-H", HOST, "-p", str(self.moto_port)],
                           base_env)
        try:
            wait_http(f"{self.moto_url}/moto-api/", 30, moto)
            req = urllib.request.Request(f"{self.moto_url}/moto-api/config", method="POST",
                                         data=json.dumps({"stepfunctions": {"execute_state_machine": True}}).encode(),
                                         headers={"Content-Type": "application/json"})
            urllib.request.urlopen(req, timeout=5).read()
            from devtools import local_infra

            os.environ.update({k: v for k, v in base_env.items() if k.startswith("AWS_")})
            resources = local_infra.deploy(self.moto_url)
            self.env = {**base_env, **resources, "AWS_ENDPOINT_URL": self.moto_url, "STAGE": "local",
                        "JWT_PUBLIC_KEY": public, "DEV_JWT_PRIVATE_KEY_FILE": str(private),
                        "CORS_ALLOW_ORIGIN": "*", **self._iam_enforced(local_infra),
                        "AWS_CALLS_LOG": str(self.calls_log)}   # AWS calls per route (bench.load)
            from devtools.oidc_provider import OidcProvider   # the identity platform (OIDC)

            self.oidc = OidcProvider(self.oidc_port, self.api_url, self.web_url, private)
            self.env.update(self.oidc.api_env())
            oidc = self._spawn("oidc", self.oidc.command(), self.oidc.environment(base_env), restartable=True)
            wait_http(self.oidc.discovery_url, 30, oidc)
            if self.seed:
                out = subprocess.run([sys.executable, "-c", "import json; from devtools.seed import seed_demo; "
                                      "print(json.dumps(seed_demo()))"], cwd=ROOT, env=self.env,
                                     capture_output=True, text=True, timeout=120)
                if out.returncode:
                    raise RuntimeError(f"seeding failed:\n{out.stderr[-2000:]}")
                self.logins = json.loads(out.stdout.strip().splitlines()[-1])
            api = self._spawn("api", [sys.executable, "-m", "devtools.api_server", "local", "--stage", "local", "--host", HOST,
                                      "--port", str(self.api_port), "--no-autoreload"], self.env,
                              restartable=True)
            self._spawn("worker", [sys.executable, "-m", "devtools.worker"], self.env, restartable=True)
            wait_http(f"{self.api_url}/health", 60, api)
            self._stopping.clear()
            self._supervisor = threading.Thread(target=self._supervise, name="supervisor", daemon=True)
            self._supervisor.start()
            if self.web:
                self._serve_web()
        except BaseException:
            failed = "\n".join(f"--- {p.name} ---\n{self.tail(p.name)}" for p in self.procs)
            self.stop()
            raise RuntimeError(f"local stack failed to start\n{failed}") if not isinstance(
                sys.exc_info()[1], SystemExit) else sys.exc_info()[1]
        return self

    def _iam_enforced(self, local_infra) -> dict:
        """The API and the worker evaluate each function's calls against its role in the deployed
        template (devtools/iam_audit.py); denials land in logs/iam-denied.log (IAM_AUDIT=0: off)."""
        STATE.mkdir(parents=True, exist_ok=True)
        self.logdir.mkdir(parents=True, exist_ok=True)
        stack_file = self._stack_file = STATE / f"stack-{self.moto_port}.json"
        local_infra.save(local_infra.LAST_STACK, stack_file)
        self.denied_log.write_text("")
        return {"IAM_STACK_FILE": str(stack_file), "IAM_DENIED_LOG": str(self.denied_log)}

    @property
    def calls_log(self) -> pathlib.Path:
        """The API's AWS calls per route and the authorizer's (devtools/call_counter.py)."""
        return self.logdir / f"aws-calls-{self.moto_port}.json"

    @property
    def denied_log(self) -> pathlib.Path:
        return self.logdir / f"iam-denied-{self.moto_port}.log"

    def denied(self) -> list:
        """Calls a function's role did not allow, one (function, action, resource, operation) each."""
        path = self.denied_log
        return [tuple(line.split("\t")) for line in path.read_text().splitlines()] if path.exists() else []

    def _serve_web(self):
        """web/dist (precompressed assets, SPA fallback) with /config.js telling the frontend where the API is."""
        dist = ROOT / "web" / "dist"
        if not (dist / "index.html").exists():
            return
        from devtools.web_server import serve

        self._web_server = serve(dist, HOST, self.web_port, {"apiBase": self.api_url, **self.oidc.web_config()})

    def stop(self):
        self._stopping.set()
        if self._supervisor is not None:
            self._supervisor.join(5)
            self._supervisor = None
        if self._web_server:
            self._web_server.shutdown()
            self._web_server = None
        for proc in reversed(self.procs):
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        for proc in self.procs:
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        self.procs = []
        if getattr(self, "_stack_file", None):
            self._stack_file.unlink(missing_ok=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def banner(stack: LocalStack) -> str:
    rows = "\n".join(f"    {e['login']:<22} {e['role']:<12} {e['name']}" for e in stack.logins)
    web = stack.web_url if stack._web_server else "(web/dist 未构建：./dev setup 会构建前端)"
    return f"""
吉林省人才分类定级申报评审平台 — 本地环境已启动
  API      {stack.api_url}        (OpenAPI: {stack.api_url}/openapi.json)
  Web      {web}
  AWS      {stack.moto_url}        (moto; logs in .local/logs/)
  登录     {stack.oidc.issuer}        (本地统一身份认证平台，OIDC)

演示账号（本地环境无需密码）:
{rows}

  重启说明: 工作进程(worker)或 API 进程意外退出会自动重启（退避重试），数据不受影响；
           本地数据全部保存在 moto 的内存中，停止 ./dev up（Ctrl-C）后不保留，下次启动重新生成演示数据。
           (worker/API crashes are restarted with backoff; all local data lives in moto's memory and
           does not survive stopping ./dev up — the next start seeds the demo data afresh.)

  取令牌:  curl -s -X POST {stack.api_url}/dev/token -H 'Content-Type: application/json' -d '{{"login":"applicant1"}}'
按 Ctrl-C 停止全部进程。
"""


def main(argv=None):
    p = argparse.ArgumentParser(description="Start the whole system locally.")
    p.add_argument("--moto-port", type=int, default=int(os.environ.get("MOTO_PORT", 5100)))
    p.add_argument("--api-port", type=int, default=int(os.environ.get("API_PORT", 8000)))
    p.add_argument("--web-port", type=int, default=int(os.environ.get("WEB_PORT", 8080)))
    p.add_argument("--oidc-port", type=int, default=int(os.environ.get("OIDC_PORT", 9000)))
    args = p.parse_args(argv)
    stack = LocalStack(args.moto_port, args.api_port, args.web_port, quiet=True, oidc_port=args.oidc_port)
    stack.announce = True
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    try:
        stack.start()
    except RuntimeError as exc:
        print(exc, file=sys.stderr)
        return 1
    print(banner(stack), flush=True)
    try:
        while not stopping.is_set():
            if stack.fatal:   # the worker and the API are restarted by the supervisor; moto is not
                print(f"{stack.fatal}:\n{stack.tail('moto')}", file=sys.stderr)
                stopping.set()
            stopping.wait(1)
    except KeyboardInterrupt:
        pass
    finally:
        print("正在停止…", flush=True)
        stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
