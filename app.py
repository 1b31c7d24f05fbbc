"""HTTP routes of the talent-grading platform. Each route: parse, authorize, one service call.

Domain rules live in chalicelib/services; errors are shaped in chalicelib/web.handled.
"""
import os

from chalice import AuthResponse, Chalice, CORSConfig

from chalicelib import aws, config, identity
from chalicelib.errors import AppError
from chalicelib.services import (bindings, declarations, documents, notices, opinions, people, results,
                                 review, units, uploads, workbench)
from chalicelib.web import body, caller, created, expected_version, handled, no_content, query_param

app = Chalice(app_name=config.APP_NAME)
app.api.binary_types = []
aws.tracing_enabled()

cors = CORSConfig(allow_origin=os.environ.get("CORS_ALLOW_ORIGIN", "*"),
                  allow_headers=["Authorization", "Content-Type", "If-Match"],
                  expose_headers=["ETag"], max_age=600)


@app.authorizer(ttl_seconds=300)
def jwt_auth(auth_request):
    """Verify the JWT. Refusals pass a reason in the context, so the route answers 401 in the
    platform's error shape; a policy for the whole API keeps API Gateway's cache safe (#1619)."""
    try:
        principal = identity.authorize(auth_request.token)
    except AppError as err:
        return AuthResponse(routes=["*"], principal_id="anonymous",
                            context={"error": err.code, "error_message": err.message})
    return AuthResponse(routes=["*"], principal_id=principal.subject, context=principal.context())


def route(path, methods=("GET",), public=False):
    """app.route with the authorizer, CORS and the error translation every route shares."""
    def decorate(view):
        wrapped = handled(app)(view)
        app.route(path, methods=list(methods), cors=cors,
                  authorizer=None if public else jwt_auth)(wrapped)
        return view
    return decorate


def me():
    return caller(app.current_request)


@route("/health", public=True)
def health():
    return {"status": "ok", "stage": config.STAGE}


if config.is_local():
    # The development identity endpoint exists only in the local stage (not even as a route).
    @route("/dev/token", methods=("POST",), public=True)
    def dev_token():
        from chalicelib.web import json_body

        data = json_body(app.current_request)
        login = data.get("login") if isinstance(data, dict) else None
        if not isinstance(login, str) or not login:
            from chalicelib.errors import BadRequest

            raise BadRequest("请选择演示账号", code="LOGIN_REQUIRED")
        return identity.issue_dev_token(login)

    @route("/dev/logins", public=True)
    def dev_logins():
        return {"items": identity.list_dev_logins()}


# --- accounts -------------------------------------------------------------------------------

@route("/me")
def whoami():
    principal = me()
    return {"subject": principal.subject, "role": principal.role, "name": principal.name,
            "unit_code": principal.unit_code or None, "is_legal": principal.is_legal}


@route("/persons/me")
def get_person():
    return people.get_profile(me())


@route("/persons/me", methods=("PUT",))
def put_person():
    principal = me()
    return people.save_profile(principal, body(app.current_request, "accounts.PersonProfileIn"))


@route("/units/me")
def get_unit():
    return units.get_my_unit(me())


@route("/units/me", methods=("PUT",))
def put_unit():
    principal = me()
    request = app.current_request
    return units.save_my_unit(principal, body(request, "accounts.UnitProfileIn"),
                              expected_version(request))


@route("/units/lookup/{credit_code}")
def lookup_unit(credit_code):
    return units.lookup(me(), credit_code)


@route("/units/me/agents")
def list_agents():
    return {"items": units.list_agents(me())}


@route("/units/me/agents", methods=("POST",))
def add_agent():
    principal = me()
    return created(units.add_agent(principal, body(app.current_request, "accounts.AgentIn")))


@route("/units/me/agents/{agent_id}", methods=("PATCH",))
def patch_agent(agent_id):
    principal = me()
    return units.update_agent(principal, agent_id, body(app.current_request, "accounts.AgentPatch"))


# --- binding: person → recommending unit, unit → superior unit ------------------------------------

@route("/bindings/me")
def my_binding():
    return bindings.my_binding(me())


@route("/bindings/me", methods=("POST",))
def request_binding():
    principal = me()
    data = body(app.current_request, "notices.BindingRequestIn")
    return created(bindings.request_person_binding(principal, data.credit_code))


@route("/bindings/me", methods=("DELETE",))
def unbind():
    return bindings.unbind_person(me())


@route("/units/me/superior", methods=("POST",))
def request_superior():
    principal = me()
    data = body(app.current_request, "notices.BindingRequestIn")
    return created(bindings.request_superior(principal, data.credit_code))


@route("/units/me/superior", methods=("DELETE",))
def unbind_superior():
    return bindings.unbind_superior(me())


@route("/binding-requests")
def list_binding_requests():
    principal = me()
    return bindings.list_requests(principal, query_param(app, "kind", "person"),
                                  query_param(app, "state", "pending"),
                                  query_param(app, "cursor"), query_param(app, "limit"))


@route("/binding-requests/{request_id}")
def get_binding_request(request_id):
    return bindings.get_request(me(), request_id)


@route("/binding-requests/{request_id}/decision", methods=("POST",))
def decide_binding(request_id):
    principal = me()
    data = body(app.current_request, "notices.BindingDecisionIn")
    return bindings.decide(principal, request_id, data.decision, data.opinion)


# --- notices ------------------------------------------------------------------------------------

@route("/notices")
def list_notices():
    principal = me()
    return notices.list_published(principal, query_param(app, "matter_type", "TALENT_GRADING"),
                                  query_param(app, "year"), query_param(app, "cursor"),
                                  query_param(app, "limit"))


@route("/notices/{notice_id}")
def read_notice(notice_id):
    return notices.read(me(), notice_id)


@route("/admin/notices")
def admin_list_notices():
    principal = me()
    return notices.list_all(principal, query_param(app, "cursor"), query_param(app, "limit"))


@route("/admin/notices", methods=("POST",))
def create_notice():
    principal = me()
    return created(notices.create(principal, body(app.current_request, "notices.NoticeIn")))


@route("/admin/notices/{notice_id}", methods=("PUT",))
def update_notice(notice_id):
    principal = me()
    request = app.current_request
    return notices.update(principal, notice_id, body(request, "notices.NoticeIn"),
                          expected_version(request))


@route("/admin/notices/{notice_id}/publish", methods=("POST",))
def publish_notice(notice_id):
    principal = me()
    return notices.publish(principal, notice_id, expected_version(app.current_request))


@route("/admin/notices/{notice_id}/withdraw", methods=("POST",))
def withdraw_notice(notice_id):
    principal = me()
    return notices.withdraw(principal, notice_id, expected_version(app.current_request))


# --- workbench ----------------------------------------------------------------------------------

@route("/workbench")
def workbench_counts():
    return workbench.counts(me(), query_param(app, "year"))


# --- declarations (人才分类定级评定) ----------------------------------------------------------------

@route("/matters/{matter_type}/definition")
def matter_definition(matter_type):
    me()
    from chalicelib.matters import definition

    return definition.public_view(definition.get(matter_type))


@route("/declarations", methods=("POST",))
def start_declaration():
    principal = me()
    data = body(app.current_request, "declarations.DeclarationStartIn")
    return created(declarations.start(principal, data.notice_id))


@route("/declarations")
def list_declarations():
    principal = me()
    return declarations.list_mine(principal, query_param(app, "cursor"), query_param(app, "limit"))


@route("/declarations/{decl_id}")
def get_declaration(decl_id):
    return declarations.get(me(), decl_id)


@route("/declarations/{decl_id}", methods=("DELETE",))
def delete_declaration(decl_id):
    declarations.delete_draft(me(), decl_id)
    return no_content()


@route("/declarations/{decl_id}/modules/{module}", methods=("PUT",))
def save_module(decl_id, module):
    principal = me()
    request = app.current_request
    data = body(request, "declarations.ModuleContentIn")
    return declarations.save_module(principal, decl_id, module, data.content, expected_version(request))


@route("/declarations/{decl_id}/modules/{module}/entries", methods=("POST",))
def add_entry(decl_id, module):
    principal = me()
    request = app.current_request
    data = body(request, "declarations.EntryIn")
    return created(declarations.change_entries(principal, decl_id, module, "add", None, data.entry,
                                               expected_version(request)))


@route("/declarations/{decl_id}/modules/{module}/entries/{entry_id}", methods=("PUT",))
def edit_entry(decl_id, module, entry_id):
    principal = me()
    request = app.current_request
    data = body(request, "declarations.EntryIn")
    return declarations.change_entries(principal, decl_id, module, "edit", entry_id, data.entry,
                                       expected_version(request))


@route("/declarations/{decl_id}/modules/{module}/entries/{entry_id}", methods=("DELETE",))
def remove_entry(decl_id, module, entry_id):
    principal = me()
    return declarations.change_entries(principal, decl_id, module, "remove", entry_id, None,
                                       expected_version(app.current_request))


@route("/declarations/{decl_id}/validation")
def validate_declaration(decl_id):
    return declarations.validation_report(me(), decl_id)


@route("/declarations/{decl_id}/pledge", methods=("POST",))
def pledge(decl_id):
    principal = me()
    data = body(app.current_request, "declarations.PledgeIn")
    return declarations.accept_pledge(principal, decl_id, data.accepted)


# --- uploads --------------------------------------------------------------------------------------

@route("/declarations/{decl_id}/attachments", methods=("POST",))
def request_upload(decl_id):
    principal = me()
    data = body(app.current_request, "declarations.UploadSlotIn")
    return created(uploads.request_slot(principal, decl_id, data.category, data.entry_id, data.slot,
                                        data.file_name, data.content_type, data.size))


@route("/declarations/{decl_id}/attachments/{attachment_id}/complete", methods=("POST",))
def complete_upload(decl_id, attachment_id):
    return uploads.complete(me(), decl_id, attachment_id)


@route("/declarations/{decl_id}/attachments/{attachment_id}/parts")
def resume_upload(decl_id, attachment_id):
    return uploads.resume_parts(me(), decl_id, attachment_id)


@route("/declarations/{decl_id}/attachments/{attachment_id}", methods=("DELETE",))
def delete_upload(decl_id, attachment_id):
    uploads.delete(me(), decl_id, attachment_id)
    return no_content()


@route("/declarations/{decl_id}/attachments/{attachment_id}/download")
def download_upload(decl_id, attachment_id):
    return uploads.download_link(me(), decl_id, attachment_id, query_param(app, "thumbnail") == "1")


# --- review chain -------------------------------------------------------------------------------

@route("/declarations/{decl_id}/submit", methods=("POST",))
def submit_declaration(decl_id):
    return review.submit(me(), decl_id)


@route("/declarations/{decl_id}/withdraw", methods=("POST",))
def withdraw_declaration(decl_id):
    return review.withdraw(me(), decl_id)


@route("/declarations/{decl_id}/progress")
def declaration_progress(decl_id):
    return review.progress(me(), decl_id)


@route("/reviews")
def list_reviews():
    principal = me()
    return review.list_tasks(principal, query_param(app, "bucket", "pending"),
                             query_param(app, "matter_type", "TALENT_GRADING"), query_param(app, "year"),
                             query_param(app, "name"), query_param(app, "id_number"),
                             query_param(app, "cursor"), query_param(app, "limit"))


@route("/reviews/{decl_id}")
def review_detail(decl_id):
    return review.detail(me(), decl_id)


@route("/reviews/{decl_id}/decision", methods=("POST",))
def review_decision(decl_id):
    principal = me()
    return review.decide(principal, decl_id, body(app.current_request, "declarations.DecisionIn"))


@route("/reviews/send", methods=("POST",))
def review_send():
    principal = me()
    return review.send(principal, body(app.current_request, "declarations.SendIn").decl_ids)


@route("/reviews/{decl_id}/urge", methods=("POST",))
def review_urge(decl_id):
    return review.urge(me(), decl_id)


@route("/reviews/{decl_id}/result", methods=("POST",))
def review_result(decl_id):
    principal = me()
    data = body(app.current_request, "declarations.ResultIn")
    return review.record_result(principal, decl_id, data.result, data.level)


@route("/reviews/{decl_id}/report", methods=("POST",))
def review_report_slot(decl_id):
    principal = me()
    data = body(app.current_request, "declarations.ReportSlotIn")
    return created(review.report_slot(principal, decl_id, data.file_name, data.content_type, data.size))


@route("/reviews/{decl_id}/report/{attachment_id}/complete", methods=("POST",))
def review_report_complete(decl_id, attachment_id):
    return review.report_complete(me(), decl_id, attachment_id)


@route("/reviews/{decl_id}/report/{attachment_id}", methods=("DELETE",))
def review_report_delete(decl_id, attachment_id):
    review.report_delete(me(), decl_id, attachment_id)
    return no_content()


@route("/results")
def list_results():
    principal = me()
    return results.list_results(principal, query_param(app, "matter_type", "TALENT_GRADING"),
                                query_param(app, "year"), query_param(app, "result"),
                                query_param(app, "level"), query_param(app, "cursor"),
                                query_param(app, "limit"))


# --- common opinions (常用意见) -------------------------------------------------------------------

@route("/opinions")
def list_opinions():
    return {"items": opinions.list_mine(me())}


@route("/opinions", methods=("POST",))
def add_opinion():
    principal = me()
    return created(opinions.add(principal, body(app.current_request, "declarations.OpinionIn").text))


@route("/opinions/{opinion_id}", methods=("PUT",))
def edit_opinion(opinion_id):
    principal = me()
    return opinions.edit(principal, opinion_id, body(app.current_request, "declarations.OpinionIn").text)


@route("/opinions/{opinion_id}", methods=("DELETE",))
def delete_opinion(opinion_id):
    opinions.delete(me(), opinion_id)
    return no_content()


# --- business forms and exports ------------------------------------------------------------------

@route("/declarations/{decl_id}/forms/declaration_form")
def declaration_form(decl_id):
    return documents.declaration_form(me(), decl_id)


@route("/declarations/{decl_id}/forms/summary_table")
def summary_table(decl_id):
    return documents.summary_table(me(), decl_id)


@route("/exports", methods=("POST",))
def start_export():
    principal = me()
    data = body(app.current_request, "declarations.ExportIn")
    return created(documents.start_results_export(principal, data.matter_type, data.year, data.result,
                                                  data.level))


@route("/exports/{job_id}")
def get_export(job_id):
    return documents.get_job(me(), job_id)
