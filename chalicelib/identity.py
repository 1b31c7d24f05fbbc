"""Who is calling: token verification, the caller's principal and role checks.

Tokens are RS256 JWTs. Only RS256 is accepted, so `alg: none` and HS256-signed-with-the-public-key
(algorithm confusion) are refused by PyJWT before any claim is read. In production the key comes
from the identity platform's JWKS; locally from the key the local stack generated.
"""
import dataclasses
import functools
import time
import uuid

from chalicelib import config
from chalicelib.errors import Forbidden, NotFound, Unauthorized

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
                raise Unauthorized(ctx.get("error_message") or None, code=ctx["error"])
            raise Unauthorized()
        return cls(subject=ctx["sub"], role=ctx["role"], name=ctx.get("name", ""),
                   unit_code=ctx.get("unit", ""), is_legal=str(ctx.get("legal")) in ("1", "True", "true"))

    @property
    def is_applicant(self) -> bool:
        return self.role == ROLE_APPLICANT

    def require(self, *roles: str) -> "Principal":
        if self.role not in roles:
            raise Forbidden("当前账号无权办理此业务", code="ROLE_FORBIDDEN")
        return self

    def require_legal(self) -> "Principal":
        self.require(*UNIT_ROLES)
        if not self.is_legal:
            raise Forbidden("仅法人账号可管理经办人", code="LEGAL_ACCOUNT_REQUIRED")
        return self


@functools.lru_cache(maxsize=1)
def _static_key():
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    return load_pem_public_key(config.JWT_PUBLIC_KEY.replace("\\n", "\n").encode())


@functools.lru_cache(maxsize=1)
def _jwks_client():
    import jwt

    return jwt.PyJWKClient(config.JWT_JWKS_URL, cache_keys=True, lifespan=3600)


def _verification_key(token: str):
    if config.JWT_PUBLIC_KEY:
        return _static_key()
    if config.JWT_JWKS_URL:
        return _jwks_client().get_signing_key_from_jwt(token).key
    raise Unauthorized("身份认证未配置", code="AUTH_NOT_CONFIGURED")


def verify_token(token: str) -> Principal:
    """Verify signature, issuer, audience, expiry and not-before; return the caller."""
    import jwt  # deferred: only the authorizer pays for PyJWT/cryptography

    try:
        claims = jwt.decode(
            token, _verification_key(token), algorithms=ALGORITHMS,
            audience=config.JWT_AUDIENCE, issuer=config.JWT_ISSUER, leeway=30,
            options={"require": ["exp", "iat", "nbf", "iss", "aud", "sub"]},
        )
    except (jwt.PyJWTError, ValueError) as exc:
        raise Unauthorized() from exc
    role = claims.get("role")
    if role not in ROLES:
        raise Unauthorized()
    if role in UNIT_ROLES and not claims.get("unit"):
        raise Unauthorized()
    return Principal(subject=str(claims["sub"]), role=role, name=str(claims.get("name", "")),
                     unit_code=str(claims.get("unit", "")), is_legal=bool(claims.get("legal", False)),
                     expires_at=int(claims["exp"]))


def bearer_token(header: str) -> str:
    if not header or not header.startswith("Bearer "):
        raise Unauthorized()
    return header[len("Bearer "):].strip()


def authorize(header: str) -> Principal:
    """The authorizer's whole job: a valid token, and for agents an enabled agent account."""
    principal = verify_token(bearer_token(header))
    if principal.role in UNIT_ROLES:
        from chalicelib.models.accounts import Agent

        pk, sk = Agent.key(principal.unit_code, principal.subject)
        try:
            agent = Agent.get(pk, sk)
        except Agent.DoesNotExist:
            raise Unauthorized("经办人账号不存在", code="AGENT_UNKNOWN")
        if not agent.active:
            raise Unauthorized("经办人账号已停用", code="AGENT_DISABLED")
    return principal


def sign_token(claims: dict, private_key_pem: bytes, ttl: int | None = None) -> str:
    import jwt

    now = int(time.time())
    body = {"iss": config.JWT_ISSUER, "aud": config.JWT_AUDIENCE, "iat": now, "nbf": now,
            "exp": now + (ttl or config.TOKEN_TTL_SECONDS), "jti": uuid.uuid4().hex, **claims}
    return jwt.encode(body, private_key_pem, algorithm="RS256")


def issue_dev_token(login: str) -> dict:
    """Local stage only: a token for a seeded demo user. Refuses to run anywhere else."""
    if not config.is_local() or not config.DEV_JWT_PRIVATE_KEY_FILE:
        raise NotFound()
    from chalicelib.models.accounts import DevLogin

    try:
        entry = DevLogin.get(*DevLogin.key(login))
    except DevLogin.DoesNotExist:
        raise NotFound("没有这个演示账号", code="DEV_LOGIN_UNKNOWN")
    with open(config.DEV_JWT_PRIVATE_KEY_FILE, "rb") as fh:
        key = fh.read()
    claims = {"sub": entry.subject, "role": entry.role, "name": entry.display_name}
    if entry.unit_code:
        claims.update(unit=entry.unit_code, legal=entry.is_legal)
    return {"token": sign_token(claims, key), "role": entry.role, "name": entry.display_name,
            "unit_code": entry.unit_code, "is_legal": entry.is_legal,
            "expires_in": config.TOKEN_TTL_SECONDS}


def list_dev_logins() -> list:
    """Local stage only: the demo logins (for the login page)."""
    if not config.is_local():
        raise NotFound()
    from chalicelib.models.accounts import DevLogin

    items = DevLogin.gsi1.query("DEVLOGINS")
    return [{"login": i.login, "role": i.role, "name": i.display_name, "unit_code": i.unit_code,
             "is_legal": i.is_legal} for i in items]
