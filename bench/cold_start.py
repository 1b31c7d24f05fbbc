"""Cold-start ratio (DESIGN.md §5): importing the app vs importing boto3 + pynamodb alone.

Each sample is a fresh interpreter that times only the import, so interpreter start-up is
excluded from both sides. Samples alternate so machine noise hits both. The ratio is taken on
the process's CPU time (time.process_time): an import is CPU-bound, and CPU time does not count
the time other processes on a shared machine hold the cores (wall-clock medians swung from 0.96
to 1.44 here at a load average of 10 on 2 cores). Wall-clock figures are printed beside it.
Target: ratio <= 1.3.

Measured with the deployed environment, not the local one: the variables infra/template.yaml
gives the API function (STAGE=prod, table, queues, identity platform, CORS origin, the PII key's
parameter name) plus what the Lambda runtime sets (AWS_LAMBDA_FUNCTION_NAME, AWS_REGION), with
XRAY_ENABLED=true as in the partitions that have X-Ray (the costlier case; aws-cn has it off).
Bytecode caches are warm, as with the .pyc that infra/package.py ships in deployment.zip.
"""
import os
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BASELINE = "import boto3, pynamodb.models"
APP = "import app"
PROBE = ("import time, sys; t, c = time.perf_counter(), time.process_time(); {stmt}; "
         "sys.stdout.write('%r %r' % (time.perf_counter() - t, time.process_time() - c))")


DEPLOYED_ENV = {
    "STAGE": "prod", "AWS_REGION": "cn-north-1", "AWS_DEFAULT_REGION": "cn-north-1",
    "AWS_LAMBDA_FUNCTION_NAME": "talent-grading-prod-APIHandler", "XRAY_ENABLED": "true",
    "TABLE_NAME": "talent-grading-prod-main",
    "ATTACHMENTS_BUCKET": "talent-grading-prod-attachments-123456789012",
    "REVIEW_QUEUE_URL": "https://sqs.cn-north-1.amazonaws.com.cn/123456789012/talent-grading-prod-review-tasks",
    "EXPORT_QUEUE_URL": "https://sqs.cn-north-1.amazonaws.com.cn/123456789012/talent-grading-prod-exports",
    "REVIEW_STATE_MACHINE_ARN": "arn:aws-cn:states:cn-north-1:123456789012:stateMachine:talent-grading-prod-review",
    "CORS_ALLOW_ORIGIN": "https://rencai.example.gov.cn",
    "JWT_ISSUER": "https://tyrz.jl.gov.cn/oidc", "JWT_JWKS_URL": "https://tyrz.jl.gov.cn/oidc/jwks",
    "JWT_AUDIENCE": "talent-grading-api", "PII_HASH_KEY_PARAMETER": "/talent-grading-prod/pii-hash-key",
}


def deployed_env() -> dict:
    # Bytecode may be written by the warm-up run (any value of PYTHONDONTWRITEBYTECODE, even "0",
    # forbids it): the deployment package ships .pyc, so the app must not be timed compiling.
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("AWS_ENDPOINT_URL") and k != "PYTHONDONTWRITEBYTECODE"}
    return {**env, **DEPLOYED_ENV}


def sample(stmt: str) -> tuple:
    """(wall seconds, CPU seconds) of one import in a fresh interpreter."""
    env = deployed_env()
    out = subprocess.run([sys.executable, "-c", PROBE.format(stmt=stmt)], cwd=ROOT, env=env,
                         capture_output=True, text=True, check=True)
    wall, cpu = out.stdout.split()
    return float(wall), float(cpu)


def package_bytecode_effect(zip_path: str, rounds: int = 5) -> dict:
    """`import app` from the deployment package as Lambda sees it (read-only, nothing written):
    with the shipped .pyc, and with them removed (every cold start compiling)."""
    import shutil
    import tempfile
    import zipfile

    code = "import time, sys; t = time.perf_counter(); import app; sys.stdout.write(str(time.perf_counter() - t))"
    env = {**deployed_env(), "PYTHONDONTWRITEBYTECODE": "1"}
    with tempfile.TemporaryDirectory() as tmp:
        shipped, bare = os.path.join(tmp, "shipped"), os.path.join(tmp, "bare")
        zipfile.ZipFile(zip_path).extractall(shipped)
        shutil.copytree(shipped, bare, ignore=shutil.ignore_patterns("*.pyc"))

        def one(folder):
            out = subprocess.run([sys.executable, "-c", code], cwd=folder, env=env, capture_output=True,
                                 text=True, check=True)
            return float(out.stdout)

        with_pyc, without = [], []
        for _ in range(rounds):
            with_pyc.append(one(shipped))
            without.append(one(bare))
    a, b = statistics.median(with_pyc), statistics.median(without)
    return {"with_pyc_ms": a * 1000, "without_pyc_ms": b * 1000, "ratio": b / a}


def heavy_modules_loaded() -> list:
    code = ("import sys, app; print(','.join(m for m in ('PIL', 'aws_xray_sdk', 'jwt', 'boto3', "
            "'openpyxl', 'xlsxwriter', 'reportlab', 'cryptography') if m in sys.modules))")
    env = deployed_env()
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True,
                         text=True, check=True)
    return [m for m in out.stdout.strip().split(",") if m]


def run(rounds: int = 9) -> dict:
    sample(BASELINE), sample(APP)  # warm the bytecode caches
    base, app = [], []
    for _ in range(rounds):
        base.append(sample(BASELINE))
        app.append(sample(APP))
    bw, aw = statistics.median(s[0] for s in base), statistics.median(s[0] for s in app)
    bc, ac = statistics.median(s[1] for s in base), statistics.median(s[1] for s in app)
    return {"baseline_ms": bc * 1000, "app_ms": ac * 1000, "ratio": ac / bc,
            "baseline_wall_ms": bw * 1000, "app_wall_ms": aw * 1000, "wall_ratio": aw / bw,
            "heavy_modules_at_import": heavy_modules_loaded()}


def main(rounds: int = 9):
    r = run(rounds)
    print("cold start (median of %d, import only; deployed env: STAGE=prod, AWS_LAMBDA_FUNCTION_NAME, "
          "XRAY_ENABLED=true)" % rounds)
    print(f"  boto3 + pynamodb : {r['baseline_ms']:7.1f} ms CPU  ({r['baseline_wall_ms']:.1f} ms wall)")
    print(f"  app              : {r['app_ms']:7.1f} ms CPU  ({r['app_wall_ms']:.1f} ms wall)")
    print(f"  ratio            : {r['ratio']:7.2f}   (target <= 1.30; wall-clock {r['wall_ratio']:.2f})")
    print(f"  heavy modules loaded by `import app`: {r['heavy_modules_at_import'] or 'none'}")
    package = os.path.join(ROOT, "build", "prod", "deployment.zip")
    if os.path.exists(package):
        p = package_bytecode_effect(package)
        print(f"  from build/prod/deployment.zip: {p['with_pyc_ms']:.0f} ms with the shipped .pyc, "
              f"{p['without_pyc_ms']:.0f} ms without ({p['ratio']:.2f}x)")
        r["package"] = p
    else:
        print("  (./dev package prod first to time the deployment package with and without .pyc)")
    return r


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 9)
