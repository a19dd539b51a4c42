import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import react from '@vitejs/plugin-react';

/**
 * One build for every target:
 * - main: the Electron main process, plus the per-channel worker entry and the headless CLI
 *   (`specula`), which run under plain Node too (they never import electron);
 * - preload: the narrow contextBridge API;
 * - renderer: the React + regl UI, served by Electron or by `specula serve` (web mode).
 */
export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      rollupOptions: {
        input: {
          index: resolve('src/main/index.ts'),
          'channel-worker': resolve('src/workers/channel-worker.ts'),
          cli: resolve('src/host/cli.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      // Sandboxed preloads must be CommonJS (Electron does not load ESM preloads in a sandbox).
      rollupOptions: { input: { index: resolve('src/preload/index.ts') }, output: { format: 'cjs', entryFileNames: '[name].cjs' } },
    },
  },
  renderer: {
    root: resolve('src/renderer'),
    plugins: [react()],
    build: {
      outDir: resolve('out/renderer'),
      rollupOptions: { input: { index: resolve('src/renderer/index.html') } },
    },
  },
});
