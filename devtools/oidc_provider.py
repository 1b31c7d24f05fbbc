"""The local identity platform (devtools/oidc, Node + oidc-provider) as a process of the stack.

The provider signs with the local stack's key pair (the same key /dev/token uses, published under
the same `kid`), so the API verifies every token the way it does in production: discovery from
the issuer, then the JWKS. Environment knobs for tests: OIDC_ACCESS_TOKEN_TTL (seconds, default
3600; the browser tier uses a short one so sessions outlive their access tokens).
"""
import os
import pathlib
import shutil

ROOT = pathlib.Path(__file__).resolve().parent.parent
DIRECTORY = ROOT / "devtools" / "oidc"
CLIENT_ID = "talent-grading-web"
AUDIENCE = "talent-grading-api"


class OidcProvider:
    def __init__(self, port: int, api_url: str, web_url: str, private_key_file: pathlib.Path,
                 host: str = "127.0.0.1", access_ttl: int | None = None):
        self.port, self.host = port, host
        self.api_url, self.web_url = api_url, web_url.rstrip("/")
        self.private_key_file = pathlib.Path(private_key_file)
        self.access_ttl = int(access_ttl or os.environ.get("OIDC_ACCESS_TOKEN_TTL", 3600))

    @property
    def issuer(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def redirect_uris(self) -> list:
        # The web app handles the code (and the silent renewal) at its root.
        return [f"{self.web_url}/"]

    def command(self) -> list:
        node = shutil.which("node")
        if not node:
            raise RuntimeError("node is missing: the local identity platform needs Node.js (>= 20.19)")
        if not (DIRECTORY / "node_modules" / "oidc-provider").exists():
            raise RuntimeError("devtools/oidc is not installed: run ./dev setup (npm ci in devtools/oidc)")
        return [node, str(DIRECTORY / "server.mjs")]

    def environment(self, base: dict) -> dict:
        from chalicelib.identity import key_id

        return {**base, "OIDC_PORT": str(self.port), "OIDC_ISSUER": self.issuer,
                "OIDC_CLIENT_ID": CLIENT_ID, "OIDC_AUDIENCE": AUDIENCE,
                "OIDC_REDIRECT_URIS": " ".join(self.redirect_uris),
                "OIDC_ACCESS_TOKEN_TTL": str(self.access_ttl),
                "OIDC_SIGNING_KEY_FILE": str(self.private_key_file),
                "OIDC_SIGNING_KID": key_id(self.private_key_file.read_bytes()),
                "TALENT_API_URL": self.api_url}

    @property
    def discovery_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    def api_env(self) -> dict:
        """What the API needs: the issuer (discovery finds the JWKS) and its audience."""
        return {"JWT_ISSUER": self.issuer, "JWT_JWKS_URL": "", "JWT_AUDIENCE": AUDIENCE,
                "JWT_PUBLIC_KEY": ""}

    def web_config(self) -> dict:
        """Extra keys of the web's /config.js."""
        return {"oidcAuthority": self.issuer, "oidcClientId": CLIENT_ID,
                "oidcRenewBeforeSeconds": max(5, min(60, self.access_ttl // 3))}
