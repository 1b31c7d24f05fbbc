"""HTTP routes of the talent-grading platform. Each route: parse, authorize, one service call.

`route()` authenticates the caller (principal) and validates the body against the route's
request schema (data) before the view runs; domain rules live in chalicelib/services; errors
are shaped in chalicelib/web.handled. The same route table feeds the OpenAPI document.
"""
import functools

from chalice import AuthResponse, Chalice, CORSConfig

from chalicelib import aws, config, identity
from chalicelib.errors import AppError
from chalicelib.services import (bindings, declarations, documents, matter_menu, notices, opinions, people,
                                 results, review, units, uploads, workbench)
from chalicelib.web import (RouteDoc, body, caller, created, expected_version, handled, json_body,
                            no_content, query_param)

app = Chalice(app_name=config.APP_NAME)
app.api.binary_types = []
aws.trace_on_first_use()   # X-Ray only where on, imported on the first AWS call
ROUTES: list = []

cors = CORSConfig(allow_origin=config.CORS_ALLOW_ORIGIN or "*",   # "*" only while packaging: the template sets it
                  allow_headers=["Authorization", "Content-Type", "If-Match"],
                  expose_headers=["ETag"], max_age=600)


@app.authorizer(ttl_seconds=0)
def jwt_auth(auth_request):
    """Verify the JWT, then read the caller's rights from our records. Refusals pass a reason in
    the context, so the route answers 401 (or 503: identity platform unreachable) in the
    platform's error shape. No result cache (ttl 0): a disabled agent is refused on the next
    request, and a 503 is never remembered as a refusal."""
    try:
        principal = identity.authorize(auth_request.token)
    except AppError as err:
        return AuthResponse(routes=["*"], principal_id="anonymous",
                            context={"error": err.code, "error_message": err.message,
                                     "error_status": err.status})
    return AuthResponse(routes=["*"], principal_id=principal.subject, context=principal.context())


def route(path, methods=("GET",), public=False, request=None, summary="", status=200, query=(),
          versioned=False):
    """app.route with the authorizer, CORS, caller, body validation and error translation."""
    def decorate(view):
        @functools.wraps(view)
        def endpoint(**params):
            req = app.current_request
            if not public:
                params["principal"] = caller(req)
            if request:
                params["data"] = body(req, request)
            result = view(**params)
            return created(result) if status == 201 else result

        # content_types */*: the JSON check is web.require_json's, so a wrong media type is a 415
        # in the platform's shape and Chinese, not Chalice's English one.
        app.route(path, methods=list(methods), cors=cors, content_types=["*/*"],
                  authorizer=None if public else jwt_auth)(handled(app)(endpoint))
        ROUTES.append(RouteDoc(path, tuple(methods), public, request, summary or view.__doc__ or "",
                               status, tuple(query), versioned))
        return view
    return decorate


def matter(value):
    """A matter_type query parameter: a served matter code (default 人才分类定级评定)."""
    from chalicelib.matters.definition import served_code

    return served_code(value)


def q(name, default=None):
    return query_param(app, name, default)


def if_match():
    return expected_version(app.current_request)


@route("/health", public=True, summary="健康检查")
def health():
    return {"status": "ok", "stage": config.STAGE}


@route("/openapi.json", public=True, summary="接口文档（OpenAPI 3）")
def openapi():
    from chalicelib import openapi as spec

    return spec.document(ROUTES)


if config.is_local():
    # The development identity endpoint exists only in the local stage (not even as a route).
    @route("/dev/token", methods=("POST",), public=True, request="accounts.DevTokenIn",
           summary="本地演示账号登录")
    def dev_token(data):
        return identity.issue_dev_token(data.login)

    @route("/dev/logins", public=True, summary="本地演示账号列表")
    def dev_logins():
        return {"items": identity.list_dev_logins()}

    @route("/dev/platform-account", methods=("POST",), public=True,
           summary="本地统一身份认证平台核验账号（演示账号、法人、经办人）")
    def dev_platform_account():
        return identity.dev_platform_account(json_body(app.current_request))


# --- accounts -------------------------------------------------------------------------------

@route("/me", summary="当前登录账号")
def whoami(principal):
    return {"subject": principal.subject, "role": principal.role, "name": principal.name,
            "unit_code": principal.unit_code or None, "is_legal": principal.is_legal}


@route("/persons/me", summary="个人基本信息")
def get_person(principal):
    return people.get_profile(principal)


@route("/persons/me", methods=("PUT",), request="accounts.PersonProfileIn", summary="保存个人基本信息")
def put_person(principal, data):
    return people.save_profile(principal, data)


@route("/units/me", summary="本单位信息")
def get_unit(principal):
    return units.get_my_unit(principal)


@route("/units/me", methods=("PUT",), request="accounts.UnitProfileIn", summary="保存单位信息（法人账号）", versioned=True)
def put_unit(principal, data):
    return units.save_my_unit(principal, data, if_match())


@route("/units/lookup/{credit_code}", summary="按统一社会信用代码查询单位")
def lookup_unit(principal, credit_code):
    return units.lookup(principal, credit_code)


@route("/units/me/agents", summary="经办人列表（法人账号）")
def list_agents(principal):
    return {"items": units.list_agents(principal)}


@route("/units/me/agents", methods=("POST",), request="accounts.AgentIn", status=201, summary="添加经办人")
def add_agent(principal, data):
    return units.add_agent(principal, data)


@route("/units/me/agents/{agent_id}", methods=("PATCH",), request="accounts.AgentPatch", summary="修改或停用经办人")
def patch_agent(principal, data, agent_id):
    return units.update_agent(principal, agent_id, data)


# --- binding: person → recommending unit, unit → superior unit ------------------------------------

@route("/bindings/me", summary="我的推荐单位绑定")
def my_binding(principal):
    return bindings.my_binding(principal)


@route("/bindings/me", methods=("POST",), request="notices.BindingRequestIn", status=201, summary="申请绑定推荐单位")
def request_binding(principal, data):
    return bindings.request_person_binding(principal, data.credit_code)


@route("/bindings/me", methods=("DELETE",), summary="解除绑定推荐单位")
def unbind(principal):
    return bindings.unbind_person(principal)


@route("/units/me/superior", methods=("POST",), request="notices.BindingRequestIn", status=201,
       summary="申请绑定上级单位")
def request_superior(principal, data):
    return bindings.request_superior(principal, data.credit_code)


@route("/units/me/superior", methods=("DELETE",), summary="解除绑定上级单位")
def unbind_superior(principal):
    return bindings.unbind_superior(principal)


@route("/binding-requests", summary="绑定申请列表", query=("kind", "state", "cursor", "limit"))
def list_binding_requests(principal):
    return bindings.list_requests(principal, q("kind", "person"), q("state", "pending"), q("cursor"), q("limit"))


@route("/binding-requests/{request_id}", summary="绑定申请详情")
def get_binding_request(principal, request_id):
    return bindings.get_request(principal, request_id)


@route("/binding-requests/{request_id}/decision", methods=("POST",), request="notices.BindingDecisionIn",
       summary="审核绑定申请")
def decide_binding(principal, data, request_id):
    return bindings.decide(principal, request_id, data.decision, data.opinion)


# --- notices ------------------------------------------------------------------------------------

@route("/notices", summary="申报通知列表", query=("matter_type", "year", "cursor", "limit"))
def list_notices(principal):
    return notices.list_published(principal, matter(q("matter_type")), q("year"), q("cursor"), q("limit"))


@route("/notices/{notice_id}", summary="申报通知详情")
def read_notice(principal, notice_id):
    return notices.read(principal, notice_id)


@route("/admin/notices", summary="通知管理列表（省人社厅）", query=("cursor", "limit"))
def admin_list_notices(principal):
    return notices.list_all(principal, q("cursor"), q("limit"))


@route("/admin/notices", methods=("POST",), request="notices.NoticeIn", status=201, summary="新建申报通知")
def create_notice(principal, data):
    return notices.create(principal, data)


@route("/admin/notices/{notice_id}", methods=("PUT",), request="notices.NoticeIn", summary="修改申报通知", versioned=True)
def update_notice(principal, data, notice_id):
    return notices.update(principal, notice_id, data, if_match())


@route("/admin/notices/{notice_id}/publish", methods=("POST",), summary="发布申报通知", versioned=True)
def publish_notice(principal, notice_id):
    return notices.publish(principal, notice_id, if_match())


@route("/admin/notices/{notice_id}/withdraw", methods=("POST",), summary="撤回申报通知", versioned=True)
def withdraw_notice(principal, notice_id):
    return notices.withdraw(principal, notice_id, if_match())


@route("/admin/notices/{notice_id}/files", methods=("POST",), request="notices.NoticeFileSlotIn", status=201,
       summary="上传通知附件（预签名POST）")
def notice_file_slot(principal, data, notice_id):
    return notices.file_slot(principal, notice_id, data.file_name, data.content_type, data.size)


@route("/admin/notices/{notice_id}/files/{file_id}/complete", methods=("POST",), request="notices.NoticeFileDoneIn",
       summary="通知附件上传完成，核验后加入通知")
def notice_file_complete(principal, data, notice_id, file_id):
    return notices.file_complete(principal, notice_id, file_id, data.file_name, data.content_type)


@route("/notices/{notice_id}/files/{index}", summary="下载通知附件")
def notice_file(principal, notice_id, index):
    if not index.isdigit():
        from chalicelib.errors import NotFound

        raise NotFound("附件不存在", code="FILE_NOT_FOUND")
    return notices.file_link(principal, notice_id, int(index))


# --- workbench ----------------------------------------------------------------------------------

@route("/workbench", summary="业务审核统计（待审核、待送审、已退回、今日办结、总办结）", query=("year",))
def workbench_counts(principal):
    return workbench.counts(principal, q("year"))


# --- matters and declarations (人才分类定级评定, 职称) ------------------------------------------------

@route("/matters", summary="可申报事项（服务→菜单→事项，附当前开放的申报通知）", query=("year",))
def list_matters(principal):
    return matter_menu.menu(principal, q("year"))


@route("/matters/{matter_type}/definition", summary="事项申报模块定义（含申报注意事项、菜单）")
def matter_definition(principal, matter_type):
    from chalicelib.matters import definition

    return definition.public_view(definition.get(matter_type))


@route("/declarations", methods=("POST",), request="declarations.DeclarationStartIn", status=201,
       summary="确定开始申报")
def start_declaration(principal, data):
    return declarations.start(principal, data.notice_id, data.unit_code, data.confirmed)


@route("/declarations", summary="历史申报信息", query=("cursor", "limit"))
def list_declarations(principal):
    return declarations.list_mine(principal, q("cursor"), q("limit"))


@route("/declarations/{decl_id}", summary="申报详情")
def get_declaration(principal, decl_id):
    return declarations.get(principal, decl_id)


@route("/declarations/{decl_id}", methods=("DELETE",), summary="删除未提交的申报")
def delete_declaration(principal, decl_id):
    declarations.delete_draft(principal, decl_id)
    return no_content()


@route("/declarations/{decl_id}/modules/{module}", methods=("PUT",), request="declarations.ModuleContentIn",
       summary="保存申报模块（If-Match: 模块版本）", versioned=True)
def save_module(principal, data, decl_id, module):
    return declarations.save_module(principal, decl_id, module, data.content, if_match())


@route("/declarations/{decl_id}/modules/{module}/entries", methods=("POST",), request="declarations.EntryIn",
       status=201, summary="添加条目", versioned=True)
def add_entry(principal, data, decl_id, module):
    return declarations.change_entries(principal, decl_id, module, "add", None, data.entry, if_match())


@route("/declarations/{decl_id}/modules/{module}/entries/{entry_id}", methods=("PUT",),
       request="declarations.EntryIn", summary="修改条目", versioned=True)
def edit_entry(principal, data, decl_id, module, entry_id):
    return declarations.change_entries(principal, decl_id, module, "edit", entry_id, data.entry, if_match())


@route("/declarations/{decl_id}/modules/{module}/entries/{entry_id}", methods=("DELETE",), summary="删除条目", versioned=True)
def remove_entry(principal, decl_id, module, entry_id):
    return declarations.change_entries(principal, decl_id, module, "remove", entry_id, None, if_match())


@route("/declarations/{decl_id}/validation", summary="数据验证信息")
def validate_declaration(principal, decl_id):
    return declarations.validation_report(principal, decl_id)


@route("/declarations/{decl_id}/pledge", methods=("POST",), request="declarations.PledgeIn", summary="诚信承诺")
def pledge(principal, data, decl_id):
    return declarations.accept_pledge(principal, decl_id, data.accepted)


# --- uploads --------------------------------------------------------------------------------------

@route("/declarations/{decl_id}/attachments", methods=("POST",), request="declarations.UploadSlotIn",
       status=201, summary="申请上传（返回预签名POST）")
def request_upload(principal, data, decl_id):
    return uploads.request_slot(principal, decl_id, data.category, data.entry_id, data.slot, data.file_name,
                                data.content_type, data.size)


@route("/declarations/{decl_id}/attachments/{attachment_id}/complete", methods=("POST",),
       summary="上传完成，核验文件")
def complete_upload(principal, decl_id, attachment_id):
    return uploads.complete(principal, decl_id, attachment_id)


@route("/declarations/{decl_id}/attachments/{attachment_id}/parts", summary="分片上传续传")
def resume_upload(principal, decl_id, attachment_id):
    return uploads.resume_parts(principal, decl_id, attachment_id)


@route("/declarations/{decl_id}/attachments/{attachment_id}", methods=("DELETE",), summary="删除附件")
def delete_upload(principal, decl_id, attachment_id):
    uploads.delete(principal, decl_id, attachment_id)
    return no_content()


@route("/declarations/{decl_id}/attachments/{attachment_id}/download", summary="下载附件（预签名GET）",
       query=("thumbnail",))
def download_upload(principal, decl_id, attachment_id):
    return uploads.download_link(principal, decl_id, attachment_id, q("thumbnail") == "1")


# --- review chain -------------------------------------------------------------------------------

@route("/declarations/{decl_id}/submit", methods=("POST",), summary="提交申报")
def submit_declaration(principal, decl_id):
    return review.submit(principal, decl_id)


@route("/declarations/{decl_id}/withdraw", methods=("POST",), summary="撤销流程")
def withdraw_declaration(principal, decl_id):
    return review.withdraw(principal, decl_id)


@route("/declarations/{decl_id}/progress", summary="进度跟踪")
def declaration_progress(principal, decl_id):
    return review.progress(principal, decl_id)


@route("/reviews", summary="审核列表", query=("bucket", "matter_type", "year", "name", "cursor", "limit"))
def list_reviews(principal):
    return review.list_tasks(principal, q("bucket", "pending"), matter(q("matter_type")), q("year"),
                             q("name"), None, q("cursor"), q("limit"))


@route("/reviews/search", methods=("POST",), request="console.ReviewSearchIn",
       summary="审核列表查询（姓名、证件号码在请求体中）")
def search_reviews(principal, data):
    return review.list_tasks(principal, data.bucket, data.matter_type, data.year, data.name, data.id_number,
                             data.cursor, data.limit)


@route("/reviews/send", methods=("POST",), request="declarations.SendIn", summary="批量送审")
def review_send(principal, data):
    return review.send(principal, data.decl_ids)


@route("/reviews/{decl_id}", summary="审核详情")
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


@route("/results", summary="评审结果查询", query=("matter_type", "year", "result", "level", "unit", "cursor", "limit"))
def list_results(principal):
    return results.list_results(principal, matter(q("matter_type")), q("year"), q("result"),
                                q("level"), q("cursor"), q("limit"), q("unit"))


@route("/results/search", methods=("POST",), request="console.ResultSearchIn",
       summary="评审结果查询（全部条件；证件号码在请求体中，每次读取有上限，返回游标继续）")
def search_results(principal, data):
    return results.search(principal, data.model_dump(exclude={"cursor", "limit"}), data.cursor, data.limit)


@route("/regions", summary="吉林省行政区划（GB/T 2260）")
def list_regions(principal):
    return results.regions()


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


# --- business forms and exports ------------------------------------------------------------------

@route("/declarations/{decl_id}/forms/declaration_form", summary="下载申报表（PDF）")
def declaration_form(principal, decl_id):
    return documents.declaration_form(principal, decl_id)


@route("/declarations/{decl_id}/forms/summary_table", summary="下载一览表（XLSX）")
def summary_table(principal, decl_id):
    return documents.summary_table(principal, decl_id)


@route("/forms/summary_table", methods=("POST",), request="declarations.SelectionIn",
       summary="下载所选申报的一览表（XLSX）")
def summary_table_selection(principal, data):
    return documents.summary_table_for(principal, data.decl_ids)


@route("/exports", methods=("POST",), request="console.ResultExportIn", status=201,
       summary="导出评审结果（后台任务；按查询条件或所选申报）")
def start_export(principal, data):
    return documents.start_results_export(principal, data)


@route("/exports/{job_id}", summary="导出任务进度与下载")
def get_export(principal, job_id):
    return documents.get_job(principal, job_id)
