// Sign-in through the province's unified identity platform (统一身份认证平台): OpenID Connect
// authorization code + PKCE with oidc-client-ts. Tokens are renewed silently (a hidden iframe, or
// the refresh token where the platform issues one) without leaving the page, so a form being
// filled keeps its content; 安全退出 ends the session at the platform too.
//
// /config.js provides oidcAuthority (the issuer), oidcClientId and optionally oidcRedirectUri
// (default: the web root), oidcScope, oidcRenewBeforeSeconds.
import { UserManager, WebStorageStateStore } from "oidc-client-ts";

const cfg = window.TALENT_CONFIG || {};
const ROOT = cfg.oidcRedirectUri || `${location.origin}/`;
const ERROR_KEY = "talent.authError";

let manager = null;
const listeners = new Set();

export const configured = () => Boolean(cfg.oidcAuthority && cfg.oidcClientId);

export function userManager() {
  if (!manager && configured()) {
    manager = new UserManager({
      authority: cfg.oidcAuthority,
      client_id: cfg.oidcClientId,
      redirect_uri: ROOT,
      silent_redirect_uri: ROOT,
      post_logout_redirect_uri: ROOT,
      response_type: "code",
      scope: cfg.oidcScope || "openid profile api",
      loadUserInfo: false,
      automaticSilentRenew: true,
      accessTokenExpiringNotificationTimeInSeconds: cfg.oidcRenewBeforeSeconds || 60,
      silentRequestTimeoutInSeconds: 10,
      userStore: new WebStorageStateStore({ store: window.sessionStorage }),
    });
    manager.events.addUserLoaded((user) => listeners.forEach((fn) => fn(user)));
  }
  return manager;
}

// Called with the new user whenever tokens are (re)issued.
export function onTokens(fn) {
  listeners.add(fn);
}

function isCallback() {
  const p = new URLSearchParams(location.search);
  return p.has("state") && (p.has("code") || p.has("error"));
}

export const inRenewalFrame = () => window.self !== window.top && isCallback();

// The platform redirected back here (?code=…&state=…): finish the sign-in. Returns
// { user, returnTo } after a sign-in, null when this page load is not a callback.
export async function completeSignIn() {
  if (!isCallback() || !configured()) return null;
  const clean = () => history.replaceState(history.state, "", location.pathname + location.hash);
  try {
    const user = await userManager().signinCallback();
    clean();
    return user ? { user, returnTo: (user.state && user.state.returnTo) || "" } : null;
  } catch (e) {
    clean();
    sessionStorage.setItem(ERROR_KEY, e.message || "登录失败，请重试");
    return null;
  }
}

export function takeSignInError() {
  const msg = sessionStorage.getItem(ERROR_KEY);
  sessionStorage.removeItem(ERROR_KEY);
  return msg;
}

// Go to the platform's login page; come back to `returnTo` (a route such as /m/declare/123).
export function signIn(returnTo) {
  return userManager().signinRedirect({ state: { returnTo: returnTo || "" } });
}

// A new access token without leaving the page (after a 401); null when the session is gone.
export async function renew() {
  try {
    return await userManager().signinSilent();
  } catch {
    return null;
  }
}

export async function currentUser() {
  return configured() ? userManager().getUser() : null;
}

// 安全退出: forget the tokens here and end the session at the platform.
export async function signOut() {
  const mgr = userManager();
  if (!mgr) return;
  const user = await mgr.getUser();
  await mgr.signoutRedirect({ id_token_hint: user && user.id_token });
}
