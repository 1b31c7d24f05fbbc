// 证书查验 in the browser: the QR payload JLC1.<base64url(JSON)>.<base64url(r‖s)> checked with
// WebCrypto (ECDSA P-256 / SHA-256) against the public key published at
// /.well-known/certificate-keys; the key is kept in localStorage once fetched, so the check also
// runs with no network.
import { API_BASE } from "../api.js";

const KEY_STORE = "talent.certificateKeys";

function unb64url(text) {
  const s = text.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (text.length % 4)) % 4);
  return Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
}

export async function publishedKeys() {
  try {
    const resp = await fetch(`${API_BASE}/.well-known/certificate-keys`);
    if (resp.ok) {
      const keys = (await resp.json()).keys;
      localStorage.setItem(KEY_STORE, JSON.stringify(keys));
      return keys;
    }
  } catch (e) { /* offline: the kept copy */ }
  const kept = localStorage.getItem(KEY_STORE);
  return kept ? JSON.parse(kept) : [];
}

// {ok, claims} — ok false when the payload is malformed, altered, or signed by another key.
export async function verifyPayload(payload, keys) {
  try {
    const [prefix, body64, sig64] = payload.trim().split(".");
    if (prefix !== "JLC1" || !body64 || !sig64) return { ok: false };
    const body = unb64url(body64);
    const claims = JSON.parse(new TextDecoder().decode(body));
    const key = keys.find((k) => k.kid === claims.k);
    if (!key) return { ok: false, claims };
    const pub = await crypto.subtle.importKey("spki", unb64url(key.spki.replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "")),
      { name: "ECDSA", namedCurve: "P-256" }, false, ["verify"]);
    const ok = await crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, pub, unb64url(sig64), body);
    return { ok, claims };
  } catch (e) {
    return { ok: false };
  }
}

export const STATUS_TYPE = { 有效: "success", 已撤销: "danger", 已更正: "warning" };
