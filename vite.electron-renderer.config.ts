// The Electron window's renderer: the very same build as the browser UI (vite.renderer.config.ts),
// written where Forge packages it (.vite/renderer/main_window) instead of renderer/dist.
import { fileURLToPath } from 'node:url'
import { defineConfig, mergeConfig } from 'vite'
import webRenderer from './vite.renderer.config.ts'

const outDir = fileURLToPath(new URL('./.vite/renderer/main_window', import.meta.url))

export default mergeConfig(webRenderer, defineConfig({ build: { outDir, emptyOutDir: true } }))
