// The gate in front of Y.applyUpdate for everything received from other peers. An update is
// applied whole or not at all, and only when every entry it adds is new, well-formed, for this
// group, stored under its own id and authentic: its signature verifies, or a verified entry of
// the same author reaches it through `prev` links (chain.ts), which costs one hash instead of one
// signature check. A catch-up of one author's 100,000 entries needs a single signature check.
import * as Y from 'yjs'
import { BatchChains } from './chain.ts'
import { rootMaps, type ParsedEntry } from './root-maps.ts'
import { verify as verifySignature, type Verify } from './signing.ts'
import { runToEnd } from './slices.ts'
import { scanning } from './update-scan.ts'

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

interface NewEntry {
  map: string
  key: string
  parsed: ParsedEntry
}

/**
 * The check as a sliced computation (see slices.ts): it yields between slices of work. `doc` may
 * take local writes between slices, never remote ones (the replica queues those); the verdict
 * holds for the doc as it is when the generator returns. Never throws.
 */
export function* checking(
  doc: Y.Doc,
  groupId: string,
  update: Uint8Array,
  verify: Verify = verifySignature,
  /** Told, once the update is scanned, how many of its entries we do not hold yet. */
  onCounted?: (entries: number) => void,
): Generator<void, Verdict> {
  if (update.length === 0) return rejected('empty update')
  if (update.length > MAX_UPDATE_BYTES) return rejected('update too large')
  const scan = yield* scanning(update)
  if (!scan.ok) return rejected(scan.reason)

  const held = new Map<number, number>()
  let newEntries = 0
  for (const run of scan.runs) {
    const have = Y.getState(doc.store, run.client)
    // Applying past a hole would leave Yjs holding pending structs we never validated in order.
    if (run.clock > have) return { kind: 'gap' }
    if (run.clock + run.count > have) {
      // Only this device writes as its own client; new structs under it are forged, and Yjs
      // would react by switching our client id mid-session.
      if (run.client === doc.clientID) return rejected('update writes as this device')
      newEntries += run.clock + run.count - have
    }
    held.set(run.client, have)
  }
  if (newEntries === 0) return { kind: 'duplicate' }
  onCounted?.(newEntries)

  const ownClock = Y.getState(doc.store, doc.clientID)
  const maps = new Map(rootMaps.map((m) => [m.name, { checker: m, held: doc.getMap(m.name) }]))
  const fresh: NewEntry[] = []
  const ids = new Set<string>()
  let sinceYield = 0
  for (const entry of scan.entries) {
    if (entry.clock < (held.get(entry.client) ?? 0)) continue
    const known = maps.get(entry.map)
    if (known === undefined) return rejected('entry outside the known root maps')
    const map = known.checker
    const { key } = entry
    if (known.held.has(key)) return rejected(`${map.name} entry overwrites an existing key`)
    // Keys are entry ids, and an id names one entry in one map: a repeat is never honest.
    if (ids.has(key)) return rejected(`${map.name} entry written twice`)
    ids.add(key)
    const parsed = map.parse(entry.value, groupId)
    if (!parsed.ok) return rejected(parsed.reason)
    if (parsed.id !== key)
      return rejected(`${map.name} entry stored under a key that is not its id`)
    fresh.push({ map: map.name, key, parsed })
    if (++sinceYield >= PARSE_SLICE) {
      sinceYield = 0
      yield
    }
  }

  const chains = new BatchChains(fresh.map((e) => e.parsed))
  let vouchers: HeldVouchers | null = null
  sinceYield = 0
  // Heads first: in an honest batch they vouch for everything else. Whatever they leave
  // uncovered (nothing, unless someone built links that lead nowhere) is checked on its own.
  for (const i of [...chains.heads(), ...fresh.keys()]) {
    if (chains.isCovered(i)) continue
    const { map, parsed } = fresh[i] as NewEntry
    const { payload, sig } = parsed.signed()
    if (!verify(parsed.author, payload, sig)) {
      vouchers ??= new HeldVouchers(doc)
      if (!vouchers.vouchFor(parsed)) return rejected(`${map} entry: bad signature`)
    }
    chains.vouch(i)
    if (++sinceYield >= VERIFY_SLICE) {
      sinceYield = 0
      yield
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
  return {
    kind: 'accept',
    entries: fresh.map(({ map, key, parsed }) => ({
      map,
      key,
      ts: parsed.ts,
      author: parsed.author,
    })),
    allNew: fresh.length === scan.entries.length,
  }
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

  vouchFor(entry: ParsedEntry): boolean {
    return this.#links.has(`${entry.author} ${entry.id}`)
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
