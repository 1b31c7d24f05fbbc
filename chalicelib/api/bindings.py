"""Bindings: person → recommending unit, unit → superior unit, and their requests."""
from chalicelib.services import bindings
from chalicelib.web import Area

area = Area(__name__)
route = area.route


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


@route("/binding-requests", summary="绑定申请列表", query="queries.BindingRequestsQuery")
def list_binding_requests(principal, query):
    return bindings.list_requests(principal, query.kind, query.state, query.cursor, query.limit)


@route("/binding-requests/{request_id}", summary="绑定申请详情")
def get_binding_request(principal, request_id):
    return bindings.get_request(principal, request_id)


@route("/binding-requests/{request_id}/decision", methods=("POST",), request="notices.BindingDecisionIn",
       summary="审核绑定申请")
def decide_binding(principal, data, request_id):
    return bindings.decide(principal, request_id, data.decision, data.opinion)
