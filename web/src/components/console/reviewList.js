// The review list a reviewer works through: its address (返回 comes back to the same tab and
// filter) and its filter (上一条/下一条 on the review page walk the same list). Kept for the tab's
// session; 姓名 and 证件号码 stay out of the URL.
const KEY = "talent.reviewList";

export function rememberList(fullPath, filter) {
  sessionStorage.setItem(KEY, JSON.stringify({ fullPath, filter }));
}

export function lastList() {
  try { return JSON.parse(sessionStorage.getItem(KEY) || "null"); } catch { return null; }
}
