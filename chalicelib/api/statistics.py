"""统计分析 (analysis of a declaration window): the figures of a scope, and their tables as XLSX."""
from chalicelib.services.statistics import report
from chalicelib.web import Area

area = Area(__name__)
route = area.route


@route("/statistics", query="queries.StatisticsQuery",
       summary="统计分析：按状态、到达层级、每日提交、各层级/审核单位积压与超期、等待时间（中位数、90%分位）、"
               "退回率、有误模块、评审结果（按级别、地区）；省厅看全省，市州人社局看本地区，单位看本单位及下级单位；"
               "读取次数与申报数量无关（一次 Query）")
def statistics(principal, query):
    return report.read(principal, query.matter, query.year, query.scope)


@route("/statistics/export", query="queries.StatisticsExportQuery",
       summary="统计分析表格导出（XLSX）：返回短时有效的下载链接")
def statistics_export(principal, query):
    return report.export(principal, query.matter, query.year, query.scope, query.chart)
