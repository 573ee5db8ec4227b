// The pixel size an image says it has, read from its first bytes, so a thumbnail is never made of
// an image that would decode into gigabytes (a tiny file can claim 60,000 × 60,000 pixels).
// Formats the thumbnailer accepts only: PNG, GIF, JPEG, WebP. Anything else, or a header that
// does not parse, gives null: no thumbnail.
export interface ImageSize {
  width: number
  height: number
}

export const THUMBNAIL_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp'])
/** Files larger than this get no thumbnail (they would be read whole through the API). */
export const MAX_THUMBNAIL_SOURCE_BYTES = 16 * 1024 * 1024
/** Images with more pixels than this get none either. */
export const MAX_THUMBNAIL_SOURCE_PIXELS = 40_000_000

function ascii(bytes: Uint8Array, at: number, text: string): boolean {
  for (let i = 0; i < text.length; i++) if (bytes[at + i] !== text.charCodeAt(i)) return false
  return true
}

export function imageSize(bytes: Uint8Array): ImageSize | null {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const u16be = (at: number) => (at + 2 <= bytes.length ? view.getUint16(at) : -1)
  const u32be = (at: number) => (at + 4 <= bytes.length ? view.getUint32(at) : -1)
  const u16le = (at: number) => (at + 2 <= bytes.length ? view.getUint16(at, true) : -1)
  const u24le = (at: number) =>
    at + 3 <= bytes.length
      ? (bytes[at] ?? 0) | ((bytes[at + 1] ?? 0) << 8) | ((bytes[at + 2] ?? 0) << 16)
      : -1
  const sized = (width: number, height: number): ImageSize | null =>
    width > 0 && height > 0 ? { width, height } : null

  // PNG: signature, then the IHDR chunk first.
  if (ascii(bytes, 0, '\x89PNG\r\n\x1a\n') && ascii(bytes, 12, 'IHDR')) {
    return sized(u32be(16), u32be(20))
  }
  if (ascii(bytes, 0, 'GIF87a') || ascii(bytes, 0, 'GIF89a')) return sized(u16le(6), u16le(8))
  if (ascii(bytes, 0, 'RIFF') && ascii(bytes, 8, 'WEBP')) {
    if (ascii(bytes, 12, 'VP8 ')) return sized(u16le(26) & 0x3fff, u16le(28) & 0x3fff)
    if (ascii(bytes, 12, 'VP8L') && bytes[20] === 0x2f) {
      const b = u32be(21) === -1 ? -1 : view.getUint32(21, true)
      return b < 0 ? null : sized((b & 0x3fff) + 1, ((b >>> 14) & 0x3fff) + 1)
    }
    if (ascii(bytes, 12, 'VP8X')) return sized(u24le(24) + 1, u24le(27) + 1)
    return null
  }
  // JPEG: walk the markers to the first start-of-frame.
  if (bytes[0] === 0xff && bytes[1] === 0xd8) {
    let at = 2
    while (at + 4 <= bytes.length) {
      if (bytes[at] !== 0xff) return null
      const marker = bytes[at + 1] ?? 0
      if (marker === 0xff) {
        at++
        continue
      }
      const length = u16be(at + 2)
      if (length < 2) return null
      const isFrame = marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker)
      if (isFrame) return sized(u16be(at + 7), u16be(at + 5))
      at += 2 + length
    }
  }
  return null
}

/** Whether a file may get a thumbnail: an image type we decode, small enough to read whole. */
export function mayThumbnail(file: { mediaType: string; size: number; local: boolean }): boolean {
  return (
    file.local &&
    THUMBNAIL_TYPES.has(file.mediaType) &&
    file.size > 0 &&
    file.size <= MAX_THUMBNAIL_SOURCE_BYTES
  )
}

/** The size of the thumbnail for an image of `size`, fitting in `box` × `box`. */
export function fitInside(size: ImageSize, box: number): ImageSize {
  const scale = Math.min(1, box / Math.max(size.width, size.height))
  return {
    width: Math.max(1, Math.round(size.width * scale)),
    height: Math.max(1, Math.round(size.height * scale)),
  }
}
