// The one contract between every client (UI, CLI, tests) and the peer.
// Commands are imperatives with a reply; events are past-tense notifications.
// Every type on either side is derived from these schemas; nothing is written twice.
import { z } from 'zod'
import {
  CatchUp,
  DisplayName,
  Emoji,
  EntryId,
  FileName,
  FolderPath,
  Group,
  GroupId,
  Identity,
  Message,
  MessageText,
  PeerIdText,
  PeerInfo,
  Receipt,
  ShelfFile,
  Status,
  StorageHealth,
} from './domain.ts'

/** A group id or an unambiguous group name. */
const GroupRef = z.string().trim().min(1, 'name a group by its id or its name')
const Empty = z.object({}).strict()
/**
 * A path on the peer's machine (the CLI and the app run beside the peer). Relative paths are
 * refused: the peer's working folder is not the caller's, so they would silently mean another file.
 */
const LocalPath = z
  .string()
  .min(1, 'give a file path')
  .max(4096)
  .refine(
    (p) => p.startsWith('/') || /^[A-Za-z]:[\\/]/.test(p) || p.startsWith('\\\\'),
    'the path must be absolute (the peer runs in another folder than you)',
  )

/** A backup's passphrase: its own secret, not the one that may unlock the data folder. */
const BackupPassphrase = z.string().min(1, 'type the backup passphrase').max(1024)
const Count = z.number().int().nonnegative()

function command<I extends z.ZodType, O extends z.ZodType>(input: I, output: O) {
  return { input, output }
}

export const commands = {
  'identity.get': command(Empty, Identity),
  'identity.setName': command(z.object({ name: DisplayName }), Identity),
  'status.get': command(Empty, Status),

  'groups.list': command(Empty, z.array(Group)),
  'groups.create': command(
    z.object({ name: DisplayName }),
    z.object({ groupId: GroupId, invite: z.string() }),
  ),
  'groups.invite': command(
    z.object({
      group: GroupRef,
      uses: z.number().int().min(1).max(1000).optional(),
      expiresInMs: z
        .number()
        .int()
        .min(60_000, 'an invite must last at least a minute')
        .max(30 * 24 * 3600_000, 'an invite can last at most 30 days')
        .optional(),
    }),
    z.object({ invite: z.string() }),
  ),
  'groups.code': command(
    z.object({ group: GroupRef }),
    z.object({ code: z.string(), expiresAt: z.number().int() }),
  ),
  'groups.join': command(
    z.object({ invite: z.string().trim().min(1, 'paste an invite or type a code') }),
    z.object({ groupId: GroupId }),
  ),
  'groups.leave': command(z.object({ group: GroupRef }), Empty),
  'groups.remove': command(z.object({ group: GroupRef, peerId: PeerIdText }), Empty),
  'groups.promote': command(z.object({ group: GroupRef, peerId: PeerIdText }), Empty),

  'messages.list': command(
    z.object({
      group: GroupRef,
      limit: z.number().int().min(1).max(100_000).optional(),
    }),
    z.array(Message),
  ),
  'messages.send': command(
    z.object({ group: GroupRef, text: MessageText, replyTo: EntryId.optional() }),
    z.object({ messageId: EntryId }),
  ),
  'messages.edit': command(
    z.object({ group: GroupRef, messageId: EntryId, text: MessageText }),
    Empty,
  ),
  'messages.delete': command(z.object({ group: GroupRef, messageId: EntryId }), Empty),
  'messages.react': command(
    z.object({ group: GroupRef, messageId: EntryId, emoji: Emoji, on: z.boolean().optional() }),
    Empty,
  ),

  /** Every current member's read marker in the group, this device's own included. */
  'receipts.list': command(z.object({ group: GroupRef }), z.array(Receipt)),
  /**
   * This device has read the group up to `messageId` (the message is on screen). Moves its read
   * marker forward, never back, and tells the other members.
   */
  'receipts.markRead': command(z.object({ group: GroupRef, messageId: EntryId }), Empty),

  'peers.list': command(Empty, z.array(PeerInfo)),

  'shelf.add': command(
    z.object({
      group: GroupRef,
      path: LocalPath,
      /** Default: the file's own name. */
      name: FileName.optional(),
      /** Default: the top of the shelf. */
      folder: FolderPath.optional(),
    }),
    z.object({ fileId: EntryId, sha256: z.string(), size: z.number().int().nonnegative() }),
  ),
  'shelf.list': command(z.object({ group: GroupRef }), z.array(ShelfFile)),
  'shelf.get': command(
    z.object({ group: GroupRef, fileId: EntryId, out: LocalPath }),
    z.object({ path: z.string(), sha256: z.string(), size: z.number().int().nonnegative() }),
  ),
  'shelf.remove': command(z.object({ group: GroupRef, fileId: EntryId }), Empty),
  'shelf.restore': command(z.object({ group: GroupRef, fileId: EntryId }), Empty),
  'shelf.move': command(
    z
      .object({
        group: GroupRef,
        fileId: EntryId,
        name: FileName.optional(),
        folder: FolderPath.optional(),
      })
      .refine((o) => o.name !== undefined || o.folder !== undefined, 'give a new name or folder'),
    Empty,
  ),

  /** Writes an encrypted backup of this device: its key and name, every group, and (files) the shelf files it holds. */
  'backup.create': command(
    z.object({
      path: LocalPath,
      passphrase: BackupPassphrase.min(8, 'a backup passphrase needs at least 8 characters'),
      files: z.boolean().optional(),
      /** Replace a file already at `path` (once the new backup is complete). */
      replace: z.boolean().optional(),
    }),
    z.object({ path: z.string(), bytes: Count, groups: Count, files: Count }),
  ),
  /**
   * Restores a backup over this peer's new, unused identity (it must hold no group): the peer
   * restarts as the backed-up device. Clients then reconnect and load everything again.
   */
  'backup.restore': command(
    z.object({ path: LocalPath, passphrase: BackupPassphrase }),
    z.object({ peerId: PeerIdText, name: z.string(), groups: Count, files: Count }),
  ),
  /** Writes one group's updates and shelf files to a bundle only its current members can open. */
  'bundle.export': command(
    z.object({
      group: GroupRef,
      path: LocalPath,
      /** Leave out shelf files larger than this. */
      maxFileBytes: Count.optional(),
      replace: z.boolean().optional(),
    }),
    z.object({
      path: z.string(),
      bytes: Count,
      files: Count,
      skippedFiles: Count,
      recipients: Count,
    }),
  ),
  /** Merges a bundle, as if its maker's device had synced with this one. Harmless twice. */
  'bundle.import': command(
    z.object({ path: LocalPath }),
    z.object({ groupId: GroupId, updatesMerged: Count, filesReceived: Count }),
  ),
} as const

export const events = {
  messageAdded: z.object({ groupId: GroupId, message: Message }),
  messageChanged: z.object({ groupId: GroupId, message: Message }),
  groupChanged: z.object({ group: Group }),
  groupLeft: z.object({ groupId: GroupId }),
  peerConnected: z.object({ peerId: PeerIdText }),
  peerDisconnected: z.object({ peerId: PeerIdText }),
  groupSynced: z.object({ groupId: GroupId, peerId: PeerIdText }),
  /** The group's read markers changed (someone read further, or membership changed). */
  receiptsChanged: z.object({ groupId: GroupId, receipts: z.array(Receipt) }),
  /** Catch-up progress of a group; `active: false` once everything received is applied. */
  catchUpProgressed: CatchUp.extend({ active: z.boolean() }),
  /** The peer lost or regained the ability to save (data folder full, read-only, gone, back). */
  storageChanged: StorageHealth,
  /** The group's shelf index changed (a file added, renamed, moved, removed, restored, fetched). */
  shelfChanged: z.object({ groupId: GroupId }),
  transferProgressed: z.object({
    groupId: GroupId,
    fileId: EntryId,
    /** Bytes of the file verified on this device. */
    bytes: z.number().int().nonnegative(),
    total: z.number().int().nonnegative(),
    /** Bytes per second over the last few seconds. */
    rate: z.number().nonnegative(),
    /** Members sending right now. */
    sources: z.number().int().nonnegative(),
  }),
} as const

export type Commands = typeof commands
export type CommandName = keyof Commands
export type CommandInput<K extends CommandName> = z.input<Commands[K]['input']>
export type CommandOutput<K extends CommandName> = z.output<Commands[K]['output']>
/** What a handler receives: the input after validation and defaults. */
export type ParsedInput<K extends CommandName> = z.output<Commands[K]['input']>

export type Events = typeof events
export type EventName = keyof Events
export type EventPayload<K extends EventName> = z.output<Events[K]>

/** What the peer implements: one function per command. */
export type Handlers = {
  [K in CommandName]: (input: ParsedInput<K>) => Promise<CommandOutput<K>>
}

export function isCommandName(name: string): name is CommandName {
  return Object.hasOwn(commands, name)
}
export function isEventName(name: string): name is EventName {
  return Object.hasOwn(events, name)
}
