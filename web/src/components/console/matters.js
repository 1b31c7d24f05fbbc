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

// The states a committee records (the API's 录入评委会结果 accepts these two).
export const DECIDED_RESULTS = ["通过", "未通过"];
// 人才分类定级's states (manual 001) while a definition view does not carry its review section.
const TALENT_GRADING_RESULTS = ["未认定", "通过", "未通过"];

// The basic module's 申报级别 / 申请评定级别 field of a matter (label and options).
export function appliedLevelField(def) {
  for (const m of (def && def.modules) || []) {
    const f = (m.fields || []).find((x) => x.key === "applied_level");
    if (f) return f;
  }
  return null;
}

// The committee's result states and levels of a matter: from its definition's review section, else
// the decided states and the levels one may apply for.
export function reviewOptions(def) {
  const review = (def && def.review) || {};
  const field = appliedLevelField(def);
  const results = review.results || (def && def.code === DEFAULT_MATTER ? TALENT_GRADING_RESULTS : DECIDED_RESULTS);
  return { results, levels: review.levels || (field && field.options) || [] };
}

// Whether the matter's declarations carry 人才认定分类 (the talent grading basic form does).
export function hasTalentCategory(def) {
  return Boolean(def && (def.modules || []).some((m) => (m.fields || []).some((f) => f.key === "talent_category")));
}
