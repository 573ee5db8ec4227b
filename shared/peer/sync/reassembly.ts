// Puts multi-part updates back together. The sender writes a message's parts back to back, so
// one stream has at most one update in progress; the declared total is capped before any part
// is kept, and every part is counted against it before it is stored.
import { ProtocolError } from './messages.ts'
import type { UpdatePart } from './messages.ts'

export type ReassemblyResult =
  | { kind: 'partial' }
  | { kind: 'complete'; type: UpdatePart['type']; groupId: string; update: Uint8Array }
  | { kind: 'discarded'; type: UpdatePart['type']; groupId: string }

interface InProgress {
  type: UpdatePart['type']
  groupId: string
  total: number
  received: number
  /** null while discarding an update we refused on its first part. */
  chunks: Uint8Array[] | null
}

export class Reassembler {
  readonly maxUpdateBytes: number
  #current: InProgress | null = null

  constructor(maxUpdateBytes: number) {
    this.maxUpdateBytes = maxUpdateBytes
  }

  /** True between the first and the last part of an update. */
  get inProgress(): boolean {
    return this.#current !== null
  }

  /** Declared size of the update being kept, if one is in progress (0 when discarding). */
  get heldTotal(): number {
    const cur = this.#current
    return cur !== null && cur.chunks !== null ? cur.total : 0
  }

  /**
   * Adds one part. `keep` is consulted only on the first part of an update (the membership gate):
   * when it returns false the update's parts are checked and counted but never stored.
   */
  push(part: UpdatePart, keep: () => boolean): ReassemblyResult {
    let cur = this.#current
    if (cur === null) {
      if (part.total > this.maxUpdateBytes) {
        throw new ProtocolError(
          `update of ${part.total} bytes exceeds the ${this.maxUpdateBytes} cap`,
        )
      }
      cur = {
        type: part.type,
        groupId: part.groupId,
        total: part.total,
        received: 0,
        chunks: keep() ? [] : null,
      }
    } else if (cur.type !== part.type || cur.groupId !== part.groupId || cur.total !== part.total) {
      throw new ProtocolError('a part does not continue the update in progress')
    }
    if (cur.received + part.chunk.length > cur.total) {
      throw new ProtocolError('parts add up to more than the declared total')
    }
    cur.received += part.chunk.length
    cur.chunks?.push(part.chunk)
    if (cur.received < cur.total) {
      this.#current = cur
      return { kind: 'partial' }
    }
    this.#current = null
    if (cur.chunks === null) return { kind: 'discarded', type: cur.type, groupId: cur.groupId }
    return {
      kind: 'complete',
      type: cur.type,
      groupId: cur.groupId,
      update: concat(cur.chunks, cur.total),
    }
  }
}

function concat(chunks: Uint8Array[], total: number): Uint8Array {
  if (chunks.length === 1 && chunks[0] !== undefined) return chunks[0]
  const out = new Uint8Array(total)
  let pos = 0
  for (const c of chunks) {
    out.set(c, pos)
    pos += c.length
  }
  return out
}
