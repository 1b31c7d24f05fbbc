// An export job from the console: queue it, follow its progress at /exports/{id} until it is done
// or failed (or two minutes pass), handing each state to `show`. Returns the message to show the
// user ("" when the file is ready). Used by 评审结果 and 证书管理.
import { get, post } from "../../api.js";

export async function runExport(path, body, show) {
  let job = await post(path, body);
  show(job);
  const deadline = Date.now() + 120000;
  while (!["done", "failed"].includes(job.state) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 800));
    job = await get(`/exports/${job.job_id}`);
    show(job);
  }
  if (job.state === "failed") return job.error || "导出失败，请重试";
  if (job.state !== "done") return "导出仍在进行，请稍后刷新页面查看";
  return "";
}
