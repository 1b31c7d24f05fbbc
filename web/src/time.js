// Times shown to people are Beijing time (UTC+8, no daylight saving), `YYYY-MM-DD HH:mm`.
const pad = (n) => String(n).padStart(2, "0");

/** "2026-11-26T12:45:57.819Z" → "2026-11-26 20:45"; a plain date "2026-11-26" stays as it is. */
export function beijingTime(value) {
  if (!value) return "";
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return value;
  const t = new Date(value);
  if (Number.isNaN(t.getTime())) return String(value);
  const b = new Date(t.getTime() + 8 * 3600 * 1000);
  return `${b.getUTCFullYear()}-${pad(b.getUTCMonth() + 1)}-${pad(b.getUTCDate())} ${pad(b.getUTCHours())}:${pad(b.getUTCMinutes())}`;
}

/** Only the Beijing date: "2026-11-26". */
export function beijingDate(value) {
  return beijingTime(value).slice(0, 10);
}
