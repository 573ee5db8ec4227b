// Argument checks both stores share, so the two implementations cannot drift apart on what they
// accept. They throw before anything is written.
import { HearthError } from '../../api/index.ts'

export function checkId(what: string, value: string): void {
  if (typeof value !== 'string' || value.length === 0) {
    throw new HearthError('BAD_INPUT', `The ${what} must be a non-empty string.`)
  }
}

export function checkTime(what: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new HearthError('BAD_INPUT', `The ${what} must be a non-negative whole number of ms.`)
  }
}

export function checkText(what: string, value: string): void {
  if (typeof value !== 'string') throw new HearthError('BAD_INPUT', `The ${what} must be a string.`)
}

/** Yjs hangs on some malformed input, an empty buffer among them; no valid update is empty. */
export function checkBytes(what: string, value: Uint8Array): void {
  if (!(value instanceof Uint8Array) || value.byteLength === 0) {
    throw new HearthError('BAD_INPUT', `The ${what} must be a non-empty byte array.`)
  }
}

/** A compaction may only cover sequence numbers that were handed out and are not yet compacted. */
export function checkCompactionPoint(uptoSeq: number, snapshotSeq: number, lastSeq: number): void {
  if (!Number.isSafeInteger(uptoSeq) || uptoSeq < snapshotSeq || uptoSeq > lastSeq) {
    throw new HearthError(
      'BAD_INPUT',
      `Cannot compact up to ${uptoSeq}: it must lie between the current snapshot (${snapshotSeq}) and the last update (${lastSeq}).`,
    )
  }
}

export function groupNotFound(groupId: string): HearthError {
  return new HearthError('GROUP_NOT_FOUND', `The group ${groupId} is not stored on this device.`)
}

export function storeClosed(): HearthError {
  return new HearthError('STORAGE_FAILED', 'The store is closed.')
}

/** Addresses are kept in the order given, once each. */
export function uniqueAddrs(addrs: string[]): string[] {
  if (!Array.isArray(addrs) || addrs.some((a) => typeof a !== 'string' || a.length === 0)) {
    throw new HearthError('BAD_INPUT', 'Peer addresses must be non-empty strings.')
  }
  return [...new Set(addrs)]
}

export function comparePeers(
  a: { peerId: string; seenAt: number },
  b: { peerId: string; seenAt: number },
): number {
  return b.seenAt - a.seenAt || (a.peerId < b.peerId ? -1 : a.peerId > b.peerId ? 1 : 0)
}

/** Read markers: one per reader, each with a reader, a time, a message id and a signature. */
export function checkReceipts(
  receipts: { reader: string; ts: number; messageId: string; sig: string }[],
): void {
  if (!Array.isArray(receipts)) throw new HearthError('BAD_INPUT', 'Receipts must be a list.')
  const readers = new Set<string>()
  for (const r of receipts) {
    checkId('reader', r.reader)
    checkTime('receipt time', r.ts)
    checkId('message id', r.messageId)
    checkId('receipt signature', r.sig)
    if (readers.has(r.reader)) {
      throw new HearthError('BAD_INPUT', `Two receipts for one reader (${r.reader}).`)
    }
    readers.add(r.reader)
  }
}
