import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { inflateSync } from 'node:zlib'
import { crc32, trayIconPng } from './tray-icon.ts'

/** Reads back what a PNG decoder would: chunks with valid CRCs, and the RGBA pixels. */
function decode(png: Buffer): {
  width: number
  height: number
  pixel(x: number, y: number): number[]
} {
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
  let at = 8
  const chunks = new Map<string, Buffer>()
  while (at < png.length) {
    const length = png.readUInt32BE(at)
    const type = png.toString('latin1', at + 4, at + 8)
    const data = png.subarray(at + 8, at + 8 + length)
    assert.equal(png.readUInt32BE(at + 8 + length), crc32(png.subarray(at + 4, at + 8 + length)))
    chunks.set(type, data)
    at += 12 + length
  }
  assert.deepEqual([...chunks.keys()], ['IHDR', 'IDAT', 'IEND'])
  const header = chunks.get('IHDR')!
  const width = header.readUInt32BE(0)
  const height = header.readUInt32BE(4)
  assert.equal(header[8], 8)
  assert.equal(header[9], 6)
  const rows = inflateSync(chunks.get('IDAT')!)
  assert.equal(rows.length, height * (1 + width * 4))
  return {
    width,
    height,
    pixel(x, y) {
      const start = y * (1 + width * 4) + 1 + x * 4
      return [...rows.subarray(start, start + 4)]
    },
  }
}

describe('tray icon', () => {
  test('crc32 matches the standard check value', () => {
    assert.equal(crc32(new TextEncoder().encode('123456789')), 0xcbf43926)
  })

  test('is a valid PNG of the asked size, round, with an ember in the middle', () => {
    for (const size of [16, 32]) {
      const image = decode(trayIconPng(size, false))
      assert.equal(image.width, size)
      assert.equal(image.height, size)
      assert.equal(image.pixel(0, 0)[3], 0, 'the corners are transparent')
      const middle = image.pixel(size / 2, Math.round(size * 0.56))
      assert.equal(middle[3], 255)
      assert.ok(middle[0]! > 200 && middle[2]! < 100, `ember orange, got ${middle}`)
    }
  })

  test('the badge version has a red dot top right; the plain one does not', () => {
    const plain = decode(trayIconPng(32, false)).pixel(25, 7)
    const badged = decode(trayIconPng(32, true)).pixel(25, 7)
    assert.deepEqual(badged, [220, 38, 38, 255])
    assert.notDeepEqual(plain, badged)
  })
})
