/**
 * Builds the React renderer (renderer/ → dist/renderer) that both shells load: Electron from file://, the browser
 * shell over HTTP. `vite` (dev server) proxies the core's /api, /upload and /ws to SSRO_CORE_URL when it is set.
 */
import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';

const coreUrl = process.env.SSRO_CORE_URL;

/**
 * The dev server injects an inline React-refresh preamble and <style> tags, which the production CSP in
 * renderer/index.html rightly forbids; only the dev server drops the tag. Builds keep it.
 */
const devServerWithoutCsp: Plugin = {
  name: 'ssro-dev-server-without-csp',
  apply: 'serve',
  transformIndexHtml: (html) => html.replace(/<meta\s+http-equiv="Content-Security-Policy"[\s\S]*?\/>/, ''),
};

export default defineConfig({
  root: 'renderer',
  // Relative asset URLs: Electron loads index.html from file://, the browser shell serves it from its own origin.
  base: './',
  plugins: [react(), devServerWithoutCsp],
  build: {
    outDir: '../dist/renderer',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    // NGL with three.js is one ~1.3 MB chunk (loaded lazily with the viewer) that cannot be split further.
    chunkSizeWarningLimit: 2000,
  },
  server: {
    host: '127.0.0.1',
    proxy: coreUrl
      ? {
          '/api': coreUrl,
          '/upload': coreUrl,
          '/ws': { target: coreUrl, ws: true },
        }
      : undefined,
  },
});
