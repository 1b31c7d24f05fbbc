"""The OpenAPI 3 document, generated from the route table and the same pydantic schemas the
API validates with (served at /openapi.json and kept in the repo as openapi.json)."""
import importlib
import re

ERROR_SCHEMA = {
    "type": "object", "required": ["Code", "Message"],
    "properties": {"Code": {"type": "string", "description": "机器可读的错误码"},
                   "Message": {"type": "string", "description": "面向用户的中文说明"},
                   "Details": {"description": "字段级错误或附加信息"}},
}
ERRORS = {"400": "请求格式有误", "401": "未登录或登录已失效", "403": "无权办理", "404": "记录不存在或无权查看",
          "409": "状态冲突（版本已变化、已被处理等）", "422": "提交的信息不符合要求", "503": "系统繁忙，可重试"}


def _schema(name: str, components: dict) -> dict:
    module, cls = name.split(".")
    model = getattr(importlib.import_module(f"chalicelib.schemas.{module}"), cls)
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    for sub, definition in schema.pop("$defs", {}).items():
        components[sub] = definition
    components[cls] = schema
    return {"$ref": f"#/components/schemas/{cls}"}


def _query_params(name: str) -> list:
    """The query parameters of a route, from its query schema (chalicelib.schemas.queries)."""
    module, cls = name.split(".")
    model = getattr(importlib.import_module(f"chalicelib.schemas.{module}"), cls)
    properties = model.model_json_schema()["properties"]
    paging = [f for f in ("cursor", "limit") if f in properties]    # listed last, as on every list
    return [{"name": field, "in": "query", "required": False, "schema": properties[field]}
            for field in [f for f in properties if f not in paging] + paging]


def document(routes) -> dict:
    components = {"Error": ERROR_SCHEMA}
    paths: dict = {}
    for r in routes:
        item = paths.setdefault(r.path, {})
        params = [{"name": p, "in": "path", "required": True, "schema": {"type": "string"}}
                  for p in re.findall(r"{(\w+)}", r.path)]
        params += _query_params(r.query) if r.query else []
        for method in r.methods:
            op = {"summary": r.summary.strip().splitlines()[0] if r.summary else r.path,
                  "operationId": f"{method.lower()}_{re.sub(r'[^a-zA-Z0-9]+', '_', r.path).strip('_')}",
                  "parameters": list(params),
                  "responses": {str(r.status) if method != "DELETE" else "200": {
                      "description": "成功", "content": {"application/json": {"schema": {"type": "object"}}}}}}
            if method == "DELETE":
                op["responses"]["204"] = {"description": "已删除"}
            if r.versioned:
                op["parameters"].append({"name": "If-Match", "in": "header", "required": False,
                                         "schema": {"type": "string"}, "description": "编辑时的版本号"})
            if r.request:
                op["requestBody"] = {"required": True, "content": {"application/json": {
                    "schema": _schema(r.request, components)}}}
            for status, text in ERRORS.items():
                if r.public and status in ("401", "403"):
                    continue
                op["responses"][status] = {"description": text, "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/Error"}}}}
            if not r.public:
                op["security"] = [{"bearer": []}]
            item[method.lower()] = op
    return {"openapi": "3.0.3",
            "info": {"title": "吉林省人才分类定级申报评审平台 API", "version": "1.0.0",
                     "description": "错误统一为 {\"Code\", \"Message\"}；列表以 next_cursor 分页；"
                                    "编辑类请求以 If-Match 携带版本号。"},
            "servers": [{"url": "/"}],
            "paths": paths,
            "components": {"schemas": components, "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}}}}
