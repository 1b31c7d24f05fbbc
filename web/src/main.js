import { createApp } from "vue";
import App from "./App.vue";
import { router } from "./router.js";

// No UI library is installed globally: the applicants' pages import Vant components and the console
// Element Plus components on demand (see vite.config.js), each area in its own lazily loaded chunks.
createApp(App).use(router).mount("#app");
