import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const webDir = dirname(fileURLToPath(import.meta.url));

export const viteConfig = defineConfig({
  root: webDir,
  // Relative asset URLs: the page always lives at `/` (hash routing), and relative
  // URLs keep working when a reverse proxy mounts the service under a path prefix.
  base: './',
  plugins: [react()],
  build: {
    outDir: resolve(webDir, 'dist'),
    emptyOutDir: true,
    assetsDir: 'assets',
    target: 'es2022',
    sourcemap: false,
    // One small bundle: the whole UI is a few screens, splitting would only add requests.
    modulePreload: { polyfill: false },
  },
});

// biome-ignore lint/style/noDefaultExport: vite loads the default export
export default viteConfig;
