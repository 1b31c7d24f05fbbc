// The API client: token, JSON, the platform's error shape {Code, Message, Details}, uploads
// straight to S3 by presigned POST with progress.
import { onTokens, renew, signIn } from "./auth.js";

// `?api=` redirects the API (and so the bearer token) to another host: development builds only.
const devApi = import.meta.env.DEV ? new URLSearchParams(location.search).get("api") : null;
export const API_BASE = (devApi || (window.TALENT_CONFIG && window.TALENT_CONFIG.apiBase) ||
  "http://127.0.0.1:8000").replace(/\/$/, "");

function fallbackMessage(status) {
  if (status >= 500) return `服务暂时不可用（${status}），请稍后重试`;
  return `请求失败（${status}），请稍后重试`;
}

export class ApiError extends Error {
  constructor(status, body) {
    super((body && (body.Message || body.message)) || fallbackMessage(status));
    this.status = status;
    this.code = body && body.Code;
    this.details = body && body.Details;
  }
}

export const session = {
  get user() { return JSON.parse(sessionStorage.getItem("talent.user") || "null"); },
  set user(v) { v ? sessionStorage.setItem("talent.user", JSON.stringify(v)) : sessionStorage.removeItem("talent.user"); },
};

// Tokens renewed in the background replace the one the requests send; nothing else changes.
onTokens((u) => {
  const current = session.user;
  if (current) session.user = { ...current, token: u.access_token };
});

// After the platform's redirect: who the caller is and what they may do comes from the API.
export async function establishSession(oidcUser) {
  session.user = { token: oidcUser.access_token };
  try {
    const me = await api("GET", "/me");
    session.user = { ...me, token: oidcUser.access_token };
    return session.user;
  } catch (e) {
    if (e.status !== 503) session.user = null;
    throw e;
  }
}

function currentRoute() {
  return location.hash.replace(/^#/, "") || "/";
}

async function send(method, path, body, headers) {
  const user = session.user;
  const init = { method, headers: { ...headers } };
  if (user && user.token) init.headers.Authorization = `Bearer ${user.token}`;
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  try {
    return await fetch(API_BASE + path, init);
  } catch (e) {
    throw new ApiError(0, { Message: "网络连接失败，请检查网络后重试" });
  }
}

export async function api(method, path, body, headers = {}) {
  let resp = await send(method, path, body, headers);
  if (resp.status === 401 && session.user) {
    // The access token ran out (or was refused): renew silently once and try again.
    const renewed = await renew();
    if (renewed) {
      session.user = { ...session.user, token: renewed.access_token };
      resp = await send(method, path, body, headers);
    }
  }
  const text = await resp.text();
  const data = parseBody(text, resp.ok);
  if (!resp.ok) {
    // 401: the session is over, sign in again and come back here. A 503 (the identity platform
    // or the API busy) keeps the session: the user retries.
    if (resp.status === 401 && session.user && path !== "/me") {
      session.user = null;
      signIn(currentRoute());
    }
    throw new ApiError(resp.status, data);
  }
  return data;
}

// A body that is not JSON (an HTML 502 from a gateway, a truncated reply) never throws here: a
// failed request then reports its status in Chinese; a successful one with such a body is an error.
function parseBody(text, ok) {
  if (!text) return null;
  try { return JSON.parse(text); } catch (e) {
    if (ok) throw new ApiError(0, { Message: "服务器返回了无法识别的内容，请稍后重试" });
    return null;
  }
}

export const get = (p) => api("GET", p);
export const post = (p, b, h) => api("POST", p, b === undefined ? {} : b, h);
export const put = (p, b, h) => api("PUT", p, b, h);
export const del = (p, h) => api("DELETE", p, undefined, h);

// POST the file to S3 with the presigned fields (fields first, file last), reporting progress.
export function postToS3(upload, file, onProgress) {
  return new Promise((resolve, reject) => {
    const form = new FormData();
    Object.entries(upload.fields).forEach(([k, v]) => form.append(k, v));
    form.append("file", file);
    const xhr = new XMLHttpRequest();
    xhr.open("POST", upload.url);
    xhr.upload.onprogress = (e) => e.lengthComputable && onProgress && onProgress(Math.round((e.loaded / e.total) * 100));
    xhr.onload = () => (xhr.status < 300 ? resolve() : reject(new ApiError(xhr.status, { Message: "文件上传失败，请重试" })));
    xhr.onerror = () => reject(new ApiError(0, { Message: "文件上传失败，请检查网络" }));
    xhr.send(form);
  });
}

async function putParts(upload, file, onProgress) {
  let done = 0;
  for (const part of upload.parts) {
    const start = (part.part_number - 1) * upload.part_size;
    const r = await fetch(part.url, { method: "PUT", body: file.slice(start, start + upload.part_size) });
    if (!r.ok) throw new ApiError(r.status, { Message: "分片上传失败，可稍后续传" });
    done += 1;
    onProgress && onProgress(Math.round((done / upload.parts.length) * 100));
  }
}

// An attachment's verdict is final once verified or rejected; pending/verifying means a big image is
// still with the S3-event verifier, and calling "complete" again is safe (idempotent).
export const FINAL_STATES = ["verified", "rejected"];
export const COMPLETE_POLL = { intervalMs: 1000, limitMs: 30000 };

// Calls "complete" until the verdict is final (every intervalMs, at most limitMs); returns the
// last answer, which is still pending when the verifier needs longer (the page then offers 刷新).
export async function completeUntilFinal(path, { intervalMs = COMPLETE_POLL.intervalMs, limitMs = COMPLETE_POLL.limitMs } = {}) {
  const deadline = Date.now() + limitMs;
  let att = await post(path);
  while (att && !FINAL_STATES.includes(att.state) && Date.now() + intervalMs <= deadline) {
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
    att = await post(path);
  }
  return att;
}

// The whole upload: slot → S3 → complete (verification, polled until final). Returns the
// attachment's state: final, or still pending after COMPLETE_POLL.limitMs.
export async function uploadFile(slotPath, completePath, body, file, onProgress) {
  const slot = await post(slotPath, body);
  if (slot.upload.method === "multipart") await putParts(slot.upload, file, onProgress);
  else await postToS3(slot.upload, file, onProgress);
  return completeUntilFinal(completePath(slot.attachment.attachment_id));
}

export const ROLE_LABELS = { applicant: "申报人", unit: "单位", city_bureau: "市（州）人社局", province: "省人社厅" };

/**
 * One way to show any failure: `message` for the page, `text` the message with every field-level
 * detail joined in Chinese (for pages that show one line), `fields` maps a field path from the API's
 * Details ("phone", "1.post" = second entry's post) to the message to show at that field.
 */
export function describeError(e) {
  const fields = {};
  const details = e && Array.isArray(e.details) ? e.details : [];
  for (const d of details) {
    if (!d || typeof d.field !== "string" || !d.message) continue;
    if (!(d.field in fields)) fields[d.field] = d.message;
  }
  let message = (e && e.message) || "操作失败，请稍后重试";
  if (e && e.status === 0) message = e.message;
  const parts = details.map((d) => d && (d.message || d.Message)).filter(Boolean);
  const text = parts.length ? parts.join("；") : message;
  return { message, text, fields, code: e && e.code, status: e && e.status };
}

/** For a list that reloads on every tab or filter click: `const fresh = latestOnly();` then
 *  `const ticket = fresh.next(); const page = await …; if (!fresh.is(ticket)) return;` — answers can
 *  arrive out of order, and only the answer to the last click may fill the list. */
export function latestOnly() {
  let last = 0;
  return { next: () => ++last, is: (ticket) => ticket === last };
}
