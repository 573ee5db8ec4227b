// A QR code drawn with SVG rectangles: no canvas, no data: URL and no inline style, so it passes
// the page's strict CSP and stays sharp at any zoom. Black on white in dark mode too: scanners
// expect dark modules on a light ground.
import { useMemo } from 'react'
import { QUIET_ZONE, qrLayout } from './qr.ts'

// About this many CSS pixels across: a phone camera reads it from arm's length.
const TARGET_PX = 300

export function QrCode(props: { text: string; label: string }) {
  const layout = useMemo(() => qrLayout(props.text), [props.text])
  const side = layout.size + 2 * QUIET_ZONE
  // Whole pixels per module keep every module the same size on screen.
  const scale = Math.max(2, Math.round(TARGET_PX / side))
  return (
    <svg
      className="qr"
      role="img"
      aria-label={props.label}
      viewBox={`0 0 ${side} ${side}`}
      width={side * scale}
      height={side * scale}
      shapeRendering="crispEdges"
    >
      <rect width={side} height={side} fill="#fff" />
      {layout.runs.map((run) => (
        <rect
          key={`${run.x}.${run.y}`}
          x={run.x + QUIET_ZONE}
          y={run.y + QUIET_ZONE}
          width={run.width}
          height={1}
          fill="#000"
        />
      ))}
    </svg>
  )
}
