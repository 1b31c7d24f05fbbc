"""Reviews: the workbench counts, task lists, decisions, 送审, the committee result, 常用意见."""
from chalicelib.services import opinions, review, workbench
from chalicelib.web import Area, no_content

area = Area(__name__)
route = area.route


# --- workbench ----------------------------------------------------------------------------------

@route("/workbench", summary="业务审核统计（待审核、待送审、已退回、今日办结、总办结）", query="queries.WorkbenchQuery")
def workbench_counts(principal, query):
    return workbench.counts(principal, query.year)


@route("/reviews", summary="审核列表", query="queries.ReviewListQuery")
def list_reviews(principal, query):
    return review.list_tasks(principal, query.bucket, query.matter_type, query.year, query.name, None,
                             query.cursor, query.limit)


@route("/reviews/search", methods=("POST",), request="console.ReviewSearchIn",
       summary="审核列表查询（姓名、证件号码在请求体中）")
def search_reviews(principal, data):
    return review.list_tasks(principal, data.bucket, data.matter_type, data.year, data.name, data.id_number,
                             data.cursor, data.limit)


@route("/reviews/{decl_id}/neighbours", methods=("POST",), request="console.ReviewSearchIn",
       summary="上一条/下一条（在同一筛选条件的整个列表中）")
def review_neighbours(principal, data, decl_id):
    return review.neighbours(principal, decl_id, data.bucket, data.matter_type, data.year, data.name, data.id_number)


@route("/reviews/send", methods=("POST",), request="declarations.SendIn", summary="批量送审")
def review_send(principal, data):
    return review.send(principal, data.decl_ids)


@route("/reviews/{decl_id}", summary="审核详情", fresh=True)    # unmasked: standing read afresh
def review_detail(principal, decl_id):
    return review.detail(principal, decl_id)


@route("/reviews/{decl_id}/decision", methods=("POST",), request="declarations.DecisionIn", summary="保存审核结果")
def review_decision(principal, data, decl_id):
    return review.decide(principal, decl_id, data)


@route("/reviews/{decl_id}/urge", methods=("POST",), summary="催办")
def review_urge(principal, decl_id):
    return review.urge(principal, decl_id)


@route("/reviews/{decl_id}/result", methods=("POST",), request="declarations.ResultIn", summary="录入评委会结果")
def review_result(principal, data, decl_id):
    return review.record_result(principal, decl_id, data.result, data.level)


@route("/reviews/{decl_id}/report", methods=("POST",), request="declarations.ReportSlotIn", status=201,
       summary="上传送审附件（推荐报告/申报函）")
def review_report_slot(principal, data, decl_id):
    return review.report_slot(principal, decl_id, data.file_name, data.content_type, data.size)


@route("/reviews/{decl_id}/report/{attachment_id}/complete", methods=("POST",), summary="送审附件上传完成")
def review_report_complete(principal, decl_id, attachment_id):
    return review.report_complete(principal, decl_id, attachment_id)


@route("/reviews/{decl_id}/report/{attachment_id}", methods=("DELETE",), summary="删除送审附件")
def review_report_delete(principal, decl_id, attachment_id):
    review.report_delete(principal, decl_id, attachment_id)
    return no_content()


# --- common opinions (常用意见) -------------------------------------------------------------------

@route("/opinions", summary="常用意见")
def list_opinions(principal):
    return {"items": opinions.list_mine(principal)}


@route("/opinions", methods=("POST",), request="declarations.OpinionIn", status=201, summary="添加常用意见")
def add_opinion(principal, data):
    return opinions.add(principal, data.text)


@route("/opinions/{opinion_id}", methods=("PUT",), request="declarations.OpinionIn", summary="修改常用意见")
def edit_opinion(principal, data, opinion_id):
    return opinions.edit(principal, opinion_id, data.text)


@route("/opinions/{opinion_id}", methods=("DELETE",), summary="删除常用意见")
def delete_opinion(principal, opinion_id):
    opinions.delete(principal, opinion_id)
    return no_content()
