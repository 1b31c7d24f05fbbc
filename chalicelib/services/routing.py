"""The review route of a declaration, fixed when it starts (and frozen again at submit):
recommending unit → each superior up the bound chain → the HR bureau of the recommending unit's
region → the provincial department."""
from chalicelib import identifiers as ids
from chalicelib.errors import ValidationFailed
from chalicelib.identity import ROLE_CITY_BUREAU, ROLE_PROVINCE, ROLE_UNIT
from chalicelib.models.accounts import RegionBureau, Unit
from chalicelib.models.base import db_errors
from chalicelib.services.bindings import superior_chain

PROVINCE_REGION = "220000"


def _bureau(region: str, missing: str) -> RegionBureau:
    with db_errors(not_found=ValidationFailed(missing, code="ROUTE_INCOMPLETE")):
        return RegionBureau.get(*RegionBureau.key(region))


def build_route(unit: Unit) -> list:
    levels = [{"unit_code": unit.credit_code, "unit_name": unit.name, "role": ROLE_UNIT}]
    for superior in superior_chain(unit):
        levels.append({"unit_code": superior.credit_code, "unit_name": superior.name, "role": ROLE_UNIT})
    city = _bureau(ids.city_region_of(unit.region_code),
                   "推荐单位所属行政区划没有对应的人社局，请联系推荐单位核对行政区划")
    levels.append({"unit_code": city.credit_code, "unit_name": city.name, "role": ROLE_CITY_BUREAU})
    province = _bureau(PROVINCE_REGION, "省人社厅尚未开通，请稍后再试")
    levels.append({"unit_code": province.credit_code, "unit_name": province.name, "role": ROLE_PROVINCE})
    return [{"level": n, **level} for n, level in enumerate(levels)]
