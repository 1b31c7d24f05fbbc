"""Cold-start ratio (DESIGN.md §5): importing the app vs importing boto3 + pynamodb alone.

Each sample is a fresh interpreter that times only the import (perf_counter around it), so
interpreter start-up is excluded from both sides. Samples alternate so machine noise hits both.
Target: ratio <= 1.3.
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


def sample(stmt: str) -> float:
    env = {**os.environ, "STAGE": "prod", "AWS_DEFAULT_REGION": "cn-north-1",
           "PYTHONDONTWRITEBYTECODE": "0"}
    out = subprocess.run([sys.executable, "-c", PROBE.format(stmt=stmt)], cwd=ROOT, env=env,
                         capture_output=True, text=True, check=True)
    return float(out.stdout)


def heavy_modules_loaded() -> list:
    code = ("import sys, app; print(','.join(m for m in ('PIL', 'aws_xray_sdk', 'jwt', 'boto3', "
            "'openpyxl', 'xlsxwriter', 'reportlab', 'cryptography') if m in sys.modules))")
    env = {**os.environ, "STAGE": "prod", "AWS_DEFAULT_REGION": "cn-north-1"}
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
    print("cold start (median of %d, import only)" % rounds)
    print(f"  boto3 + pynamodb : {r['baseline_ms']:7.1f} ms")
    print(f"  app              : {r['app_ms']:7.1f} ms")
    print(f"  ratio            : {r['ratio']:7.2f}   (target <= 1.30)")
    print(f"  heavy modules loaded by `import app`: {r['heavy_modules_at_import'] or 'none'}")
    return r


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 9)
