"""HTTP plumbing shared by the routes in app.py: the route contract, the caller, the body,
errors, responses.

This is the only chalicelib module that knows Chalice; services never import it.
"""
import dataclasses
import functools
import time

from chalice import Response

from chalicelib.errors import AppError, Unauthorized, Unavailable
from chalicelib.identity import Principal
from chalicelib.logs import get_logger, set_request_id

log = get_logger("talent.api")

JSON_HEADERS = {"Content-Type": "application/json; charset=utf-8", "Cache-Control": "no-store"}
INTERNAL = {"Code": "INTERNAL_ERROR", "Message": "系统内部错误，请稍后重试"}


@dataclasses.dataclass(frozen=True)
class RouteDoc:
    """What the OpenAPI document needs to know about a route."""
    path: str
    methods: tuple
    public: bool
    request: str | None
    summary: str
    status: int
    query: str | None = None          # "<module>.<Class>" in chalicelib.schemas (query string)
    versioned: bool = False


def _schema(name: str):
    """A schema named "<module>.<Class>" in chalicelib.schemas, imported on first use, so a cold
    start that serves reads never pays for building them."""
    import importlib

    module, cls = name.split(".")
    return getattr(importlib.import_module(f"chalicelib.schemas.{module}"), cls)


class Router:
    """The route contract: `router(path, ...)` is app.route with the authorizer, CORS and error
    translation, and it hands the view what it declares, already checked:
      principal  the signed-in caller (unless public=True)
      data       the JSON body validated by `request` ("<module>.<Class>" in chalicelib.schemas)
      query      the query string validated by `query` (a schema in chalicelib.schemas.queries)
      version    the If-Match version for `versioned=True` routes (None when not sent)
      client     the caller's source address as API Gateway saw it, for `client=True` routes
      raw        the JSON body unvalidated (a dict), for `raw_body=True` routes
    Every route is recorded in `routes`, which the OpenAPI document is generated from.

    API Gateway caches the authorizer's result per token, so the principal may be that old:
    `fresh` routes (every method but GET, and GETs marked fresh=True) read the caller's standing
    again through `standing` (a disabled agent is refused on their next write), and a cached
    refusal that can change within a token's life (an agent disabled or unknown, the identity
    platform unreachable) is decided afresh through `authenticate`, so it is never remembered."""

    def __init__(self, app, cors, authorizer, authenticate=None, standing=None):
        self.app, self.cors, self.authorizer = app, cors, authorizer
        self.authenticate, self.standing = authenticate, standing
        self.routes: list = []

    def principal(self, request, fresh: bool) -> Principal:
        """The caller: the authorizer's (possibly cached) result, with standing read again where
        the route is fresh."""
        try:
            principal = caller(request)
        except AppError as err:
            if self.authenticate is None or err.code not in REVOCABLE_REFUSALS:
                raise
            return self.authenticate((request.headers or {}).get("authorization") or "")
        if fresh and self.standing is not None:
            self.standing(principal)
        return principal

    def __call__(self, path, **contract):
        """A route of the app itself."""
        def decorate(view):
            self.add(self.app, path, view, **contract)
            return view
        return decorate

    def add(self, target, path, view, methods=("GET",), public=False, request=None, summary="",
            status=200, query=None, versioned=False, client=False, raw_body=False, fresh=None):
        """Register `view` on the app or on a blueprint (an Area's) under the route contract."""
        app = self.app
        fresh = any(m not in ("GET", "HEAD") for m in methods) if fresh is None else fresh

        @functools.wraps(view)
        def endpoint(**params):
            req = app.current_request
            if not public:
                params["principal"] = self.principal(req, fresh)
            if request:
                params["data"] = body(req, request)
            if query:
                params["query"] = query_params(req, query)
            if versioned:
                params["version"] = expected_version(req)
            if client:
                params["client"] = source_address(req)
            if raw_body:
                params["raw"] = json_body(req)
            result = view(**params)
            return created(result) if status == 201 else result

        # content_types */*: the JSON check is require_json's, so a wrong media type is a 415
        # in the platform's shape and Chinese, not Chalice's English one.
        target.route(path, methods=list(methods), cors=self.cors, content_types=["*/*"],
                     authorizer=None if public else self.authorizer)(handled(app)(endpoint))
        self.routes.append(RouteDoc(path, tuple(methods), public, request,
                                    summary or view.__doc__ or "", status, query, versioned))


class Area:
    """The routes of one area (chalicelib/api/<area>.py) as a Chalice blueprint. `area.route(...)`
    takes the same contract as the app's router; app.py registers each area with its router (the
    authorizer and CORS), so an area module never imports app.py."""

    def __init__(self, import_name: str):
        self.import_name = import_name
        self.blueprint = None       # the blueprint last registered (one per app that registers it)
        self._views: list = []

    def route(self, path, **contract):
        def decorate(view):
            self._views.append((path, view, contract))
            return view
        return decorate

    def register(self, app, router: Router) -> None:
        from chalice import Blueprint

        blueprint = Blueprint(self.import_name)
        for path, view, contract in self._views:
            router.add(blueprint, path, view, **contract)
        app.register_blueprint(blueprint)
        self.blueprint = blueprint


def error_response(err: AppError) -> Response:
    headers = dict(JSON_HEADERS)
    if err.status == 503:
        headers["Retry-After"] = "2"
    return Response(body=err.body(), status_code=err.status, headers=headers)


def source_address(request) -> str:
    """The caller's address as API Gateway saw it (the request the route is serving, not a
    blueprint's idea of the current app: several apps exist in one test process)."""
    return str(((request.context or {}).get("identity") or {}).get("sourceIp") or "unknown")


# Authorizer refusals that may not hold on the next request of the same token (decided afresh
# when API Gateway serves them from its cache); a bad or expired token stays refused.
REVOCABLE_REFUSALS = frozenset({"AGENT_DISABLED", "AGENT_UNKNOWN", "IDP_UNAVAILABLE"})


def caller(request) -> Principal:
    """The principal the authorizer put in the context; expired cached results are refused."""
    ctx = (request.context or {}).get("authorizer") or {}
    principal = Principal.from_context(ctx)
    exp = ctx.get("exp")
    if exp and int(exp) < time.time():
        raise Unauthorized()
    return principal


class UnsupportedMediaType(AppError):
    status = 415
    code = "UNSUPPORTED_MEDIA_TYPE"
    message = "请求内容应为JSON（Content-Type: application/json）"


def require_json(request) -> None:
    """A body-carrying route takes JSON only. Routes are registered with content_types ["*/*"], so
    Chalice's own English 415 never answers; this one does, in the platform's shape. A missing
    Content-Type is taken as JSON (as Chalice does)."""
    value = ((request.headers or {}).get("content-type") or "application/json").split(";")[0].strip().lower()
    if value != "application/json" and not (value.startswith("application/") and value.endswith("+json")):
        raise UnsupportedMediaType()


def body(request, schema: str):
    """Validate the JSON body against a schema named "<module>.<Class>" in chalicelib.schemas."""
    from chalicelib.validation import decode_json, parse

    require_json(request)
    return parse(_schema(schema), decode_json(request.raw_body))


def query_params(request, schema: str):
    """Validate the query string against a schema like a body; an empty value counts as absent."""
    from chalicelib.validation import parse

    params = {k: v for k, v in (request.query_params or {}).items() if v not in (None, "")}
    return parse(_schema(schema), params)


def json_body(request):
    from chalicelib.validation import decode_json

    return decode_json(request.raw_body)


def expected_version(request) -> int | None:
    """Optimistic concurrency: the client sends the version it edited as If-Match."""
    value = (request.headers or {}).get("if-match")
    if value is None:
        return None
    value = value.strip().strip('"').removeprefix("W/").strip('"')
    if not (value.isascii() and value.isdigit()):     # int() would take a full-width ２
        from chalicelib.errors import BadRequest

        raise BadRequest("If-Match应为版本号", code="BAD_VERSION")
    return int(value)


def handled(app):
    """Wrap a view: request id for logs, domain errors to the one error shape, no leaks."""
    def decorate(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            request = app.current_request
            set_request_id((request.context or {}).get("requestId") if request else None)
            try:
                result = view(*args, **kwargs)
            except AppError as err:
                log.info("request refused", extra={"fields": {"code": err.code, "status": err.status}})
                return error_response(err)
            except Exception as exc:  # the one place that turns failures into 503/500, no internals
                from chalicelib.aws import is_retryable

                if is_retryable(exc):
                    log.warning("dependency busy", extra={"fields": {"error": type(exc).__name__}})
                    return error_response(Unavailable())
                log.exception("unhandled error")
                return Response(body=INTERNAL, status_code=500, headers=JSON_HEADERS)
            if isinstance(result, Response):
                return result
            return Response(body=result, status_code=200, headers=JSON_HEADERS)
        return wrapper
    return decorate


def created(payload) -> Response:
    return Response(body=payload, status_code=201, headers=JSON_HEADERS)


def no_content() -> Response:
    return Response(body="", status_code=204, headers={"Cache-Control": "no-store"})
