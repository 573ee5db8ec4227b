import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { describe, test } from 'node:test'
import {
  CHUNK_SIZE,
  MAX_CHUNKS,
  ManifestError,
  blobIdOf,
  chunkLength,
  decodeManifest,
  encodeManifest,
  verifiedManifest,
} from './manifest.ts'
import type { Manifest } from './manifest.ts'

const hash = (s: string): string => createHash('sha256').update(s).digest('hex')

function manifestOf(size: number): Manifest {
  const count = Math.ceil(size / CHUNK_SIZE)
  return {
    size,
    chunkSize: CHUNK_SIZE,
    chunks: Array.from({ length: count }, (_, i) => hash(`chunk ${i}`)),
    sha256: hash(`file of ${size}`),
  }
}

describe('manifest encoding', () => {
  test('round-trips and has exactly one encoding', () => {
    for (const size of [0, 1, CHUNK_SIZE, CHUNK_SIZE + 1, 5 * CHUNK_SIZE - 7]) {
      const m = manifestOf(size)
      const bytes = encodeManifest(m)
      assert.equal(bytes.length, 49 + 32 * m.chunks.length)
      assert.deepEqual(decodeManifest(bytes), m)
      assert.deepEqual(encodeManifest(decodeManifest(bytes)), bytes)
    }
  })

  test('the blob id is the hash of the encoding and changes with any field', () => {
    const m = manifestOf(3 * CHUNK_SIZE)
    const id = blobIdOf(m)
    assert.equal(id, createHash('sha256').update(encodeManifest(m)).digest('hex'))
    assert.notEqual(blobIdOf({ ...m, sha256: hash('other') }), id)
    assert.notEqual(blobIdOf({ ...m, chunks: [...m.chunks].reverse() }), id)
    assert.notEqual(blobIdOf(manifestOf(3 * CHUNK_SIZE - 1)), id)
  })

  test('a manifest is only accepted for the id it hashes to', () => {
    const m = manifestOf(2 * CHUNK_SIZE + 5)
    const bytes = encodeManifest(m)
    assert.deepEqual(verifiedManifest(blobIdOf(m), bytes), m)
    const flipped = bytes.slice()
    flipped[60] = (flipped[60] ?? 0) ^ 1
    assert.throws(() => verifiedManifest(blobIdOf(m), flipped), ManifestError)
    assert.throws(() => verifiedManifest(blobIdOf(manifestOf(1)), bytes), ManifestError)
  })

  test('rejects anything that is not a canonical encoding', () => {
    const bytes = encodeManifest(manifestOf(2 * CHUNK_SIZE + 1))
    const mutate = (f: (b: Uint8Array, v: DataView) => void): Uint8Array => {
      const copy = bytes.slice()
      f(copy, new DataView(copy.buffer))
      return copy
    }
    const bad: [string, Uint8Array][] = [
      ['empty', new Uint8Array(0)],
      ['truncated header', bytes.subarray(0, 20)],
      ['truncated hashes', bytes.subarray(0, bytes.length - 1)],
      ['trailing byte', Uint8Array.of(...bytes, 0)],
      ['version 2', mutate((b) => (b[0] = 2))],
      ['other chunk size', mutate((_, v) => v.setUint32(9, 4096))],
      ['count does not fit size', mutate((_, v) => v.setBigUint64(1, BigInt(CHUNK_SIZE)))],
      ['size beyond the limit', mutate((_, v) => v.setBigUint64(1, 2n ** 63n))],
      ['count claims 4 billion', mutate((_, v) => v.setUint32(45, 0xffffffff))],
    ]
    for (const [what, b] of bad) assert.throws(() => decodeManifest(b), ManifestError, what)
  })

  test('encoding refuses inconsistent manifests', () => {
    const m = manifestOf(2 * CHUNK_SIZE)
    assert.throws(() => encodeManifest({ ...m, size: -1 }), ManifestError)
    assert.throws(() => encodeManifest({ ...m, size: 1.5 }), ManifestError)
    assert.throws(() => encodeManifest({ ...m, chunks: m.chunks.slice(1) }), ManifestError)
    assert.throws(() => encodeManifest({ ...m, sha256: 'A'.repeat(64) }), ManifestError)
    assert.throws(() => encodeManifest({ ...m, chunks: ['../x', ...m.chunks.slice(1)] }))
    assert.throws(() => encodeManifest({ ...m, size: (MAX_CHUNKS + 1) * CHUNK_SIZE }))
  })

  test('chunk lengths: full chunks, then the remainder', () => {
    const m = manifestOf(2 * CHUNK_SIZE + 10)
    assert.equal(chunkLength(m, 0), CHUNK_SIZE)
    assert.equal(chunkLength(m, 1), CHUNK_SIZE)
    assert.equal(chunkLength(m, 2), 10)
    assert.throws(() => chunkLength(m, 3), RangeError)
    assert.throws(() => chunkLength(m, -1), RangeError)
    assert.equal(chunkLength(manifestOf(CHUNK_SIZE), 0), CHUNK_SIZE)
  })
})
