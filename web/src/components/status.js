// Status is decided by code; the labels the API sends are only shown.
export const DECL_TAG = { draft: "default", submitted: "primary", returned: "warning", terminated: "danger", approved: "success" };
export const BINDING_TEXT = { approved: "已绑定", pending: "待审核", ended: "资格不符，终止审核", rejected: "未通过" };
export const ATT_STATE = { pending: "待核验", verifying: "核验中", verified: "已上传", rejected: "未通过核验" };
export const isEditableStatus = (s) => s === "draft" || s === "returned";

export function maskId(v) {
  if (!v) return "";
  return v.length > 8 ? `${v.slice(0, 4)}${"*".repeat(v.length - 8)}${v.slice(-4)}` : v;
}
export function maskPhone(v) {
  if (!v) return "";
  return v.length === 11 ? `${v.slice(0, 3)}****${v.slice(-4)}` : v;
}
