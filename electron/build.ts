// `npm run build:electron`: the production bundles Forge's Vite plugin makes before packaging
// (.vite/build/{main,core-host,preload}.cjs and .vite/renderer/main_window/), without packaging,
// so the e2e tests can launch `electron .` and CI can check the bundles build at all. It runs the
// plugin's own build worker per entry, so the output is exactly what `npm run package` ships.
import { spawn } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import { viteBuild } from '../forge.config.ts'

const root = fileURLToPath(new URL('..', import.meta.url))
const pluginEntry = createRequire(import.meta.url).resolve('@electron-forge/plugin-vite')
const worker = path.join(path.dirname(pluginEntry), 'subprocess-worker.js')

function buildOne(kind: 'build' | 'renderer', index: number, label: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [worker], {
      cwd: root,
      env: {
        ...process.env,
        FORGE_VITE_PROJECT_DIR: root,
        FORGE_VITE_KIND: kind,
        FORGE_VITE_INDEX: String(index),
        FORGE_VITE_CONFIG: JSON.stringify(viteBuild),
      },
      stdio: 'inherit',
    })
    child.once('error', reject)
    child.once('exit', (code, signal) => {
      if (code === 0) resolve()
      else reject(new Error(`building ${label} failed (${signal ?? `exit code ${code}`})`))
    })
  })
}

async function main(): Promise<void> {
  if (!fs.existsSync(worker)) {
    throw new Error(`Forge's Vite build worker is not at ${worker}; was the plugin upgraded?`)
  }
  fs.rmSync(path.join(root, '.vite'), { recursive: true, force: true })
  await Promise.all([
    ...viteBuild.build.map((b, i) => buildOne('build', i, String(b.entry))),
    ...viteBuild.renderer.map((r, i) => buildOne('renderer', i, r.name)),
  ])
  console.log('hearth: built .vite/ (main, core host, preload, renderer)')
}

main().catch((err: unknown) => {
  console.error(`hearth: ${err instanceof Error ? err.message : String(err)}`)
  process.exit(1)
})
