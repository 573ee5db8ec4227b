import assert from 'node:assert/strict'
import { test } from 'node:test'
import { solidPng } from '../../../e2e/fixtures/png.ts'
import { fitInside, imageSize, mayThumbnail, MAX_THUMBNAIL_SOURCE_BYTES } from './image-size.ts'

const bytes = (...parts: (number[] | string)[]) =>
  new Uint8Array(
    parts.flatMap((p) => (typeof p === 'string' ? [...p].map((c) => c.charCodeAt(0)) : p)),
  )

test('the pixel size comes from the header of PNG, GIF, JPEG and WebP', () => {
  assert.deepEqual(imageSize(solidPng(640, 480, [1, 2, 3])), { width: 640, height: 480 })
  assert.deepEqual(imageSize(bytes('GIF89a', [0x20, 0x03, 0x58, 0x02])), {
    width: 800,
    height: 600,
  })
  // JPEG: SOI, an APP0 segment to skip, then SOF0 with height 300 and width 400.
  const jpeg = bytes(
    [0xff, 0xd8, 0xff, 0xe0, 0x00, 0x04, 0x00, 0x00],
    [0xff, 0xc0, 0x00, 0x11, 0x08, 0x01, 0x2c, 0x01, 0x90],
  )
  assert.deepEqual(imageSize(jpeg), { width: 400, height: 300 })
  const vp8x = bytes(
    'RIFF',
    [0, 0, 0, 0],
    'WEBPVP8X',
    [0, 0, 0, 0, 0, 0, 0, 0],
    [0x7f, 0x07, 0x00, 0x37, 0x04, 0x00],
  )
  assert.deepEqual(imageSize(vp8x), { width: 1920, height: 1080 })
  // A claim of 60,000 × 60,000 pixels in a few bytes is read as it is (and refused by the caller).
  assert.deepEqual(imageSize(bytes('GIF87a', [0x60, 0xea, 0x60, 0xea])), {
    width: 60000,
    height: 60000,
  })
})

test('anything else, or a broken header, has no size', () => {
  for (const junk of [
    bytes('<svg xmlns="http://www.w3.org/2000/svg"/>'),
    bytes([0xff, 0xd8, 0x00]),
    bytes([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x01]),
    bytes('RIFF....WEBPVP9 '),
    bytes('GIF89a', [0, 0, 0, 0]),
    new Uint8Array(0),
  ]) {
    assert.equal(imageSize(junk), null)
  }
})

test('only small images held here get a thumbnail, fitted inside its box', () => {
  const png = { mediaType: 'image/png', size: 1000, local: true }
  assert.equal(mayThumbnail(png), true)
  assert.equal(mayThumbnail({ ...png, local: false }), false)
  assert.equal(mayThumbnail({ ...png, mediaType: 'image/svg+xml' }), false)
  assert.equal(mayThumbnail({ ...png, size: MAX_THUMBNAIL_SOURCE_BYTES + 1 }), false)
  assert.deepEqual(fitInside({ width: 4000, height: 1000 }, 320), { width: 320, height: 80 })
  assert.deepEqual(fitInside({ width: 100, height: 50 }, 320), { width: 100, height: 50 })
})
