// The local identity platform's pages (Chinese, no external resources): the login page with the
// unified platform's three panels plus the demo accounts, and the sign-out page.

const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));

const ROLE_LABELS = { applicant: "申报人（个人）", unit: "单位", city_bureau: "市（州）人社局", province: "省人社厅" };

const STYLE = `
body{font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:0;background:#eef3f8;color:#1f2d3d}
header{background:#1d5fa8;color:#fff;padding:14px 20px;font-size:20px}
main{max-width:760px;margin:20px auto;padding:0 12px}
.card{background:#fff;border-radius:6px;box-shadow:0 1px 3px rgba(0,0,0,.12);padding:18px 22px;margin-bottom:16px}
[role=tablist]{display:flex;gap:4px;border-bottom:2px solid #1d5fa8;margin-bottom:14px}
[role=tab]{border:0;background:#dbe6f3;padding:8px 16px;font-size:15px;cursor:pointer;border-radius:4px 4px 0 0}
[role=tab][aria-selected=true]{background:#1d5fa8;color:#fff}
label{display:block;margin:10px 0 4px}
input[type=text]{width:100%;box-sizing:border-box;padding:8px;font-size:15px;border:1px solid #b8c4d2;border-radius:4px}
button.primary{margin-top:14px;background:#1d5fa8;color:#fff;border:0;padding:9px 26px;font-size:15px;border-radius:4px;cursor:pointer}
.demo button{margin:4px 6px 4px 0;padding:6px 10px;border:1px solid #1d5fa8;background:#fff;color:#1d5fa8;border-radius:4px;cursor:pointer}
.error{background:#fdecea;color:#a61b1b;border:1px solid #f5c2c0;padding:10px;border-radius:4px;margin-bottom:12px}
.muted{color:#5b6b7c;font-size:13px}
h2{font-size:17px;margin:6px 0 10px}h3{font-size:15px;margin:12px 0 4px}
`;

function panel(id, title, selected, body) {
  return `<section id="panel-${id}" role="tabpanel" aria-labelledby="tab-${id}" ${selected ? "" : "hidden"}>
    <h2>${title}</h2>${body}</section>`;
}

export function loginPage({ error = "", demo = [], action = "", form = {} }) {
  const active = ["person", "legal", "agent"].includes(form.kind) ? form.kind : "person";
  const groups = {};
  for (const d of demo) (groups[d.role] ||= []).push(d);
  const demoHtml = Object.entries(groups).map(([role, items]) => `<h3>${esc(ROLE_LABELS[role] || role)}</h3>
    ${items.map((d) => `<button type="submit" name="login" value="${esc(d.login)}" data-login="${esc(d.login)}">${esc(d.name)}</button>`).join("")}`).join("");
  const tab = (id, label) => `<button type="button" role="tab" id="tab-${id}" aria-controls="panel-${id}" aria-selected="${active === id}">${label}</button>`;
  const field = (name, label, extra = "") => `<label for="${name}-${extra || "f"}">${label}</label>
    <input type="text" id="${name}-${extra || "f"}" name="${name}" value="${esc(form.kind === extra ? form[name] : "")}" autocomplete="off" required>`;
  return `<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>吉林省统一身份认证平台（本地开发环境）</title><style>${STYLE}</style></head>
<body><header>吉林省统一身份认证平台 <span class="muted" style="color:#cfe0f5">本地开发环境</span></header>
<main>
${error ? `<div class="error" role="alert">${esc(error)}</div>` : ""}
${action ? `<div class="card">
  <div role="tablist" aria-label="登录方式">${tab("person", "个人登录")}${tab("legal", "法人登录")}${tab("agent", "经办人账号登录")}</div>
  ${panel("person", "个人登录", active === "person", `<form method="post" action="${action}"><input type="hidden" name="kind" value="person">
    ${field("name", "姓名", "person")}${field("id_number", "身份证号码", "person")}
    <button class="primary" type="submit">登录</button></form>`)}
  ${panel("legal", "法人登录", active === "legal", `<form method="post" action="${action}"><input type="hidden" name="kind" value="legal">
    ${field("credit_code", "统一社会信用代码", "legal")}
    <button class="primary" type="submit">登录</button></form>`)}
  ${panel("agent", "经办人账号登录", active === "agent", `<form method="post" action="${action}"><input type="hidden" name="kind" value="agent">
    ${field("credit_code", "单位统一社会信用代码", "agent")}${field("agent", "经办人手机号/身份证号", "agent")}
    <button class="primary" type="submit">登录</button></form>`)}
  <p class="muted">本地开发环境不校验密码；生产环境由吉林省统一身份认证平台校验密码或扫码登录。</p>
</div>
<div class="card demo"><h2>演示账号（一键登录）</h2>
  <form method="post" action="${action}"><input type="hidden" name="kind" value="demo">${demoHtml || '<p class="muted">暂无演示账号</p>'}</form>
</div>
<script>
document.querySelectorAll('[role=tab]').forEach(function (t) {
  t.addEventListener('click', function () {
    document.querySelectorAll('[role=tab]').forEach(function (o) {
      var on = o === t; o.setAttribute('aria-selected', on);
      document.getElementById(o.getAttribute('aria-controls')).hidden = !on;
    });
  });
});
</script>` : ""}
</main></body></html>`;
}

// RP-initiated logout: the user already chose 安全退出 in the platform, so the form posts itself.
export function logoutPage(form) {
  const auto = form ? form.replace("</form>", '<input type="hidden" name="logout" value="yes"></form>') : "";
  return `<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>安全退出</title><style>${STYLE}</style></head>
<body><header>吉林省统一身份认证平台</header><main><div class="card">
<h2>${form ? "正在安全退出…" : "您已安全退出"}</h2>${auto}
${form ? `<noscript><button class="primary" type="submit" form="op.logoutForm" name="logout" value="yes">确认退出</button></noscript>
<script>document.getElementById('op.logoutForm').submit();</script>` : ""}
</div></main></body></html>`;
}
