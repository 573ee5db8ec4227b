// The signed entries stored in a group doc. Every value in a root map is one of these, keyed by
// its id; nothing is ever overwritten, so edits, deletes and membership changes are new entries.
import { z } from 'zod'
import {
  Attachments,
  Emoji,
  ENTRY_ID_PATTERN,
  FileName,
  FolderPath,
  HexHash,
  MediaType,
  MessageText,
  MAX_MESSAGE_BYTES,
  MessageTextOrEmpty,
  PEER_ID_PATTERN,
} from '../../api/index.ts'
import { Invite, inviteFields, JoinRequest, joinFields } from './invites.ts'
import {
  EntryId,
  GroupId,
  PeerIdText,
  SIGNATURE_PATTERN,
  SignatureText,
  StoredName,
  Timestamp,
} from './primitives.ts'
import { seal, tags, type Field } from './sealed.ts'
import type { Signer } from './signing.ts'

/** Heads referenced by one op; groups are small, so this bounds a hostile op, not a real one. */
export const MAX_OP_PARENTS = 256

const common = {
  v: z.literal(2),
  group: GroupId,
  author: PeerIdText,
  ts: Timestamp,
  // The id of the author's previous entry in this group (any map), null for its first. Signed, so
  // one verified signature vouches for the exact bytes of the author's whole chain (see chain.ts).
  prev: EntryId.nullable(),
  sig: SignatureText,
}

const Parents = z
  .array(EntryId)
  .max(MAX_OP_PARENTS)
  .refine((ids) => ids.every((id, i) => i === 0 || (ids[i - 1] ?? '') < id), 'parents are sorted')

const op = { ...common, parents: Parents }

export const OpEntry = z.discriminatedUnion('kind', [
  // `memberName` is the founder's display name, as `add` carries the joiner's.
  z.strictObject({
    ...op,
    kind: z.literal('create'),
    name: StoredName,
    memberName: StoredName,
    nonce: EntryId,
  }),
  z.strictObject({
    ...op,
    kind: z.literal('add'),
    member: PeerIdText,
    memberName: StoredName,
    invite: Invite,
    request: JoinRequest,
  }),
  z.strictObject({ ...op, kind: z.literal('remove'), member: PeerIdText }),
  z.strictObject({ ...op, kind: z.literal('promote'), member: PeerIdText }),
  z.strictObject({ ...op, kind: z.literal('leave') }),
  z.strictObject({ ...op, kind: z.literal('rename'), name: StoredName }),
  // A member changing its own display name (Settings): its author is the member it renames.
  z.strictObject({ ...op, kind: z.literal('name'), memberName: StoredName }),
])
export type OpEntry = z.infer<typeof OpEntry>

// `files` (optional, so entries written before it existed keep their bytes and signatures) names
// shelf files of this group attached to the message; with files, the text may be empty.
export const MsgEntry = z
  .strictObject({
    ...common,
    text: MessageTextOrEmpty,
    replyTo: EntryId.nullable(),
    files: Attachments.optional(),
  })
  .refine((m) => m.text !== '' || m.files !== undefined, 'a message without files needs text')
export type MsgEntry = z.infer<typeof MsgEntry>

const MSG_KEYS = ['v', 'group', 'author', 'ts', 'prev', 'sig', 'text', 'replyTo'] as const

/**
 * `MsgEntry`'s verdict on the plain message every catch-up is made of, without zod (whose parse
 * was a fifth of checking a gap, and copies every entry): the value itself when it is a message
 * without files that the schema accepts, or null, and then the schema decides. It accepts a
 * subset of what the schema does, so the outcome of a check never depends on it.
 */
export function plainMsgEntry(value: unknown): MsgEntry | null {
  if (typeof value !== 'object' || value === null) return null
  // A value decoded with a `__proto__` key, or anything but a plain object, goes to the schema.
  if (Object.getPrototypeOf(value) !== Object.prototype) return null
  const v = value as Record<string, unknown>
  if (Object.keys(v).length !== MSG_KEYS.length) return null
  for (const key of MSG_KEYS) if (!Object.hasOwn(v, key)) return null
  const { group, author, ts, prev, sig, text, replyTo } = v
  if (v.v !== 2) return null
  if (typeof group !== 'string' || !ENTRY_ID_PATTERN.test(group)) return null
  if (typeof author !== 'string' || !PEER_ID_PATTERN.test(author)) return null
  if (typeof ts !== 'number' || !Number.isSafeInteger(ts) || ts < 0 || Object.is(ts, -0))
    return null
  if (prev !== null && (typeof prev !== 'string' || !ENTRY_ID_PATTERN.test(prev))) return null
  if (typeof sig !== 'string' || !SIGNATURE_PATTERN.test(sig)) return null
  // A UTF-16 unit takes at most 3 bytes of UTF-8; longer texts are measured by the schema.
  if (typeof text !== 'string' || text === '' || text.length * 3 > MAX_MESSAGE_BYTES) return null
  if (replyTo !== null && (typeof replyTo !== 'string' || !ENTRY_ID_PATTERN.test(replyTo))) {
    return null
  }
  return value as MsgEntry
}

export const ActEntry = z.discriminatedUnion('kind', [
  z.strictObject({ ...common, kind: z.literal('edit'), target: EntryId, text: MessageText }),
  z.strictObject({ ...common, kind: z.literal('delete'), target: EntryId }),
  z.strictObject({
    ...common,
    kind: z.literal('react'),
    target: EntryId,
    emoji: Emoji,
    on: z.boolean(),
  }),
])
export type ActEntry = z.infer<typeof ActEntry>

// The shelf index: a file entry adds one version of a file (its id is the file id); rename,
// remove and restore act on a file entry. A new version of a same-named file is simply another
// file entry. `have` and `drop` are the author's own statement that this device now holds a
// verified full copy of a blob, or no longer does: the availability every member can see, even
// of members who are offline.
export const ShelfEntry = z.discriminatedUnion('kind', [
  z.strictObject({
    ...common,
    kind: z.literal('file'),
    blobId: HexHash,
    name: FileName,
    folder: FolderPath,
    size: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
    mediaType: MediaType,
    sha256: HexHash,
  }),
  z.strictObject({
    ...common,
    kind: z.literal('rename'),
    target: EntryId,
    name: FileName,
    folder: FolderPath,
  }),
  z.strictObject({ ...common, kind: z.literal('remove'), target: EntryId }),
  z.strictObject({ ...common, kind: z.literal('restore'), target: EntryId }),
  z.strictObject({ ...common, kind: z.literal('have'), blobId: HexHash }),
  z.strictObject({ ...common, kind: z.literal('drop'), blobId: HexHash }),
])
export type ShelfEntry = z.infer<typeof ShelfEntry>
export type FileEntry = Extract<ShelfEntry, { kind: 'file' }>
export type HoldingEntry = Extract<ShelfEntry, { kind: 'have' | 'drop' }>

/** Distributes `Omit` over a union, so each variant keeps its own fields. */
export type Unsigned<T> = T extends unknown ? Omit<T, 'sig'> : never

export function opFields(e: Unsigned<OpEntry>): Field[] {
  const head: Field[] = [tags.op, e.group, e.author, e.ts, e.prev, e.parents, e.kind]
  switch (e.kind) {
    case 'create':
      return [...head, e.name, e.memberName, e.nonce]
    case 'add':
      return [
        ...head,
        e.member,
        e.memberName,
        [...inviteFields(e.invite), e.invite.sig],
        [...joinFields(e.request), e.request.sig],
      ]
    case 'remove':
    case 'promote':
      return [...head, e.member]
    case 'leave':
      return head
    case 'rename':
      return [...head, e.name]
    case 'name':
      return [...head, e.memberName]
  }
}

export function msgFields(e: Unsigned<MsgEntry>): Field[] {
  const fields: Field[] = [tags.msg, e.group, e.author, e.ts, e.prev, e.text, e.replyTo]
  // Appended only when present, so a message without files signs exactly as it always did.
  return e.files === undefined ? fields : [...fields, e.files]
}

export function actFields(e: Unsigned<ActEntry>): Field[] {
  const head: Field[] = [tags.act, e.group, e.author, e.ts, e.prev, e.kind, e.target]
  switch (e.kind) {
    case 'edit':
      return [...head, e.text]
    case 'delete':
      return head
    case 'react':
      return [...head, e.emoji, e.on]
  }
}

export function shelfFields(e: Unsigned<ShelfEntry>): Field[] {
  const head: Field[] = [tags.shelf, e.group, e.author, e.ts, e.prev, e.kind]
  switch (e.kind) {
    case 'file':
      return [...head, e.blobId, e.name, e.folder, e.size, e.mediaType, e.sha256]
    case 'rename':
      return [...head, e.target, e.name, e.folder]
    case 'remove':
    case 'restore':
      return [...head, e.target]
    case 'have':
    case 'drop':
      return [...head, e.blobId]
  }
}

export interface Signed<T> {
  id: string
  entry: T
}

/** Signs an entry the local device authored; the caller supplies `author = signer.peerId`. */
export function signEntry<T extends { author: string }>(
  signer: Signer,
  unsigned: Unsigned<T>,
  fields: (e: Unsigned<T>) => Field[],
): Signed<T> {
  const { sig, id } = seal(signer, fields(unsigned))
  return { id, entry: { ...unsigned, sig } as T }
}
