// Group commit of folder fsyncs (FolderSyncs) and the chunk buffers a fetch reuses.
import assert from 'node:assert/strict'
import { describe, test } from 'node:test'
import { ChunkBuffers } from './chunk-buffers.ts'
import { FolderSyncs } from './durable.ts'
import { MAX_CHUNK_FRAME_BYTES } from './wire.ts'

/** An fsync the test finishes by hand, recording which folders each round covered. */
function manualFsync() {
  const rounds: string[][] = []
  const open: (() => void)[] = []
  let current: string[] | null = null
  const fsync = (dir: string): Promise<void> => {
    if (current === null) {
      current = []
      rounds.push(current)
      queueMicrotask(() => (current = null))
    }
    current.push(dir)
    return new Promise((resolve) => open.push(resolve))
  }
  const finishAll = (): void => {
    for (const resolve of open.splice(0)) resolve()
  }
  return { fsync, rounds, finishAll }
}

const settle = () => new Promise<void>((resolve) => setImmediate(resolve))

describe('FolderSyncs', () => {
  test('writes that arrive during a round share the next one, one fsync per folder', async () => {
    const { fsync, rounds, finishAll } = manualFsync()
    const folders = new FolderSyncs(fsync)
    const resolved: string[] = []
    const track = (name: string, p: Promise<void>) => p.then(() => resolved.push(name))
    const first = track('a1', folders.sync('/a'))
    await settle()
    assert.deepEqual(rounds, [['/a']])
    // Round 1 is under way: these were renamed after it started, so it does not cover them.
    const later = [
      track('a2', folders.sync('/a')),
      track('b1', folders.sync('/b')),
      track('a3', folders.sync('/a')),
    ]
    await settle()
    assert.deepEqual(resolved, [])
    finishAll()
    await first
    assert.deepEqual(resolved, ['a1'])
    await settle()
    assert.deepEqual(rounds, [['/a'], ['/a', '/b']])
    assert.deepEqual(resolved, ['a1'], 'not durable before their own round ends')
    finishAll()
    await Promise.all(later)
    assert.deepEqual(resolved.sort(), ['a1', 'a2', 'a3', 'b1'])
  })

  test('a failed fsync fails every write of its round, and the next round runs', async () => {
    let fail = true
    const folders = new FolderSyncs(async () => {
      if (fail) throw new Error('EIO')
    })
    await assert.rejects(Promise.all([folders.sync('/a'), folders.sync('/b')]), /EIO/)
    fail = false
    await folders.sync('/a')
  })
})

describe('ChunkBuffers', () => {
  test('chunk-sized frames reuse a few buffers; small ones are not pooled', () => {
    const buffers = new ChunkBuffers(2)
    const a = buffers.take(MAX_CHUNK_FRAME_BYTES)
    const b = buffers.take(1000 + Math.floor(MAX_CHUNK_FRAME_BYTES / 2))
    const c = buffers.take(MAX_CHUNK_FRAME_BYTES)
    assert.equal(b.length, 1000 + Math.floor(MAX_CHUNK_FRAME_BYTES / 2))
    buffers.give(a.subarray(5))
    buffers.give(b)
    buffers.give(c)
    buffers.give(c)
    assert.equal(buffers.kept, 2)
    const again = buffers.take(MAX_CHUNK_FRAME_BYTES)
    assert.ok(again.buffer === c.buffer || again.buffer === b.buffer)
    const small = buffers.take(5)
    assert.notEqual(small.buffer.byteLength, MAX_CHUNK_FRAME_BYTES)
    buffers.clear()
    assert.equal(buffers.kept, 0)
  })
})
