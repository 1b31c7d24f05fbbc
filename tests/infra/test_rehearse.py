"""The deployment rehearsal (`./dev rehearse`): native libraries checked against the Lambda
runtime; the bounded end-to-end run (package, isolated imports, sign-ins with IAM enforced,
config.js) is marked slow."""
import json
import pathlib
import shutil
import subprocess
import sys
import zipfile

import pytest

from infra import rehearse

ROOT = pathlib.Path(__file__).resolve().parents[2]
SITE = pathlib.Path(next(p for p in sys.path if p.endswith("site-packages")))


def _zip_with(tmp_path, *files):
    path = tmp_path / "deployment.zip"
    with zipfile.ZipFile(path, "w") as zf:
        for arcname, source in files:
            zf.write(source, arcname)
    return path


def test_a_library_built_against_a_newer_glibc_fails_on_amazon_linux_2_and_fits_al2023(tmp_path):
    rust = SITE / "cryptography" / "hazmat" / "bindings" / "_rust.abi3.so"
    if not rust.exists():
        pytest.skip("no cryptography extension here")
    versions = subprocess.run(["readelf", "-V", str(rust)], capture_output=True, text=True).stdout
    zip_path = _zip_with(tmp_path, ("cryptography/hazmat/bindings/_rust.abi3.so", rust))
    al2 = rehearse.native_libraries(zip_path, "python3.11")
    if "GLIBC_2.3" in versions:      # this machine's wheel is manylinux_2_34: too new for glibc 2.26
        assert any("GLIBC_2.3" in p and "python3.11" in p for p in al2["problems"]), al2
    assert rehearse.native_libraries(zip_path, "python3.12")["problems"] == []


def test_a_library_needing_what_the_runtime_lacks_is_refused_unless_bundled(tmp_path):
    libs = list((SITE / "pillow.libs").iterdir()) if (SITE / "pillow.libs").exists() else []
    imaging = next((SITE / "PIL").glob("_imaging.*.so"), None)
    if not imaging or not libs:
        pytest.skip("no Pillow wheel layout here")
    needed = subprocess.run(["readelf", "-d", str(imaging)], capture_output=True, text=True).stdout
    bundled = [n for n in (p.name for p in (SITE / "pillow.libs").iterdir()) if n in needed]
    alone = rehearse.native_libraries(_zip_with(tmp_path, ("PIL/_imaging.so", imaging)), "python3.12")
    assert bundled and all(any(lib in p for p in alone["problems"]) for lib in bundled)
    shutil.rmtree(tmp_path / "x", ignore_errors=True)
    (tmp_path / "x").mkdir()
    whole = _zip_with(tmp_path / "x", ("PIL/_imaging.so", imaging),
                      *[(f"pillow.libs/{p.name}", p) for p in (SITE / "pillow.libs").iterdir()])
    assert rehearse.native_libraries(whole, "python3.12")["problems"] == []


@pytest.mark.slow
def test_the_rehearsal_passes(prod_package):
    """Package prod, check the zip's native libraries, import every handler from the zip alone
    with its template environment, sign in four kinds of callers with IAM enforced, open every
    level of a 5-level review chain and the committee's task (the opener from the zip, with its
    role's credentials; an opener role without GetItem fails here), config.js."""
    build = prod_package
    out = subprocess.run([sys.executable, "-m", "infra.rehearse", "prod", "--build", str(build)],
                         cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-3000:]
    assert '"person": 200' in out.stdout and '"agent by ID number": 200' in out.stdout
    figures = json.loads(out.stdout.strip().splitlines()[-1])
    assert figures["chain_opened"] == ["institute", "university", "edu-dept", "cc-bureau", "province", "committee"]
