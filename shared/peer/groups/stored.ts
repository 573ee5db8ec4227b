// Reading entries back out of our own doc. Everything in it was fully validated when it arrived
// (or was written here), so loading checks only the shape the views rely on: a full schema parse
// per message would dominate loading a long history.
import type { ActEntry, MsgEntry, OpEntry, ShelfEntry } from './entries.ts'
import { opsMap, shelfMap } from './root-maps.ts'

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((v) => typeof v === 'string')
}

function hasCommon(v: Record<string, unknown>): boolean {
  return (
    typeof v.author === 'string' &&
    typeof v.ts === 'number' &&
    typeof v.group === 'string' &&
    (v.prev === null || typeof v.prev === 'string')
  )
}

export function storedMsg(value: unknown): MsgEntry | null {
  if (!isRecord(value) || !hasCommon(value) || typeof value.text !== 'string') return null
  if (value.replyTo !== null && typeof value.replyTo !== 'string') return null
  if (value.files !== undefined && !isStringArray(value.files)) return null
  return value as MsgEntry
}

export function storedAct(value: unknown): ActEntry | null {
  if (!isRecord(value) || !hasCommon(value) || typeof value.target !== 'string') return null
  switch (value.kind) {
    case 'edit':
      return typeof value.text === 'string' ? (value as ActEntry) : null
    case 'delete':
      return value as ActEntry
    case 'react':
      return typeof value.emoji === 'string' && typeof value.on === 'boolean'
        ? (value as ActEntry)
        : null
    default:
      return null
  }
}

/** Ops are few and drive membership, so they get the full schema even when loading. */
export function storedOp(value: unknown): OpEntry | null {
  const parsed = opsMap.schema.safeParse(value)
  return parsed.success ? parsed.data : null
}

/** Shelf entries are few next to messages, and their names reach the file system: full schema. */
export function storedShelf(value: unknown): ShelfEntry | null {
  const parsed = shelfMap.schema.safeParse(value)
  return parsed.success ? parsed.data : null
}
