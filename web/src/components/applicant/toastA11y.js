// Vant's toast and dialog are role="dialog" without a name (axe: aria-dialog-name). A toast is a
// status message: role="status" (announced politely, no dialog semantics). A dialog is named by its
// title (the confirm dialogs are one reused element: its name follows the title shown).
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

function sweep() {
  document.querySelectorAll(".van-toast").forEach(fixToast);
  document.querySelectorAll(".van-dialog").forEach(fixDialog);
}

export function announceToasts() {
  if (watching || typeof MutationObserver === "undefined") return;
  watching = true;
  sweep();
  new MutationObserver(sweep).observe(document.body, { childList: true, subtree: true, characterData: true,
    attributes: true, attributeFilter: ["role", "tabindex", "style"] });
}
