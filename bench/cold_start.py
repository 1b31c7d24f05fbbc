"""Cold-start ratio (DESIGN.md §5): importing the app vs importing boto3 + pynamodb alone.

Each sample is a fresh interpreter that times only the import (perf_counter around it), so
interpreter start-up is excluded from both sides. Samples alternate so machine noise hits both.
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
PROBE = ("import time, sys; t = time.perf_counter(); {stmt}; "
         "sys.stdout.write(str(time.perf_counter() - t))")


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
    "PYTHONDONTWRITEBYTECODE": "0",
}


def deployed_env() -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_ENDPOINT_URL")}
    return {**env, **DEPLOYED_ENV}


def sample(stmt: str) -> float:
    env = deployed_env()
    out = subprocess.run([sys.executable, "-c", PROBE.format(stmt=stmt)], cwd=ROOT, env=env,
                         capture_output=True, text=True, check=True)
    return float(out.stdout)


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
    b, a = statistics.median(base), statistics.median(app)
    return {"baseline_ms": b * 1000, "app_ms": a * 1000, "ratio": a / b,
            "heavy_modules_at_import": heavy_modules_loaded()}


def main(rounds: int = 9):
    r = run(rounds)
    print("cold start (median of %d, import only; deployed env: STAGE=prod, AWS_LAMBDA_FUNCTION_NAME, "
          "XRAY_ENABLED=true)" % rounds)
    print(f"  boto3 + pynamodb : {r['baseline_ms']:7.1f} ms")
    print(f"  app              : {r['app_ms']:7.1f} ms")
    print(f"  ratio            : {r['ratio']:7.2f}   (target <= 1.30)")
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
