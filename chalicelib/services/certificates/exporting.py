"""导出 of the province's certificate list: the filtered list (事项, 年度, 状态, 姓名) as a spreadsheet,
written by the export worker (services/documents.run_export, functions/exports.py) from a Query
streamed page by page, so memory does not grow with the count. ID numbers are masked (a
certificate stores only the masked one); dates are Beijing dates.
"""
from chalicelib import clock
from chalicelib.identity import ROLE_PROVINCE, Principal
from chalicelib.models.certificates import Certificate
from chalicelib.services.certificates import records

KIND = "certificates"


def start(principal: Principal, matter_type: str, year: str, status: str | None, name: str | None) -> dict:
    """Queue the export of the list as filtered; progress and the file at GET /exports/{job_id}."""
    from chalicelib.services import documents

    principal.require(ROLE_PROVINCE)
    filters = {"matter_type": matter_type, "year": year, "status": status or None, "name": name or None}
    return documents.queue_export(principal, KIND, filters, full_ids=False)


def rows(filters: dict, page: int = 500):
    """The filtered certificates, newest first, as spreadsheet rows (after 序号)."""
    key = Certificate.list_key(filters["matter_type"], filters["year"])
    for c in Certificate.gsi2.query(key, filter_condition=records.list_filter(filters.get("status"), filters.get("name")),
                                    scan_index_forward=False, page_size=page):
        yield row(c)


def row(c) -> tuple:
    """One certificate as read from the list index (GSI2 projects what this reads)."""
    return (c.number, c.holder_name, c.id_masked, c.unit_name or "", c.grant, c.committee,
            clock.beijing_date(c.issued_at), c.status, c.replaced_by or c.replaces or "", c.reason or "")


def sheet(job, sheet_class):
    """What the export worker writes for a certificate export job."""
    from chalicelib.matters import registry
    from chalicelib.matters.certificate import certificate_spec

    f = job.filters
    spec = certificate_spec(registry.get(f["matter_type"], include_disabled=True))
    title = spec.title if spec else registry.get(f["matter_type"], include_disabled=True).name
    chosen = "，".join(x for x in (f.get("status") and f"状态：{f['status']}", f.get("name") and f"姓名：{f['name']}") if x)
    columns = ("序号", "证书编号", "姓名", "证件号码", "工作单位", spec.grant_label if spec else "认定内容",
               "评审机构", "发证日期", "状态", "关联证书编号", "撤销/更正原因")
    return sheet_class(title[:31], f"{title}（{f['year']}年{('，' + chosen) if chosen else ''}）",
                       f"{title}-{f['year']}-{f.get('status') or '全部'}.xlsx", columns, lambda: rows(f))
