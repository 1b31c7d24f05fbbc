"""The authorizer's result is cached per token (API Gateway, `ttl_seconds` > 0), emulated here
as deployed (devtools/authorizer_cache.py). What a cached result may not decide is read again:
a disabled agent or legal person is refused on their next write, on /me and on the unmasked
review detail while their token's result is still cached; a refusal that can change (agent
re-enabled, identity platform back) is never remembered."""
import pytest


@pytest.fixture
def gateway_cache(monkeypatch):
    """API Gateway's result cache with a clock the test moves."""
    from devtools import authorizer_cache

    now = [1_000.0]
    cache = authorizer_cache.install(clock=lambda: now[0])
    cache.now = now
    cache.clear()
    yield cache
    cache.uninstall()


def test_the_authorizer_result_is_cached_per_token():
    import app
    from chalicelib import config

    assert app.jwt_auth.config.ttl_seconds == config.AUTHORIZER_CACHE_SECONDS > 0


def _disable(client, world, login_of_agent="university-agent"):
    legal = world.headers("university-legal")
    agents = client.get("/units/me/agents", headers=legal).json["items"]
    agent = next(a for a in agents if not a["is_legal"])
    resp = client.patch(f"/units/me/agents/{agent['agent_id']}", headers=legal, json_body={"active": False})
    assert resp.status == 200 and resp.json["active"] is False
    return agent


def test_a_disabled_agent_is_refused_on_the_next_write_while_the_result_is_cached(client, world, gateway_cache):
    headers = world.headers("university-agent")
    assert client.get("/reviews", headers=headers).status == 200
    assert client.post("/opinions", headers=headers, json_body={"text": "同意推荐"}).status == 201
    assert gateway_cache.stats["invocations"] == 1                 # one token, one authorizer run

    agent = _disable(client, world)
    invoked = gateway_cache.stats["invocations"]
    listed = client.get("/reviews", headers=headers)               # the staleness window: a masked list
    assert listed.status == 200
    write = client.post("/opinions", headers=headers, json_body={"text": "材料齐全"})
    assert write.status == 401 and write.json["Code"] == "AGENT_DISABLED", write
    assert write.json["Message"] == "经办人账号已停用"
    me = client.get("/me", headers=headers)                         # the web's session check
    assert me.status == 401 and me.json["Code"] == "AGENT_DISABLED"
    search = client.post("/reviews/search", headers=headers, json_body={"bucket": "pending",
                                                                        "id_number": "220102198506150018"})
    assert search.status == 401                                     # a search by 证件号码 is fresh too
    assert gateway_cache.stats["invocations"] == invoked           # all served from the cache
    texts = [o["text"] for o in client.get("/opinions", headers=headers).json["items"]]
    assert "材料齐全" not in texts                                   # nothing was written

    gateway_cache.now[0] += 301                                    # the cached result expires
    after = client.get("/reviews", headers=headers)
    assert after.status == 401 and after.json["Code"] == "AGENT_DISABLED"

    legal = world.headers("university-legal")
    assert client.patch(f"/units/me/agents/{agent['agent_id']}", headers=legal,
                        json_body={"active": True}).status == 200
    again = client.get("/reviews", headers=headers)               # the cached refusal is not trusted
    assert again.status == 200, again


def test_a_disabled_legal_person_is_refused_on_the_next_write(client, world, gateway_cache):
    from chalicelib.models.accounts import Agent
    from chalicelib.services.signin import legal_agent_id

    headers = world.headers("university-legal")
    assert client.get("/units/me/agents", headers=headers).status == 200
    code = world.code("university")
    record = Agent.get(*Agent.key(code, world.principal("university-legal").subject))
    record.update(actions=[Agent.active.set(False)])
    resp = client.post("/units/me/agents", headers=headers, json_body={"name": "钱晓峰", "phone": "13512340001"})
    assert resp.status == 401 and resp.json["Code"] == "AGENT_DISABLED", resp
    assert gateway_cache.stats["invocations"] == 1
    assert legal_agent_id(code)        # the account the platform's legal sign-in maps to


def test_the_unmasked_review_detail_reads_standing_afresh(client, world, gateway_cache):
    headers = world.headers("university-agent")
    assert client.get("/me", headers=headers).status == 200
    _disable(client, world)
    resp = client.get("/reviews/any-declaration", headers=headers)
    assert resp.status == 401 and resp.json["Code"] == "AGENT_DISABLED"


def test_an_unreachable_identity_platform_is_not_remembered(client, world, gateway_cache, monkeypatch):
    from chalicelib.identity import IDP_UNAVAILABLE
    from chalicelib.services import authentication

    real = authentication.verify_token
    down = [True]

    def verify(token):
        if down[0]:
            raise IDP_UNAVAILABLE
        return real(token)

    monkeypatch.setattr(authentication, "verify_token", verify)
    headers = world.headers("applicant1")
    first = client.get("/me", headers=headers)
    assert first.status == 503 and first.json["Code"] == "IDP_UNAVAILABLE"
    down[0] = False
    assert client.get("/me", headers=headers).status == 200        # same token, result still cached
    assert gateway_cache.stats["invocations"] == 1


def test_authorizer_invocations_per_100_applicant_requests(client, world, gateway_cache):
    """The figure docs/capacity.md states: one applicant's 100 requests (reads and module saves)
    with one token cost 1 authorizer invocation inside one cache period, and 6 when they are
    spread over 30 minutes (one per 300 s period), against 100 with TTL 0."""
    headers = world.headers("applicant1")
    notice = next(n["notice_id"] for n in client.get("/notices", headers=headers).json["items"]
                  if n["matter_type"] == "TALENT_GRADING")
    decl = client.post("/declarations", headers=headers, json_body={"notice_id": notice, "confirmed": True}).json
    gateway_cache.clear()
    paths = ["/me", "/persons/me", f"/declarations/{decl['decl_id']}", "/declarations", "/notices"]
    for n in range(100):
        assert client.get(paths[n % len(paths)], headers=headers).status == 200
    assert gateway_cache.stats == {"requests": 100, "invocations": 1}

    gateway_cache.clear()
    for n in range(100):
        gateway_cache.now[0] += 18                                    # 100 requests over 30 minutes
        assert client.get(paths[n % len(paths)], headers=headers).status == 200
    assert gateway_cache.stats == {"requests": 100, "invocations": 6}
