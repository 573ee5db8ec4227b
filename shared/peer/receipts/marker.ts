// A read marker: "`reader` has read group `group` up to the message (ts, id)", signed by the
// reader's device key. Markers only move forward: of two markers by one reader, the one further
// along the group's (ts, id) order wins, whatever order they arrive in. So a marker needs no
// clock of its own, a replayed old one changes nothing, and peers that hold the same markers show
// the same counts.
import { z } from 'zod'
import { EntryId, GroupId, PeerIdText, SignatureText, Timestamp } from '../groups/primitives.ts'
import { checkSeal, seal, tags, type Field } from '../groups/sealed.ts'
import type { Signer } from '../groups/signing.ts'

export const ReadMarker = z.strictObject({
  group: GroupId,
  reader: PeerIdText,
  /** The `ts` of the message read up to (the group's hybrid-logical-clock time). */
  ts: Timestamp,
  /** The id of the message read up to. */
  id: EntryId,
  sig: SignatureText,
})
export type ReadMarker = z.infer<typeof ReadMarker>

/** A position in a group's message order. */
export interface Position {
  ts: number
  id: string
}

function fields(m: Omit<ReadMarker, 'sig'>): Field[] {
  return [tags.receipt, m.group, m.reader, m.ts, m.id]
}

/** Orders positions as every replica orders messages: by ts, then by id. */
export function comparePositions(a: Position, b: Position): number {
  return a.ts - b.ts || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
}

export function signMarker(signer: Signer, group: string, at: Position): ReadMarker {
  const unsigned = { group, reader: signer.peerId, ts: at.ts, id: at.id }
  return { ...unsigned, sig: seal(signer, fields(unsigned)).sig }
}

/** True when the reader's own key signed exactly this marker. Never throws. */
export function markerVerifies(marker: ReadMarker): boolean {
  return checkSeal(marker.reader, fields(marker), marker.sig).ok
}
