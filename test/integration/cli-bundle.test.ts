// The `hearth` command runs the bundle `npm ci` builds (dist/cli/) while it matches the sources,
// and the sources otherwise. `npm test` builds it first, so every test that starts `hearth`
// exercises the bundle people run; these check the choice itself and what only the bundle can
// get wrong (paths it resolves from its own location).
import assert from 'node:assert/strict'
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { after, describe, test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { BUNDLE_DIR, BUNDLE_ENTRY, BUNDLE_MANIFEST, freshBundle } from '../../bin/bundle.js'
import { HEARTH_BIN, startServe, tempDirs } from '../helpers/proc.ts'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))

describe('choosing the bundle or the sources', () => {
  const dirs = tempDirs()
  after(() => dirs.removeAll())

  /** A repository folder holding one source file and a bundle built from it. */
  function builtTree(): { root: string; source: string } {
    const root = dirs.make('bundle-tree')
    const source = path.join(root, 'shared', 'cli', 'main.ts')
    fs.mkdirSync(path.dirname(source), { recursive: true })
    fs.writeFileSync(source, 'export const main = 1\n')
    const dist = path.join(root, BUNDLE_DIR)
    fs.mkdirSync(dist, { recursive: true })
    fs.writeFileSync(path.join(dist, BUNDLE_ENTRY), 'export const main = 1\n')
    const stat = fs.statSync(source)
    const files = [['shared/cli/main.ts', stat.size, stat.mtimeMs]]
    fs.writeFileSync(path.join(dist, BUNDLE_MANIFEST), JSON.stringify({ files }))
    return { root, source }
  }

  test('a bundle built from the sources on disk is chosen', () => {
    const { root } = builtTree()
    assert.equal(freshBundle(root)?.pathname, path.join(root, BUNDLE_DIR, BUNDLE_ENTRY))
  })

  test('a source edited after the build sends hearth back to the sources', () => {
    const { root, source } = builtTree()
    const later = new Date(fs.statSync(source).mtimeMs + 5000)
    fs.utimesSync(source, later, later)
    assert.equal(freshBundle(root), null)
  })

  test('a source of another size, or gone, does too', () => {
    const grown = builtTree()
    const { mtime } = fs.statSync(grown.source)
    fs.writeFileSync(grown.source, 'export const main = 22\n')
    fs.utimesSync(grown.source, mtime, mtime)
    assert.equal(freshBundle(grown.root), null)
    const gone = builtTree()
    fs.rmSync(gone.source)
    assert.equal(freshBundle(gone.root), null)
  })

  test('no bundle, a half-written list or a missing entry means the sources', () => {
    assert.equal(freshBundle(dirs.make('never-built')), null)
    const half = builtTree()
    fs.writeFileSync(path.join(half.root, BUNDLE_DIR, BUNDLE_MANIFEST), '{"files": [["shar')
    assert.equal(freshBundle(half.root), null)
    const noEntry = builtTree()
    fs.rmSync(path.join(noEntry.root, BUNDLE_DIR, BUNDLE_ENTRY))
    assert.equal(freshBundle(noEntry.root), null)
  })
})

describe('the built bundle', () => {
  const dirs = tempDirs()
  after(() => dirs.removeAll())

  test('is there and matches the sources, so the CLI tests run what people run', () => {
    assert.ok(
      freshBundle(ROOT) !== null,
      `${BUNDLE_DIR} is missing or older than the sources: run "npm run build:cli" (npm test does)`,
    )
  })

  test('answers exactly as the sources do', () => {
    const run = (args: string[], fromSources: boolean) =>
      spawnSync(process.execPath, [HEARTH_BIN, ...args], {
        encoding: 'utf8',
        env: { ...process.env, HEARTH_FROM_SOURCES: fromSources ? '1' : '0' },
      })
    const noPeer = dirs.make('bundle-no-peer')
    const cases = [['--help'], ['frobnicate'], ['send', 'Family'], ['groups', '--data-dir', noPeer]]
    for (const args of cases) {
      const bundled = run(args, false)
      const sources = run(args, true)
      assert.equal(bundled.status, sources.status, `exit code of hearth ${args.join(' ')}`)
      assert.equal(bundled.stdout, sources.stdout, `stdout of hearth ${args.join(' ')}`)
      assert.equal(bundled.stderr, sources.stderr, `stderr of hearth ${args.join(' ')}`)
    }
  })

  test('serves the web UI from renderer/dist with serve --web', async () => {
    assert.ok(fs.existsSync(path.join(ROOT, 'renderer/dist/index.html')), 'npm test builds the UI')
    const serve = await startServe({
      dataDir: dirs.make('bundle-web'),
      args: ['--listen', '/ip4/127.0.0.1/tcp/0', '--no-mdns', '--web', '127.0.0.1:0'],
    })
    try {
      assert.ok(serve.ready.web, 'the ready line carries the web link')
      const page = await fetch(serve.ready.web)
      assert.equal(page.status, 200)
      assert.match(await page.text(), /<div id="root">/)
    } finally {
      await serve.stop()
    }
  })
})
