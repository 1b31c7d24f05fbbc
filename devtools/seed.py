"""Demo data for the local stack: the department, city bureaus, a unit chain, agents, applicants
with synthetic (checksum-valid, fictional) ID numbers, bindings and one open notice.

Everything goes through the same services the API uses, so the demo state is real domain state.
Run: python -m devtools.seed  (with AWS_ENDPOINT_URL and TABLE_NAME pointing at the stack)
"""
import datetime as dt
import os


def _code(base17: str) -> str:
    from chalicelib.identifiers import credit_check_char

    return base17 + credit_check_char(base17)


def _id(base17: str) -> str:
    from chalicelib.identifiers import id_check_char

    return base17 + id_check_char(base17)


# (login, credit code base, name, kind, region, superior login)
UNITS = [
    ("province", "11220000013544357", "吉林省人力资源和社会保障厅", "province", "220000", None),
    ("cc-bureau", "11220100013544400", "长春市人力资源和社会保障局", "city_bureau", "220100", None),
    ("jl-bureau", "11220200013544501", "吉林市人力资源和社会保障局", "city_bureau", "220200", None),
    ("edu-dept", "11220000013544602", "吉林省教育厅", "unit", "220100", None),
    ("university", "12220000412756703", "长白理工大学", "unit", "220104", "edu-dept"),
    ("institute", "12220104412756804", "长白理工大学先进材料研究院", "unit", "220104", "university"),
    ("company", "91220202MA0Y6K3X1", "松花江精密制造有限公司", "unit", "220202", None),
]

# (login, person id, name, ID base, phone, unit login to bind, approve?)
APPLICANTS = [
    ("applicant1", "p-demo-0001", "张明远", "22010219850612301", "13800000001", "institute", True),
    ("applicant2", "p-demo-0002", "李文静", "22020419900315202", "13800000002", "company", True),
    ("applicant3", "p-demo-0003", "王浩然", "22010319881109403", "13800000003", "university", False),
    ("applicant4", "p-demo-0004", "赵雪", "22010519920801504", "13800000004", None, False),
    ("applicant5", "p-demo-0005", "孙立新", "22010619870405605", "13800000005", None, False),
    # reserved for the 职称 browser test (正常职称申报 with 两名专家推荐破格)
    ("applicant6", "p-demo-0006", "周景行", "22010719890721606", "13800000006", "institute", True),
]

# Open 职称 notices besides the 人才分类定级评定 one: (matter, title).
TITLE_NOTICES = [
    ("TITLE_NORMAL", "关于开展{year}年度全省专业技术职称评审工作的通知"),
    ("TITLE_SCHOOL_SENIOR", "关于开展{year}年度全省高等学校教师职称评审工作的通知"),
    ("TITLE_RECOG_GRASSROOTS_POSTGRAD", "关于开展{year}年度基层硕博人员职称认定工作的通知"),
]

PASSWORD_NOTE = "本地演示环境无需密码：选择账号即可登录"


def seed_demo(env: dict | None = None) -> list:
    os.environ.update(env or {})
    from chalicelib.identity import (ROLE_APPLICANT, ROLE_CITY_BUREAU, ROLE_PROVINCE, ROLE_UNIT,
                                     Principal)
    from chalicelib.models.accounts import Agent, DevLogin, RegionBureau, Unit
    from chalicelib.models.base import now_iso
    from chalicelib.schemas.accounts import (AgentIn, PersonProfileIn, ReportingInfoIn,
                                             UnitProfileIn)
    from chalicelib.schemas.notices import NoticeIn
    from chalicelib.services import bindings, notices, people, units

    roles = {"province": ROLE_PROVINCE, "city_bureau": ROLE_CITY_BUREAU, "unit": ROLE_UNIT}
    logins, legal = [], {}
    codes = {login: _code(base) for login, base, *_ in UNITS}
    now = now_iso()

    for i, (login, base, name, kind, region, _sup) in enumerate(UNITS):
        code = codes[login]
        legal_id = f"legal-{code}"
        pk, sk = Agent.key(code, legal_id)
        Agent(pk=pk, sk=sk, unit_code=code, agent_id=legal_id, name=f"{name}（法人）",
              phone=f"1390000{i:04d}", is_legal=True, active=True, created_at=now,
              updated_at=now).save()
        principal = Principal(subject=legal_id, role=roles[kind], name=f"{name}（法人）",
                              unit_code=code, is_legal=True)
        legal[login] = principal
        info = ReportingInfoIn(contact_name="刘晓光", contact_phone=f"1370000{i:04d}",
                               contact_post="人事处科员", office_address="长春市人民大街1号",
                               personnel_authority="省直") if kind == "unit" and login != "company" else None
        units.save_my_unit(principal, UnitProfileIn(
            name=name, region_code=region, unit_type="事业单位" if code[0] == "1" else "企业",
            industry="教育" if login in ("university", "institute", "edu-dept") else "制造业",
            address="吉林省长春市", email=f"{login}@example.cn", reporting_info=info), None)
        if kind != "unit":
            unit = Unit.get(*Unit.key(code))
            unit.kind = kind
            unit.save()
        if kind != "unit":   # HR bureaus are reached by region; the province by 220000
            rpk, rsk = RegionBureau.key(region)
            RegionBureau(pk=rpk, sk=rsk, credit_code=code, name=name).save()
        logins.append(dict(login=f"{login}-legal", role=roles[kind], subject=legal_id,
                           name=f"{name}（法人）", unit_code=code, unit_name=name, is_legal=True))
        # 经办人账号登录 takes the agent's phone or ID number (manual 000): demo agents have both.
        agent = units.add_agent(principal, AgentIn(name=f"{name}经办人", phone=f"1360000{i:04d}",
                                                   id_number=_id(f"22010219800101{i:03d}")))
        logins.append(dict(login=f"{login}-agent", role=roles[kind], subject=agent["agent_id"],
                           name=f"{name}经办人", unit_code=code, unit_name=name, is_legal=False))

    # The superior chain: institute → university → education department.
    for login, *_rest, superior in UNITS:
        if superior:
            requester = bindings.request_superior(legal[login], codes[superior])
            request_id = Unit.get(*Unit.key(requester["credit_code"])).superior_request
            bindings.decide(legal[superior], request_id, "approve", "同意绑定")

    for login, person_id, name, id_base, phone, unit_login, approve in APPLICANTS:
        principal = Principal(subject=person_id, role=ROLE_APPLICANT, name=name)
        people.save_profile(principal, PersonProfileIn(
            name=name, id_type="居民身份证（户口簿）", id_number=_id(id_base), phone=phone))
        if unit_login:
            binding = bindings.request_person_binding(principal, codes[unit_login])
            if approve:
                bindings.decide(legal[unit_login], binding["request_id"], "approve", "审核通过")
        logins.append(dict(login=login, role=ROLE_APPLICANT, subject=person_id, name=name,
                           unit_code=None, unit_name=None, is_legal=False))

    today = dt.datetime.now(dt.timezone(dt.timedelta(hours=8)))
    notice = notices.create(legal["province"], NoticeIn(
        title=f"关于开展{today.year}年度吉林省人才分类定级评定工作的通知", matter_type="TALENT_GRADING",
        year=today.year, source="吉林省人才开发处",
        body="各有关单位：根据吉林省人才分类定级有关规定，现开展本年度人才分类定级评定申报工作。"
             "请申报人通过吉林智慧人社APP或网上办事大厅如实填报，推荐单位逐级审核后送审。",
        opens_at=today - dt.timedelta(days=7), closes_at=today + dt.timedelta(days=45)))
    notices.publish(legal["province"], notice["notice_id"], None)
    for matter, title in TITLE_NOTICES:
        notice = notices.create(legal["province"], NoticeIn(
            title=title.format(year=today.year), matter_type=matter, year=today.year, source="吉林省专业技术人员管理处",
            body="各有关单位：现开展本年度职称申报工作。请申报人在吉林智慧人社网上办事大厅“人事人才”中"
                 "选择相应事项，条件自检后选择推荐单位申报，推荐单位按人事管理权限逐级审核后送审。",
            opens_at=today - dt.timedelta(days=7), closes_at=today + dt.timedelta(days=45)))
        notices.publish(legal["province"], notice["notice_id"], None)

    for order, entry in enumerate(logins):
        pk, sk = DevLogin.key(entry["login"])
        DevLogin(pk=pk, sk=sk, login=entry["login"], role=entry["role"], subject=entry["subject"],
                 display_name=entry["name"], unit_code=entry["unit_code"], is_legal=entry["is_legal"],
                 sort=order, gsi1pk="DEVLOGINS", gsi1sk=f"{order:04d}").save()
    return [{k: e[k] for k in ("login", "role", "name", "unit_name")} for e in logins]


if __name__ == "__main__":
    for row in seed_demo():
        print(f"{row['login']:<20} {row['role']:<12} {row['name']}")
