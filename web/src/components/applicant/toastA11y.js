// Vant renders a toast as an unnamed role="dialog" (axe: aria-dialog-name). A toast is a status
// message: give it role="status" so screen readers announce it politely, and no dialog semantics.
let watching = false;

export function announceToasts() {
  if (watching || typeof MutationObserver === "undefined") return;
  watching = true;
  const fix = (el) => {
    if (!el.classList || !el.classList.contains("van-toast")) return;
    if (el.getAttribute("role") !== "status") el.setAttribute("role", "status");
    if (el.getAttribute("aria-live") !== "polite") el.setAttribute("aria-live", "polite");
    if (el.hasAttribute("tabindex")) el.removeAttribute("tabindex");
  };
  new MutationObserver((records) => {
    for (const r of records) {
      if (r.type === "attributes") fix(r.target);
      r.addedNodes.forEach((n) => { fix(n); n.querySelectorAll && n.querySelectorAll(".van-toast").forEach(fix); });
    }
  }).observe(document.body, { childList: true, subtree: true, attributes: true, attributeFilter: ["role", "tabindex"] });
}
