import { createApp } from "vue";
import App from "./App.vue";
import { inRenewalFrame, router, startSession } from "./router.js";

// No UI library is installed globally: the applicants' pages import Vant components and the console
// Element Plus components on demand (see vite.config.js), each area in its own lazily loaded chunks.
// A silent token renewal loads this page in a hidden iframe only to hand the code to the parent.
if (inRenewalFrame()) startSession();
else startSession().then(() => createApp(App).use(router).mount("#app"));
