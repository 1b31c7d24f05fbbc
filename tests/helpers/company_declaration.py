"""李文静 (applicant2, bound to the company) in the browser tier: her company completes its 人才分类定级
报送信息, then her 人才分类定级 draft with 基本信息 saved, over HTTP."""

WHO = "applicant2"
BASIC = {"name": "李文静", "phone": "13800000002", "personnel_category": "专业技术人员", "education": "硕士研究生",
         "applied_level": "C类"}


def company_reports(http):
    """The company (李文静's recommending unit) completes its 人才分类定级报送信息, as its legal person
    would in the console: until then its people cannot declare."""
    u = http.call("GET", "/units/me", "company-legal")
    if u["reporting_complete"]:
        return
    body = {k: u.get(k) for k in ("name", "region_code", "unit_type", "industry", "address", "email")}
    body["reporting_info"] = {"contact_name": "韩冬", "contact_phone": "13900001234", "contact_post": "人事主管",
                              "office_address": "吉林市船营区", "personnel_authority": "市（州）属"}
    http.call("PUT", "/units/me", "company-legal", headers={"If-Match": str(u["version"])}, json=body)


def grading_declaration(http):
    """李文静's 人才分类定级 draft with 基本信息 saved (over HTTP)."""
    company_reports(http)
    mine = [d for d in http.call("GET", "/declarations", WHO)["items"] if d["matter_type"] == "TALENT_GRADING"]
    if mine:
        return mine[0]["decl_id"]
    notice = next(n for n in http.call("GET", "/notices?matter_type=TALENT_GRADING", WHO)["items"])
    decl = http.call("POST", "/declarations", WHO, json={"notice_id": notice["notice_id"], "confirmed": True})
    http.call("PUT", f"/declarations/{decl['decl_id']}/modules/basic", WHO,
              headers={"If-Match": str(decl["modules"]["basic"]["version"])}, json={"content": BASIC})
    return decl["decl_id"]
