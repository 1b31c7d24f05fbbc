"""Domain errors: a machine code, an HTTP status and a Chinese message a user understands.

Services raise these; app.py translates them to Chalice's error shape {"Code", "Message"} in one
place. Nothing here knows about HTTP frameworks.
"""
from typing import Any, Optional


class AppError(Exception):
    status = 400
    code = "BAD_REQUEST"
    message = "请求有误"

    def __init__(self, message: Optional[str] = None, code: Optional[str] = None,
                 details: Optional[Any] = None):
        self.message = message or self.message
        self.code = code or self.code
        self.details = details
        super().__init__(f"{self.code}: {self.message}")

    def body(self) -> dict:
        body = {"Code": self.code, "Message": self.message}
        if self.details is not None:
            body["Details"] = self.details
        return body


class BadRequest(AppError):
    status = 400
    code = "BAD_REQUEST"
    message = "请求参数有误"


class ValidationFailed(AppError):
    status = 422
    code = "VALIDATION_FAILED"
    message = "提交的信息不符合要求"


class Unauthorized(AppError):
    status = 401
    code = "UNAUTHORIZED"
    message = "登录已失效，请重新登录"


class Forbidden(AppError):
    status = 403
    code = "FORBIDDEN"
    message = "无权进行此操作"


class NotFound(AppError):
    status = 404
    code = "NOT_FOUND"
    message = "记录不存在"


class Conflict(AppError):
    status = 409
    code = "CONFLICT"
    message = "数据已被他人修改，请刷新后重试"


class Unavailable(AppError):
    """A dependency failed in a way the caller may retry (throttling, timeouts)."""
    status = 503
    code = "SERVICE_BUSY"
    message = "系统繁忙，请稍后重试"
