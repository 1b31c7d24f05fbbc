"""Business forms and exports: 申报表 (PDF), 一览表 (XLSX), export jobs."""
from chalicelib.services import documents
from chalicelib.web import Area

area = Area(__name__)
route = area.route


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
