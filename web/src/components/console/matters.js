// The matters a reviewer handles (from the 业务审核 counts, which list every served matter in menu
// order, grouped by service and menu) and each matter's definition (modules, review results/levels).
import { get } from "../../api.js";

const BINDING_ROWS = ["BIND_PERSON", "BIND_UNIT"];
let workbenchPromise = null;
const definitions = {};

// The 业务审核 answer, read once (the matter list does not depend on the year).
function workbench() {
  if (!workbenchPromise) {
    workbenchPromise = get("/workbench").catch((e) => { workbenchPromise = null; throw e; });
  }
  return workbenchPromise;
}

// [{code, label, category, group}] of the matters the caller reviews, in menu order.
export async function loadMatters() {
  const w = await workbench();
  return w.rows.filter((r) => !BINDING_ROWS.includes(r.matter))
    .map((r) => ({ code: r.matter, label: r.label, category: r.category, group: r.group }));
}

// The matter a list shows when none is chosen: the server's default (the one its list endpoints
// take without a matter_type), else the first matter of the menu.
export async function loadDefaultMatter() {
  const w = await workbench();
  const codes = (await loadMatters()).map((m) => m.code);
  return codes.includes(w.default_matter) ? w.default_matter : codes[0] || w.default_matter;
}

export function loadDefinition(code) {
  if (!definitions[code]) {
    definitions[code] = get(`/matters/${encodeURIComponent(code)}/definition`)
      .catch((e) => { delete definitions[code]; throw e; });
  }
  return definitions[code];
}


// The basic module's 申报级别 / 申请评定级别 field of a matter (label and options).
export function appliedLevelField(def) {
  for (const m of (def && def.modules) || []) {
    const f = (m.fields || []).find((x) => x.key === "applied_level");
    if (f) return f;
  }
  return null;
}

// A matter's result words (评定状态, its own: 未考核/合格/不合格 …), the ones a committee records, the
// passing one, and the levels, all from its definition's review section.
export function reviewOptions(def) {
  const review = (def && def.review) || {};
  const field = appliedLevelField(def);
  return { results: review.results || [], finals: review.final_results || [],
    passed: (review.result_words || {}).passed || "", levels: review.levels || (field && field.options) || [] };
}

// How the matter names the level a passed result grants (评审后评定级别 …), and what its result words
// mean (shown with the 评审结果 list), from its definition's review section.
export function levelLabel(def) {
  return (def && def.review && def.review.level_label) || "评审后级别";
}
export function resultsNote(def) {
  return (def && def.review && def.review.results_note) || "";
}

// Whether the matter's declarations carry 人才认定分类 (the talent grading basic form does).
export function hasTalentCategory(def) {
  return Boolean(def && (def.modules || []).some((m) => (m.fields || []).some((f) => f.key === "talent_category")));
}
