import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import {
  appendFileSync,
  lstatSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  truncateSync,
  utimesSync,
  writeFileSync,
} from 'node:fs'
import { stat } from 'node:fs/promises'
import path from 'node:path'
import { describe, test } from 'node:test'
import { HearthError } from '../../api/index.ts'
import { BlobStore, ChunkMismatchError } from './blob-store.ts'
import { CHUNK_SIZE, blobIdOf, sha256Hex } from './manifest.ts'
import { safeFileName } from '../../api/names.ts'
import { corruptChunks, listTree, sha256File, tempDir, writeRandomFile } from './test-fixtures.ts'
import type { Manifest } from './manifest.ts'
import type { TestContext } from 'node:test'

const isCode = (code: string) => (err: unknown) =>
  err instanceof HearthError && err.code === code ? true : assert.fail(`expected ${code}: ${err}`)

async function setup(t: TestContext, size = 3 * CHUNK_SIZE + 12345) {
  const dir = tempDir(t, 'store')
  const store = await BlobStore.open(dir)
  const file = path.join(dir, 'original.bin')
  const sha256 = await writeRandomFile(file, size)
  return { dir, store, file, sha256 }
}

function chunkFile(store: BlobStore, hash: string): string {
  return path.join(store.root, 'chunks', hash.slice(0, 2), hash)
}

describe('BlobStore import', () => {
  test('splits a file into 1 MiB chunks stored under their hashes', async (t) => {
    const { store, file, sha256 } = await setup(t)
    const m = await store.importFile(file)
    assert.equal(m.size, 3 * CHUNK_SIZE + 12345)
    assert.equal(m.chunkSize, CHUNK_SIZE)
    assert.equal(m.chunks.length, 4)
    assert.equal(m.sha256, sha256)
    const original = readFileSync(file)
    for (const [i, hash] of m.chunks.entries()) {
      const expected = original.subarray(i * CHUNK_SIZE, (i + 1) * CHUNK_SIZE)
      assert.equal(hash, sha256Hex(expected))
      assert.deepEqual(readFileSync(chunkFile(store, hash)), expected)
    }
    assert.deepEqual(await store.getManifest(blobIdOf(m)), m)
    assert.equal(await store.isComplete(m), true)
    assert.deepEqual(await store.missingChunks(m), [])
  })

  test('every name on disk is hex, legal on Windows and FAT32, and no file nears 4 GiB', async (t) => {
    const { store, file } = await setup(t)
    await store.importFile(file)
    for (const rel of await listTree(store.root)) {
      const [top, sub, name, ...rest] = rel.split(path.sep)
      assert.deepEqual(rest, [])
      assert.ok(top === 'chunks' || top === 'manifests', rel)
      assert.match(sub ?? '', /^[0-9a-f]{2}$/)
      assert.match(name ?? '', /^[0-9a-f]{64}$/)
      assert.ok(name?.startsWith(sub ?? '-'))
      const st = lstatSync(path.join(store.root, rel))
      assert.ok(st.isFile() && !st.isSymbolicLink())
      if (process.platform !== 'win32') assert.equal(st.mode & 0o077, 0, `${rel} is private`)
      assert.ok(st.size <= CHUNK_SIZE)
    }
  })

  test('importing the same file again changes nothing', async (t) => {
    const { store, file } = await setup(t)
    const first = await store.importFile(file)
    const before = await listTree(store.root)
    const mtimes = await Promise.all(
      before.map(async (f) => (await stat(path.join(store.root, f))).mtimeMs),
    )
    const second = await store.importFile(file)
    assert.deepEqual(second, first)
    const after = await listTree(store.root)
    assert.deepEqual(after, before)
    const mtimesAfter = await Promise.all(
      after.map(async (f) => (await stat(path.join(store.root, f))).mtimeMs),
    )
    assert.deepEqual(mtimesAfter, mtimes)
  })

  test('an empty file is a blob with no chunks', async (t) => {
    const { dir, store } = await setup(t, 0)
    const empty = path.join(dir, 'empty')
    writeFileSync(empty, '')
    const m = await store.importFile(empty)
    assert.deepEqual(m.chunks, [])
    assert.equal(m.size, 0)
    assert.equal(await store.isComplete(m), true)
    const out = path.join(dir, 'out')
    await store.exportTo(m, out)
    assert.equal(readFileSync(out).length, 0)
  })

  test('a file that grows, shrinks or is rewritten while it is read is refused', async (t) => {
    const { file, store } = await setup(t)
    const changes: [string, (f: string) => void][] = [
      ['grows', (f) => appendFileSync(f, 'more')],
      ['shrinks', (f) => truncateSync(f, CHUNK_SIZE + 10)],
      ['is rewritten', (f) => utimesSync(f, new Date(2001, 1, 1), new Date(2001, 1, 1))],
    ]
    for (const [what, change] of changes) {
      const victim = `${file}.${changes.findIndex((c) => c[0] === what)}`
      await writeRandomFile(victim, 3 * CHUNK_SIZE)
      let changed = false
      const importing = store.importFile(victim, (p) => {
        if (changed || p.bytes < CHUNK_SIZE) return
        changed = true
        change(victim)
      })
      await assert.rejects(importing, isCode('BAD_INPUT'), what)
      assert.ok(changed, what)
    }
    assert.deepEqual(readdirSync(path.join(store.root, 'manifests')), [])
  })

  test('refuses folders and missing files', async (t) => {
    const { dir, store } = await setup(t, 0)
    await assert.rejects(store.importFile(dir), isCode('BAD_INPUT'))
    await assert.rejects(store.importFile(path.join(dir, 'nope')), isCode('STORAGE_FAILED'))
  })

  test('memory stays flat while a large file is added', async (t) => {
    const { dir, store } = await setup(t, 0)
    const big = path.join(dir, 'big.bin')
    const size = 64 * CHUNK_SIZE
    await writeRandomFile(big, size)
    // Buffers the import allocates are counted in arrayBuffers; reading the whole file would
    // add 64 MiB. One chunk buffer plus what the GC has not collected yet stays far below.
    const base = process.memoryUsage().arrayBuffers
    let peak = 0
    const m = await store.importFile(big, () => {
      peak = Math.max(peak, process.memoryUsage().arrayBuffers - base)
    })
    assert.equal(m.size, size)
    assert.ok(peak < 32 * CHUNK_SIZE, `peak ${peak} bytes of buffers while adding ${size}`)
  })
})

describe('BlobStore chunks', () => {
  test('putChunk stores only bytes that match the hash', async (t) => {
    const { store } = await setup(t, 0)
    const bytes = randomBytes(1000)
    const hash = sha256Hex(bytes)
    await assert.rejects(store.putChunk(hash, randomBytes(1000)), ChunkMismatchError)
    await assert.rejects(store.putChunk(sha256Hex(Buffer.alloc(0)), bytes), ChunkMismatchError)
    await assert.rejects(store.putChunk('../../etc/passwd', bytes), isCode('BAD_INPUT'))
    await assert.rejects(store.putChunk(hash.toUpperCase(), bytes), isCode('BAD_INPUT'))
    const tooBig = randomBytes(CHUNK_SIZE + 1)
    await assert.rejects(store.putChunk(sha256Hex(tooBig), tooBig), ChunkMismatchError)
    assert.equal(await store.hasChunk(hash), false)
    assert.deepEqual(await listTree(store.root), [])
    await store.putChunk(hash, bytes)
    await store.putChunk(hash, bytes)
    assert.equal(await store.hasChunk(hash), true)
    assert.deepEqual(await store.readChunk(hash), bytes)
    assert.equal(await store.readChunk(sha256Hex(Buffer.from('absent'))), null)
  })

  test('putChunk says when it is done reading the bytes, once, before they are durable', async (t) => {
    const { store } = await setup(t, 0)
    const bytes = randomBytes(1000)
    const hash = sha256Hex(bytes)
    const calls: string[] = []
    await store.putChunk(hash, bytes, { onWritten: () => calls.push('written') })
    calls.push('stored')
    assert.deepEqual(calls, ['written', 'stored'])
    const refused: string[] = []
    await assert.rejects(
      store.putChunk(hash, randomBytes(1000), { onWritten: () => refused.push('written') }),
      ChunkMismatchError,
    )
    assert.deepEqual(refused, [], 'a refused chunk is never written')
  })

  test('a chunk damaged on disk is never returned, and is removed so it is fetched again', async (t) => {
    const { store, file } = await setup(t)
    const m = await store.importFile(file)
    const victim = m.chunks[1] as string
    const onDisk = readFileSync(chunkFile(store, victim))
    onDisk[100] = (onDisk[100] ?? 0) ^ 0xff
    writeFileSync(chunkFile(store, victim), onDisk)
    await assert.rejects(store.readChunk(victim), isCode('STORAGE_FAILED'))
    assert.equal(await store.hasChunk(victim), false)
    assert.deepEqual(await store.missingChunks(m), [1])
    assert.equal(await store.isComplete(m), false)
    assert.deepEqual(await corruptChunks(store), [])
  })

  test('a damaged manifest is reported and removed', async (t) => {
    const { store, file, dir } = await setup(t)
    const m = await store.importFile(file)
    const id = blobIdOf(m)
    const manifestFile = path.join(store.root, 'manifests', id.slice(0, 2), id)
    writeFileSync(manifestFile, Buffer.from('not a manifest'))
    const reopened = await BlobStore.open(dir) // no cached copy
    await assert.rejects(reopened.getManifest(id), isCode('STORAGE_FAILED'))
    assert.equal(await reopened.getManifest(id), null)
    assert.equal(await reopened.getManifest('../../etc/passwd'), null)
  })

  test('temp files left by a crash are removed at open', async (t) => {
    const { dir, store } = await setup(t, 0)
    writeFileSync(path.join(store.root, 'tmp', 'deadbeef.tmp'), randomBytes(5000))
    mkdirSync(path.join(store.root, 'tmp', 'leftover-dir'))
    assert.equal(await store.usage(), 5000)
    const reopened = await BlobStore.open(dir)
    assert.deepEqual(readdirSync(path.join(reopened.root, 'tmp')), [])
    assert.equal(await reopened.usage(), 0)
  })
})

describe('BlobStore export', () => {
  test('writes the file byte-identical, and nothing but the chosen path', async (t) => {
    const { store, file, sha256 } = await setup(t)
    const m = await store.importFile(file)
    const parent = tempDir(t, 'export')
    const out = path.join(parent, 'chosen')
    mkdirSync(out)
    writeFileSync(path.join(parent, 'neighbour.txt'), 'untouched')
    const dest = path.join(out, safeFileName('../../.bashrc'))
    await store.exportTo(m, dest)
    assert.equal(dest, path.join(out, 'bashrc'))
    assert.equal(await sha256File(dest), sha256)
    assert.deepEqual(await listTree(parent), ['chosen/bashrc', 'neighbour.txt'])
    assert.deepEqual(readdirSync(path.join(store.root, 'tmp')), [])
  })

  test('refuses to overwrite unless asked, and never writes through a symlink', async (t) => {
    const { store, file, sha256 } = await setup(t)
    const m = await store.importFile(file)
    const out = tempDir(t, 'export')
    const dest = path.join(out, 'taken.bin')
    writeFileSync(dest, 'mine')
    await assert.rejects(store.exportTo(m, dest), isCode('BAD_INPUT'))
    assert.equal(readFileSync(dest, 'utf8'), 'mine')
    await store.exportTo(m, dest, { overwrite: true })
    assert.equal(await sha256File(dest), sha256)

    await assert.rejects(store.exportTo(m, out, { overwrite: true }), isCode('BAD_INPUT'))
    if (process.platform !== 'win32') {
      const target = path.join(out, 'target.txt')
      writeFileSync(target, 'precious')
      const link = path.join(out, 'link')
      symlinkSync(target, link)
      await assert.rejects(store.exportTo(m, link), isCode('BAD_INPUT'))
      await store.exportTo(m, link, { overwrite: true })
      assert.equal(readFileSync(target, 'utf8'), 'precious')
      assert.equal(lstatSync(link).isSymbolicLink(), false)
      assert.equal(await sha256File(link), sha256)
    }
    assert.deepEqual(
      (await listTree(out)).filter((f) => f.includes('hearth-part')),
      [],
    )
  })

  test('refuses an incomplete blob and a missing folder, leaving nothing behind', async (t) => {
    const { store, file } = await setup(t)
    const m = await store.importFile(file)
    const out = tempDir(t, 'export')
    await assert.rejects(
      store.exportTo(m, path.join(out, 'no-such-folder', 'f.bin')),
      isCode('STORAGE_FAILED'),
    )
    rmSync(chunkFile(store, m.chunks[2] as string))
    await assert.rejects(store.exportTo(m, path.join(out, 'f.bin')), isCode('BAD_INPUT'))
    assert.deepEqual(await listTree(out), [])
  })

  test('a manifest whose chunks do not add up to its file hash cannot be exported', async (t) => {
    const { store, file } = await setup(t)
    const real = await store.importFile(file)
    const lying: Manifest = { ...real, sha256: sha256Hex(Buffer.from('something else')) }
    await store.putManifest(lying)
    const out = tempDir(t, 'export')
    await assert.rejects(store.exportTo(lying, path.join(out, 'f.bin')), isCode('BAD_INPUT'))
    assert.deepEqual(await listTree(out), [])
  })
})

describe('BlobStore housekeeping', () => {
  test('gc keeps the blobs asked for (and chunks they share) and removes the rest', async (t) => {
    const { dir, store, file } = await setup(t)
    const keep = await store.importFile(file)
    // Same first two chunks, different tail: the blobs share chunks.
    const other = path.join(dir, 'other.bin')
    writeFileSync(
      other,
      Buffer.concat([readFileSync(file).subarray(0, 2 * CHUNK_SIZE), randomBytes(777)]),
    )
    const drop = await store.importFile(other)
    assert.equal(drop.chunks[0], keep.chunks[0])
    const usageBefore = await store.usage()

    const result = await store.gc([blobIdOf(keep)])
    assert.equal(result.removedManifests, 1)
    assert.equal(result.removedChunks, 1) // only the other blob's own tail
    assert.equal(await store.isComplete(keep), true)
    assert.equal(await store.getManifest(blobIdOf(drop)), null)
    assert.deepEqual(await store.missingChunks(drop), [2])
    assert.equal(await store.usage(), usageBefore - result.removedBytes)
  })

  test('gc leaves blobs that are held (being fetched) alone', async (t) => {
    const { store, file } = await setup(t)
    const m = await store.importFile(file)
    const release = store.hold(m)
    assert.deepEqual(await store.gc([]), { removedManifests: 0, removedChunks: 0, removedBytes: 0 })
    assert.equal(await store.isComplete(m), true)
    release()
    release() // twice is harmless
    const result = await store.gc([])
    assert.equal(result.removedChunks, 4)
    assert.equal(await store.usage(), 0)
  })

  test('usage counts the bytes on disk', async (t) => {
    const { store, file } = await setup(t)
    assert.equal(await store.usage(), 0)
    const m = await store.importFile(file)
    assert.equal(await store.usage(), m.size + 49 + 32 * m.chunks.length)
  })
})
