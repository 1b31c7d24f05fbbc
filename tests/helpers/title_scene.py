"""The 正常职称申报 破格 scene the stack tiers build over HTTP (tests/integration/test_title_http.py
and tests/browser/test_console_title.py): a fresh applicant's module contents, the two recommending
experts and the applicant's own files, and the presigned POST that uploads one file."""

MATTER = "TITLE_NORMAL"
EMPLOYER = "长白理工大学先进材料研究院"


def basic(n: int) -> dict:
    """基本信息 of fresh applicant number n: 正高级工程师, 破格 with 两名专家推荐破格."""
    return {"name": f"申报人{n}", "phone": f"139{n:08d}", "ethnicity": "汉族", "political_status": "群众",
            "work_start": "2012-07-01", "employer": EMPLOYER, "current_work": "材料研究",
            "education": "硕士研究生", "degree": "硕士", "series": "工程", "profession": "材料工程",
            "applied_level": "正高级", "applied_title": "正高级工程师", "apply_type": "破格",
            "break_type": "两名专家推荐破格"}


# the other modules, saved in this order after 基本信息
MODULES = (
    ("break_reason", "主持完成省级重点研发项目两项。"),
    ("education", [{"school": "吉林大学", "major": "材料工程", "degree_level": "硕士研究生",
                    "start_date": "2009-09-01", "end_date": "2012-06-30"}]),
    ("work", [{"employer": EMPLOYER, "post": "材料研究", "start_date": "2012-07-01"}]),
    ("assessments", [{"year": 2024, "result": "优秀"}]),
    ("work_summary", "任现职以来从事先进材料研究。"),
)
EXPERT = {"employer": "吉林大学", "title": "教授", "title_grade": "正高级", "profession": "材料学",
          "phone": "13900000011", "opinion": "同意推荐破格申报。"}
EXPERTS = ("王教授", "李研究员")
# the applicant's own files: (category, slot), each a PNG
APPLICANT_FILES = (("photo", None), ("id_card", "正面"), ("id_card", "反面"), ("assessment_proof", None))


def slot_body(category: str, data: bytes, ctype: str, entry_id=None, slot=None) -> dict:
    """The attachment request for one file (per-expert files name their entry)."""
    return {"category": category, "file_name": f"{category}.{ctype.split('/')[1]}", "content_type": ctype,
            "size": len(data), **({"entry_id": entry_id} if entry_id else {}), **({"slot": slot} if slot else {})}


def post_upload(session, upload: dict, data: bytes, ctype: str) -> None:
    """The presigned POST to S3 (moto answers 204, as S3 does without success_action_status)."""
    posted = session.post(upload["url"], data=upload["fields"], files={"file": ("f", data, ctype)}, timeout=60)
    assert posted.status_code == 204, posted.text[:200]
