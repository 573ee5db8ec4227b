// The tray icon, drawn in code so the app ships no binary image: a warm ember on a dark round
// hearth, and a red dot in the corner when something is unread. Encoded as PNG, which every
// platform's nativeImage reads the same way (raw bitmaps differ in byte order between platforms).
import { deflateSync } from 'node:zlib'

type Rgba = readonly [number, number, number, number]

const HEARTH: Rgba = [58, 42, 36, 255]
const EMBER: Rgba = [240, 128, 48, 255]
const BADGE: Rgba = [220, 38, 38, 255]
const TRANSPARENT: Rgba = [0, 0, 0, 0]
/** Sub-samples per pixel side, for smooth edges at 16 px. */
const SAMPLES = 4

interface Circle {
  cx: number
  cy: number
  r: number
  color: Rgba
}

function shapes(size: number, badge: boolean): Circle[] {
  const s = size
  const list: Circle[] = [
    { cx: s / 2, cy: s / 2, r: s * 0.47, color: HEARTH },
    { cx: s / 2, cy: s * 0.56, r: s * 0.26, color: EMBER },
  ]
  if (badge) list.push({ cx: s * 0.78, cy: s * 0.22, r: s * 0.22, color: BADGE })
  return list
}

/** RGBA pixels, row by row: the top-most shape covering each sub-sample wins. */
export function drawTrayIcon(size: number, badge: boolean): Uint8Array {
  const circles = shapes(size, badge)
  const pixels = new Uint8Array(size * size * 4)
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const sum = [0, 0, 0, 0]
      for (let sy = 0; sy < SAMPLES; sy++) {
        for (let sx = 0; sx < SAMPLES; sx++) {
          const px = x + (sx + 0.5) / SAMPLES
          const py = y + (sy + 0.5) / SAMPLES
          let color = TRANSPARENT
          for (const c of circles) {
            if ((px - c.cx) ** 2 + (py - c.cy) ** 2 <= c.r ** 2) color = c.color
          }
          // Premultiplied sums, so half-covered edge pixels are not darkened by transparent black.
          const alpha = color[3] / 255
          sum[0]! += color[0] * alpha
          sum[1]! += color[1] * alpha
          sum[2]! += color[2] * alpha
          sum[3]! += color[3]
        }
      }
      const n = SAMPLES * SAMPLES
      const a = sum[3]! / n
      const at = (y * size + x) * 4
      const unpremultiply = (v: number) => (a === 0 ? 0 : Math.round((v / n) * (255 / a)))
      pixels[at] = unpremultiply(sum[0]!)
      pixels[at + 1] = unpremultiply(sum[1]!)
      pixels[at + 2] = unpremultiply(sum[2]!)
      pixels[at + 3] = Math.round(a)
    }
  }
  return pixels
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    table[n] = c >>> 0
  }
  return table
})()

export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length)
  out.writeUInt32BE(data.length, 0)
  out.write(type, 4, 'latin1')
  out.set(data, 8)
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length)
  return out
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])

/** A square RGBA image as PNG bytes. */
export function encodePng(size: number, rgba: Uint8Array): Buffer {
  if (rgba.length !== size * size * 4) throw new Error('the pixels do not make a square image')
  const header = Buffer.alloc(13)
  header.writeUInt32BE(size, 0)
  header.writeUInt32BE(size, 4)
  header[8] = 8 // bits per channel
  header[9] = 6 // RGBA
  const rows = Buffer.alloc(size * (1 + size * 4))
  for (let y = 0; y < size; y++) {
    rows[y * (1 + size * 4)] = 0 // filter: none
    rows.set(rgba.subarray(y * size * 4, (y + 1) * size * 4), y * (1 + size * 4) + 1)
  }
  return Buffer.concat([
    PNG_SIGNATURE,
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows)),
    chunk('IEND', new Uint8Array(0)),
  ])
}

export function trayIconPng(size: number, badge: boolean): Buffer {
  return encodePng(size, drawTrayIcon(size, badge))
}
