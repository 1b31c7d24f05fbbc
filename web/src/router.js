import { createRouter, createWebHashHistory } from "vue-router";
import { session } from "./api.js";

const routes = [
  { path: "/", redirect: () => (session.user ? (session.user.role === "applicant" ? "/m" : "/console") : "/login") },
  { path: "/login", component: () => import("./views/Login.vue") },
  // applicants' phone pages (Vant), each a lazily loaded chunk apart from the console's (Element Plus)
  { path: "/m", component: () => import("./views/applicant/Home.vue") },
  { path: "/m/binding", component: () => import("./views/applicant/Binding.vue") },
  { path: "/m/declare/:id", component: () => import("./views/applicant/Declare.vue") },
  { path: "/m/progress/:id", component: () => import("./views/Progress.vue") },
  {
    path: "/console", component: () => import("./views/console/Layout.vue"),
    children: [
      { path: "", component: () => import("./views/console/Workbench.vue") },
      { path: "bindings", component: () => import("./views/console/Bindings.vue") },
      { path: "reviews", component: () => import("./views/console/Reviews.vue") },
      { path: "reviews/:id", component: () => import("./views/console/ReviewPage.vue") },
      { path: "progress/:id", component: () => import("./views/Progress.vue") },
      { path: "results", component: () => import("./views/console/Results.vue") },
      { path: "agents", component: () => import("./views/console/Agents.vue") },
      { path: "notices", component: () => import("./views/console/Notices.vue") },
    ],
  },
];

export const router = createRouter({ history: createWebHashHistory(), routes });
router.beforeEach((to) => {
  if (to.path !== "/login" && !session.user) return "/login";
});
