// The /hearth/sync/4.0.0 message codec: one message per frame, numeric type first.
// Updates larger than one frame travel as consecutive parts that each carry the total size,
// so the receiver can refuse an oversized update on its first part, before buffering any of it.
import { createHash } from 'node:crypto'
import { GroupId } from '../../api/index.ts'
import { varintLength, writeVarint } from './frames.ts'

export const SYNC_PROTOCOL = '/hearth/sync/4.0.0'

/** "Here is my state vector for the group; send me what I lack." */
export const MSG_SYNC_STEP1 = 0
/** The reply to a step 1: everything the asker lacks (one or more parts). */
export const MSG_SYNC_STEP2 = 1
/** A live change (local write or relayed), one or more parts. */
export const MSG_UPDATE = 2
/**
 * A live change sent by its author, whole in one frame, with the tags of every member it is being
 * sent to: whoever receives it from its author need not relay it to those (see group-sync.ts).
 */
export const MSG_AUTHOR_UPDATE = 3

/** Step-1 flag: "and send me your step 1 too" — asks the receiver for a full two-way exchange. */
export const STEP1_WANT_REPLY = 1
const KNOWN_STEP1_FLAGS = STEP1_WANT_REPLY

const MAX_GROUP_ID_BYTES = 64

export class ProtocolError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ProtocolError'
  }
}

export interface SyncStep1 {
  type: typeof MSG_SYNC_STEP1
  groupId: string
  flags: number
  stateVector: Uint8Array
}

export interface UpdatePart {
  type: typeof MSG_SYNC_STEP2 | typeof MSG_UPDATE
  groupId: string
  /** Size of the whole update this part belongs to. */
  total: number
  chunk: Uint8Array
}

export interface AuthorUpdate {
  type: typeof MSG_AUTHOR_UPDATE
  groupId: string
  /** Recipient tags (see recipientTag) of the members the author sends this update to. */
  sentTo: Set<string>
  update: Uint8Array
}

export type SyncMessage = SyncStep1 | UpdatePart | AuthorUpdate

/** Bytes of a recipient tag: a 64-bit prefix of SHA-256, so no peer id can be made to collide. */
export const RECIPIENT_TAG_BYTES = 8
/** Far above any group's members (connections are capped at 64). */
export const MAX_RECIPIENTS = 256
const tags = new Map<string, string>()
const MAX_CACHED_TAGS = 4096

/** The tag naming `peerId` in an author update, as hex. */
export function recipientTag(peerId: string): string {
  let tag = tags.get(peerId)
  if (tag === undefined) {
    tag = createHash('sha256')
      .update(peerId)
      .digest('hex')
      .slice(0, 2 * RECIPIENT_TAG_BYTES)
    if (tags.size >= MAX_CACHED_TAGS) tags.clear()
    tags.set(peerId, tag)
  }
  return tag
}

const utf8 = new TextEncoder()
const utf8Strict = new TextDecoder('utf-8', { fatal: true })

function header(type: number, groupId: string, extra: number): { out: Uint8Array; pos: number } {
  const id = utf8.encode(groupId)
  const out = new Uint8Array(1 + varintLength(id.length) + id.length + extra)
  out[0] = type
  let pos = 1 + writeVarint(id.length, out, 1)
  out.set(id, pos)
  pos += id.length
  return { out, pos }
}

export function writeSyncStep1(groupId: string, stateVector: Uint8Array, flags = 0): Uint8Array {
  const { out, pos } = header(MSG_SYNC_STEP1, groupId, 1 + stateVector.length)
  out[pos] = flags
  out.set(stateVector, pos + 1)
  return out
}

export function writeUpdatePart(
  type: UpdatePart['type'],
  groupId: string,
  total: number,
  chunk: Uint8Array,
): Uint8Array {
  const { out, pos } = header(type, groupId, varintLength(total) + chunk.length)
  const at = pos + writeVarint(total, out, pos)
  out.set(chunk, at)
  return out.subarray(0, at + chunk.length)
}

/** Splits an update into parts of at most `partBytes` bytes, encoded lazily (no second copy). */
export function* writeUpdateParts(
  type: UpdatePart['type'],
  groupId: string,
  update: Uint8Array,
  partBytes: number,
): Generator<Uint8Array> {
  for (let offset = 0; offset < update.length; offset += partBytes) {
    yield writeUpdatePart(type, groupId, update.length, update.subarray(offset, offset + partBytes))
  }
}

/** A whole update from its author, with the recipient tags (hex) of every member it goes to. */
export function writeAuthorUpdate(
  groupId: string,
  update: Uint8Array,
  sentTo: readonly string[],
): Uint8Array {
  if (sentTo.length > MAX_RECIPIENTS) throw new RangeError('too many recipients')
  const tagBytes = sentTo.length * RECIPIENT_TAG_BYTES
  const { out, pos } = header(
    MSG_AUTHOR_UPDATE,
    groupId,
    varintLength(sentTo.length) + tagBytes + update.length,
  )
  let at = pos + writeVarint(sentTo.length, out, pos)
  for (const tag of sentTo) {
    out.set(Buffer.from(tag, 'hex'), at)
    at += RECIPIENT_TAG_BYTES
  }
  out.set(update, at)
  return out
}

/** Bytes an author update adds around its update for `recipients` recipients. */
export function authorUpdateOverhead(recipients: number): number {
  return MAX_HEADER_BYTES + varintLength(recipients) + recipients * RECIPIENT_TAG_BYTES
}

/** Bytes a message of this kind adds around its payload, so parts plus header fit a frame. */
export const MAX_HEADER_BYTES = 1 + 1 + MAX_GROUP_ID_BYTES + 9

class Reader {
  readonly buf: Uint8Array
  pos = 0
  constructor(buf: Uint8Array) {
    this.buf = buf
  }
  byte(): number {
    const b = this.buf[this.pos]
    if (b === undefined) throw new ProtocolError('message ends early')
    this.pos++
    return b
  }
  varint(): number {
    let value = 0
    let scale = 1
    for (let i = 0; i < 8; i++) {
      const b = this.byte()
      value += (b & 0x7f) * scale
      if ((b & 0x80) === 0) return value
      scale *= 0x80
    }
    throw new ProtocolError('varint too long')
  }
  bytes(n: number): Uint8Array {
    if (n > this.buf.length - this.pos) throw new ProtocolError('message ends early')
    const out = this.buf.subarray(this.pos, this.pos + n)
    this.pos += n
    return out
  }
  rest(): Uint8Array {
    return this.bytes(this.buf.length - this.pos)
  }
}

function readGroupId(r: Reader): string {
  const len = r.varint()
  if (len > MAX_GROUP_ID_BYTES) throw new ProtocolError('group id too long')
  let text: string
  try {
    text = utf8Strict.decode(r.bytes(len))
  } catch (err) {
    throw new ProtocolError(`group id is not UTF-8 (${String(err)})`)
  }
  if (!GroupId.safeParse(text).success) throw new ProtocolError('not a group id')
  return text
}

/** Decodes one frame's payload. Throws ProtocolError for anything that is not a valid message. */
export function readSyncMessage(frame: Uint8Array): SyncMessage {
  const r = new Reader(frame)
  const type = r.byte()
  switch (type) {
    case MSG_SYNC_STEP1: {
      const groupId = readGroupId(r)
      const flags = r.byte()
      if ((flags & ~KNOWN_STEP1_FLAGS) !== 0)
        throw new ProtocolError(`unknown step-1 flags ${flags}`)
      return { type, groupId, flags, stateVector: r.rest() }
    }
    case MSG_SYNC_STEP2:
    case MSG_UPDATE: {
      const groupId = readGroupId(r)
      const total = r.varint()
      const chunk = r.rest()
      if (total === 0) throw new ProtocolError('empty update')
      if (chunk.length === 0) throw new ProtocolError('empty update part')
      if (chunk.length > total) throw new ProtocolError('part larger than its update')
      return { type, groupId, total, chunk }
    }
    case MSG_AUTHOR_UPDATE: {
      const groupId = readGroupId(r)
      const count = r.varint()
      if (count > MAX_RECIPIENTS) throw new ProtocolError('too many recipients')
      const sentTo = new Set<string>()
      for (let i = 0; i < count; i++) {
        sentTo.add(Buffer.from(r.bytes(RECIPIENT_TAG_BYTES)).toString('hex'))
      }
      const update = r.rest()
      if (update.length === 0) throw new ProtocolError('empty update')
      return { type, groupId, sentTo, update }
    }
    default:
      throw new ProtocolError(`unknown message type ${type}`)
  }
}
