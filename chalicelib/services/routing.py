"""The review route of a declaration, fixed when it starts (and frozen again at submit), read from
the matter's definition: `review.route.stages`, each stage saying how its reviewing body is chosen
(`by`):

- `binding`: the recommending unit the applicant is bound to;
- `superior_chain`: each approved superior up the recommending unit's bound chain;
- `region`: the HR bureau (人社局) of the recommending unit's city (市/州);
- `personnel_authority`: per the unit's 人事管理权限 (manual 003 §3.1.1) the 行政专业主管部门 (the
  bound superior chain) when the unit has one, otherwise the 人社 institution: the city bureau of the
  unit's region for 市（州）属 and 县（市、区）属 units, the province for 省直 units;
- `fixed`: the provincial department (省人社厅), where the final stage ends; a committee stage's
  result (评委会, definition.committee_stage) is recorded by the provincial office.

A matter without stages is routed as 人才分类定级评定 always was (definition.DEFAULT_STAGES).
Consecutive levels held by the same body are kept once.
"""
from chalicelib import identifiers as ids
from chalicelib.errors import ValidationFailed
from chalicelib.identity import ROLE_CITY_BUREAU, ROLE_PROVINCE, ROLE_UNIT
from chalicelib.models.accounts import RegionBureau, Unit
from chalicelib.models.base import Entity, db_errors

PROVINCE_REGION = "220000"

# 人事管理权限 (the unit profile's choice), and the default when a unit has not chosen.
AUTHORITY_PROVINCE = "省直"
AUTHORITY_CITY = "市（州）属"
AUTHORITY_COUNTY = "县（市、区）属"
PERSONNEL_AUTHORITIES = (AUTHORITY_PROVINCE, AUTHORITY_CITY, AUTHORITY_COUNTY)

CITY_MISSING = "推荐单位所属行政区划没有对应的人社局，请联系推荐单位核对行政区划"
PROVINCE_MISSING = "省人社厅尚未开通，请稍后再试"


def personnel_authority(unit: Unit) -> str:
    """The unit's 人事管理权限, as its legal person saved it with the unit's reporting information;
    when not chosen, what its region suggests."""
    chosen = getattr(unit.reporting_info, "personnel_authority", None) if unit.reporting_info else None
    if chosen in PERSONNEL_AUTHORITIES:
        return chosen
    region = unit.region_code or ""
    if region == PROVINCE_REGION:
        return AUTHORITY_PROVINCE
    return AUTHORITY_CITY if region.endswith("00") else AUTHORITY_COUNTY


def prefetch(keys, known: dict | None = None) -> dict:
    """The items of `keys` not yet in `known`, read with one BatchGetItem: {(PK, SK): item}."""
    known = dict(known or {})
    missing = list(dict.fromkeys(k for k in keys if k not in known))
    if missing:
        with db_errors():
            for item in Entity.batch_get(missing):
                known[(item.pk, item.sk)] = item
    return known


def _bureau(region: str, missing: str, known: dict | None = None) -> RegionBureau:
    found = (known or {}).get(RegionBureau.key(region))
    if found is not None:
        return found
    with db_errors(not_found=ValidationFailed(missing, code="ROUTE_INCOMPLETE")):
        return RegionBureau.get(*RegionBureau.key(region))


def _unit_level(unit, stage: str) -> dict:
    return {"unit_code": unit.credit_code, "unit_name": unit.name, "role": ROLE_UNIT, "stage": stage}


def _city(unit: Unit, stage: str, known=None) -> dict:
    city = _bureau(ids.city_region_of(unit.region_code), CITY_MISSING, known)
    return {"unit_code": city.credit_code, "unit_name": city.name, "role": ROLE_CITY_BUREAU, "stage": stage}


def _province(stage: str, known=None) -> dict:
    province = _bureau(PROVINCE_REGION, PROVINCE_MISSING, known)
    return {"unit_code": province.credit_code, "unit_name": province.name, "role": ROLE_PROVINCE, "stage": stage}


def stages_of(definition) -> tuple:
    """The stages of a definition (or a matter code)."""
    from chalicelib.matters import registry

    if isinstance(definition, str) or definition is None:
        definition = registry.get(definition or registry.DEFAULT_MATTER, include_disabled=True)
    return definition.stages


def build_route(unit: Unit, definition=None, known: dict | None = None) -> list:
    """The route from the unit's records. The bureaus (city, province) and the first superior are
    read in one BatchGetItem with whatever the caller already holds (`known`); each further
    superior is one GetItem (each names the next). Every unit read is added to `known`."""
    from chalicelib.services.bindings import superior_chain

    keys = [RegionBureau.key(PROVINCE_REGION)]
    if unit.region_code:
        keys.append(RegionBureau.key(ids.city_region_of(unit.region_code)))
    if unit.superior_code:
        keys.append(Unit.key(unit.superior_code))
    known = {} if known is None else known     # the caller's dict learns what was read
    known.update(prefetch(keys, known))
    levels: list = []
    chain = None
    for stage in stages_of(definition):
        by, key = stage.by, stage.key
        if by == "binding":
            found = [_unit_level(unit, key)]
        elif by == "superior_chain":
            chain = superior_chain(unit, known) if chain is None else chain
            found = [_unit_level(s, key) for s in chain]
        elif by == "region":
            found = [_city(unit, key, known)]
        elif by == "personnel_authority":
            chain = superior_chain(unit, known) if chain is None else chain
            if chain:
                found = [_unit_level(s, key) for s in chain]
            elif personnel_authority(unit) == AUTHORITY_PROVINCE:
                found = [_province(key, known)]
            else:
                found = [_city(unit, key, known)]
        else:   # "fixed": the provincial department (a committee stage: the office records its result)
            found = [_province(key, known)]
        for level in found:
            if levels and levels[-1]["unit_code"] == level["unit_code"]:
                continue   # the same body twice in a row reviews once
            levels.append(level)
    if levels[-1]["role"] != ROLE_PROVINCE:   # the committee result is recorded by the province
        levels.append(_province("province", known))
    return [{"level": n, **level} for n, level in enumerate(levels)]
