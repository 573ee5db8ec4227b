// A QR code as the rectangles to draw: each horizontal run of dark modules is one rectangle, so a
// long invite becomes a few thousand SVG elements instead of ten thousand. Pure, so it is tested
// without a DOM.
import { create } from 'qrcode'

/**
 * Low error correction: a screen has no smudges or tears, and the long invite (about a kilobyte)
 * then needs a smaller, coarser code that phone cameras read more easily.
 */
export const QR_ERROR_CORRECTION = 'L'

/** Light modules around the code that scanners need to find its edges. */
export const QUIET_ZONE = 4

export interface QrRun {
  x: number
  y: number
  width: number
}

export interface QrLayout {
  /** Modules per side, without the quiet zone. */
  size: number
  runs: QrRun[]
}

export function qrLayout(text: string): QrLayout {
  const { modules } = create(text, { errorCorrectionLevel: QR_ERROR_CORRECTION })
  const { size } = modules
  const runs: QrRun[] = []
  for (let y = 0; y < size; y++) {
    let start = -1
    for (let x = 0; x <= size; x++) {
      const dark = x < size && modules.get(y, x) !== 0
      if (dark && start < 0) start = x
      if (!dark && start >= 0) {
        runs.push({ x: start, y, width: x - start })
        start = -1
      }
    }
  }
  return { size, runs }
}
