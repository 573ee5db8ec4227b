// The registry of root maps in a group doc. Validation and loading are driven by this table, so
// a later map (the file shelf) is one more row, not another code path.
import type { z } from 'zod'
import {
  ActEntry,
  actFields,
  MsgEntry,
  msgFields,
  OpEntry,
  opFields,
  plainMsgEntry,
  ShelfEntry,
  shelfFields,
} from './entries.ts'
import { sealedBytes, type Field } from './sealed.ts'

export interface SignedCommon {
  group: string
  author: string
  ts: number
  prev: string | null
  sig: string
}

export interface RootMap<E extends SignedCommon> {
  readonly name: string
  readonly schema: z.ZodType<E>
  /**
   * The schema's verdict without the schema, for the common case: the value when the schema
   * surely accepts it, otherwise null (and then the schema decides).
   */
  readonly accepts?: (value: unknown) => E | null
  fields(entry: E): Field[]
}

/** Checks `value` against the map's schema: the entry is the value itself, or zod's copy of it. */
export function parseEntry<E extends SignedCommon>(
  map: RootMap<E>,
  value: unknown,
): { success: true; data: E } | { success: false; error: z.ZodError } {
  const quick = map.accepts?.(value) ?? null
  if (quick !== null) return { success: true, data: quick }
  return map.schema.safeParse(value)
}

export const opsMap: RootMap<OpEntry> = { name: 'ops', schema: OpEntry, fields: opFields }
export const msgsMap: RootMap<MsgEntry> = {
  name: 'msgs',
  schema: MsgEntry,
  accepts: plainMsgEntry,
  fields: msgFields,
}
export const actsMap: RootMap<ActEntry> = { name: 'acts', schema: ActEntry, fields: actFields }
export const shelfMap: RootMap<ShelfEntry> = {
  name: 'shelf',
  schema: ShelfEntry,
  fields: shelfFields,
}

/** A well-formed entry for this group, with what its signature covers; not yet verified. */
export interface ParsedEntry {
  ok: true
  id: string
  author: string
  prev: string | null
  ts: number
  /** The signed bytes followed by the signature (`sealedBytes`), made once, when parsed. */
  sealed: Uint8Array
  /** How many bytes of `sealed` are signed. */
  payloadLength: number
}

export type EntryParse = ParsedEntry | { ok: false; reason: string }

/** One row of the table, with the entry type erased: what validation needs. */
export interface RootMapChecker {
  readonly name: string
  /**
   * Checks a value received from the network for shape and group and derives its id. The
   * signature is left to the caller: one verified entry can vouch for others (see chain.ts).
   */
  parse(value: unknown, groupId: string): EntryParse
}

function checker<E extends SignedCommon>(map: RootMap<E>): RootMapChecker {
  return {
    name: map.name,
    parse(value, groupId) {
      const parsed = parseEntry(map, value)
      if (!parsed.success) {
        const issue = parsed.error.issues[0]
        return {
          ok: false,
          reason: `malformed ${map.name} entry (${issue?.path.join('.') ?? ''}: ${issue?.message ?? ''})`,
        }
      }
      const entry = parsed.data
      if (entry.group !== groupId)
        return { ok: false, reason: `${map.name} entry for another group` }
      const sealed = sealedBytes(map.fields(entry), entry.sig)
      if (!sealed.ok) return { ok: false, reason: `${map.name} entry: ${sealed.reason}` }
      const { author, prev, ts } = entry
      const { id, payloadLength } = sealed
      return { ok: true, id, author, prev, ts, sealed: sealed.sealed, payloadLength }
    },
  }
}

export const rootMaps: readonly RootMapChecker[] = [
  checker(opsMap),
  checker(msgsMap),
  checker(actsMap),
  checker(shelfMap),
]
