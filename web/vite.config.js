import { defineConfig } from "vite";
import vue from "@vitejs/plugin-vue";
import Components from "unplugin-vue-components/vite";
import { ElementPlusResolver } from "unplugin-vue-components/resolvers";
import { VantResolver } from "@vant/auto-import-resolver";
import ElementPlus from "unplugin-element-plus/vite";
import { compression, defineAlgorithm } from "vite-plugin-compression2";

// Applicants' pages use Vant, the console uses Element Plus; both are imported on demand (components
// in templates by the resolvers, `import { ElMessage } from "element-plus"` gets its style from
// unplugin-element-plus). Routes are lazily loaded per area, and every asset is precompressed
// (.gz and .br) for devtools/web_server.py to serve.
export default defineConfig({
  plugins: [
    vue(),
    Components({ dts: false, resolvers: [ElementPlusResolver({ importStyle: "css" }), VantResolver()] }),
    ElementPlus({ useSource: false }),
    compression({
      algorithms: [defineAlgorithm("gzip", { level: 9 }), defineAlgorithm("brotliCompress")],
      include: /\.(js|mjs|css|html|svg|json|woff2?|ttf)$/,
      threshold: 0,
      deleteOriginalAssets: false,
    }),
  ],
  build: { cssCodeSplit: true, chunkSizeWarningLimit: 600 },
});
