// Console display helpers: Beijing time, Chinese labels for API codes (errors: api.js describeError).
const BEIJING = new Intl.DateTimeFormat("zh-CN", {
  timeZone: "Asia/Shanghai", year: "numeric", month: "2-digit", day: "2-digit",
  hour: "2-digit", minute: "2-digit", hourCycle: "h23",
});

// An instant with its offset → "YYYY-MM-DD HH:mm" in Beijing time (Asia/Shanghai).
export function beijing(instant, dateOnly = false) {
  if (!instant) return "";
  const d = new Date(instant);
  if (Number.isNaN(d.getTime())) return "";
  const p = Object.fromEntries(BEIJING.formatToParts(d).map((x) => [x.type, x.value]));
  const day = `${p.year}-${p.month}-${p.day}`;
  return dateOnly ? day : `${day} ${p.hour}:${p.minute}`;
}

export const BINDING_STATUS = { pending: "待审核", approved: "审核通过", ended: "资格不符，终止审核", cancelled: "已撤销" };
export const OUTCOMES = { pass: "审核通过", return: "退回修改", terminate: "资格不符，终止审核", result: "评委会评定" };
export const TASK_STATES = { open: "待审核", to_send: "待送审", done: "办结", returned: "已退回" };


export const roundLabel = (n) => `第${n || 1}轮`;
