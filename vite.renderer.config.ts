// Builds the React UI (renderer/) into renderer/dist/, which `hearth serve --web` and, later, the
// Electron window load. The bridge serves it under a strict CSP (script-src/style-src 'self'), so
// the build must contain no inline scripts, inline styles or data: fonts.
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'

const root = fileURLToPath(new URL('./renderer', import.meta.url))

export default defineConfig({
  root,
  base: './',
  publicDir: false,
  oxc: { jsx: { runtime: 'automatic' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    sourcemap: false,
    chunkSizeWarningLimit: 1024,
  },
})
