"""证书管理: the province's list/export/issue/revoke/reissue, the holder's 我的证书, and the public
verification (no sign-in: public=True routes) with the published keys at a well-known address."""
from chalicelib.pagination import page_size
from chalicelib.services.certificates import exporting, records, verifying
from chalicelib.web import Area

area = Area(__name__)
route = area.route


# --- the province ------------------------------------------------------------------------------

@route("/certificates", summary="证书列表（省人社厅；按事项、年度，可按状态、姓名筛选）", query="queries.CertificateListQuery")
def list_certificates(principal, query):
    return records.province_list(principal, query.matter_type, query.year, query.status, query.name,
                                 query.cursor, page_size(query.limit))


@route("/certificates/export", methods=("POST",), request="certificates.ExportIn", status=201,
       summary="导出证书列表（后台任务；按事项、年度及所选状态、姓名；进度与下载见 /exports/{job_id}）")
def export(principal, data):
    return exporting.start(principal, data.matter_type, data.year, data.status, data.name)


@route("/certificates/issue", methods=("POST",), request="certificates.IssueIn", status=201,
       summary="发证（后台任务：所选结果或该事项该年度全部应发证的结果）")
def issue(principal, data):
    return records.start_issue(principal, data.matter_type, data.year, data.decl_ids)


@route("/certificate-jobs/{job_id}", summary="发证任务进度")
def issue_job(principal, job_id):
    return records.get_job(principal, job_id)


@route("/certificates/{number}/revoke", methods=("POST",), request="certificates.RevokeIn",
       summary="撤销证书（须填写原因）")
def revoke(principal, number, data):
    return records.revoke(principal, number, data.reason)


@route("/certificates/{number}/reissue", methods=("POST",), request="certificates.ReissueIn", status=201,
       summary="更正后重新发证（原证书显示已更正并指向新证书）")
def reissue(principal, number, data):
    return records.start_reissue(principal, number, data.reason,
                                 data.model_dump(include={"holder_name", "unit_name", "grant"}))


@route("/certificates/{number}/trail", summary="证书操作记录")
def trail(principal, number):
    return {"items": records.trail(principal, number)}


@route("/certificates/{number}/download", summary="下载证书PDF（本人或省人社厅）")
def download(principal, number):
    return records.download(principal, number)


# --- the holder ---------------------------------------------------------------------------------

@route("/me/certificates", summary="我的证书", query="queries.PageQuery")
def my_certificates(principal, query):
    return records.mine(principal, query.cursor, page_size(query.limit))


@route("/me/certificates/{number}", summary="我的证书详情")
def my_certificate(principal, number):
    return records.my_certificate(principal, number)


# --- public verification (no sign-in) --------------------------------------------------------------

@route("/verify/certificate", methods=("POST",), public=True, request="certificates.VerifyIn",
       summary="证书查验：证书编号+查验码（无需登录，按来源限流）", client=True)
def verify(data, client):
    return verifying.by_number(client, data.number, data.check_code)


@route("/verify/certificate/payload", methods=("POST",), public=True, request="certificates.VerifyPayloadIn",
       summary="证书查验：二维码内容（验签后查询当前状态）", client=True)
def verify_payload(data, client):
    return verifying.by_payload(client, data.payload)


@route("/verify/certificate/pdf", methods=("POST",), public=True, request="certificates.VerifyPdfIn",
       summary="证书查验：上传证书PDF，核验是否为未经改动的原件（不超过2MB）", client=True)
def verify_pdf(data, client):
    return verifying.by_pdf(client, data.pdf)


@route("/.well-known/certificate-keys", public=True, summary="证书签名公钥（离线验证二维码用）")
def certificate_keys():
    return verifying.published_keys()
