// A 200 MB file between two real peers: it arrives intact, and memory stays flat on both sides
// (both run in this process, so one resident-memory figure covers sender and receiver).
import assert from 'node:assert/strict'
import path from 'node:path'
import { test } from 'node:test'
import { blobIdOf } from './manifest.ts'
import {
  GROUP,
  Notifier,
  connect,
  sha256File,
  share,
  startShelfPeer,
  tempDir,
  writeRandomFile,
} from './test-fixtures.ts'

const MiB = 1024 * 1024
const SIZE = 200 * MiB

test('a 200 MB file moves intact with flat memory', async (t) => {
  const n = new Notifier()
  const a = await startShelfPeer(t, n)
  const b = await startShelfPeer(t, n)
  const file = path.join(tempDir(t, 'big'), 'big.bin')
  const sha256 = await writeRandomFile(file, SIZE)

  let peak = 0
  const sample = (): void => {
    peak = Math.max(peak, process.memoryUsage.rss())
  }
  const beforeImport = process.memoryUsage.rss()
  const manifest = await a.store.importFile(file, sample)
  assert.ok(
    peak - beforeImport < 100 * MiB,
    `import grew RSS by ${(peak - beforeImport) / MiB} MiB`,
  )

  const blobId = blobIdOf(manifest)
  share(a, blobId, b)
  await connect(b, a)
  const beforeFetch = process.memoryUsage.rss()
  peak = 0
  const result = await b.blobs.fetchBlob({
    manifest,
    groupId: GROUP,
    sources: [a.node.peerId],
    onProgress: sample,
  })
  assert.equal(result.fetchedBytes, SIZE)
  assert.ok(peak - beforeFetch < 100 * MiB, `fetch grew RSS by ${(peak - beforeFetch) / MiB} MiB`)

  const out = path.join(tempDir(t, 'big-out'), 'copy.bin')
  await b.store.exportTo(manifest, out)
  assert.equal(await sha256File(out), sha256)
})
