import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { HearthError } from '../../api/index.ts'
import { BlobStore } from './blob-store.ts'
import { blobIdOf, CHUNK_SIZE, sha256Hex } from './manifest.ts'
import { Notifier, tempDir } from './test-fixtures.ts'
import { Uploads } from './uploads.ts'

const target = (size: number) => ({ groupId: 'g'.repeat(26), name: 'a.bin', folder: '', size })
const code = (c: string) => (err: unknown) => err instanceof HearthError && err.code === c

describe('uploads', () => {
  test('bytes stream into the store in order, one chunk buffer at a time, and add up', async (t) => {
    const store = await BlobStore.open(tempDir(t, 'uploads'))
    const uploads = new Uploads({ store })
    const owner = {}
    const bytes = Buffer.alloc(CHUNK_SIZE * 2 + 300)
    for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 7) & 0xff
    const id = uploads.begin(owner, undefined, target(bytes.length))
    const step = 512 * 1024
    for (let at = 0; at < bytes.length; at += step) {
      const part = bytes.subarray(at, at + step)
      assert.equal(await uploads.chunk(id, owner, at, part), at + part.length)
    }
    const done = await uploads.finish(id, owner)
    assert.equal(done.manifest.size, bytes.length)
    assert.equal(done.manifest.sha256, sha256Hex(bytes))
    assert.equal(done.manifest.chunks.length, 3)
    await store.putManifest(done.manifest)
    done.release()
    assert.equal(await store.isComplete(done.manifest), true)
    assert.equal(uploads.active, 0)
    assert.ok(blobIdOf(done.manifest))
  })

  test('out of order, too many bytes, too few bytes, someone else’s upload: refused', async (t) => {
    const store = await BlobStore.open(tempDir(t, 'uploads'))
    const uploads = new Uploads({ store, limits: { maxUploads: 2 } })
    const owner = {}
    const id = uploads.begin(owner, undefined, target(10))
    await assert.rejects(uploads.chunk(id, owner, 5, Buffer.alloc(1)), code('BAD_INPUT'))
    await assert.rejects(uploads.chunk(id, {}, 0, Buffer.alloc(1)), code('FILE_NOT_FOUND'))
    assert.throws(() => uploads.cancel(id, {}), code('FILE_NOT_FOUND'))
    await uploads.chunk(id, owner, 0, Buffer.alloc(4))
    await assert.rejects(uploads.finish(id, owner), code('BAD_INPUT'), 'only 4 of 10 bytes')
    uploads.begin(owner, undefined, target(1))
    assert.throws(() => uploads.begin(owner, undefined, target(1)), code('RATE_LIMITED'))
    await assert.rejects(uploads.chunk(id, owner, 4, Buffer.alloc(7)), code('BAD_INPUT'))
    // More than declared ends the upload.
    await assert.rejects(uploads.chunk(id, owner, 4, Buffer.alloc(1)), code('FILE_NOT_FOUND'))
    assert.equal(uploads.active, 1)
  })

  test('an idle upload, or one whose connection closed, is dropped and its chunks released', async (t) => {
    const store = await BlobStore.open(tempDir(t, 'uploads'))
    const ended = new Notifier()
    const why: string[] = []
    const uploads = new Uploads({
      store,
      limits: { idleMs: 20 },
      onAbandoned: (_id, reason) => {
        why.push(reason)
        ended.notify()
      },
    })
    const owner = {}
    const full = Buffer.alloc(CHUNK_SIZE, 3)
    const idle = uploads.begin(owner, undefined, target(CHUNK_SIZE + 1))
    await uploads.chunk(idle, owner, 0, full)
    const connection = new AbortController()
    const closing = uploads.begin(owner, connection.signal, target(5))
    connection.abort()
    await ended.until(() => why.length === 2, 'both uploads ended')
    assert.ok(why.some((w) => w.includes('no chunk came')))
    assert.ok(why.some((w) => w.includes('connection closed')))
    assert.equal(uploads.active, 0)
    await assert.rejects(uploads.chunk(closing, owner, 0, Buffer.alloc(1)), code('FILE_NOT_FOUND'))
    // Nothing holds the stored chunk any more: gc with nothing kept removes it.
    assert.equal(await store.hasChunk(sha256Hex(full)), true)
    await store.gc([])
    assert.equal(await store.hasChunk(sha256Hex(full)), false)
  })
})
