"""本地开发 routes (the local stage only): demo sign-in and the identity platform's fake."""
from chalicelib.services import authentication
from chalicelib.web import Area

area = Area(__name__)
route = area.route


@route("/dev/token", methods=("POST",), public=True, request="accounts.DevTokenIn",
       summary="本地演示账号登录")
def dev_token(data):
    return authentication.issue_dev_token(data.login)


@route("/dev/logins", public=True, summary="本地演示账号列表")
def dev_logins():
    return {"items": authentication.list_dev_logins()}


@route("/dev/platform-account", methods=("POST",), public=True,
       summary="本地统一身份认证平台核验账号（演示账号、法人、经办人）", raw_body=True)
def dev_platform_account(raw):
    return authentication.dev_platform_account(raw)
