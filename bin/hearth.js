#!/usr/bin/env node
// Entry point of the `hearth` command. It runs the bundle `npm ci` builds (dist/cli/, see
// bin/bundle.js), or, when that is missing or older than the sources, the TypeScript sources
// directly (Node >= 22.18 strips the types), so a fresh clone works either way.
// HEARTH_FROM_SOURCES=1 always runs the sources.
const [major, minor] = process.versions.node.split('.').map(Number)
if (major < 22 || (major === 22 && minor < 18)) {
  process.stderr.write(`hearth: needs Node.js 22.18 or newer; this is ${process.version}\n`)
  process.exit(1)
}

// node:sqlite announces itself as experimental on every start; that line would only confuse
// people and scripts reading stderr. Every other warning is still printed.
process.removeAllListeners('warning')
process.on('warning', (warning) => {
  if (warning.name === 'ExperimentalWarning' && /SQLite|Type Stripping/.test(warning.message))
    return
  process.stderr.write(`${warning.name}: ${warning.message}\n`)
})

const { freshBundle, useCompileCache } = await import('./bundle.js')
const bundle =
  process.env.HEARTH_FROM_SOURCES === '1' ? null : freshBundle(new URL('..', import.meta.url))
if (bundle) useCompileCache(bundle)
const { main } = await import(bundle?.href ?? '../shared/cli/main.ts')
const code = await main(process.argv.slice(2), {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  env: process.env,
})
// Exit once output is flushed: a stopped peer's lingering timers must not keep the process alive.
process.stdout.write('', () => process.exit(code))
