// Builds the `hearth` command into dist/cli/ (`npm run build:cli`, run by `npm ci`'s prepare
// step): one ES module per chunk, every dependency inside, only Node's built-ins outside. Node
// then loads a few files instead of stripping the types of hundreds, which is most of the time
// `hearth serve` used to take to start. bin/hearth.js runs it only while it matches the sources:
// the build lists every source file it read, with size and modification time, in
// dist/cli/inputs.json, and any difference sends bin/hearth.js back to the sources.
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { defineConfig, type Plugin } from 'vite'

const root = fileURLToPath(new URL('.', import.meta.url))
// Kept in step with bin/bundle.js, which reads what this writes.
const outDir = path.join(root, 'dist', 'cli')
const MANIFEST = 'inputs.json'

/** Writes dist/cli/inputs.json: the sources the bundle was built from, as they were. */
function inputsManifest(): Plugin {
  return {
    name: 'hearth-cli-inputs',
    writeBundle() {
      const files: [string, number, number][] = []
      for (const id of this.getModuleIds()) {
        const file = id.split('?')[0] ?? id
        // Dependencies change only through npm, whose install runs this build again.
        if (!path.isAbsolute(file) || !file.startsWith(root) || file.includes('node_modules')) {
          continue
        }
        const stat = fs.statSync(file)
        files.push([path.relative(root, file).split(path.sep).join('/'), stat.size, stat.mtimeMs])
      }
      files.sort((a, b) => (a[0] < b[0] ? -1 : 1))
      const lines = files.map((f) => JSON.stringify(f)).join(',\n')
      fs.writeFileSync(path.join(outDir, MANIFEST), `{"files": [\n${lines}\n]}\n`)
    },
  }
}

export default defineConfig({
  root,
  publicDir: false,
  logLevel: 'warn',
  plugins: [inputsManifest()],
  build: {
    ssr: path.join(root, 'shared/cli/main.ts'),
    outDir,
    emptyOutDir: true,
    target: 'node22',
    sourcemap: false,
    // The peer (libp2p, yjs) is one large chunk, loaded only by `serve`.
    chunkSizeWarningLimit: 8192,
    rolldownOptions: {
      external: [/^node:/],
      output: {
        format: 'es',
        entryFileNames: 'hearth.js',
        // Beside the entry, not in a subfolder: paths the sources build from import.meta.url
        // (serve.ts finds renderer/dist two folders up) then hold for the bundle as well.
        chunkFileNames: '[name]-[hash].js',
        // Whitespace out, names kept: ~4 MB less resident memory (the source stays in memory),
        // and stack traces still name every function.
        minify: { mangle: false, compress: true, codegen: { removeWhitespace: true } },
      },
    },
  },
  // Bundle every dependency: resolving and loading hundreds of packages is the cost we avoid.
  ssr: { noExternal: true, target: 'node' },
})
