"""The local static server for the built web frontend (web/dist).

- serves the precompressed `.br` / `.gz` twin of an asset when the request's Accept-Encoding allows
  it (Vite writes both at build time), with `Content-Encoding` and `Vary: Accept-Encoding`;
- hashed assets under /assets/ are cached for a year, everything else is revalidated;
- `/config.js` renders `window.TALENT_CONFIG = <config>` (where the API is, ...);
- any other path that is not a file falls back to index.html (single-page app).
"""
from __future__ import annotations

import http.server
import json
import mimetypes
import pathlib
import posixpath
import threading
import urllib.parse

ENCODINGS = (("br", ".br"), ("gzip", ".gz"))
TYPES = {".js": "application/javascript", ".mjs": "application/javascript", ".css": "text/css",
         ".html": "text/html; charset=utf-8", ".json": "application/json", ".svg": "image/svg+xml",
         ".woff2": "font/woff2", ".woff": "font/woff", ".ttf": "font/ttf", ".png": "image/png",
         ".ico": "image/x-icon", ".txt": "text/plain; charset=utf-8"}


def _accepted(header: str) -> set:
    """Codings the client accepts (q=0 excluded)."""
    out = set()
    for part in (header or "").split(","):
        name, _, params = part.strip().partition(";")
        q = 1.0
        for p in params.split(";"):
            k, _, v = p.strip().partition("=")
            if k == "q":
                try:
                    q = float(v)
                except ValueError:
                    q = 0.0
        if name and q > 0:
            out.add(name.strip().lower())
    return out


def make_handler(dist: pathlib.Path, config: dict):
    dist = pathlib.Path(dist).resolve()

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def _send(self, status: int, body: bytes, ctype: str, headers: dict, head_only: bool):
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            for k, v in headers.items():
                self.send_header(k, v)
            self.end_headers()
            if not head_only:
                self.wfile.write(body)

        def _resolve(self, url_path: str) -> pathlib.Path | None:
            clean = posixpath.normpath(urllib.parse.unquote(url_path)).lstrip("/")
            if clean in ("", "."):
                return None
            target = (dist / clean).resolve()
            if dist not in target.parents or not target.is_file():
                return None
            return target

        def _serve(self, head_only=False):
            url_path = urllib.parse.urlsplit(self.path).path
            if url_path == "/config.js":
                body = f"window.TALENT_CONFIG = {json.dumps(config, ensure_ascii=False)};\n".encode()
                return self._send(200, body, "application/javascript; charset=utf-8",
                                  {"Cache-Control": "no-store"}, head_only)
            target = self._resolve(url_path) or dist / "index.html"
            ctype = TYPES.get(target.suffix) or mimetypes.guess_type(target.name)[0] or "application/octet-stream"
            headers = {"Vary": "Accept-Encoding",
                       "Cache-Control": ("public, max-age=31536000, immutable"
                                         if target.parent.name == "assets" else "no-cache")}
            accepted = _accepted(self.headers.get("Accept-Encoding", ""))
            for coding, suffix in ENCODINGS:
                twin = target.with_name(target.name + suffix)
                if coding in accepted and twin.is_file():
                    headers["Content-Encoding"] = coding
                    return self._send(200, twin.read_bytes(), ctype, headers, head_only)
            return self._send(200, target.read_bytes(), ctype, headers, head_only)

        def do_GET(self):
            self._serve()

        def do_HEAD(self):
            self._serve(head_only=True)

    return Handler


def serve(dist, host: str, port: int, config: dict) -> http.server.ThreadingHTTPServer:
    """Start serving `dist` on host:port in a daemon thread; call `.shutdown()` to stop."""
    server = http.server.ThreadingHTTPServer((host, port), make_handler(pathlib.Path(dist), config))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True, name="web-server").start()
    return server
