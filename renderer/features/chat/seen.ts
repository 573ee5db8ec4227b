// "Seen by N of M" for one message, from the group's read markers. A member who has read up to a
// message has read everything before it in the group's order, so one marker per member answers
// for every message. Pure, so it is tested without a DOM.
import type { Member, Message, Receipt } from '../../../shared/api/index.ts'
import { comparePositions } from '../../state/session.ts'

export interface Seen {
  /** Members other than the author whose marker is at or past the message. */
  by: number
  /** Members other than the author. */
  of: number
}

export function seenBy(
  message: Pick<Message, 'id' | 'ts' | 'author'>,
  receipts: readonly Receipt[],
  members: readonly Pick<Member, 'peerId'>[],
): Seen {
  const others = new Set(members.map((m) => m.peerId).filter((p) => p !== message.author))
  let by = 0
  for (const r of receipts) {
    if (!others.has(r.peerId)) continue
    if (comparePositions({ ts: r.ts, id: r.messageId }, message) >= 0) by++
  }
  return { by, of: others.size }
}
