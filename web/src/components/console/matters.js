// The matters a reviewer handles (from the 业务审核 counts, which list every served matter in menu
// order, grouped by service and menu) and each matter's definition (modules, review results/levels).
import { get } from "../../api.js";

export const DEFAULT_MATTER = "TALENT_GRADING";
const BINDING_ROWS = ["BIND_PERSON", "BIND_UNIT"];
let mattersPromise = null;
const definitions = {};

// [{code, label, category, group}] for the caller's year (the list does not depend on the year).
export function loadMatters() {
  if (!mattersPromise) {
    mattersPromise = get("/workbench").then((w) => w.rows.filter((r) => !BINDING_ROWS.includes(r.matter))
      .map((r) => ({ code: r.matter, label: r.label, category: r.category, group: r.group })))
      .catch((e) => { mattersPromise = null; throw e; });
  }
  return mattersPromise;
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

// Whether the matter's declarations carry 人才认定分类 (the talent grading basic form does).
export function hasTalentCategory(def) {
  return Boolean(def && (def.modules || []).some((m) => (m.fields || []).some((f) => f.key === "talent_category")));
}
