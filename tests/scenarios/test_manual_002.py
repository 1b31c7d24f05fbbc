"""Manual 002 (吉林省职称信息化个人申报操作手册) as acceptance scenarios.

Each test quotes the sentence it checks (file 002_5ceccb49e0219646.txt and its section)."""
import pytest

from tests.helpers.review import decide, wait_task
from tests.helpers.title_declarations import BASIC, MODULE_CONTENT
from tests.helpers.title_declarations import complete as _complete
from tests.helpers.title_declarations import expert as _expert
from tests.helpers.title_declarations import h as _h
from tests.helpers.title_declarations import marks as _marks
from tests.helpers.title_declarations import me as _me
from tests.helpers.title_declarations import notice as _notice
from tests.helpers.title_declarations import save as _save

M = "002_5ceccb49e0219646.txt"
NAME = "正常职称申报"


@pytest.fixture
def draft(client, world):
    resp = client.post("/declarations", headers=_h(world),
                       json_body={"notice_id": _notice(client, world), "confirmed": True})
    assert resp.status == 201, resp
    return resp.json["decl_id"]


def test_declaration_paths_of_the_menu(client, world):
    """002 （一）业务申报路径：“专业技术职称评审申报…‘正常职称申报’…‘中小学正高级教师’…‘中小学副高级及以下’”；
    “高层次和特殊人才职称认定…‘机关分流人员’…‘部队转业人员’…‘乡村振兴人才’…‘基层硕博人员’…
    ‘民营企业高级经营管理人才’…‘基层3010年’…‘人才激励政策（3.0版）’…‘高技能人才和专业技术人员职业发展贯通’…
    ‘全省第**批专业技术三级岗位人员’”；“专业技术二级岗位评聘申报”；二级、三级岗位“评聘期考核申报”。"""
    expected = {
        "专业技术职称评审申报": ["TITLE_NORMAL", "TITLE_SCHOOL_SENIOR", "TITLE_SCHOOL_GENERAL"],
        "高层次和特殊人才职称认定": ["TITLE_RECOG_CIVIL_TRANSFER", "TITLE_RECOG_MILITARY_TRANSFER",
                              "TITLE_RECOG_RURAL", "TITLE_RECOG_GRASSROOTS_POSTGRAD", "TITLE_RECOG_PRIVATE_EXEC",
                              "TITLE_RECOG_GRASSROOTS_3010", "TITLE_RECOG_INCENTIVE_3",
                              "TITLE_RECOG_SKILL_BRIDGE", "TITLE_GRADE3_POST"],
        "专业技术二级岗位评聘申报": ["TITLE_GRADE2_POST"],
        "专业技术二级岗位评聘期考核申报": ["TITLE_GRADE2_TERM_REVIEW"],
        "专业技术三级岗位评聘期考核申报": ["TITLE_GRADE3_TERM_REVIEW"],
    }
    for group, codes in expected.items():
        for code in codes:
            d = client.get(f"/matters/{code}/definition", headers=_h(world))
            assert d.status == 200 and d.json["menu"]["group"] == group, (code, d)


def test_binding_is_the_precondition_and_the_self_check_is_confirmed(client, world):
    """002 （二）个人绑定单位：“个人绑定单位是办理业务的前提”；（三）确认开始申报：“条件自检，查看申报注意事项，
    检查自己是否满足申报要求；满足要求则在页面底部选择推荐单位…点击‘确认并开始申报’”。"""
    unbound = client.post("/declarations", headers=_h(world, "applicant4"),
                          json_body={"notice_id": _notice(client, world, login="applicant4"), "confirmed": True})
    assert unbound.status == 409 and unbound.json["Code"] == "NOT_BOUND", unbound
    unconfirmed = client.post("/declarations", headers=_h(world), json_body={"notice_id": _notice(client, world)})
    assert unconfirmed.status == 422 and unconfirmed.json["Code"] == "SELF_CHECK_REQUIRED", unconfirmed
    assert client.get(f"/declarations", headers=_h(world)).json["items"] == []


def test_break_rules_save_first_two_experts_then_attachments(client, world, draft):
    """002 （三）2：“申报类别选择‘破格’，破格类别为‘两名专家推荐破格’的需要先点击‘保存’再点击破格推荐专家的‘添加’”；
    “进入‘添加’页面后，填完基本信息后点击‘保存’然后再上传附件，注意附件的格式以及大小”。"""
    d = draft
    early = _expert(client, world, d, "王教授")
    assert early.status == 409 and early.json["Message"] == f"【{NAME}】基本信息_请先保存基本信息，再添加破格推荐专家"
    assert _save(client, world, d, "basic", BASIC).status == 200
    unsaved = client.post(f"/declarations/{d}/attachments", headers=_h(world), json_body={
        "category": "expert_recommendation", "file_name": "推荐书.png", "content_type": "image/png", "size": 100})
    assert unsaved.status == 422 and "请先保存" in unsaved.json["Message"], unsaved
    assert _expert(client, world, d, "王教授").status == 201 and _expert(client, world, d, "李研究员").status == 201
    assert _expert(client, world, d, "赵专家").status == 422
    eid = _me(client, world, d)["modules"]["experts"]["content"][0]["id"]
    ok = client.post(f"/declarations/{d}/attachments", headers=_h(world), json_body={
        "category": "expert_recommendation", "entry_id": eid, "file_name": "推荐书.png",
        "content_type": "image/png", "size": 100})
    assert ok.status == 201, ok
    wrong = client.post(f"/declarations/{d}/attachments", headers=_h(world), json_body={
        "category": "expert_recommendation", "entry_id": eid, "file_name": "推荐书.exe",
        "content_type": "application/x-msdownload", "size": 100})
    assert wrong.status == 422, wrong


def test_data_check_names_what_is_missing_and_red_star_fields_are_required(client, world, draft):
    """002 注A：“是否必传附件取决于第4点【提交完成】-数据校验一栏是否提示必传。如果提示哪一项没填请仔细检查是否
    填写详细，包括附件是否上传”；“注意：带红色星号是必填项”。"""
    d = draft
    missing_name = {k: v for k, v in BASIC.items() if k != "name"}
    resp = _save(client, world, d, "basic", missing_name)
    assert resp.status == 422, resp
    report = client.get(f"/declarations/{d}/validation", headers=_h(world)).json
    assert report["items"] and all(i["message"].startswith(f"【{NAME}】") for i in report["items"]), report
    client.post(f"/declarations/{d}/pledge", headers=_h(world), json_body={"accepted": True})
    refused = client.post(f"/declarations/{d}/submit", headers=_h(world))
    assert refused.status == 422 and refused.json["Code"] == "VALIDATION_NOT_CLEAN", refused


def test_returned_shows_the_opinion_only_crossed_modules_editable_and_progress(client, world, aws, draft):
    """002 （三）：“提交完成，在点击提交后，系统会显示出此条申报信息的流程推送节点”；“在推荐单位或业务部门退回后
    业务状态将变更为‘被退回’”；“当申报信息被退回后，此条申报信息可被修改，点击‘编辑’”；“编辑页上方显示推荐单位或
    业务部门的退回意见，申报信息中，只有右侧带‘×’号的申报模块信息可以被修改”；“‘已申报’…‘被退回’和
    ‘审核不通过终止审核’状态下都可以查看进度跟踪”。"""
    d = draft
    _complete(client, world, d)
    client.post(f"/declarations/{d}/pledge", headers=_h(world), json_body={"accepted": True})
    sub = client.post(f"/declarations/{d}/submit", headers=_h(world))
    assert sub.status == 200 and sub.json["status_label"] == "已申报", sub
    nodes = client.get(f"/declarations/{d}/progress", headers=_h(world)).json["route"]
    assert [n["unit_name"] for n in nodes][:3] == ["长白理工大学先进材料研究院", "长白理工大学", "吉林省教育厅"]
    wait_task(client, world, aws, "institute-agent", d)
    marks = _marks(wrong=("work",))
    resp = decide(client, world, "institute-agent", d, "return", marks=marks, problem_modules=["work"],
                  return_to="applicant", opinion="请补充工作经历")
    assert resp.status == 200, resp
    mine = _me(client, world, d)
    assert mine["status_label"] == "被退回" and mine["return_opinion"] == "请补充工作经历"
    assert {k for k, m in mine["modules"].items() if m["editable"]} == {"work"}
    assert _save(client, world, d, "work_summary", "改写").status == 409
    assert _save(client, world, d, "work", MODULE_CONTENT["work"] * 2).status == 200
    assert client.get(f"/declarations/{d}/progress", headers=_h(world)).status == 200
    again = client.post(f"/declarations/{d}/submit", headers=_h(world))
    assert again.status == 200 and again.json["round"] == 2
    wait_task(client, world, aws, "institute-agent", d)
    end = decide(client, world, "institute-agent", d, "terminate", marks=_marks(), opinion="不符合破格条件")
    assert end.status == 200, end
    assert _me(client, world, d)["status_label"] == "审核不通过终止审核"
    steps = client.get(f"/declarations/{d}/progress", headers=_h(world)).json["steps"]
    assert steps[-1]["label"] == "资格不符，终止审核" and steps[-1]["opinion"] == "不符合破格条件"
