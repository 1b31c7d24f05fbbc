"""Who is calling: token verification, the caller's principal and role checks.

Tokens are RS256 JWTs issued by the province's unified identity platform (统一身份认证平台; locally
the OIDC provider in devtools/oidc plays it). Only RS256 is accepted, so `alg: none` and
HS256-signed-with-the-public-key (algorithm confusion) are refused by PyJWT before any claim is
read. Keys come from the issuer's JWKS (found through its discovery document); unit tests use a
static key (JWT_PUBLIC_KEY).

The platform is trusted for *who* (account kind, ID number or credit code, the agent's phone or
ID number);
what the caller may do (role, unit, legal-person flag, agent enabled) is read from our records on
every request (see platform_principal).
"""
import dataclasses
import functools
import time
import uuid

from chalicelib import config
from chalicelib.errors import AppError, Forbidden, NotFound, Unauthorized, Unavailable

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

    def require_legal(self) -> "Principal":
        self.require(*UNIT_ROLES)
        if not self.is_legal:
            raise Forbidden("仅法人账号可管理经办人", code="LEGAL_ACCOUNT_REQUIRED")
        return self


@functools.lru_cache(maxsize=1)
def _static_key():
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    return load_pem_public_key(config.JWT_PUBLIC_KEY.replace("\\n", "\n").encode())


# The identity platform's keys: found from the issuer's discovery document (or JWT_JWKS_URL), each
# fetch bounded by this timeout. An unreachable platform is a 503 the client retries, never a 401
# (the web keeps its session) and never cached: the authorizer has no result cache (ttl 0).
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


ACCOUNT_KINDS = ("person", "legal", "agent")


def _text(claims: dict, name: str, limit: int = 64) -> str:
    """A claim that must be a plain ASCII string (identifiers), or empty."""
    value = claims.get(name)
    if not isinstance(value, str) or not value.isascii() or len(value) > limit:
        return ""
    return value.strip().upper()


def platform_principal(claims: dict) -> Principal:
    """The identity platform says who; our records say what they may do.

    person: the account is found (or, on the first sign-in, created) by ID number; legal: the
    unit's legal-person account by credit code; agent: listed and enabled in the unit's 经办人
    list under the phone or the ID number the platform verified. No role, unit or legal flag is read from a claim.
    """
    from chalicelib import identifiers as ids

    kind = claims.get("account_kind")
    name = claims.get("name") if isinstance(claims.get("name"), str) else ""
    name = name.strip()[:50]
    exp = int(claims["exp"])
    if kind == "person":
        id_number = _text(claims, "id_number")
        if not ids.is_valid_id_number(id_number):
            raise Unauthorized()
        from chalicelib.services import people

        phone = _text(claims, "phone_number")
        person_id = people.sign_in(name or "未命名", ids.ID_TYPE_RESIDENT, id_number,
                                   phone if ids.is_valid_phone(phone) else "")
        return Principal(subject=person_id, role=ROLE_APPLICANT, name=name, expires_at=exp)
    if kind in ("legal", "agent"):
        credit_code = _text(claims, "credit_code")
        if not ids.is_valid_credit_code(credit_code):
            raise Unauthorized()
        from chalicelib.services import signin

        if kind == "legal":
            agent, role = signin.legal_person(credit_code, name)
        else:
            phone = _text(claims, "phone_number")
            id_number = ids.normalize(_text(claims, "id_number"))
            if ids.is_valid_phone(phone):
                agent, role = signin.agent(credit_code, phone)
            elif ids.is_valid_id_number(id_number):
                agent, role = signin.agent_by_id_number(credit_code, id_number)
            else:
                raise signin.AGENT_UNKNOWN
        return Principal(subject=agent.agent_id, role=role, name=agent.name, unit_code=credit_code,
                         is_legal=bool(agent.is_legal) and kind == "legal", expires_at=exp)
    raise Unauthorized()


def local_test_principal(claims: dict) -> Principal:
    """Local stage only: the tokens of /dev/token and of the tests name our own subject and role.
    An agent must still be listed and enabled, and the legal flag is the record's, never the
    token's (a claim `legal: "false"` is ignored)."""
    role = claims.get("role")
    if role not in ROLES:
        raise Unauthorized()
    name = str(claims.get("name", ""))[:50]
    exp = int(claims["exp"])
    if role == ROLE_APPLICANT:
        return Principal(subject=str(claims["sub"]), role=role, name=name, expires_at=exp)
    unit = claims.get("unit")
    if not isinstance(unit, str) or not unit:
        raise Unauthorized()
    from chalicelib.services import signin

    agent = signin.agent_record(unit, str(claims["sub"]))
    return Principal(subject=agent.agent_id, role=role, name=name, unit_code=unit,
                     is_legal=bool(agent.is_legal), expires_at=exp)


def bearer_token(header: str) -> str:
    if not header or not header.startswith("Bearer "):
        raise Unauthorized()
    return header[len("Bearer "):].strip()


def authorize(header: str) -> Principal:
    """The authorizer's whole job: a valid token from the identity platform, then the caller's
    rights from our records (read on every request, so a disabled agent is out at once)."""
    claims = verify_token(bearer_token(header))
    if "account_kind" in claims:
        return platform_principal(claims)
    if config.is_local() and "role" in claims:
        return local_test_principal(claims)
    raise Unauthorized()


def key_id(private_key_pem: bytes) -> str:
    """RFC 7638 JWK thumbprint of the key's public part: the `kid` the local provider publishes."""
    import base64
    import hashlib
    import json

    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    numbers = load_pem_private_key(private_key_pem, password=None).public_key().public_numbers()
    b64 = lambda i: base64.urlsafe_b64encode(i.to_bytes((i.bit_length() + 7) // 8, "big")).rstrip(b"=").decode()
    canonical = json.dumps({"e": b64(numbers.e), "kty": "RSA", "n": b64(numbers.n)},
                           separators=(",", ":"), sort_keys=True)
    return base64.urlsafe_b64encode(hashlib.sha256(canonical.encode()).digest()).rstrip(b"=").decode()


def sign_token(claims: dict, private_key_pem: bytes, ttl: int | None = None) -> str:
    import jwt

    now = int(time.time())
    body = {"iss": config.JWT_ISSUER, "aud": config.JWT_AUDIENCE, "iat": now, "nbf": now,
            "exp": now + (ttl or config.TOKEN_TTL_SECONDS), "jti": uuid.uuid4().hex, **claims}
    return jwt.encode(body, private_key_pem, algorithm="RS256", headers={"kid": key_id(private_key_pem)})


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


def dev_platform_account(data) -> dict:
    """Local stage only: what the local identity platform needs to know about our accounts.

    {"login": demo login} gives that demo account's platform claims; {"kind": "legal",
    "credit_code"} the legal person's; {"kind": "agent", "credit_code", "agent": phone or ID
    number} the agent's, only while listed and enabled in the unit's 经办人 list (so an agent added
    in 经办人管理 can sign in at once). Claims only: the provider adds its own subject.
    """
    if not config.is_local():
        raise NotFound()
    from chalicelib import identifiers as ids
    from chalicelib.errors import BadRequest
    from chalicelib.models.accounts import Agent, DevLogin, Person, Unit
    from chalicelib.models.base import db_errors
    from chalicelib.services import signin

    data = data if isinstance(data, dict) else {}
    text = lambda k: str(data.get(k) or "").strip().upper()[:64]
    if data.get("login"):
        with db_errors(not_found=NotFound("没有这个演示账号", code="DEV_LOGIN_UNKNOWN")):
            entry = DevLogin.get(*DevLogin.key(str(data["login"])[:50]))
            if entry.role == ROLE_APPLICANT:
                person = Person.get(*Person.key(entry.subject))
                return {"account_kind": "person", "name": person.name, "id_type": "居民身份证",
                        "id_number": person.id_number, "phone_number": person.phone or None}
            agent = Agent.get(*Agent.key(entry.unit_code, entry.subject))
        if agent.is_legal:
            return {"account_kind": "legal", "credit_code": entry.unit_code,
                    "name": entry.display_name}
        return {"account_kind": "agent", "credit_code": entry.unit_code, "name": agent.name,
                "phone_number": agent.phone}
    code = text("credit_code")
    if not ids.is_valid_credit_code(code):
        raise BadRequest("统一社会信用代码不正确", code="BAD_CREDIT_CODE")
    if data.get("kind") == "legal":
        with db_errors():
            try:
                name = Unit.get(*Unit.key(code)).name
            except Unit.DoesNotExist:
                name = "法人单位"
        return {"account_kind": "legal", "credit_code": code, "name": name}
    if data.get("kind") == "agent":
        who = ids.normalize(text("agent"))
        if ids.is_valid_phone(who):
            agent, _role = signin.agent(code, who)
            return {"account_kind": "agent", "credit_code": code, "name": agent.name,
                    "phone_number": agent.phone}
        if ids.is_valid_id_number(who):
            agent, _role = signin.agent_by_id_number(code, who)
            return {"account_kind": "agent", "credit_code": code, "name": agent.name,
                    "id_number": agent.id_number}
        raise BadRequest("请输入经办人手机号或身份证号（身份证号校验不通过）", code="BAD_AGENT_LOGIN")
    raise BadRequest("请选择登录方式", code="BAD_ACCOUNT_KIND")
