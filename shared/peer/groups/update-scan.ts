// A bounded structural pass over a Yjs v1 update, run instead of letting Yjs decode it. It accepts
// only the one shape a group doc ever produces (root map entries holding one JSON value, no
// deletions) and rejects counts, clocks and lengths that could make Yjs allocate or loop far beyond
// the input. For that one shape it reads every field exactly as Yjs's own reader does (the same
// lib0 calls in the same order, strings decoded to the same text), so the entries it hands out are
// the entries Yjs would apply.
//
// The pass hands each entry to a visitor as soon as it is read, so a check can work on it while
// it is young: holding every decoded value until the end of a 10,000-entry catch-up made the
// collector copy them all, and cost a second pass over them.
import * as decoding from 'lib0/decoding'
import { runToEnd } from './slices.ts'

/** Far above any real history; larger clocks only appear in crafted updates. */
export const MAX_CLOCK = 2 ** 40
/** Yjs client ids are 32-bit. */
const MAX_CLIENT = 0xffff_ffff
// info byte of an Item: content ref 8 (ContentAny) | BIT6 (has parentSub), and neither origin
// bit, so the parent is written out as a root type name.
const ROOT_MAP_ENTRY_INFO = 8 | 32
/** Entries read between two pauses of a sliced scan. */
export const SCAN_SLICE = 4000

export interface ClientRun {
  client: number
  /** Clock of the first struct of this client in the update. */
  clock: number
  count: number
}

/** One struct of the update: a value set under `key` in the root map named `map`. */
export interface ScannedEntry {
  client: number
  clock: number
  map: string
  key: string
  value: unknown
}

/** What a pass over an update tells its caller, in the order the bytes hold it. */
export interface ScanVisitor {
  /** A client's section starts: `count` structs (≥ 1) from `clock`. */
  run(run: ClientRun): void
  /**
   * One struct of the section announced last. A returned reason ends the pass, which then fails
   * with it (nothing after the entry is read).
   */
  entry(client: number, clock: number, map: string, key: string, value: unknown): string | void
}

export type ScanPass = { ok: true; entries: number } | { ok: false; reason: string }

export type ScanResult =
  { ok: true; runs: ClientRun[]; entries: ScannedEntry[] } | { ok: false; reason: string }

function fail(reason: string): { ok: false; reason: string } {
  return { ok: false, reason }
}

/**
 * The pass as a generator that pauses (yields) every `slice` entries, so a caller can spread a
 * large update over several turns of the event loop. Never throws (a visitor must not either).
 */
export function* visiting(
  update: Uint8Array,
  visitor: ScanVisitor,
  slice = SCAN_SLICE,
): Generator<void, ScanPass> {
  const d = decoding.createDecoder(update)
  const remaining = (): number => update.length - d.pos
  const read = new ValueReader(d)
  let entries = 0
  let sinceYield = 0
  try {
    const clientCount = decoding.readVarUint(d)
    if (clientCount > remaining()) return fail('client count larger than the update')
    const seen = new Set<number>()
    for (let c = 0; c < clientCount; c++) {
      const count = decoding.readVarUint(d)
      if (count > remaining()) return fail('struct count larger than the update')
      const client = decoding.readVarUint(d)
      if (client > MAX_CLIENT) return fail('client id out of range')
      // Yjs keeps only the last section of a repeated client; what we check must be what it applies.
      if (seen.has(client)) return fail('a client appears twice')
      seen.add(client)
      const clock = decoding.readVarUint(d)
      if (clock + count > MAX_CLOCK) return fail('clock out of range')
      if (count > 0) visitor.run({ client, clock, count })
      for (let s = 0; s < count; s++) {
        const info = decoding.readUint8(d)
        if (info !== ROOT_MAP_ENTRY_INFO) return fail('only root map entries are accepted')
        if (decoding.readVarUint(d) !== 1) return fail('entry parent is not a root map')
        const map = read.string()
        const key = read.string()
        if (decoding.readVarUint(d) !== 1) return fail('an entry holds exactly one value')
        const value = read.any()
        entries++
        // Each struct holds one value, so it advances the client's clock by exactly one.
        const refused = visitor.entry(client, clock + s, map, key, value)
        if (refused !== undefined) return fail(refused)
        if (++sinceYield >= slice) {
          sinceYield = 0
          yield
        }
      }
    }
    if (decoding.readVarUint(d) !== 0) return fail('deletions are not accepted')
    if (remaining() !== 0) return fail('trailing bytes after the update')
    return { ok: true, entries }
  } catch (err) {
    // lib0 throws on truncation and overflow; readAny throws on unknown tags and deep nesting.
    return fail(`undecodable update (${err instanceof Error ? err.message : String(err)})`)
  }
}

/** The scan, collecting every entry: for callers that only need the shape checked. */
export function* scanning(update: Uint8Array, slice = SCAN_SLICE): Generator<void, ScanResult> {
  const runs: ClientRun[] = []
  const entries: ScannedEntry[] = []
  const pass = yield* visiting(
    update,
    {
      run: (run) => void runs.push(run),
      entry: (client, clock, map, key, value) =>
        void entries.push({ client, clock, map, key, value }),
    },
    slice,
  )
  return pass.ok ? { ok: true, runs, entries } : pass
}

/** The whole scan in one go. */
export function scanUpdate(update: Uint8Array): ScanResult {
  return runToEnd(scanning(update))
}

// ── values, read as lib0 reads them ─────────────────────────────────────────────────────────

/** Strings up to this many bytes are remembered for the rest of the pass. */
const REMEMBERED_BYTES = 64
const SLOTS = 256

/**
 * `decoding.readAny` and `decoding.readVarString`, to the same values, for one pass over one
 * update. Every entry repeats the same short strings (its field names, the map's name, the group
 * id, usually its author), and lib0 decodes each afresh; here a string whose bytes equal those of
 * one decoded earlier in the pass is that string again, and everything else is read by lib0 itself.
 */
class ValueReader {
  readonly #d: decoding.Decoder
  /** Direct-mapped: the bytes (a view into the update) and the text lib0 decoded from them. */
  readonly #bytes: (Uint8Array | undefined)[] = new Array<Uint8Array | undefined>(SLOTS)
  readonly #texts: string[] = new Array<string>(SLOTS).fill('')

  constructor(d: decoding.Decoder) {
    this.#d = d
  }

  string(): string {
    const d = this.#d
    const start = d.pos
    const length = decoding.readVarUint(d)
    const from = d.pos
    const to = from + length
    const arr = d.arr
    if (length === 0 || length > REMEMBERED_BYTES || to > arr.length) {
      d.pos = start
      return decoding.readVarString(d)
    }
    const slot = (length * 31 + (arr[from] as number) * 7 + (arr[to - 1] as number)) & (SLOTS - 1)
    const known = this.#bytes[slot]
    if (known !== undefined && known.length === length) {
      let i = 0
      while (i < length && known[i] === arr[from + i]) i++
      if (i === length) {
        d.pos = to
        return this.#texts[slot] as string
      }
    }
    d.pos = start
    const text = decoding.readVarString(d)
    this.#bytes[slot] = arr.subarray(from, to)
    this.#texts[slot] = text
    return text
  }

  /** lib0's table, case by case; objects are built as lib0 builds them (`obj[key] = value`). */
  any(): unknown {
    const d = this.#d
    const tag = decoding.readUint8(d)
    switch (tag) {
      case 127:
        return undefined
      case 126:
        return null
      case 125:
        return decoding.readVarInt(d)
      case 124:
        return decoding.readFloat32(d)
      case 123:
        return decoding.readFloat64(d)
      case 122:
        return decoding.readBigInt64(d)
      case 121:
        return false
      case 120:
        return true
      case 119:
        return this.string()
      case 118: {
        const length = decoding.readVarUint(d)
        const obj: Record<string, unknown> = {}
        for (let i = 0; i < length; i++) {
          const key = this.string()
          obj[key] = this.any()
        }
        return obj
      }
      case 117: {
        const length = decoding.readVarUint(d)
        const arr: unknown[] = []
        for (let i = 0; i < length; i++) arr.push(this.any())
        return arr
      }
      case 116:
        return decoding.readVarUint8Array(d)
      default:
        // lib0 calls what its table holds at 127 - tag: nothing, so it throws too.
        throw new Error(`unknown value type ${tag}`)
    }
  }
}
