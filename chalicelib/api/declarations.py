"""Matters and declarations (人才分类定级评定, 职称): the menu of open matters, the matter definition, modules, entries, attachments,
提交/撤销流程 and 进度跟踪."""
from chalicelib.services import declarations, given, matter_menu, review, uploads
from chalicelib.web import Area, no_content

area = Area(__name__)
route = area.route


# --- matters and declarations (人才分类定级评定, 职称) ------------------------------------------------

@route("/matters", summary="可申报事项（服务→菜单→事项，附当前开放的申报通知）", query="queries.YearQuery")
def list_matters(principal, query):
    return matter_menu.menu(principal, query.year)


@route("/matters/{matter_type}/definition", summary="事项申报模块定义（含申报注意事项、菜单）")
def matter_definition(principal, matter_type):
    from chalicelib.matters import definition, registry

    return definition.public_view(registry.get(matter_type, include_disabled=True))


@route("/declarations", methods=("POST",), request="declarations.DeclarationStartIn", status=201,
       summary="确定开始申报")
def start_declaration(principal, data):
    return declarations.start(principal, data.notice_id, data.unit_code, data.confirmed)


@route("/declarations", summary="历史申报信息", query="queries.PageQuery")
def list_declarations(principal, query):
    return declarations.list_mine(principal, query.cursor, query.limit)


@route("/declarations/{decl_id}", summary="申报详情")
def get_declaration(principal, decl_id):
    return declarations.get(principal, decl_id)


@route("/declarations/{decl_id}", methods=("DELETE",), summary="删除未提交的申报")
def delete_declaration(principal, decl_id):
    declarations.delete_draft(principal, decl_id)
    return no_content()


@route("/declarations/{decl_id}/modules/{module}", methods=("PUT",), request="declarations.ModuleContentIn",
       summary="保存申报模块（If-Match: 模块版本）", versioned=True)
def save_module(principal, data, decl_id, module, version):
    return declarations.save_module(principal, decl_id, module, data.content, version)


@route("/declarations/{decl_id}/modules/{module}/entries", methods=("POST",), request="declarations.EntryIn",
       status=201, summary="添加条目", versioned=True)
def add_entry(principal, data, decl_id, module, version):
    return declarations.change_entries(principal, decl_id, module, "add", None, data.entry, version)


@route("/declarations/{decl_id}/modules/{module}/entries/{entry_id}", methods=("PUT",),
       request="declarations.EntryIn", summary="修改条目", versioned=True)
def edit_entry(principal, data, decl_id, module, entry_id, version):
    return declarations.change_entries(principal, decl_id, module, "edit", entry_id, data.entry, version)


@route("/declarations/{decl_id}/modules/{module}/entries/{entry_id}", methods=("DELETE",), summary="删除条目", versioned=True)
def remove_entry(principal, decl_id, module, entry_id, version):
    return declarations.change_entries(principal, decl_id, module, "remove", entry_id, None, version)


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


@route("/declarations/{decl_id}/given", summary="以前申报时已填写、已上传的信息（带入本次申报，可修改）")
def given_before(principal, decl_id):
    return given.offers(principal, decl_id)


@route("/declarations/{decl_id}/attachments/reuse", methods=("POST",), request="declarations.ReuseIn",
       status=201, summary="使用以前申报时上传并通过核验的附件（复制到本次申报）")
def reuse_upload(principal, data, decl_id):
    return given.reuse(principal, decl_id, data.source_decl_id, data.attachment_id)


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
       query="queries.DownloadQuery")
def download_upload(principal, decl_id, attachment_id, query):
    return uploads.download_link(principal, decl_id, attachment_id, query.thumbnail == "1")


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
