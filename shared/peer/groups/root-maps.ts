// The registry of root maps in a group doc. Validation and loading are driven by this table, so
// a later map (the file shelf) is one more row, not another code path.
import type { z } from 'zod'
import { ActEntry, actFields, MsgEntry, msgFields, OpEntry, opFields } from './entries.ts'
import { checkSeal, type Field } from './sealed.ts'

export interface SignedCommon {
  group: string
  author: string
  ts: number
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

export type EntryCheck = { ok: true; id: string; ts: number } | { ok: false; reason: string }

/** One row of the table, with the entry type erased: what validation needs. */
export interface RootMapChecker {
  readonly name: string
  /** Full check of a value received from the network: shape, group, signature; derives its id. */
  check(value: unknown, groupId: string): EntryCheck
}

function checker<E extends SignedCommon>(map: RootMap<E>): RootMapChecker {
  return {
    name: map.name,
    check(value, groupId) {
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
      const sealed = checkSeal(entry.author, map.fields(entry), entry.sig)
      if (!sealed.ok) return { ok: false, reason: `${map.name} entry: ${sealed.reason}` }
      return { ok: true, id: sealed.id, ts: entry.ts }
    },
  }
}

export const rootMaps: readonly RootMapChecker[] = [
  checker(opsMap),
  checker(msgsMap),
  checker(actsMap),
]

export const rootMapByName: ReadonlyMap<string, RootMapChecker> = new Map(
  rootMaps.map((m) => [m.name, m]),
)
