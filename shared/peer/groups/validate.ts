// The gate in front of Y.applyUpdate for everything received from other peers. An update is
// applied whole or not at all, and only when every entry it adds is new, well-formed, for this
// group, stored under its own id and authentic: its signature verifies, or a verified entry of
// the same author reaches it through `prev` links (chain.ts), which costs one hash instead of one
// signature check. A catch-up of one author's 100,000 entries needs a single signature check.
import * as Y from 'yjs'
import { BatchChains } from './chain.ts'
import { rootMaps } from './root-maps.ts'
import { verifySealed } from './sealed.ts'
import { verify as verifySignature, type Verify } from './signing.ts'
import { runToEnd } from './slices.ts'
import { visiting } from './update-scan.ts'

/** Room for the full state of a large group; the sync layer also caps its frames. */
export const MAX_UPDATE_BYTES = 64 * 1024 * 1024
/** Entries parsed and hashed between two pauses (a few ms of work each slice). */
export const PARSE_SLICE = 2000
/** Signatures checked between two pauses. */
export const VERIFY_SLICE = 200

export type ApplyResult =
  | { kind: 'applied' }
  | { kind: 'duplicate' }
  | { kind: 'gap' }
  | { kind: 'rejected'; reason: string }

export interface AcceptedEntry {
  map: string
  key: string
  ts: number
  author: string
}

export type Verdict =
  | {
      kind: 'accept'
      entries: AcceptedEntry[]
      /** Every entry of the update is new: the update is exactly what applying it adds. */
      allNew: boolean
    }
  | Exclude<ApplyResult, { kind: 'applied' }>

function rejected(reason: string): Verdict {
  return { kind: 'rejected', reason }
}

/** A new entry of the update, as the check keeps it: what the verdict names, and its seal. */
interface NewEntry extends AcceptedEntry {
  /**
   * Its signed bytes and signature, kept while it may be a chain head (the one kind of entry
   * whose signature is checked) and dropped once another entry of its author names it.
   */
  sealed: Uint8Array | null
  payloadLength: number
}

/**
 * The check as a sliced computation (see slices.ts): it yields between slices of work. `doc` may
 * take local writes between slices, never remote ones (the replica queues those); the verdict
 * holds for the doc as it is when the generator returns. Never throws.
 *
 * Each entry is checked as the scan reads it (shape, group, id, duplicates), and sealed once:
 * the bytes its signature covers are made when its id is derived, and kept only for chain heads.
 */
export function* checking(
  doc: Y.Doc,
  groupId: string,
  update: Uint8Array,
  verify: Verify = verifySignature,
  /** Told how many entries we do not hold yet, as each writer's section of the update is read. */
  onCounted?: (entries: number) => void,
): Generator<void, Verdict> {
  if (update.length === 0) return rejected('empty update')
  if (update.length > MAX_UPDATE_BYTES) return rejected('update too large')

  const ownClock = Y.getState(doc.store, doc.clientID)
  const maps = new Map(rootMaps.map((m) => [m.name, { checker: m, held: doc.getMap(m.name) }]))
  const fresh: NewEntry[] = []
  const chains = new BatchChains([], (i) => {
    const named = fresh[i]
    if (named !== undefined) named.sealed = null
  })
  /** The first writer whose section starts past what we hold, or writes as us. */
  let runProblem: Verdict | null = null
  /** What we hold of the writer whose section is being read. */
  let have = 0
  let newEntries = 0
  let sinceYield = 0

  const pass = yield* visiting(
    update,
    {
      run(run) {
        if (runProblem !== null) return
        have = Y.getState(doc.store, run.client)
        // Applying past a hole would leave Yjs holding pending structs we never validated in order.
        if (run.clock > have) runProblem = { kind: 'gap' }
        else if (run.clock + run.count > have) {
          // Only this device writes as its own client; new structs under it are forged, and Yjs
          // would react by switching our client id mid-session.
          if (run.client === doc.clientID) runProblem = rejected('update writes as this device')
          else {
            newEntries += run.clock + run.count - have
            onCounted?.(run.clock + run.count - have)
          }
        }
      },
      entry(_client, clock, mapName, key, value) {
        // After a gap the rest of the update is only scanned: its verdict is known.
        if (runProblem !== null || clock < have) return
        const known = maps.get(mapName)
        if (known === undefined) return 'entry outside the known root maps'
        const map = known.checker
        if (known.held.has(key)) return `${map.name} entry overwrites an existing key`
        // Keys are entry ids, and an id names one entry in one map: a repeat is never honest.
        if (chains.has(key)) return `${map.name} entry written twice`
        const parsed = map.parse(value, groupId)
        if (!parsed.ok) return parsed.reason
        if (parsed.id !== key) return `${map.name} entry stored under a key that is not its id`
        const { author, prev, ts, sealed, payloadLength } = parsed
        fresh.push({ map: map.name, key, ts, author, sealed, payloadLength })
        chains.add({ id: key, author, prev })
      },
    },
    PARSE_SLICE,
  )
  if (!pass.ok) return rejected(pass.reason)
  if (runProblem !== null) return runProblem
  if (newEntries === 0) return { kind: 'duplicate' }

  let vouchers: HeldVouchers | null = null
  // Heads first: in an honest batch they vouch for everything else.
  for (const i of chains.heads()) {
    if (chains.isCovered(i)) continue
    const entry = fresh[i] as NewEntry
    const { sealed } = entry
    // A head is never named, so it still holds its seal.
    if (sealed === null || !verifySealed(entry.author, sealed, entry.payloadLength, verify)) {
      vouchers ??= new HeldVouchers(doc)
      if (!vouchers.vouchFor(entry.author, entry.key)) {
        return rejected(`${entry.map} entry: bad signature`)
      }
    }
    entry.sealed = null
    chains.vouch(i)
    if (++sinceYield >= VERIFY_SLICE) {
      sinceYield = 0
      yield
    }
  }
  // Every entry a head does not reach is named by another entry that is not reached either: a
  // cycle of ids, which would take finding a hash's preimage. Nothing unverified is applied.
  for (let i = 0; i < fresh.length; i++) {
    if (!chains.isCovered(i)) {
      return rejected(`${fresh[i]?.map ?? 'an'} entry no verified entry vouches for`)
    }
  }

  // A local write made while we paused took a new key; it cannot be set a second time.
  if (Y.getState(doc.store, doc.clientID) !== ownClock) {
    for (const { map, key } of fresh) {
      if (maps.get(map)?.held.has(key) !== false) {
        return rejected(`${map} entry overwrites an existing key`)
      }
    }
  }
  // Every seal is dropped by now (heads once verified, the rest once named).
  return { kind: 'accept', entries: fresh, allNew: fresh.length === pass.entries }
}

/**
 * The `prev` links of the entries we already hold. An entry whose own signature fails is still
 * authentic when a held entry of the same author names it: that entry vouched for these exact
 * bytes when it was accepted. Without this, whether such an entry is accepted would depend on
 * which batch it arrives in. Built on first need (an entry whose signature failed), once per
 * update, so a flood of such entries costs one pass over the doc.
 */
class HeldVouchers {
  readonly #links = new Set<string>()

  constructor(doc: Y.Doc) {
    for (const map of rootMaps) {
      for (const value of doc.getMap(map.name).values()) {
        if (typeof value !== 'object' || value === null) continue
        const { author, prev } = value as { author?: unknown; prev?: unknown }
        if (typeof author === 'string' && typeof prev === 'string') {
          this.#links.add(`${author} ${prev}`)
        }
      }
    }
  }

  vouchFor(author: string, id: string): boolean {
    return this.#links.has(`${author} ${id}`)
  }
}

/** Decides whether `update` may be applied to `doc`, in one go; changes nothing. Never throws. */
export function checkUpdate(
  doc: Y.Doc,
  groupId: string,
  update: Uint8Array,
  verify?: Verify,
): Verdict {
  return runToEnd(checking(doc, groupId, update, verify))
}
