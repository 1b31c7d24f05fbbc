"""Sign-in on every request: the identity platform's verified token says who; our records say
what the caller may do. Also the local stage's demo logins and its identity platform's lookups."""

from chalicelib import config
from chalicelib import identifiers as ids
from chalicelib.errors import BadRequest, NotFound, Unauthorized
from chalicelib.identity import ROLE_APPLICANT, ROLES, Principal, bearer_token, sign_token, verify_token
from chalicelib.services import people, signin


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
    kind = claims.get("account_kind")
    name = claims.get("name") if isinstance(claims.get("name"), str) else ""
    name = name.strip()[:50]
    exp = int(claims["exp"])
    if kind == "person":
        id_number = _text(claims, "id_number")
        if not ids.is_valid_id_number(id_number):
            raise Unauthorized()
        phone = _text(claims, "phone_number")
        person_id = people.sign_in(name or "未命名", ids.ID_TYPE_RESIDENT, id_number,
                                   phone if ids.is_valid_phone(phone) else "")
        return Principal(subject=person_id, role=ROLE_APPLICANT, name=name, expires_at=exp)
    if kind in ("legal", "agent"):
        credit_code = _text(claims, "credit_code")
        if not ids.is_valid_credit_code(credit_code):
            raise Unauthorized()
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
    agent = signin.agent_record(unit, str(claims["sub"]))
    return Principal(subject=agent.agent_id, role=role, name=name, unit_code=unit,
                     is_legal=bool(agent.is_legal), expires_at=exp)


def authorize(header: str) -> Principal:
    """The authorizer's whole job: a valid token from the identity platform, then the caller's
    rights from our records. API Gateway caches the result per token (AUTHORIZER_CACHE_SECONDS);
    `check_standing` reads a unit-side caller's standing again where a write happens."""
    claims = verify_token(bearer_token(header))
    if "account_kind" in claims:
        return platform_principal(claims)
    if config.is_local() and "role" in claims:
        return local_test_principal(claims)
    raise Unauthorized()


def check_standing(principal: Principal) -> Principal:
    """What the authorizer checked, read again where a cached result must not be trusted: a
    unit-side caller (agent or legal person) still listed and enabled. Applicants have no standing
    to lose (their account is who the identity platform says they are)."""
    if not principal.is_applicant:
        signin.standing(principal.unit_code, principal.subject)
    return principal


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
    from chalicelib.models.accounts import Agent, DevLogin, Person, Unit
    from chalicelib.models.base import db_errors

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
