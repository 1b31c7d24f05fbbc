// Lighthouse (mobile preset: Moto G power, slow 4G, 4× CPU, simulated) on the applicants' pages,
// signed in the way a person is: open #/login, tap the demo account, then audit each page in the same
// tab (storage kept). Chromium is Debian's, from CHROME_PATH, headless.
//   node scripts/lighthouse.mjs <web url> <login> <out.json> <hash path>...
import fs from "node:fs";
import lighthouse from "lighthouse";
import puppeteer from "puppeteer-core";

const [web, who, out, ...paths] = process.argv.slice(2);
const browser = await puppeteer.launch({
  executablePath: process.env.CHROME_PATH || "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--disable-background-networking"],
  defaultViewport: null,
});
const results = {};
try {
  const page = await browser.newPage();
  await page.goto(`${web}/#/login`, { waitUntil: "networkidle0" });
  // The login page may still navigate once after the network is idle (the router settling on
  // #/login): a click then lands in a destroyed context. Retry until signed in, with a deadline.
  const deadline = Date.now() + 30000;
  for (;;) {
    try {
      await page.waitForSelector(`[data-login='${who}']`, { visible: true, timeout: 10000 });
      await page.click(`[data-login='${who}']`);
      await page.waitForFunction(() => location.hash === "#/m", { timeout: 10000 });
      break;
    } catch (e) {
      if (Date.now() > deadline) throw e;
    }
  }
  for (const path of paths) {
    const url = `${web}/#${path}`;
    // a hash change is not a page load: start from a blank page so each audit is a cold navigation
    await page.goto("about:blank");
    const r = await lighthouse(url, {
      output: "json", logLevel: "error", onlyCategories: ["performance", "accessibility"],
      formFactor: "mobile", disableStorageReset: true,
    }, undefined, page);
    const lhr = r.lhr;
    results[path] = {
      performance: Math.round(lhr.categories.performance.score * 100),
      accessibility: Math.round(lhr.categories.accessibility.score * 100),
      fcp_ms: Math.round(lhr.audits["first-contentful-paint"].numericValue),
      lcp_ms: Math.round(lhr.audits["largest-contentful-paint"].numericValue),
      tbt_ms: Math.round(lhr.audits["total-blocking-time"].numericValue),
      cls: lhr.audits["cumulative-layout-shift"].numericValue,
      failed_accessibility: Object.values(lhr.audits)
        .filter((a) => lhr.categories.accessibility.auditRefs.some((ref) => ref.id === a.id && ref.weight > 0) && a.score === 0)
        .map((a) => a.id),
      runtime_error: lhr.runtimeError ? lhr.runtimeError.message : null,
    };
  }
} finally {
  await browser.close();
}
fs.writeFileSync(out, JSON.stringify(results, null, 2));
console.log(JSON.stringify(results, null, 2));
