// Where a list page (home) was scrolled when the applicant opened one of its entries: restored when
// they come back to it, whichever way (返回, 返回首页, the browser's back).
const places = {};

export function rememberPlace(name) { places[name] = window.scrollY; }

// After the page's data has rendered: back to the remembered place (once), else stay at the top.
export function restorePlace(name) {
  const y = places[name];
  delete places[name];
  if (y) requestAnimationFrame(() => window.scrollTo({ top: y }));
}
