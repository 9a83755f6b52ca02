import { defineConfig } from 'vite';
import { fileURLToPath } from 'node:url';

// The Maven build passes the packaged app's resource folder (target/classes/META-INF/resources) so that Quarkus
// serves the built files; a bare `npm run build` writes to the same place relative to this folder.
const outDir = process.env.WEBUI_OUT_DIR || fileURLToPath(new URL('../../../target/classes/META-INF/resources', import.meta.url));

export default defineConfig({
  base: '/',
  build: {
    outDir,
    emptyOutDir: true,
    sourcemap: true,
    chunkSizeWarningLimit: 400,
  },
  server: {
    // `npm run dev` against a running dashboard (LAB_URL, default the lab's port)
    proxy: { '/api': process.env.LAB_URL || 'http://127.0.0.1:8080', '/q': process.env.LAB_URL || 'http://127.0.0.1:8080' },
  },
});
