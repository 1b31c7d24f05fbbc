"""Results (评审结果): the search by query string and by body."""
from chalicelib.services import results
from chalicelib.web import Area

area = Area(__name__)
route = area.route


@route("/results", summary="评审结果查询", query="queries.ResultListQuery")
def list_results(principal, query):
    return results.list_results(principal, query.matter_type, query.year, query.result, query.level,
                                query.cursor, query.limit, query.unit)


@route("/results/search", methods=("POST",), request="console.ResultSearchIn",
       summary="评审结果查询（全部条件；证件号码在请求体中，每次读取有上限，返回游标继续）")
def search_results(principal, data):
    return results.search(principal, data.model_dump(exclude={"cursor", "limit"}), data.cursor, data.limit)
