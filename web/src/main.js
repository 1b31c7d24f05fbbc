import { createApp } from "vue";
import ElementPlus from "element-plus";
import zhCn from "element-plus/es/locale/lang/zh-cn";
import "element-plus/dist/index.css";
import App from "./App.vue";
import { inRenewalFrame, router, startSession } from "./router.js";

// A silent token renewal loads this page in a hidden iframe only to hand the code to the parent.
if (inRenewalFrame()) startSession();
else startSession().then(() => createApp(App).use(ElementPlus, { locale: zhCn }).use(router).mount("#app"));
