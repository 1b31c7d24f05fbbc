"""A refused module names each problem's field so the page can show the message at it: a form's
field by key, a list entry's field as "<index>.<key>"."""
import pytest

from chalicelib.errors import ValidationFailed
from chalicelib.matters import registry, rules


def details(module, content):
    with pytest.raises(ValidationFailed) as exc:
        rules.validate_content(registry.get("TALENT_GRADING"), module, content)
    return {d["field"]: d["message"] for d in exc.value.details}


def test_form_fields_by_key():
    got = details("basic", {"name": "张三", "phone": "12345"})
    assert got["phone"] == "联系方式：手机号码格式不正确"
    assert got["personnel_category"] == "人员类别：必须填写"


def test_list_entry_fields_by_index_and_key():
    got = details("work", [{"employer": "甲", "post": "乙", "start_date": "2020-01-01"},
                           {"employer": "丙", "start_date": "2020-01-01", "end_date": "2019-01-01"}])
    assert set(got) == {"1.post", "1.end_date"}
    assert got["1.post"].startswith("工作经历第2条·工作岗位")
    assert "不能早于开始日期" in got["1.end_date"]
    assert set(details("work", [{"employer": "甲", "post": "乙", "start_date": "2020-01-01", "x": 1}])) == {"0.x"}
