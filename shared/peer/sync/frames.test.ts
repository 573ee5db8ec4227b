import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { FrameDecoder, FrameError, encodeFrame, varintLength, writeVarint } from './frames.ts'

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let pos = 0
  for (const p of parts) {
    out.set(p, pos)
    pos += p.length
  }
  return out
}

describe('varint', () => {
  test('round-trips through the decoder at every length boundary', () => {
    for (const n of [0, 1, 127, 128, 16_383, 16_384, 2_097_151, 2_097_152]) {
      const buf = new Uint8Array(varintLength(n))
      assert.equal(writeVarint(n, buf, 0), buf.length)
      const body = new Uint8Array(n).fill(7)
      const decoder = new FrameDecoder(3_000_000)
      const frames = decoder.push(concat(buf, body))
      assert.equal(frames.length, 1)
      assert.equal(frames[0]?.length, n)
    }
  })
})

describe('FrameDecoder', () => {
  test('reassembles frames split at every byte and several frames in one chunk', () => {
    const a = encodeFrame(Uint8Array.from([1, 2, 3]))
    const b = encodeFrame(new Uint8Array(300).fill(9))
    const c = encodeFrame(new Uint8Array(0))
    const all = concat(a, b, c)
    const decoder = new FrameDecoder(1024)
    const frames: Uint8Array[] = []
    for (const byte of all) frames.push(...decoder.push(Uint8Array.of(byte)))
    assert.deepEqual(
      frames.map((f) => f.length),
      [3, 300, 0],
    )
    assert.equal(decoder.midFrame, false)
    assert.deepEqual(
      new FrameDecoder(1024).push(all).map((f) => f.length),
      [3, 300, 0],
    )
    assert.deepEqual(
      new FrameDecoder(1024).push([a, concat(b, c)]).map((f) => f.length),
      [3, 300, 0],
    )
  })

  test('knows when it holds part of a frame', () => {
    const decoder = new FrameDecoder(1024)
    decoder.push(Uint8Array.of(0x85))
    assert.equal(decoder.midFrame, true, 'inside the prefix')
    decoder.push(Uint8Array.of(0x01, 1, 2))
    assert.equal(decoder.midFrame, true, 'inside the body')
  })

  test('refuses a frame over the cap from its prefix alone', () => {
    const decoder = new FrameDecoder(1024)
    const prefix = new Uint8Array(2)
    writeVarint(1025, prefix, 0)
    assert.throws(() => decoder.push(prefix), FrameError)
  })

  test('refuses a 4 GiB claim without reading its body', () => {
    const decoder = new FrameDecoder(1024 * 1024)
    assert.throws(
      () => decoder.push(Uint8Array.from([0x80, 0x80, 0x80, 0x80, 0x10])),
      /length prefix longer than 3 bytes/,
    )
  })

  test('refuses a prefix of endless continuation bytes', () => {
    const decoder = new FrameDecoder(100)
    assert.throws(() => decoder.push(new Uint8Array(50).fill(0xff)), FrameError)
  })

  test('accepts a frame of exactly the cap', () => {
    const decoder = new FrameDecoder(500)
    assert.equal(decoder.push(encodeFrame(new Uint8Array(500)))[0]?.length, 500)
  })
})
