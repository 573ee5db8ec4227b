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
  fields(entry: E): Field[]
}

export const opsMap: RootMap<OpEntry> = { name: 'ops', schema: OpEntry, fields: opFields }
export const msgsMap: RootMap<MsgEntry> = { name: 'msgs', schema: MsgEntry, fields: msgFields }
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
  /**
   * The signed bytes and the signature, for whoever decides this entry must be verified. Made
   * again on demand rather than kept: a catch-up verifies one entry per author, and holding the
   * bytes of every entry until then kept ~400 bytes each alive through the collector.
   */
  signed(): { payload: Uint8Array; sig: Uint8Array }
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
      const parsed = map.schema.safeParse(value)
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
      const signed = () => {
        const again = sealedBytes(map.fields(entry), entry.sig)
        // The same entry sealed a moment ago; only a bug could make this fail.
        if (!again.ok) throw new Error(`${map.name} entry no longer seals: ${again.reason}`)
        return { payload: again.payload, sig: again.sig }
      }
      return { ok: true, id: sealed.id, author, prev, ts, signed }
    },
  }
}

export const rootMaps: readonly RootMapChecker[] = [
  checker(opsMap),
  checker(msgsMap),
  checker(actsMap),
  checker(shelfMap),
]
