// The local stand-in for Jilin province's unified identity platform (统一身份认证平台), built on the
// certified `oidc-provider` library: discovery, JWKS, authorization code + PKCE, RS256 JWT access
// tokens for the API's audience, RP-initiated logout. Only the login page is ours: the platform's
// three panels (个人登录, 法人登录, 经办人账号登录) and a one-click list of the demo accounts.
//
// Which accounts exist is decided where the real platform would decide it: people and legal
// persons are accepted when their ID number / credit code passes its checksum; an agent only when
// the unit's 经办人 list (the API's records, asked through its local-stage endpoint) has them.
//
// Environment: OIDC_PORT, OIDC_ISSUER, OIDC_CLIENT_ID, OIDC_REDIRECT_URIS (space separated),
// OIDC_AUDIENCE, OIDC_ACCESS_TOKEN_TTL (seconds), OIDC_SIGNING_KEY_FILE (PKCS#8 PEM),
// OIDC_SIGNING_KID, TALENT_API_URL (the API, for demo logins and the agent lookup).
import crypto from "node:crypto";
import fs from "node:fs";
import http from "node:http";

import Provider from "oidc-provider";

import { checkCreditCode, checkIdNumber, platformSubject } from "./identifiers.mjs";
import { loginPage, logoutPage } from "./pages.mjs";

const env = process.env;
const PORT = Number(env.OIDC_PORT || 9000);
const ISSUER = (env.OIDC_ISSUER || `http://127.0.0.1:${PORT}`).replace(/\/$/, "");
const CLIENT_ID = env.OIDC_CLIENT_ID || "talent-grading-web";
const REDIRECT_URIS = (env.OIDC_REDIRECT_URIS || "http://127.0.0.1:8080/").split(/\s+/).filter(Boolean);
const AUDIENCE = env.OIDC_AUDIENCE || "talent-grading-api";
const RESOURCE = "urn:jilin:talent-grading:api";
const ACCESS_TTL = Number(env.OIDC_ACCESS_TOKEN_TTL || 3600);
const API = (env.TALENT_API_URL || "http://127.0.0.1:8000").replace(/\/$/, "");

function signingKey() {
  const pem = env.OIDC_SIGNING_KEY_FILE ? fs.readFileSync(env.OIDC_SIGNING_KEY_FILE) : null;
  const key = pem ? crypto.createPrivateKey(pem)
    : crypto.generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey;
  return { ...key.export({ format: "jwk" }), use: "sig", alg: "RS256", kid: env.OIDC_SIGNING_KID || "local-1" };
}

// The platform's account store: subject -> claims. Memory only, like the provider's sessions.
const accounts = new Map();

function remember(claims) {
  accounts.set(claims.sub, claims);
  return claims.sub;
}

async function askApi(path, body) {
  const resp = await fetch(API + path, {
    method: body ? "POST" : "GET",
    headers: body ? { "Content-Type": "application/json" } : {},
    body: body ? JSON.stringify(body) : undefined,
    signal: AbortSignal.timeout(5000),
  });
  const data = await resp.json().catch(() => null);
  if (!resp.ok) {
    const err = new Error((data && data.Message) || "统一身份认证平台暂时无法核验账号，请稍后重试");
    err.status = resp.status;
    throw err;
  }
  return data;
}

const PLATFORM_CLAIMS = ["account_kind", "name", "id_type", "id_number", "credit_code", "phone_number"];

const provider = new Provider(ISSUER, {
  clients: [{
    client_id: CLIENT_ID,
    client_name: "吉林省人才分类定级申报评审平台",
    token_endpoint_auth_method: "none",
    application_type: "web",
    grant_types: ["authorization_code"],
    response_types: ["code"],
    redirect_uris: REDIRECT_URIS,
    post_logout_redirect_uris: REDIRECT_URIS,
  }],
  jwks: { keys: [signingKey()] },
  cookies: { keys: [crypto.randomBytes(32).toString("hex")] },
  claims: { openid: ["sub"], profile: PLATFORM_CLAIMS },
  conformIdTokenClaims: false,
  scopes: ["openid", "profile"],
  pkce: { required: () => true },
  ttl: { AccessToken: ACCESS_TTL, IdToken: ACCESS_TTL, Interaction: 3600, Session: 8 * 3600, Grant: 8 * 3600 },
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  findAccount: async (_ctx, sub) => {
    const claims = accounts.get(sub);
    return claims ? { accountId: sub, claims: async () => claims } : undefined;
  },
  // The API reads who the caller is from the access token: the platform's claims, never a role.
  extraTokenClaims: async (_ctx, token) => {
    if (token.kind !== "AccessToken") return undefined;
    const claims = accounts.get(token.accountId) || {};
    return Object.fromEntries(PLATFORM_CLAIMS.filter((k) => claims[k] !== undefined).map((k) => [k, claims[k]]));
  },
  features: {
    devInteractions: { enabled: false },
    resourceIndicators: {
      enabled: true,
      defaultResource: async () => RESOURCE,
      useGrantedResource: async () => true,
      getResourceServerInfo: async (_ctx, resource) => {
        if (resource !== RESOURCE) throw new Provider.errors.InvalidTarget();
        return { scope: "api", audience: AUDIENCE, accessTokenTTL: ACCESS_TTL, accessTokenFormat: "jwt",
          jwt: { sign: { alg: "RS256" } } };
      },
    },
    rpInitiatedLogout: {
      enabled: true,
      logoutSource: async (ctx, form) => { ctx.body = logoutPage(form); },
      postLogoutSuccessSource: async (ctx) => { ctx.body = logoutPage(""); },
    },
  },
  renderError: async (ctx, out) => {
    ctx.type = "html";
    ctx.body = loginPage({ error: `${out.error}: ${out.error_description || ""}`, demo: [], action: "" });
  },
});
provider.proxy = false;

async function readForm(req) {
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > 16384) throw new Error("form too large");
    chunks.push(chunk);
  }
  return Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString("utf8")));
}

async function demoLogins() {
  try {
    return (await askApi("/dev/logins")).items;
  } catch {
    return [];
  }
}

function withSubject(claims) {
  const key = { person: claims.id_number, legal: claims.credit_code,
    agent: `${claims.credit_code}|${claims.phone_number || claims.id_number}` }[claims.account_kind];
  if (!key) throw new Error("账号信息不完整，请联系管理员");
  return { sub: platformSubject(claims.account_kind, key), ...claims };
}

// Turns what was typed on one of the three panels into the platform's claims, or a Chinese error.
async function authenticate(form) {
  const kind = form.kind;
  if (kind === "demo") {
    return withSubject(await askApi("/dev/platform-account", { login: String(form.login || "").slice(0, 50) }));
  }
  if (kind === "person") {
    const name = String(form.name || "").trim();
    const idNumber = String(form.id_number || "").trim().toUpperCase();
    if (!name || name.length > 50) throw new Error("请输入姓名");
    if (!checkIdNumber(idNumber)) throw new Error("身份证号码不正确，请核对后重新输入");
    return { sub: platformSubject("person", idNumber), account_kind: "person", name,
      id_type: "居民身份证", id_number: idNumber };
  }
  if (kind === "legal") {
    const code = String(form.credit_code || "").trim().toUpperCase();
    if (!checkCreditCode(code)) throw new Error("统一社会信用代码不正确，请核对后重新输入");
    return withSubject(await askApi("/dev/platform-account", { kind: "legal", credit_code: code }));
  }
  if (kind === "agent") {
    // NFKC as chalicelib/identifiers.normalize: a full-width ２ typed on a phone keyboard is a 2.
    const code = String(form.credit_code || "").normalize("NFKC").trim().toUpperCase();
    const who = String(form.agent || "").normalize("NFKC").trim().toUpperCase();
    if (!checkCreditCode(code)) throw new Error("统一社会信用代码不正确，请核对后重新输入");
    if (!/^1[3-9]\d{9}$/.test(who)) {
      if (/^\d{17}[\dX]$/.test(who) && !checkIdNumber(who)) throw new Error("身份证号码不正确，请核对后重新输入");
      if (!checkIdNumber(who)) throw new Error("请输入经办人手机号或身份证号");
    }
    return withSubject(await askApi("/dev/platform-account", { kind: "agent", credit_code: code, agent: who }));
  }
  throw new Error("请选择登录方式");
}

async function finishLogin(ctx, claims) {
  const accountId = remember(claims);
  const details = await provider.interactionDetails(ctx.req, ctx.res);
  const grant = details.grantId ? await provider.Grant.find(details.grantId)
    : new provider.Grant({ accountId, clientId: details.params.client_id });
  grant.addOIDCScope("openid profile");
  grant.addOIDCClaims(PLATFORM_CLAIMS);
  grant.addResourceScope(RESOURCE, "api");
  const grantId = await grant.save();
  await provider.interactionFinished(ctx.req, ctx.res, { login: { accountId }, consent: { grantId } },
    { mergeWithLastSubmission: false });
}

provider.use(async (ctx, next) => {
  const match = ctx.path.match(/^\/interaction\/([\w-]+)(\/login)?$/);
  if (!match) return next();
  ctx.set("Cache-Control", "no-store");
  const action = `/interaction/${match[1]}/login`;
  let details;
  try {
    details = await provider.interactionDetails(ctx.req, ctx.res);
  } catch {
    ctx.status = 400;
    ctx.type = "html";
    ctx.body = loginPage({ error: "登录已超时，请返回业务系统重新登录", demo: [], action: "" });
    return undefined;
  }
  if (ctx.method === "GET" && !match[2]) {
    if (details.prompt.name === "consent" && details.session?.accountId) {
      // Consent is implied for the platform's own client: grant and go on.
      const claims = accounts.get(details.session.accountId);
      if (claims) return finishLogin(ctx, claims);
    }
    ctx.type = "html";
    ctx.body = loginPage({ demo: await demoLogins(), action });
    return undefined;
  }
  if (ctx.method === "POST" && match[2]) {
    let form = {};
    try {
      form = await readForm(ctx.req);
      return await finishLogin(ctx, await authenticate(form));
    } catch (err) {
      ctx.status = err.status && err.status < 500 ? 400 : 200;
      ctx.type = "html";
      ctx.body = loginPage({ error: err.message, demo: await demoLogins(), action, form });
      return undefined;
    }
  }
  ctx.status = 405;
  return undefined;
});

const server = http.createServer(provider.callback());
server.listen(PORT, "127.0.0.1", () => {
  console.log(`local identity platform ${ISSUER} (client ${CLIENT_ID}, audience ${AUDIENCE}, access token ${ACCESS_TTL}s)`);
});
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => server.close(() => process.exit(0)));
