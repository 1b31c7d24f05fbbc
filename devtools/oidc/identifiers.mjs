// GB 11643-1999 (citizen ID number) and GB 32100-2015 (unified social credit code) checksums, the
// same rules as chalicelib/identifiers.py, so the platform refuses a mistyped number at once.
import crypto from "node:crypto";

const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK = "10X98765432";
const CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY";
const CREDIT_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

export function checkIdNumber(id) {
  if (typeof id !== "string" || !/^\d{17}[\dX]$/.test(id)) return false;
  const y = Number(id.slice(6, 10)), m = Number(id.slice(10, 12)), d = Number(id.slice(12, 14));
  const born = new Date(Date.UTC(y, m - 1, d));
  if (born.getUTCFullYear() !== y || born.getUTCMonth() !== m - 1 || born.getUTCDate() !== d) return false;
  if (y < 1900 || born > new Date()) return false;
  const total = ID_WEIGHTS.reduce((sum, w, i) => sum + Number(id[i]) * w, 0);
  return ID_CHECK[total % 11] === id[17];
}

export function checkCreditCode(code) {
  if (typeof code !== "string" || !/^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$/.test(code)) return false;
  const total = CREDIT_WEIGHTS.reduce((sum, w, i) => sum + CREDIT_CHARS.indexOf(code[i]) * w, 0);
  return CREDIT_CHARS[(31 - (total % 31)) % 31] === code[17];
}

// The platform's stable, opaque subject for an account (the API never derives rights from it).
export function platformSubject(kind, key) {
  return `${kind}-${crypto.createHash("sha256").update(`${kind}|${key}`).digest("hex").slice(0, 24)}`;
}
