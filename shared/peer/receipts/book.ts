// Every read marker this device holds: the latest per member and group, kept in the store so they
// survive a restart. It decides what counts: only markers of current members, signed by the
// reader, that move that reader forward. A removed member's markers stay stored but are no longer
// shown or accepted; data from a peer that is not a member is dropped before anything is checked.
import type { Signer } from '../groups/signing.ts'
import type { Store } from '../storage/types.ts'
import {
  comparePositions,
  markerVerifies,
  signMarker,
  type Position,
  type ReadMarker,
} from './marker.ts'

/**
 * How far past our own clock a marker may point. An honest marker names a message that exists,
 * whose time is at most its author's clock skew ahead; one pointing further would count as "seen"
 * for every message written until then, and markers never move back.
 */
export const MAX_MARKER_AHEAD_MS = 24 * 3600_000

export interface ReceiptBookOptions {
  store: Store
  signer: Signer
  now(): number
  /** The membership gate, as in our view of the group right now. */
  isMember(groupId: string, peerId: string): boolean
  /** Signature check; tests pass one that counts. */
  verify?(marker: ReadMarker): boolean
}

export interface Accepted {
  /** Markers that moved their reader forward, stored and ready to relay, by group. */
  byGroup: Map<string, ReadMarker[]>
  /** Markers whose signature did not verify: the sender forged or mangled them. */
  forged: number
}

export class ReceiptBook {
  readonly #o: ReceiptBookOptions
  readonly #verify: (marker: ReadMarker) => boolean
  readonly #groups = new Map<string, Map<string, ReadMarker>>()

  constructor(options: ReceiptBookOptions) {
    this.#o = options
    this.#verify = options.verify ?? markerVerifies
  }

  /** Reads a group's stored markers. They were checked when they arrived, so are not again. */
  load(groupId: string): void {
    const markers = new Map<string, ReadMarker>()
    for (const r of this.#o.store.receipts(groupId)) {
      markers.set(r.reader, {
        group: groupId,
        reader: r.reader,
        ts: r.ts,
        id: r.messageId,
        sig: r.sig,
      })
    }
    this.#groups.set(groupId, markers)
  }

  /** The group is gone from this device (left, or never joined); the store drops its rows. */
  forget(groupId: string): void {
    this.#groups.delete(groupId)
  }

  /** The markers that count: one per current member who has read anything, ordered by reader. */
  markers(groupId: string): ReadMarker[] {
    const held = this.#groups.get(groupId)
    if (held === undefined) return []
    return [...held.values()]
      .filter((m) => this.#o.isMember(groupId, m.reader))
      .sort((a, b) => (a.reader < b.reader ? -1 : 1))
  }

  /** Moves this device's marker forward to `at`; the new marker, or null if it was not behind. */
  markRead(groupId: string, at: Position): ReadMarker | null {
    const held = this.#held(groupId)
    const current = held.get(this.#o.signer.peerId)
    if (current !== undefined && comparePositions(at, current) <= 0) return null
    const marker = signMarker(this.#o.signer, groupId, at)
    this.#store(groupId, [marker])
    return marker
  }

  /** Takes markers received from `from`; keeps those that count and move their reader forward. */
  accept(from: string, markers: readonly ReadMarker[]): Accepted {
    const fresh = new Map<string, Map<string, ReadMarker>>()
    let forged = 0
    const horizon = this.#o.now() + MAX_MARKER_AHEAD_MS
    for (const marker of markers) {
      const { group, reader } = marker
      // The gate: nothing about a group is taken from someone who is not a member of it, and
      // markers of people who are not (or no longer) members do not count.
      if (!this.#groups.has(group) || !this.#o.isMember(group, from)) continue
      if (!this.#o.isMember(group, reader) || marker.ts > horizon) continue
      const already = fresh.get(group)?.get(reader) ?? this.#groups.get(group)?.get(reader)
      // Cheap checks first: an old or repeated marker costs no signature check.
      if (already !== undefined && comparePositions(marker, already) <= 0) continue
      if (!this.#verify(marker)) {
        forged++
        continue
      }
      const batch = fresh.get(group) ?? new Map<string, ReadMarker>()
      batch.set(reader, marker)
      fresh.set(group, batch)
    }
    const byGroup = new Map<string, ReadMarker[]>()
    for (const [group, batch] of fresh) {
      const list = [...batch.values()]
      this.#store(group, list)
      byGroup.set(group, list)
    }
    return { byGroup, forged }
  }

  #held(groupId: string): Map<string, ReadMarker> {
    let held = this.#groups.get(groupId)
    if (held === undefined) {
      held = new Map()
      this.#groups.set(groupId, held)
    }
    return held
  }

  /** On disk first: a marker we relay or show is one we still hold after a restart. */
  #store(groupId: string, markers: ReadMarker[]): void {
    this.#o.store.putReceipts(
      groupId,
      markers.map((m) => ({ reader: m.reader, ts: m.ts, messageId: m.id, sig: m.sig })),
    )
    const held = this.#held(groupId)
    for (const m of markers) held.set(m.reader, m)
  }
}
