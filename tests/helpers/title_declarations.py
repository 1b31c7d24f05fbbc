"""职称 declarations (正常职称申报, 破格 with two recommending experts) in the in-process tier: the
applicant's modules and experts as saved, attachments marked verified, each module's marks, the
next matter's definition (written only in tests), and a declaration completed over the API."""
import datetime as dt

LOGIN = "applicant6"
MATTER = "TITLE_NORMAL"
BASIC = {"name": "周景行", "phone": "13800000006", "ethnicity": "汉族", "political_status": "群众",
         "work_start": "2012-07-01", "employer": "长白理工大学先进材料研究院", "current_work": "材料研究",
         "education": "硕士研究生", "degree": "硕士", "series": "工程", "profession": "材料工程",
         "applied_level": "正高级", "applied_title": "正高级工程师", "apply_type": "破格",
         "break_type": "两名专家推荐破格"}
EXPERT = {"employer": "吉林大学", "title": "教授", "title_grade": "正高级", "profession": "材料学", "phone": "13900000011",
          "opinion": "该同志业绩突出，同意推荐破格申报。"}
MODULE_CONTENT = {
    "break_reason": "主持完成省级重点研发项目两项，成果已转化应用。",
    "education": [{"school": "吉林大学", "major": "材料工程", "degree_level": "硕士研究生",
                   "start_date": "2009-09-01", "end_date": "2012-06-30"}],
    "work": [{"employer": "长白理工大学先进材料研究院", "post": "材料研究", "start_date": "2012-07-01"}],
    "assessments": [{"year": 2024, "result": "优秀"}],
    "work_summary": "任现职以来从事先进材料研究，主持项目多项。",
}


def verified(decl_id, category, n=1, entry_id=None):
    from chalicelib.models.declarations import Attachment

    now = dt.datetime.now(dt.timezone.utc).isoformat()
    for i in range(n):
        att = f"{category}{entry_id or ''}{i}"
        pk, sk = Attachment.key(decl_id, category, att)
        Attachment(pk=pk, sk=sk, decl_id=decl_id, attachment_id=att, category=category, entry_id=entry_id,
                   file_name="x.png", content_type="image/png", declared_size=100, size=100,
                   s3_key=f"decl/{decl_id}/{category}/{att}.png", incoming_key="incoming/x", state="verified",
                   created_at=now).save()


def marks(definition_code=MATTER, wrong=()):
    from chalicelib.matters import registry as definition

    return {m: ("wrong" if m in wrong else "correct") for m in definition.get(definition_code).module_keys}


def h(world, login=LOGIN, **extra):
    return world.headers(login, **extra)


def notice(client, world, matter=MATTER, login=LOGIN):
    return client.get(f"/notices?matter_type={matter}", headers=h(world, login)).json["items"][0]["notice_id"]


def me(client, world, d, login=LOGIN):
    return client.get(f"/declarations/{d}", headers=h(world, login)).json


def save(client, world, d, module, content, login=LOGIN):
    version = me(client, world, d, login)["modules"][module]["version"]
    return client.put(f"/declarations/{d}/modules/{module}", headers=h(world, login, **{"If-Match": str(version)}),
                      json_body={"content": content})


def expert(client, world, d, name):
    return client.post(f"/declarations/{d}/modules/experts/entries", headers=h(world),
                       json_body={"entry": {**EXPERT, "name": name}})


def complete(client, world, d):
    assert save(client, world, d, "basic", BASIC).status == 200
    for module, content in MODULE_CONTENT.items():
        assert save(client, world, d, module, content).status == 200, module
    for name in ("王教授", "李研究员"):
        assert expert(client, world, d, name).status == 201
    verified(d, "photo")
    verified(d, "id_card", 2)
    verified(d, "assessment_proof")
    for entry in me(client, world, d)["modules"]["experts"]["content"]:
        verified(d, "expert_title_certificate", entry_id=entry["id"])
        verified(d, "expert_recommendation", entry_id=entry["id"])


NEXT = {
    "code": "TEST_NEXT_MATTER", "name": "测试新事项", "steps": ["条件自检", "信息填报", "完成"],
    "pledge": "本人承诺，申报所提供的材料真实、准确。", "notes": "测试",
    "menu": {"service": "测试服务", "group": "测试菜单", "order": 900},
    "self_check": {"title": "申报注意事项", "confirm": "确认并开始申报", "items": ["测试事项"]},
    "identity_form": "basic",
    "modules": [
        {"key": "basic", "label": "基本信息", "group": "基本信息", "kind": "form", "missing": "基本信息_基本信息未填报",
         "fields": [{"key": "name", "label": "姓名", "type": "text", "required": True, "max_length": 50},
                    {"key": "phone", "label": "联系方式", "type": "phone", "required": True},
                    {"key": "applied_level", "label": "申报等级", "type": "select", "options": ["一等", "二等"],
                     "required": True}]},
        {"key": "summary", "label": "工作总结", "group": "工作总结", "kind": "text", "max_chars": 200,
         "required": True, "missing": "工作总结_工作总结未填报", "too_long": "工作总结_工作总结超过200字"}],
    "attachments": [
        {"category": "recommendation_report", "module": "review", "label": "推荐报告", "types": ["application/pdf"],
         "max_kb": 1000, "max_count": 1, "reviewer": True}],
    "forms": [{"key": "declaration_form", "label": "测试新事项申报表"},
              {"key": "summary_table", "label": "测试新事项一览表"}],
    "review": {"deadline_days": 7, "remind_before_days": 2, "backstop_factor": 3, "send_required_roles": ["unit"],
               "report": {"category": "recommendation_report", "label": "推荐报告"},
               "results": {"pending": "未评定", "passed": "通过", "failed": "未通过"}, "levels": ["一等", "二等"],
               "route": {"description": "推荐单位审核后报省人社厅。", "stages": [
                   {"key": "unit", "label": "推荐单位", "roles": ["unit"], "by": "binding", "description": "审核"},
                   {"key": "province", "label": "省人社厅", "roles": ["province"], "by": "fixed", "final": True,
                    "description": "评定"}]}},
}
