// Read receipts: signed per-member read markers, kept outside the group doc and exchanged only
// with members (see docs/ARCHITECTURE.md for why, docs/PROTOCOL.md for the wire format).
export { MAX_MARKER_AHEAD_MS, ReceiptBook, type Accepted, type ReceiptBookOptions } from './book.ts'
export {
  comparePositions,
  markerVerifies,
  ReadMarker,
  signMarker,
  type Position,
} from './marker.ts'
export {
  MAX_MARKERS_PER_FRAME,
  MAX_RECEIPTS_FRAME,
  RECEIPTS_PROTOCOL,
  ReceiptsProtocol,
  type ReceiptsHost,
} from './protocol.ts'
