"""The talent-grading platform's API: the app, its authorizer and CORS; the routes live by area
in chalicelib/api/<area>.py (Chalice blueprints). Each route: parse, authorize, one service call.

`route()` (chalicelib/web.Router) authenticates the caller (principal), validates the body
(data) and the query string (query) against the route's schemas and reads If-Match (version)
before the view runs; domain rules live in chalicelib/services; errors are shaped in
chalicelib/web.handled. The same route table feeds the OpenAPI document.
"""
from chalice import AuthResponse, Chalice, CORSConfig

from chalicelib import api, aws, config
from chalicelib.services import authentication
from chalicelib.errors import AppError
from chalicelib.web import Router

app = Chalice(app_name=config.APP_NAME)
app.api.binary_types = []
aws.trace_on_first_use()   # X-Ray only where on, imported on the first AWS call

cors = CORSConfig(allow_origin=config.CORS_ALLOW_ORIGIN or "*",   # "*" only while packaging: the template sets it
                  allow_headers=["Authorization", "Content-Type", "If-Match"],
                  expose_headers=["ETag"], max_age=600)


@app.authorizer(ttl_seconds=config.AUTHORIZER_CACHE_SECONDS)
def jwt_auth(auth_request):
    """Verify the JWT, then read the caller's rights from our records. Refusals pass a reason in
    the context, so the route answers 401 (or 503: identity platform unreachable) in the
    platform's error shape. API Gateway caches the result per token: the router reads a unit-side
    caller's standing again on writes (a disabled agent is refused on their next write) and
    decides a cached revocable refusal afresh (a 503 is never remembered)."""
    try:
        principal = authentication.authorize(auth_request.token)
    except AppError as err:
        return AuthResponse(routes=["*"], principal_id="anonymous",
                            context={"error": err.code, "error_message": err.message,
                                     "error_status": err.status})
    return AuthResponse(routes=["*"], principal_id=principal.subject, context=principal.context())


route = Router(app, cors, jwt_auth, authenticate=authentication.authorize,
               standing=authentication.check_standing)
ROUTES = route.routes


@route("/health", public=True, summary="健康检查")
def health():
    return {"status": "ok", "stage": config.STAGE}


@route("/openapi.json", public=True, summary="接口文档（OpenAPI 3）")
def openapi():
    from chalicelib import openapi as spec

    return spec.document(ROUTES)


api.register(app, route)
