"""Matter definitions (chalicelib/matters): the registry, the schema every definition passes, the
generic validation of content and of whole declarations, and 破格 with two recommending experts."""
import json
import types

import pytest

from chalicelib.errors import Conflict, NotFound, ValidationFailed
from chalicelib.matters import MATTER_CODES, TALENT_GRADING, definition, registry, rules, schema
from chalicelib.matters.loading import DefinitionError
from chalicelib.matters.registry import REGISTRY, Registry
from chalicelib.matters.rules import validate_content, validate_declaration
from tests.helpers.matter_samples import PHONE, complete, fill, stored

ALL = REGISTRY.codes(include_disabled=True)


# --- the registry and the schema ------------------------------------------------------------------

@pytest.mark.parametrize("code", list(ALL))
def test_every_definition_loads_passes_the_schema_and_a_complete_declaration_validates(code):
    d = REGISTRY.get(code)
    schema.MatterDefinition.model_validate(d.raw)
    assert d.code == code and d.name == ALL[code]
    modules, attachments = complete(d)
    for key, module in d.modules.items():
        if key in modules:
            validate_content(d, key, modules[key]["content"], modules=modules)
    assert validate_declaration(d, modules, attachments) == []
    view = definition.public_view(d)
    assert view["code"] == code and view["modules"] == d.raw["modules"]


def test_every_title_matter_states_its_route_self_check_and_source():
    titles = [REGISTRY.get(c) for c in ALL if c != TALENT_GRADING]
    assert len(titles) == 15
    for d in titles:
        route = d.raw["review"]["route"]
        assert [s["label"] for s in route["stages"]] == ["推荐单位", "行政专业主管部门或人社机构", "评委会"], d.code
        assert route["stages"][1]["by"] == "personnel_authority"
        assert d.raw["self_check"]["items"] and d.raw["self_check"]["confirm"] == "确认并开始申报"
        assert d.raw["source"] and d.raw["menu"]["service"] == "职称申报评审及证书管理"
        assert d.raw["pledge"] == "本人承诺，申报所提供的材料真实、准确，如有违诺情况，本人愿承担所有责任。"
        for rule in d.attachments.values():
            assert rule["types"] and rule["max_kb"] > 0
    menus = {REGISTRY.get(c).raw["menu"]["group"] for c in ALL if c != TALENT_GRADING}
    assert menus == {"专业技术职称评审申报", "高层次和特殊人才职称认定", "专业技术二级岗位评聘申报",
                     "专业技术二级岗位评聘期考核申报", "专业技术三级岗位评聘期考核申报"}
    special = [REGISTRY.get(c).name for c in ALL if c != TALENT_GRADING
               and REGISTRY.get(c).raw["menu"]["group"] == "高层次和特殊人才职称认定"]
    assert {"基层硕博人员", "民营企业高级经营管理人才", "机关分流人员", "部队转业人员", "乡村振兴人才"} <= set(special)


def test_every_base_file_is_extended_by_some_matter():
    import os
    folder = os.path.dirname(definition.__file__)
    bases = {n[:-5] for n in os.listdir(folder) if n.startswith("_") and n.endswith(".json")}
    extended = set()
    for name in os.listdir(folder):
        if name.endswith(".json"):
            with open(os.path.join(folder, name), encoding="utf-8") as fh:
                extended.add(json.load(fh).get("extends"))
    assert bases and bases <= extended


def test_the_registry_is_schema_checked_at_import_and_can_skip_the_check():
    assert registry.SCHEMA_CHECK       # tests and CI always check the shipped files
    unchecked = Registry(check=False)
    assert unchecked.codes(include_disabled=True) == ALL
    assert unchecked.get("TITLE_NORMAL").raw == REGISTRY.get("TITLE_NORMAL").raw


def test_matter_codes_stay_backward_compatible_and_the_title_matters_are_served():
    assert list(MATTER_CODES)[0] == TALENT_GRADING and MATTER_CODES[TALENT_GRADING] == "人才分类定级评定"
    assert MATTER_CODES == ALL            # every shipped matter is wired (职称 since issue 19)
    assert registry.get(TALENT_GRADING).name == "人才分类定级评定"
    assert registry.get("TITLE_NORMAL").name == "正常职称申报"
    with pytest.raises(NotFound) as err:
        REGISTRY.get("NO_SUCH_MATTER")
    assert err.value.code == "MATTER_NOT_FOUND"


def test_talent_grading_definition_is_read_unchanged():
    import os
    with open(os.path.join(os.path.dirname(definition.__file__), "talent_grading.json"), encoding="utf-8") as fh:
        assert REGISTRY.get(TALENT_GRADING).raw == json.load(fh)
    view = definition.public_view(REGISTRY.get(TALENT_GRADING))
    assert set(view) == {"code", "name", "steps", "pledge", "notes", "modules", "attachments", "forms", "menu",
                         "route", "review", "identity_form", "self_check"}
    assert view["review"]["results"] == ["未认定", "通过", "未通过"] and view["review"]["levels"][0] == "A类"
    assert view["review"]["level_label"] == "评审后评定级别" and "“未通过”表示" in view["review"]["results_note"]


def _partition(d, modules, attachments):
    """What services.declarations.problems reads: definition, modules (objects), verified()."""
    objs = {k: types.SimpleNamespace(**v) for k, v in modules.items()}
    atts = [types.SimpleNamespace(**a) for a in attachments]
    return types.SimpleNamespace(
        definition=d, modules=objs, attachments=atts,
        verified=lambda c, e=None: [a for a in atts if a.category == c and a.state == "verified"
                                    and (e is None or a.entry_id == e)])


TG = "【人才分类定级评定】"
# The wording the 人才分类定级评定 services reported before the two implementations were folded into one.
TG_PROBLEMS = {
    "complete": [],
    "nothing": ["基本信息_基本信息未填报", "基本信息_近期照片未上传", "工作业绩_工作经历未填报",
                "工作业绩_创新创业成果（突出业绩）未填报", "荣誉奖励_荣誉（奖励）信息未填报",
                "附件材料_身份证（正反面）未上传", "附件材料_人才称号证书或证明文件未上传"],
    "unsaved_basic": ["基本信息_基本信息未填报"],
    "no_work": ["工作业绩_工作经历未填报"],
    "no_photo": ["基本信息_近期照片未上传"],
    "long_text": ["工作业绩_创新创业成果（突出业绩）超过500字"],
    "no_flag": ["荣誉奖励_参评项（代表性荣誉）未选择"],
    "unverified_id": ["附件材料_身份证（正反面）未上传"],
}


@pytest.mark.parametrize("change", list(TG_PROBLEMS))
def test_validate_declaration_says_what_the_services_say_for_talent_grading(change):
    from chalicelib.services.declarations import problems
    d = REGISTRY.get(TALENT_GRADING)
    modules, attachments = complete(d)
    if change == "nothing":
        modules, attachments = {}, []
    elif change == "unsaved_basic":
        modules["basic"]["saved_at"] = None
    elif change == "no_work":
        modules["work"]["content"] = []
    elif change == "no_photo":
        attachments = [a for a in attachments if a["category"] != "photo"]
    elif change == "long_text":
        modules["achievements"]["content"] = "字" * 501
    elif change == "no_flag":
        for entry in modules["honours"]["content"]:
            entry["representative"] = False
    elif change == "unverified_id":
        attachments = [{**a, "state": "uploaded"} if a["category"] == "id_card" else a for a in attachments]
    expected = problems(_partition(d, modules, attachments))   # the service's report: the same function
    assert validate_declaration(d, modules, attachments) == expected
    assert [p["message"] for p in expected] == [TG + text for text in TG_PROBLEMS[change]]


# --- a matter that exists only in the test ---------------------------------------------------------

TMP_MATTER = {
    "code": "TEST_MATTER", "name": "测试事项", "steps": ["信息填报", "完成"], "pledge": "本人承诺。",
    "identity_form": "basic",
    "modules": [
        {"key": "basic", "label": "基本信息", "group": "基本信息", "kind": "form", "missing": "基本信息_基本信息未填报",
         "fields": [{"key": "name", "label": "姓名", "type": "text", "required": True, "max_length": 10},
                    {"key": "kind", "label": "申报类别", "type": "select", "required": True, "options": ["甲", "乙"]},
                    {"key": "why", "label": "乙类说明", "type": "text", "required": True,
                     "when": {"field": "kind", "one_of": ["乙"]}}]},
        {"key": "items", "label": "条目", "group": "条目", "kind": "list", "min_items": 1, "entry_label": "条目",
         "missing": "条目_条目未填报", "fields": [{"key": "n", "label": "数量", "type": "integer", "min": 1, "max": 9}]},
    ],
    "attachments": [
        {"category": "proof", "label": "证明", "module": "attachments", "max_kb": 100, "max_count": 1,
         "min_count": 1, "types": ["application/pdf"], "missing": "附件材料_证明未上传",
         "when": {"module": "basic", "field": "kind", "one_of": ["乙"]}},
        {"category": "report", "label": "推荐报告", "module": "review", "max_kb": 100, "max_count": 1,
         "types": ["application/pdf"], "reviewer": True}],
    "forms": [{"key": "declaration_form", "label": "测试申报表"}, {"key": "summary_table", "label": "测试一览表"}],
    "review": {"deadline_days": 5, "remind_before_days": 1, "backstop_factor": 2, "send_required_roles": ["unit"],
               "report": {"category": "report", "label": "推荐报告"},
               "results": {"pending": "未认定", "passed": "通过", "failed": "未通过"},
               "levels": ["合格"]},
}


def _write(folder, name, data):
    (folder / name).write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def test_a_matter_defined_only_in_the_test_loads_through_the_registry_and_validates(tmp_path):
    _write(tmp_path, "test_matter.json", TMP_MATTER)
    _write(tmp_path, "test_child.json", {"extends": "test_matter", "code": "TEST_CHILD", "name": "测试子事项",
                                         "modules": [{"key": "basic", "fields": [
                                             {"key": "age", "label": "年龄", "type": "integer", "min": 18, "max": 60}]},
                                                                 {"key": "note", "after": "basic", "label": "说明", "group": "说明",
                                                                  "kind": "text", "max_chars": 20, "too_long": "说明_说明超过20字"}],
                                         "omit": ["modules.items"]})
    registry = Registry(str(tmp_path))
    assert registry.codes() == {"TEST_MATTER": "测试事项", "TEST_CHILD": "测试子事项"}
    d = registry.get("TEST_MATTER")
    assert validate_content(d, "basic", {"name": "张三", "kind": "甲"}) == {"name": "张三", "kind": "甲"}
    with pytest.raises(ValidationFailed) as err:
        validate_content(d, "basic", {"name": "张三", "kind": "乙"})
    assert err.value.message == "乙类说明：必须填写"
    with pytest.raises(ValidationFailed) as err:
        validate_content(d, "basic", {"name": "张三", "kind": "甲", "why": "多余"})
    assert err.value.message == "乙类说明：仅在申报类别为“乙”时填写"
    with pytest.raises(ValidationFailed) as err:
        validate_content(d, "items", [{"n": 10}])
    assert err.value.message == "条目第1条·数量：应在1到9之间"
    modules = {"basic": stored({"name": "张三", "kind": "乙", "why": "原因"})}
    assert validate_declaration(d, modules, []) == [
        {"module": "items", "message": "【测试事项】条目_条目未填报"},
        {"module": "attachments", "message": "【测试事项】附件材料_证明未上传"}]
    modules["basic"] = stored({"name": "张三", "kind": "甲"})
    modules["items"] = stored([{"id": "a", "n": 2}])
    assert validate_declaration(d, modules, []) == []          # 证明 is required for 乙 only
    child = registry.get("TEST_CHILD")
    assert [f["key"] for f in child.modules["basic"]["fields"]] == ["name", "kind", "why", "age"]
    assert list(child.modules) == ["basic", "note"]
    assert "after" not in child.modules["note"]
    with pytest.raises(ValidationFailed, match="年龄：应在18到60之间"):
        validate_content(child, "basic", {"name": "张三", "kind": "甲", "age": 3})


def _broken(**changes):
    raw = json.loads(json.dumps(TMP_MATTER))
    for path, value in changes.items():
        node = raw
        *parents, last = path.split("__")
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        node[last] = value
    return raw


@pytest.mark.parametrize("raw, expected", [
    (_broken(colour="red"), "colour: Extra inputs are not permitted"),
    (_broken(modules__0__fields__0__requried=True), "modules[basic].fields[name].requried: Extra inputs"),
    (_broken(modules__0__fields__1__options=None), "modules[basic].fields[kind]: Value error, a select field needs options"),
    (_broken(modules__0__fields__2__when={"field": "nope", "one_of": ["乙"]}), "when names 'nope'"),
    (_broken(modules__0__fields__2__when={"field": "kind", "one_of": ["丙"]}), "not among 申报类别's options"),
    (_broken(modules__1__kind="grid"), "modules[items]: Input tag 'grid' found using 'kind' does not match"),
    (_broken(attachments__0__module="nowhere"), "attachment proof: module 'nowhere' does not exist"),
    (_broken(attachments__0__types=["text/html"]), "attachments[proof].types[0]: Input should be"),
    (_broken(attachments__0__min_count=3), "min_count is greater than max_count"),
    (_broken(attachments__0__missing=None), "a required category (min_count) needs a 'missing' message"),
    (_broken(review__report={"category": "proof", "label": "x"}), "must be a reviewer attachment category"),
    (_broken(code="lower"), "code: String should match pattern"),
])
def test_a_broken_definition_fails_at_load_naming_the_file_and_the_place(tmp_path, raw, expected):
    _write(tmp_path, "broken.json", raw)
    with pytest.raises(DefinitionError) as err:
        Registry(str(tmp_path))
    assert "broken.json: not a valid matter definition" in str(err.value)
    assert expected in str(err.value)


def test_extends_cycles_unknown_parents_and_bad_json_fail_at_load(tmp_path):
    _write(tmp_path, "a.json", {"extends": "b", "code": "A"})
    _write(tmp_path, "b.json", {"extends": "a", "code": "B"})
    with pytest.raises(DefinitionError, match="extends forms a cycle"):
        Registry(str(tmp_path))
    _write(tmp_path, "b.json", {"extends": "zzz"})
    with pytest.raises(DefinitionError, match="extends unknown file 'zzz'"):
        Registry(str(tmp_path))
    (tmp_path / "b.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(DefinitionError, match="b.json: not readable JSON"):
        Registry(str(tmp_path))
    _write(tmp_path, "b.json", TMP_MATTER)
    _write(tmp_path, "a.json", {**TMP_MATTER, "name": "重复"})
    with pytest.raises(DefinitionError, match="matter code TEST_MATTER is defined twice"):
        Registry(str(tmp_path))
    _write(tmp_path, "a.json", {"extends": "b", "code": "A_MATTER", "modules": [
        {"key": "x", "after": "nothing", "label": "x", "group": "x", "kind": "text", "max_chars": 5, "too_long": "x"}]})
    with pytest.raises(DefinitionError, match="a.json: 'after': 'nothing' is not an entry"):
        Registry(str(tmp_path))
    _write(tmp_path, "a.json", {"extends": "b", "code": "A_MATTER", "omit": ["modules.nothing"]})
    with pytest.raises(DefinitionError, match="omit 'modules.nothing'"):
        Registry(str(tmp_path))


# --- 破格: two recommending experts (manual 002 §三(三)) ------------------------------------------

NORMAL = REGISTRY.get("TITLE_NORMAL")
PREFIX = "【正常职称申报】"
BREAK_EXPERTS = {"apply_type": "破格", "break_type": "两名专家推荐破格"}


def expert(n, name, **changes):
    record = {"id": f"e{n}", "name": name, "employer": "吉林大学", "title": "教授", "title_grade": "正高级", "profession": "材料科学",
              "phone": PHONE, "opinion": "该同志业绩突出，同意推荐破格申报。"}
    record.update(changes)
    return {k: v for k, v in record.items() if v is not None}


def expert_problems(modules, attachments):
    return [p["message"] for p in validate_declaration(NORMAL, modules, attachments) if p["module"] == "experts"]


def test_two_complete_experts_with_their_attachments_pass():
    modules, attachments = complete(NORMAL, BREAK_EXPERTS, [expert(1, "张三"), expert(2, "李四")])
    assert modules["break_reason"]["content"]
    assert validate_declaration(NORMAL, modules, attachments) == []
    for key in ("basic", "break_reason", "experts"):
        validate_content(NORMAL, key, modules[key]["content"], modules=modules)


def test_breaking_with_experts_but_none_added():
    modules, attachments = complete(NORMAL, BREAK_EXPERTS, [])
    assert expert_problems(modules, attachments) == [PREFIX + "基本信息_破格推荐专家未填报"]
    del modules["experts"]
    assert expert_problems(modules, attachments) == [PREFIX + "基本信息_破格推荐专家未填报"]


def test_one_expert_is_not_enough():
    modules, attachments = complete(NORMAL, BREAK_EXPERTS, [expert(1, "张三")])
    assert expert_problems(modules, attachments) == [PREFIX + "基本信息_破格推荐专家应为2名（当前1名）"]


def test_three_experts_are_refused_when_saved_and_reported_when_stored():
    modules, attachments = complete(NORMAL, BREAK_EXPERTS, [expert(1, "张三"), expert(2, "李四"), expert(3, "王五")])
    assert expert_problems(modules, attachments) == [PREFIX + "基本信息_破格推荐专家应为2名（当前3名）"]
    with pytest.raises(ValidationFailed) as err:
        validate_content(NORMAL, "experts", modules["experts"]["content"], modules=modules)
    assert err.value.message == "破格推荐专家：最多2名"


def test_an_expert_without_attachments_is_named_with_each_missing_category():
    modules, attachments = complete(NORMAL, BREAK_EXPERTS, [expert(1, "张三"), expert(2, "李四")])
    attachments = [a for a in attachments if a["entry_id"] != "e2"]
    assert expert_problems(modules, attachments) == [
        PREFIX + "基本信息_破格推荐专家2（李四）专家职称证书未上传",
        PREFIX + "基本信息_破格推荐专家2（李四）专家推荐意见表（专家本人签字）未上传"]
    # a file still being verified does not count, and one expert's files do not count for the other
    pending = [{**a, "state": "uploaded"} if a["entry_id"] == "e1" else a for a in attachments]
    assert len(expert_problems(modules, pending)) == 4
    moved = [{**a, "entry_id": "e2"} if a["entry_id"] == "e1" else a for a in attachments]
    assert [m[len(PREFIX):] for m in expert_problems(modules, moved)] == [
        "基本信息_破格推荐专家1（张三）专家职称证书未上传",
        "基本信息_破格推荐专家1（张三）专家推荐意见表（专家本人签字）未上传"]


def test_an_expert_with_missing_details_lists_them():
    modules, attachments = complete(NORMAL, BREAK_EXPERTS, [expert(1, "张三", phone=None, opinion=""),
                                                             expert(2, None)])
    assert expert_problems(modules, attachments) == [
        PREFIX + "基本信息_破格推荐专家1（张三）联系电话、推荐意见未填报",
        PREFIX + "基本信息_破格推荐专家2专家姓名未填报"]


def test_experts_are_added_only_after_basic_information_is_saved_with_two_expert_break():
    experts = [expert(1, "张三")]
    unsaved = {"basic": stored(fill(NORMAL.modules["basic"]["fields"], BREAK_EXPERTS), saved=False)}
    with pytest.raises(Conflict) as err:
        validate_content(NORMAL, "experts", experts, modules=unsaved)
    assert err.value.code == "MODULE_NOT_READY"
    assert err.value.message == PREFIX + "基本信息_请先保存基本信息，再添加破格推荐专家"
    other = {"basic": stored(fill(NORMAL.modules["basic"]["fields"], {"apply_type": "破格", "break_type": "学历破格"}))}
    with pytest.raises(Conflict) as err:
        validate_content(NORMAL, "experts", experts, modules=other)
    assert err.value.code == "MODULE_NOT_APPLICABLE"
    ready = {"basic": stored(fill(NORMAL.modules["basic"]["fields"], BREAK_EXPERTS))}
    clean = validate_content(NORMAL, "experts", experts, modules=ready)
    assert clean == [expert(1, "张三")]
    assert validate_content(NORMAL, "experts", [], modules=unsaved) == []   # removing is always allowed
    with pytest.raises(ValidationFailed) as err:
        validate_content(NORMAL, "experts", [expert(1, "张三", phone="123")], modules=ready)
    assert err.value.message == "破格推荐专家1（张三）·联系电话：手机号码格式不正确"


def test_normal_declarations_need_no_experts_and_refuse_leftover_ones():
    modules, attachments = complete(NORMAL, {"apply_type": "正常"})
    assert "break_type" not in modules["basic"]["content"]
    assert validate_declaration(NORMAL, modules, attachments) == []
    modules["experts"] = stored([expert(1, "张三")])
    assert expert_problems(modules, attachments) == [
        PREFIX + "基本信息_破格类别不是两名专家推荐破格，请删除已添加的破格推荐专家"]
    with pytest.raises(Conflict) as err:
        validate_content(NORMAL, "break_reason", "理由", modules=modules)
    assert (err.value.code, err.value.message) == ("MODULE_NOT_APPLICABLE", "破格申报理由：仅在申报类别为“破格”时填写")
    assert validate_content(NORMAL, "break_reason", "", modules=modules) == ""


def test_break_category_is_asked_for_exactly_when_breaking():
    fields = NORMAL.modules["basic"]["fields"]
    base = fill(fields, {"apply_type": "正常"})
    with pytest.raises(ValidationFailed) as err:
        validate_content(NORMAL, "basic", {**base, "break_type": "学历破格"})
    assert err.value.message == "破格类别：仅在申报类别为“破格”时填写"
    with pytest.raises(ValidationFailed) as err:
        validate_content(NORMAL, "basic", {**base, "apply_type": "破格"})
    assert err.value.message == "破格类别：必须填写"
    notes = next(f for f in fields if f["key"] == "break_type")["option_notes"]
    assert set(notes) == {"两名专家推荐破格", "学历破格", "资历破格", "业绩破格"}


@pytest.mark.parametrize("break_type", ["学历破格", "资历破格", "业绩破格"])
def test_other_break_categories_require_their_reason_and_evidence_not_experts(break_type):
    modules, attachments = complete(NORMAL, {"apply_type": "破格", "break_type": break_type})
    del modules["break_reason"]
    attachments = [a for a in attachments if a["category"] != "break_proof"]
    assert validate_declaration(NORMAL, modules, attachments) == [
        {"module": "break_reason", "message": PREFIX + "破格申报_破格申报理由未填报"},
        {"module": "attachments", "message": PREFIX + "附件材料_破格业绩成果证明材料未上传"}]


def test_school_matters_share_the_break_rules_with_their_own_wording():
    d = REGISTRY.get("TITLE_SCHOOL_SENIOR")
    modules, attachments = complete(d, BREAK_EXPERTS, [expert(1, "张三")])
    assert [p["message"] for p in validate_declaration(d, modules, attachments) if p["module"] == "experts"] == [
        "【中小学正高级教师】基本信息_破格推荐专家应为2名（当前1名）"]
    basic = {f["key"]: f for f in d.modules["basic"]["fields"]}
    assert basic["applied_title"]["options"] == ["正高级教师"] and "profession" not in basic
    expert_rules = d.attachments_of("experts")
    assert {r["category"]: (r["max_kb"], r["types"]) for r in expert_rules} == {
        "expert_title_certificate": (5000, ["image/png", "image/jpeg", "application/pdf"]),
        "expert_recommendation": (5000, ["image/png", "image/jpeg", "application/pdf"])}


def _with_experts(**expert_changes):
    raw = json.loads(json.dumps(TMP_MATTER))
    module = {"key": "experts", "label": "推荐专家", "group": "基本信息", "kind": "experts", "count": 2,
              "entry_label": "推荐专家", "name_field": "name", "requires_saved": "basic",
              "when": {"module": "basic", "field": "kind", "one_of": ["乙"]},
              "fields": [{"key": "name", "label": "姓名", "type": "text", "required": True}],
              "messages": {"missing": "基本信息_推荐专家未填报", "count": "基本信息_推荐专家应为{count}名（当前{actual}名）",
                           "incomplete": "基本信息_{expert}{fields}未填报", "attachment_missing": "基本信息_{expert}{label}未上传",
                           "not_allowed": "基本信息_不需要推荐专家", "not_saved": "基本信息_请先保存基本信息"}}
    module.update(expert_changes)
    raw["modules"].append(module)
    raw["attachments"].append({"category": "cv", "label": "专家简历", "module": "experts", "per_entry": True,
                               "max_kb": 100, "max_count": 1, "min_count": 1, "types": ["application/pdf"]})
    return raw


def test_a_test_only_matter_with_experts_runs_the_expert_rules(tmp_path):
    _write(tmp_path, "m.json", _with_experts())
    d = Registry(str(tmp_path)).get("TEST_MATTER")
    modules = {"basic": stored({"name": "张三", "kind": "乙", "why": "原因"}), "items": stored([{"id": "a", "n": 1}]),
               "experts": stored([{"id": "x", "name": "王五"}, {"id": "y", "name": ""}])}
    files = [{"category": "proof", "entry_id": None, "state": "verified"},
             {"category": "cv", "entry_id": "x", "state": "verified"}]
    assert [p["message"] for p in validate_declaration(d, modules, files)] == [
        "【测试事项】基本信息_推荐专家2姓名未填报", "【测试事项】基本信息_推荐专家2专家简历未上传"]


@pytest.mark.parametrize("changes, expected", [
    ({"messages": {"missing": "a", "count": "{cnt}名", "incomplete": "b", "attachment_missing": "c",
                   "not_allowed": "d", "not_saved": "e"}}, "messages.count uses unknown placeholder(s) ['cnt']"),
    ({"when": None}, "an experts module needs 'when'"),
    ({"name_field": "nobody"}, "name_field 'nobody' is not a field here"),
    ({"requires_saved": "nowhere"}, "requires_saved names unknown module 'nowhere'"),
    ({"when": {"module": "items", "field": "n", "one_of": ["1"]}}, "when.module 'items' is not a form module"),
])
def test_broken_expert_modules_fail_at_load(tmp_path, changes, expected):
    _write(tmp_path, "m.json", _with_experts(**changes))
    with pytest.raises(DefinitionError) as err:
        Registry(str(tmp_path))
    assert expected in str(err.value)


def test_a_date_after_today_is_refused_unless_the_field_allows_it():
    """获奖时间 2999 is a typo, refused at the field; a term's end (聘期结束时间) may be ahead."""
    import datetime as dt

    from chalicelib import clock

    tomorrow = (clock.today_local() + dt.timedelta(days=1)).isoformat()
    grading = registry.get(TALENT_GRADING)
    honour = fill(grading.modules["honours"]["fields"], {"granted_on": tomorrow})
    with pytest.raises(ValidationFailed) as refused:
        validate_content(grading, "honours", [honour])
    assert any(p["message"] == "荣誉（奖励）信息第1条·授予日期：不能晚于今天" for p in refused.value.details), refused.value.details
    honour["granted_on"] = clock.today_local().isoformat()
    assert validate_content(grading, "honours", [honour])[0]["granted_on"] == honour["granted_on"]

    term = next(registry.get(c, include_disabled=True) for c in ALL
                if any(f["key"] == "term_end" for f in registry.get(c, include_disabled=True).modules["basic"]["fields"]))
    field = next(f for f in term.modules["basic"]["fields"] if f["key"] == "term_end")
    assert field["may_be_future"] is True
    problems = []
    rules._check_field(field, "2030-12-31", problems, "基本信息")
    assert problems == []
    with pytest.raises(ValueError):
        schema.FieldDef.model_validate({"key": "n", "label": "姓名", "type": "text", "may_be_future": True})
