import { createRouter, createWebHashHistory } from "vue-router";
import { api, establishSession, session } from "./api.js";
import { completeSignIn, inRenewalFrame } from "./auth.js";

export { inRenewalFrame };

const routes = [
  { path: "/", redirect: () => (session.user ? (session.user.role === "applicant" ? "/m" : "/console") : "/login") },
  { path: "/login", component: () => import("./views/Login.vue") },
  // applicants' phone pages (Vant), each a lazily loaded chunk apart from the console's (Element Plus)
  { path: "/m", component: () => import("./views/applicant/Home.vue") },
  { path: "/m/binding", component: () => import("./views/applicant/Binding.vue") },
  { path: "/m/matter/:code", component: () => import("./views/applicant/Matter.vue") },
  { path: "/m/declare/:id", component: () => import("./views/applicant/Declare.vue") },
  { path: "/m/progress/:id", component: () => import("./views/Progress.vue") },
  { path: "/m/certificates", component: () => import("./views/certificates/Mine.vue") },
  { path: "/verify", component: () => import("./views/certificates/Verify.vue"), meta: { public: true } },
  {
    path: "/console", component: () => import("./views/console/Layout.vue"),
    children: [
      { path: "", component: () => import("./views/console/Workbench.vue") },
      { path: "bindings", component: () => import("./views/console/Bindings.vue") },
      { path: "counts", component: () => import("./views/console/Workbench.vue") },   // 业务审核 (manual 001 §3.3)
      { path: "reviews", component: () => import("./views/console/Reviews.vue") },
      { path: "reviews/:id", component: () => import("./views/console/ReviewPage.vue") },
      { path: "progress/:id", component: () => import("./views/Progress.vue") },
      { path: "results", component: () => import("./views/console/Results.vue") },
      { path: "agents", component: () => import("./views/console/Agents.vue") },
      { path: "notices", component: () => import("./views/console/Notices.vue") },
      { path: "statistics", component: () => import("./views/console/Statistics.vue") },
      { path: "certificates", component: () => import("./views/certificates/Console.vue") },
    ],
  },
];

// Every page opens at its top; 返回 (the browser's back) restores where that page was, once the page
// has grown tall enough again (its data arrives after the route changes).
function scrollBehavior(to, from, saved) {
  if (!saved) return { top: 0 };
  return new Promise((resolve) => {
    const deadline = Date.now() + 3000;
    const wait = () => (document.documentElement.scrollHeight >= saved.top + window.innerHeight || Date.now() > deadline
      ? resolve(saved) : setTimeout(wait, 50));
    wait();
  });
}

export const router = createRouter({ history: createWebHashHistory(), routes, scrollBehavior });
router.beforeEach((to) => {
  if (to.path !== "/login" && !to.meta.public && !session.user) return { path: "/login", query: { redirect: to.fullPath } };
});

const homeOf = (user) => (user.role === "applicant" ? "/m" : "/console");

// Before the app mounts: when the identity platform has just redirected back, finish the sign-in,
// ask the API who this is, and go back to the page the user was on (or their home page).
export async function startSession() {
  const done = await completeSignIn();
  if (!done) return recheckSession();
  try {
    const user = await establishSession(done.user);
    const target = done.returnTo && !done.returnTo.startsWith("/login") ? done.returnTo : homeOf(user);
    await router.replace(target);
  } catch (e) {
    sessionStorage.setItem("talent.authError", e.message || "登录失败，请重试");
    await router.replace("/login");
  }
}

// A page load with a session: API Gateway caches the authorizer's result per token, so whether
// the caller may still act (an agent disabled since) is asked of /me, which reads it afresh.
// A 503 keeps the session (the user retries); a refusal ends it and says why on the login page.
async function recheckSession() {
  if (!session.user) return;
  try {
    const me = await api("GET", "/me");
    session.user = { ...session.user, ...me };
  } catch (e) {
    if (e.status !== 401) return;
    session.user = null;
    sessionStorage.setItem("talent.authError", e.message || "登录失败，请重试");
    await router.replace("/login");
  }
}
