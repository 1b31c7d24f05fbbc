"""The rehearsal's stand-ins for what surrounds the functions on AWS: the identity platform (an
RS256 key and its JWKS on a local port) and API Gateway (the TOKEN authorizer, then the proxy event
with the authorizer's context), driving the handlers in their isolated interpreters."""
import json
import time


class IdentityPlatform:
    """An RS256 key and its JWKS on a local HTTP port: the tokens the platform would issue."""

    def __init__(self):
        import http.server
        import threading

        import jwt
        from cryptography.hazmat.primitives.asymmetric import rsa

        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key()))
        jwk.update(kid="rehearsal", use="sig", alg="RS256")
        body = json.dumps({"keys": [jwk]}).encode()

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.issuer = f"http://127.0.0.1:{self.server.server_port}"
        self.jwks_url = f"{self.issuer}/jwks"

    def token(self, audience: str, claims: dict) -> str:
        import jwt

        now = int(time.time())
        return jwt.encode({"iss": self.issuer, "aud": audience, "iat": now, "nbf": now, "exp": now + 600, **claims},
                          self.key, algorithm="RS256", headers={"kid": "rehearsal"})


def _proxy_event(method, path, token, auth_context, body=None, headers=None, params=None):
    """path may be a route template ("/reviews/{decl_id}") filled from params, as API Gateway sends it."""
    resource, path = path, path.format(**(params or {}))
    return {"resource": resource, "path": path, "httpMethod": method,
            "headers": {"Authorization": f"Bearer {token}", "Content-Type": "application/json", **(headers or {})},
            "multiValueHeaders": {}, "queryStringParameters": None, "multiValueQueryStringParameters": None,
            "pathParameters": params or None, "stageVariables": None, "isBase64Encoded": False,
            "body": json.dumps(body, ensure_ascii=False) if body is not None else None,
            "requestContext": {"resourcePath": resource, "httpMethod": method, "stage": "api", "requestId": "r",
                               "identity": {"sourceIp": "203.0.113.9"}, "path": f"/api{path}",
                               "authorizer": auth_context}}


def call_api(api, authorizer, method: str, path: str, token: str, body=None, headers=None,
             params=None) -> tuple:
    """API Gateway's order: the TOKEN authorizer, then (on Allow) the proxy event with its context."""
    policy = authorizer({"type": "TOKEN", "authorizationToken": f"Bearer {token}",
                         "methodArn": f"arn:aws-cn:execute-api:cn-north-1:123456789012:rehearsal/api/{method}"
                                      f"{path.format(**(params or {}))}"})
    statement = policy["policyDocument"]["Statement"][0]
    if statement["Effect"] != "Allow":
        return 401, {"Code": "UNAUTHORIZED"}
    context = {**policy.get("context", {}), "principalId": policy["principalId"]}
    out = api(_proxy_event(method, path, token, context, body, headers, params))
    return out["statusCode"], json.loads(out["body"]) if out.get("body") else None
