// Forge's Vite plugin supplies the rest (CommonJS output in .vite/build, Electron and Node
// built-ins external); this adds what the main process and the core host need on top.
import { defineConfig } from 'vite'

export default defineConfig({
  build: {
    // Node's prefix-only built-ins (node:sqlite, node:test…) are missing from the plugin's list.
    rollupOptions: { external: [/^node:/] },
    sourcemap: true,
    // The core host bundles the peer (libp2p, yjs); a large file is expected and harmless.
    chunkSizeWarningLimit: 8192,
  },
})
