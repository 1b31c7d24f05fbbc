"""Accounts: the signed-in caller, personal and unit profiles, agents, regions."""
from chalicelib.services import people, results, units
from chalicelib.web import Area

area = Area(__name__)
route = area.route


# --- accounts -------------------------------------------------------------------------------

@route("/me", summary="当前登录账号", fresh=True)    # the web's session check: standing read afresh
def whoami(principal):
    return {"subject": principal.subject, "role": principal.role, "name": principal.name,
            "unit_code": principal.unit_code or None, "is_legal": principal.is_legal}


@route("/persons/me", summary="个人基本信息")
def get_person(principal):
    return people.get_profile(principal)


@route("/persons/me", methods=("PUT",), request="accounts.PersonProfileIn", summary="保存个人基本信息")
def put_person(principal, data):
    return people.save_profile(principal, data)


@route("/units/me", summary="本单位信息")
def get_unit(principal):
    return units.get_my_unit(principal)


@route("/units/me", methods=("PUT",), request="accounts.UnitProfileIn", summary="保存单位信息（法人账号）", versioned=True)
def put_unit(principal, data, version):
    return units.save_my_unit(principal, data, version)


@route("/units/lookup/{credit_code}", summary="按统一社会信用代码查询单位")
def lookup_unit(principal, credit_code):
    return units.lookup(principal, credit_code)


@route("/units/me/agents", summary="经办人列表（法人账号）")
def list_agents(principal):
    return {"items": units.list_agents(principal)}


@route("/units/me/agents", methods=("POST",), request="accounts.AgentIn", status=201, summary="添加经办人")
def add_agent(principal, data):
    return units.add_agent(principal, data)


@route("/units/me/agents/{agent_id}", methods=("PATCH",), request="accounts.AgentPatch", summary="修改或停用经办人")
def patch_agent(principal, data, agent_id):
    return units.update_agent(principal, agent_id, data)


@route("/regions", summary="吉林省行政区划（GB/T 2260）")
def list_regions(principal):
    return results.regions()
