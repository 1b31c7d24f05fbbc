"""Who is calling: verification of the identity platform's JWTs (and signing, for the local
stage), the caller's principal and its role checks.

Tokens are RS256 JWTs issued by the province's unified identity platform (统一身份认证平台; locally
the OIDC provider in devtools/oidc plays it). Only RS256 is accepted, so `alg: none` and
HS256-signed-with-the-public-key (algorithm confusion) are refused by PyJWT before any claim is
read. Keys come from the issuer's JWKS (found through its discovery document); unit tests use a
static key (JWT_PUBLIC_KEY).

The platform is trusted for *who* (account kind, ID number or credit code, the agent's phone or
ID number); what the caller may do (role, unit, legal-person flag, agent enabled) is read from our
records on every request (services/authentication.py). This module reads no records: it only
verifies and signs tokens and defines the principal.
"""
import dataclasses
import functools
import time
import uuid

from chalicelib import config
from chalicelib.errors import AppError, Forbidden, Unauthorized, Unavailable

ROLE_APPLICANT = "applicant"
ROLE_UNIT = "unit"
ROLE_CITY_BUREAU = "city_bureau"
ROLE_PROVINCE = "province"
ROLES = (ROLE_APPLICANT, ROLE_UNIT, ROLE_CITY_BUREAU, ROLE_PROVINCE)
UNIT_ROLES = (ROLE_UNIT, ROLE_CITY_BUREAU, ROLE_PROVINCE)

ALGORITHMS = ["RS256"]


@dataclasses.dataclass(frozen=True)
class Principal:
    subject: str          # person id (applicant) or agent id (unit roles)
    role: str
    name: str = ""
    unit_code: str = ""   # credit code of the unit the agent acts for
    is_legal: bool = False
    expires_at: int = 0

    def context(self) -> dict:
        """Authorizer context: API Gateway accepts only flat string/number/bool values."""
        return {"sub": self.subject, "role": self.role, "name": self.name,
                "unit": self.unit_code, "legal": "1" if self.is_legal else "0",
                "exp": str(self.expires_at)}

    @classmethod
    def from_context(cls, ctx: dict) -> "Principal":
        if not ctx or ctx.get("role") not in ROLES or not ctx.get("sub"):
            if ctx and ctx.get("error"):
                error = Unavailable if str(ctx.get("error_status")) == "503" else Unauthorized
                raise error(ctx.get("error_message") or None, code=ctx["error"])
            raise Unauthorized()
        return cls(subject=ctx["sub"], role=ctx["role"], name=ctx.get("name", ""),
                   unit_code=ctx.get("unit", ""), is_legal=str(ctx.get("legal")) == "1")

    @property
    def is_applicant(self) -> bool:
        return self.role == ROLE_APPLICANT

    def require(self, *roles: str) -> "Principal":
        if self.role not in roles:
            raise Forbidden("当前账号无权办理此业务", code="ROLE_FORBIDDEN")
        return self

    def require_legal(self, business: str = "管理经办人") -> "Principal":
        """Only the unit's legal-person account may do `business` (manual 003 §2: agents are
        registered and changed by the legal person); the message names what was refused."""
        self.require(*UNIT_ROLES)
        if not self.is_legal:
            raise Forbidden(f"仅法人账号可{business}", code="LEGAL_ACCOUNT_REQUIRED")
        return self


@functools.lru_cache(maxsize=1)
def _static_key():
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    return load_pem_public_key(config.JWT_PUBLIC_KEY.replace("\\n", "\n").encode())


# The identity platform's keys: found from the issuer's discovery document (or JWT_JWKS_URL), each
# fetch bounded by this timeout. An unreachable platform is a 503 the client retries, never a 401
# (the web keeps its session) and never remembered: API Gateway may cache it with the authorizer's
# result, and the router then decides it afresh (chalicelib/web.REVOCABLE_REFUSALS).
IDP_TIMEOUT_SECONDS = 3
IDP_UNAVAILABLE = Unavailable("统一身份认证平台暂时无法访问，请稍后重试", code="IDP_UNAVAILABLE")
_discovered: dict = {}


def _fetch_json(url: str) -> dict:
    import json
    import urllib.request

    with urllib.request.urlopen(urllib.request.Request(url, headers={"Accept": "application/json"}),
                                timeout=IDP_TIMEOUT_SECONDS) as resp:
        return json.loads(resp.read(1_000_000))


def _log_unreachable(step: str, exc: BaseException) -> None:
    from chalicelib.logs import get_logger

    get_logger("talent.identity").warning("identity platform unreachable", extra={"fields": {
        "step": step, "error": type(exc).__name__, "detail": str(exc)[:200]}})


def jwks_url() -> str:
    """JWT_JWKS_URL, or the jwks_uri the issuer publishes (cached once it was read)."""
    if config.JWT_JWKS_URL:
        return config.JWT_JWKS_URL
    issuer = config.JWT_ISSUER.rstrip("/")
    if issuer not in _discovered:
        try:
            doc = _fetch_json(f"{issuer}/.well-known/openid-configuration")
        except (OSError, ValueError) as exc:   # URLError, timeouts, refused, bad JSON
            _log_unreachable("discovery", exc)
            raise IDP_UNAVAILABLE from exc
        if doc.get("issuer", "").rstrip("/") != issuer or not doc.get("jwks_uri"):
            raise IDP_UNAVAILABLE
        _discovered[issuer] = doc["jwks_uri"]
    return _discovered[issuer]


@functools.lru_cache(maxsize=4)
def _jwks_client(url: str):
    import jwt

    return jwt.PyJWKClient(url, cache_keys=True, lifespan=300, timeout=IDP_TIMEOUT_SECONDS)


def _verification_key(token: str):
    import jwt

    if config.JWT_PUBLIC_KEY:
        return _static_key()
    if not config.JWT_ISSUER:
        raise Unauthorized("身份认证未配置", code="AUTH_NOT_CONFIGURED")
    try:
        return _jwks_client(jwks_url()).get_signing_key_from_jwt(token).key
    except jwt.PyJWKClientConnectionError as exc:
        _log_unreachable("jwks", exc)
        raise IDP_UNAVAILABLE from exc
    except jwt.PyJWKClientError as exc:     # no key with that kid (or a malformed JWKS)
        raise Unauthorized() from exc


def verify_token(token: str) -> dict:
    """Verify signature, issuer, audience, expiry (and not-before when present); return the claims."""
    import jwt  # deferred: only the authorizer pays for PyJWT/cryptography

    try:
        key = _verification_key(token)
        return jwt.decode(
            token, key, algorithms=ALGORITHMS,
            audience=config.JWT_AUDIENCE, issuer=config.JWT_ISSUER, leeway=30,
            options={"require": ["exp", "iat", "iss", "aud", "sub"]},
        )
    except (jwt.PyJWTError, ValueError) as exc:
        raise Unauthorized() from exc


def bearer_token(header: str) -> str:
    if not header or not header.startswith("Bearer "):
        raise Unauthorized()
    return header[len("Bearer "):].strip()


@functools.lru_cache(maxsize=8)
def _private_key(private_key_pem: bytes):
    """The parsed signing key (parsing checks the RSA key: ~40 ms, once per key, not per token)."""
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    return load_pem_private_key(private_key_pem, password=None)


@functools.lru_cache(maxsize=8)
def key_id(private_key_pem: bytes) -> str:
    """RFC 7638 JWK thumbprint of the key's public part: the `kid` the local provider publishes."""
    import base64
    import hashlib
    import json

    numbers = _private_key(private_key_pem).public_key().public_numbers()
    b64 = lambda i: base64.urlsafe_b64encode(i.to_bytes((i.bit_length() + 7) // 8, "big")).rstrip(b"=").decode()
    canonical = json.dumps({"e": b64(numbers.e), "kty": "RSA", "n": b64(numbers.n)},
                           separators=(",", ":"), sort_keys=True)
    return base64.urlsafe_b64encode(hashlib.sha256(canonical.encode()).digest()).rstrip(b"=").decode()


def sign_token(claims: dict, private_key_pem: bytes, ttl: int | None = None) -> str:
    import jwt

    now = int(time.time())
    body = {"iss": config.JWT_ISSUER, "aud": config.JWT_AUDIENCE, "iat": now, "nbf": now,
            "exp": now + (ttl or config.TOKEN_TTL_SECONDS), "jti": uuid.uuid4().hex, **claims}
    return jwt.encode(body, _private_key(private_key_pem), algorithm="RS256",
                      headers={"kid": key_id(private_key_pem)})
