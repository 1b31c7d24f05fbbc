"""devtools/web_server.py: precompressed assets by Accept-Encoding, SPA fallback, /config.js, no escape
from the dist directory."""
import gzip
import http.client
import json

import pytest

from devtools.web_server import serve


@pytest.fixture
def site(tmp_path):
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text('<div id="app"></div>')
    js = b"console.log('hi');" * 20
    (dist / "assets" / "app.js").write_bytes(js)
    (dist / "assets" / "app.js.gz").write_bytes(gzip.compress(js))
    (dist / "assets" / "app.js.br").write_bytes(b"BROTLI")        # content irrelevant: served as is
    (dist / "assets" / "plain.css").write_text("body{}")
    (tmp_path / "secret.txt").write_text("no")
    server = serve(dist, "127.0.0.1", 0, {"apiBase": "http://api", "oidc": {"client": "x"}})
    yield server.server_address[1], js
    server.shutdown()


def fetch(port, path, **headers):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    conn.request("GET", path, headers=headers)
    resp = conn.getresponse()
    return resp, resp.read()


def test_brotli_then_gzip_then_identity(site):
    port, js = site
    resp, body = fetch(port, "/assets/app.js", **{"Accept-Encoding": "gzip, deflate, br"})
    assert resp.getheader("Content-Encoding") == "br" and body == b"BROTLI"
    assert resp.getheader("Content-Type").startswith("application/javascript")
    assert "Accept-Encoding" in resp.getheader("Vary")
    assert "immutable" in resp.getheader("Cache-Control")
    resp, body = fetch(port, "/assets/app.js", **{"Accept-Encoding": "gzip"})
    assert resp.getheader("Content-Encoding") == "gzip" and gzip.decompress(body) == js
    resp, body = fetch(port, "/assets/app.js", **{"Accept-Encoding": "br;q=0, gzip;q=0"})
    assert resp.getheader("Content-Encoding") is None and body == js
    resp, body = fetch(port, "/assets/plain.css", **{"Accept-Encoding": "br"})   # no twin: identity
    assert resp.getheader("Content-Encoding") is None and body == b"body{}"


def test_config_js_and_spa_fallback(site):
    port, _ = site
    resp, body = fetch(port, "/config.js?v=1")
    assert resp.getheader("Cache-Control") == "no-store"
    text = body.decode()
    assert text.startswith("window.TALENT_CONFIG = ")
    assert json.loads(text[len("window.TALENT_CONFIG = "):].rstrip().rstrip(";")) == {
        "apiBase": "http://api", "oidc": {"client": "x"}}
    for path in ("/", "/m/declare/abc", "/nope.js"):
        resp, body = fetch(port, path)
        assert resp.status == 200 and body == b'<div id="app"></div>'
        assert resp.getheader("Cache-Control") == "no-cache"


def test_paths_cannot_leave_dist(site):
    port, _ = site
    for path in ("/../secret.txt", "/assets/../../secret.txt", "/%2e%2e/secret.txt"):
        _, body = fetch(port, path)
        assert body != b"no"
