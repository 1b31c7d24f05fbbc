"""Notices (申报通知): the applicants' list and the provincial office's management."""
from chalicelib.services import notices
from chalicelib.web import Area

area = Area(__name__)
route = area.route


# --- notices ------------------------------------------------------------------------------------

@route("/notices", summary="申报通知列表", query="queries.NoticesQuery")
def list_notices(principal, query):
    return notices.list_published(principal, query.matter_type, query.year, query.cursor, query.limit)


@route("/notices/{notice_id}", summary="申报通知详情")
def read_notice(principal, notice_id):
    return notices.read(principal, notice_id)


@route("/admin/notices", summary="通知管理列表（省人社厅）", query="queries.PageQuery")
def admin_list_notices(principal, query):
    return notices.list_all(principal, query.cursor, query.limit)


@route("/admin/notices", methods=("POST",), request="notices.NoticeIn", status=201, summary="新建申报通知")
def create_notice(principal, data):
    return notices.create(principal, data)


@route("/admin/notices/{notice_id}", methods=("PUT",), request="notices.NoticeIn", summary="修改申报通知", versioned=True)
def update_notice(principal, data, notice_id, version):
    return notices.update(principal, notice_id, data, version)


@route("/admin/notices/{notice_id}/publish", methods=("POST",), summary="发布申报通知", versioned=True)
def publish_notice(principal, notice_id, version):
    return notices.publish(principal, notice_id, version)


@route("/admin/notices/{notice_id}/withdraw", methods=("POST",), summary="撤回申报通知", versioned=True)
def withdraw_notice(principal, notice_id, version):
    return notices.withdraw(principal, notice_id, version)


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
