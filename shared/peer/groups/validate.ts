// The gate in front of Y.applyUpdate for everything received from other peers. An update is
// applied whole or not at all, and only when every entry it adds is new, well-formed, for this
// group, signed by its author and stored under its own id.
import * as Y from 'yjs'
import { rootMapByName } from './root-maps.ts'
import { scanUpdate } from './update-scan.ts'

/** Room for the full state of a large group; the sync layer also caps its frames. */
export const MAX_UPDATE_BYTES = 64 * 1024 * 1024

export type ApplyResult =
  | { kind: 'applied' }
  | { kind: 'duplicate' }
  | { kind: 'gap' }
  | { kind: 'rejected'; reason: string }

export interface AcceptedEntry {
  map: string
  key: string
  ts: number
}

export type Verdict =
  { kind: 'accept'; entries: AcceptedEntry[] } | Exclude<ApplyResult, { kind: 'applied' }>

function rejected(reason: string): Verdict {
  return { kind: 'rejected', reason }
}

/** Decides whether `update` may be applied to `doc`; changes nothing. Never throws. */
export function checkUpdate(doc: Y.Doc, groupId: string, update: Uint8Array): Verdict {
  if (update.length === 0) return rejected('empty update')
  if (update.length > MAX_UPDATE_BYTES) return rejected('update too large')
  const scan = scanUpdate(update)
  if (!scan.ok) return rejected(scan.reason)

  let total = 0
  let hasNew = false
  for (const run of scan.runs) {
    const held = Y.getState(doc.store, run.client)
    // Applying past a hole would leave Yjs holding pending structs we never validated in order.
    if (run.clock > held) return { kind: 'gap' }
    if (run.clock + run.count > held) hasNew = true
    total += run.count
  }
  if (!hasNew) return { kind: 'duplicate' }

  let decoded: ReturnType<typeof Y.decodeUpdate>
  try {
    decoded = Y.decodeUpdate(update)
  } catch (err) {
    return rejected(`undecodable update (${err instanceof Error ? err.message : String(err)})`)
  }
  if (decoded.ds.clients.size > 0) return rejected('deletions are not accepted')
  if (decoded.structs.length !== total) return rejected('inconsistent update')

  const entries: AcceptedEntry[] = []
  const keysInUpdate = new Set<string>()
  for (const struct of decoded.structs) {
    const { client, clock } = struct.id
    if (clock + struct.length <= Y.getState(doc.store, client)) continue
    if (!(struct instanceof Y.Item)) return rejected('only items are accepted')
    // Before integration Yjs leaves the root type's name in `parent`.
    const parent: unknown = struct.parent
    const map = typeof parent === 'string' ? rootMapByName.get(parent) : undefined
    if (map === undefined) return rejected('entry outside the known root maps')
    const key = struct.parentSub
    if (typeof key !== 'string') return rejected('entry without a key')
    if (struct.origin !== null || struct.rightOrigin !== null) {
      return rejected('entry positioned relative to another entry')
    }
    const content = struct.content
    if (!(content instanceof Y.ContentAny) || content.arr.length !== 1) {
      return rejected('entry is not one plain value')
    }
    if (doc.getMap(map.name).has(key))
      return rejected(`${map.name} entry overwrites an existing key`)
    const slot = `${map.name}/${key}`
    if (keysInUpdate.has(slot)) return rejected(`${map.name} entry written twice`)
    keysInUpdate.add(slot)
    const checked = map.check(content.arr[0], groupId)
    if (!checked.ok) return rejected(checked.reason)
    if (checked.id !== key)
      return rejected(`${map.name} entry stored under a key that is not its id`)
    entries.push({ map: map.name, key, ts: checked.ts })
  }
  return { kind: 'accept', entries }
}
