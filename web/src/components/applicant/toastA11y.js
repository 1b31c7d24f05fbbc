// Vant's toast and dialog are role="dialog" without a name (axe: aria-dialog-name). A toast is a
// status message: role="status" (announced politely, no dialog semantics). A dialog is named by its
// title (the confirm dialogs are one reused element: its name follows the title shown). Only those
// elements are watched (they are teleported to <body>), never the page's own DOM.
let watching = false;

function fixToast(el) {
  if (el.getAttribute("role") !== "status") el.setAttribute("role", "status");
  if (el.getAttribute("aria-live") !== "polite") el.setAttribute("aria-live", "polite");
  if (el.hasAttribute("tabindex")) el.removeAttribute("tabindex");
}

function fixDialog(el) {
  const title = (el.querySelector(".van-dialog__header") || {}).textContent || "";
  const name = title.trim() || "提示";
  if (el.getAttribute("aria-label") !== name) el.setAttribute("aria-label", name);
}

function watch(el) {
  const fix = el.classList.contains("van-toast") ? fixToast : el.classList.contains("van-dialog") ? fixDialog : null;
  if (!fix || el.__a11yWatched) return;
  el.__a11yWatched = true;
  fix(el);
  new MutationObserver(() => fix(el)).observe(el, { attributes: true, attributeFilter: ["role", "tabindex", "style"],
    childList: true, subtree: true, characterData: true });
}

export function announceToasts() {
  if (watching || typeof MutationObserver === "undefined") return;
  watching = true;
  document.querySelectorAll("body > .van-toast, body > .van-dialog").forEach(watch);
  new MutationObserver((records) => {
    for (const r of records) r.addedNodes.forEach((n) => n.nodeType === 1 && watch(n));
  }).observe(document.body, { childList: true });
}
