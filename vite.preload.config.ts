// Forge's Vite plugin supplies the preload build (one CommonJS file, Electron external). The
// sandboxed preload may only require('electron'), so nothing here may add another runtime import.
import { defineConfig } from 'vite'

export default defineConfig({
  build: { sourcemap: true },
})
