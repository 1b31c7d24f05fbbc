// What the applicant's matter screens load: a matter's definition (modules, fields, 申报注意事项,
// pledge) and the recommending unit the applicant is bound to.
import { get } from "../../api.js";

// The definition that renders a matter's screens (a matter closed since a declaration was made is
// still served for that declaration); `code` is the matter a route or a declaration names.
export function loadMatterDefinition(code) {
  return get(`/matters/${encodeURIComponent(code)}/definition`);
}

// The applicant's binding ({status: none|pending|approved, unit_code, unit_name}) and the unit a new
// declaration may choose: the bound unit once the binding is approved, else null.
export async function loadBoundUnit() {
  const binding = await get("/bindings/me");
  return { binding, unitCode: binding.status === "approved" ? binding.unit_code : null };
}
