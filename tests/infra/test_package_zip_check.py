"""infra.package checks the zip `chalice package` wrote: an unreadable one is dropped from
Chalice's cache and built once more, a second unreadable one stops the build with the reason."""
import zipfile

import pytest

from infra import package


def _good_zip(path):
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("app.py", "print('ok')\n")


def test_an_unreadable_zip_is_built_once_more(tmp_path, monkeypatch, capsys):
    calls = []

    def fake_chalice_package(stage, out):
        calls.append(stage)
        if len(calls) == 1:
            (out / "deployment.zip").write_bytes(b"PK\x03\x04 truncated")
        else:
            _good_zip(out / "deployment.zip")
        return {"Resources": {}}

    monkeypatch.setattr(package, "_chalice_package", fake_chalice_package)
    monkeypatch.setattr(package, "ROOT", tmp_path)     # the cache it clears is under ROOT
    cache = tmp_path / ".chalice" / "deployments"
    cache.mkdir(parents=True)
    (cache / "stale-python3.11.zip").write_bytes(b"junk")

    assert package._packaged("prod", tmp_path) == {"Resources": {}}
    assert calls == ["prod", "prod"]
    assert not list(cache.glob("*.zip"))
    assert "unreadable zip" in capsys.readouterr().err


def test_a_second_unreadable_zip_stops_the_build_with_its_figures(tmp_path, monkeypatch):
    def fake_chalice_package(stage, out):
        (out / "deployment.zip").write_bytes(b"not a zip")
        return {}

    monkeypatch.setattr(package, "_chalice_package", fake_chalice_package)
    monkeypatch.setattr(package, "ROOT", tmp_path)
    with pytest.raises(SystemExit, match=r"twice: .*9 bytes, starts '6e6f742061207a69'"):
        package._packaged("prod", tmp_path)
