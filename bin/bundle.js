// Which code the `hearth` command runs. `npm ci` builds the sources into one bundle
// (vite.cli.config.ts → dist/cli/), which Node loads several times faster than it strips the
// types of the hundreds of .ts files behind it. The bundle is used only while it was built from
// exactly the sources now on disk (each listed with its size and modification time in
// dist/cli/inputs.json); a missing, unreadable or outdated bundle means running the sources.
// Plain JavaScript, so choosing costs no type stripping.
import fs from 'node:fs'
import module from 'node:module'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

export const BUNDLE_DIR = 'dist/cli'
export const BUNDLE_ENTRY = 'hearth.js'
export const BUNDLE_MANIFEST = 'inputs.json'
/** Beside the bundle: V8's compiled code for it, so later starts skip parsing 2 MB of JavaScript. */
export const COMPILE_CACHE = 'compile-cache'

/**
 * The URL of the bundle's entry when the bundle in `root` matches the sources there, else null.
 * `root` is the repository folder (a path or a file: URL).
 */
export function freshBundle(root) {
  const base = root instanceof URL ? fileURLToPath(root) : root
  const dir = path.join(base, BUNDLE_DIR)
  let manifest
  try {
    manifest = JSON.parse(fs.readFileSync(path.join(dir, BUNDLE_MANIFEST), 'utf8'))
  } catch (err) {
    // Not built yet (a clone before `npm ci`), or a build is writing it right now.
    if (err.code === 'ENOENT' || err instanceof SyntaxError) return null
    throw err
  }
  const files = Array.isArray(manifest?.files) ? manifest.files : []
  if (files.length === 0) return null
  for (const entry of files) {
    if (!Array.isArray(entry) || typeof entry[0] !== 'string') return null
    const [file, size, mtimeMs] = entry
    const stat = fs.statSync(path.join(base, file), { throwIfNoEntry: false })
    if (stat === undefined || stat.size !== size || stat.mtimeMs !== mtimeMs) return null
  }
  const entry = path.join(dir, BUNDLE_ENTRY)
  return fs.existsSync(entry) ? pathToFileURL(entry) : null
}

/**
 * Keeps V8's compiled code for the bundle in a folder beside it (a rebuild empties it) rather
 * than in the shared temp folder, where anyone on the machine could leave code for us to run.
 * Where that folder cannot be written, Node quietly compiles as usual.
 */
export function useCompileCache(entry) {
  const dir = path.join(path.dirname(fileURLToPath(entry)), COMPILE_CACHE)
  module.enableCompileCache?.(dir)
}
