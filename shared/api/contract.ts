// The one contract between every client (UI, CLI, tests) and the peer.
// Commands are imperatives with a reply; events are past-tense notifications.
// Every type on either side is derived from these schemas; nothing is written twice.
import { z } from 'zod'
import {
  Attachments,
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
  MessageTextOrEmpty,
  NewPassphrase,
  Passphrase,
  PeerIdText,
  PeerInfo,
  Receipt,
  ShelfFile,
  ShelfPolicy,
  ShelfStorage,
  Status,
  StorageHealth,
  TransferState,
  VaultStatus,
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

/** The largest shelf file (the blob store's limit: 262,144 chunks of 1 MiB). */
export const MAX_SHELF_FILE_BYTES = 256 * 1024 * 1024 * 1024
/** Bytes of one upload chunk; its base64 text stays well under the bridge's 1 MiB frames. */
export const UPLOAD_CHUNK_BYTES = 512 * 1024
const MAX_UPLOAD_CHUNK_CHARS = 4 * Math.ceil(UPLOAD_CHUNK_BYTES / 3)
/** Chunks `shelf.read` hands out: the blob store's 1 MiB chunks. */
export const READ_CHUNK_BYTES = 1024 * 1024

const Base64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/
const UploadChunkData = z
  .string()
  .max(MAX_UPLOAD_CHUNK_CHARS, `an upload chunk is at most ${UPLOAD_CHUNK_BYTES / 1024} KiB`)
  .regex(Base64, 'an upload chunk is base64 text')
/** An upload in progress on this peer (random, from `shelf.beginUpload`). */
const UploadId = z.string().regex(/^[A-Za-z0-9_-]{22,64}$/, 'not an upload id')
const ShelfFileRef = z.object({ group: GroupRef, fileId: EntryId })
const Added = z.object({
  fileId: EntryId,
  sha256: z.string(),
  size: z.number().int().nonnegative(),
})

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
    z
      .object({
        group: GroupRef,
        text: MessageTextOrEmpty,
        replyTo: EntryId.optional(),
        /** Shelf files of the group (already added) to attach; then the text may be empty. */
        attachments: Attachments.optional(),
      })
      .refine((m) => m.text !== '' || m.attachments !== undefined, {
        message: 'a message cannot be empty',
        path: ['text'],
      }),
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
    Added,
  ),
  'shelf.list': command(z.object({ group: GroupRef }), z.array(ShelfFile)),
  /**
   * Fetches the file if it is not here (waiting, for as long as it takes, until a member who
   * holds it is connected), verifies it, then saves it to `out`, which must not exist yet.
   * Cancelled when the caller's connection closes.
   */
  'shelf.get': command(
    ShelfFileRef.extend({ out: LocalPath }),
    z.object({ path: z.string(), sha256: z.string(), size: z.number().int().nonnegative() }),
  ),
  /** Starts fetching the file in the background (or joins the fetch running); see `transfer`. */
  'shelf.download': command(ShelfFileRef, Empty),
  /** Stops a download this device asked for; verified chunks stay, so a later one resumes. */
  'shelf.cancel': command(ShelfFileRef, Empty),
  /**
   * "Keep a local copy" for one file or one folder (and everything under it): true keeps and
   * fetches it whatever its size, false lets it go, null goes back to the group's size limit.
   */
  'shelf.setKeep': command(
    z
      .object({
        group: GroupRef,
        fileId: EntryId.optional(),
        folder: FolderPath.optional(),
        keep: z.boolean().nullable(),
      })
      .refine((o) => (o.fileId === undefined) !== (o.folder === undefined), {
        message: 'name either a file or a folder',
      }),
    Empty,
  ),
  'shelf.policy': command(z.object({ group: GroupRef }), ShelfPolicy),
  'shelf.setPolicy': command(
    z.object({
      group: GroupRef,
      autoDownloadMaxBytes: z.number().int().min(0).max(MAX_SHELF_FILE_BYTES),
    }),
    ShelfPolicy,
  ),
  /** What the shelves use on this device's disk. */
  'shelf.storage': command(Empty, ShelfStorage),
  /** Deletes local copies no group keeps (removed files, files not kept), never one in use. */
  'shelf.free': command(
    Empty,
    z.object({
      freedBytes: z.number().int().nonnegative(),
      files: z.number().int().nonnegative(),
    }),
  ),
  /**
   * Adds a file whose bytes come over this connection (a browser cannot name a path): begin,
   * then chunks in order, then finish. An upload idle for a minute, or whose connection closes,
   * is cancelled and its partial data removed.
   */
  'shelf.beginUpload': command(
    z.object({
      group: GroupRef,
      name: FileName,
      folder: FolderPath.optional(),
      size: z.number().int().min(0).max(MAX_SHELF_FILE_BYTES),
    }),
    z.object({ uploadId: UploadId, chunkBytes: z.number().int().positive() }),
  ),
  'shelf.uploadChunk': command(
    z.object({ uploadId: UploadId, offset: z.number().int().nonnegative(), data: UploadChunkData }),
    z.object({ received: z.number().int().nonnegative() }),
  ),
  'shelf.finishUpload': command(z.object({ uploadId: UploadId }), Added),
  'shelf.cancelUpload': command(z.object({ uploadId: UploadId }), Empty),
  /** One 1 MiB chunk of a file held here, verified, as base64 (thumbnails are made from these). */
  'shelf.read': command(
    ShelfFileRef.extend({ index: z.number().int().nonnegative() }),
    z.object({
      data: z.string(),
      chunks: z.number().int().nonnegative(),
      size: z.number().int().nonnegative(),
    }),
  ),
  /**
   * A one-time address on the web UI's own server that downloads a file held here as an
   * attachment (browser mode; the desktop app saves through its dialog and `shelf.get`).
   */
  'shelf.exportLink': command(ShelfFileRef, z.object({ path: z.string(), name: z.string() })),
  'shelf.remove': command(ShelfFileRef, Empty),
  'shelf.restore': command(ShelfFileRef, Empty),
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

  // Encryption at rest. These answer while the peer is locked; every other command then fails
  // with LOCKED. `enable` restarts the peer on the sealed folder (its connections drop and come
  // back); `changePassphrase` re-wraps the data key only, so it is quick whatever is stored.
  'vault.status': command(Empty, VaultStatus),
  'vault.unlock': command(z.object({ passphrase: Passphrase }), VaultStatus),
  'vault.enable': command(z.object({ passphrase: NewPassphrase }), VaultStatus),
  'vault.changePassphrase': command(
    z.object({ current: Passphrase, next: NewPassphrase }),
    VaultStatus,
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
  /** A download on this device changed state; `done` and `cancelled` end it. */
  transferChanged: z.object({
    groupId: GroupId,
    fileId: EntryId,
    state: z.union([TransferState, z.enum(['done', 'cancelled'])]),
    /** While waiting: who holds a copy (none of them connected), with names to show. */
    waitingFor: z.array(z.object({ peerId: PeerIdText, name: z.string() })),
    error: z.object({ code: z.string(), message: z.string() }).nullable(),
  }),
  /** The vault was unlocked, turned on, or its passphrase changed (by this client or another). */
  vaultChanged: VaultStatus,
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

/** What a handler knows about the call besides its input. */
export interface CallContext {
  /** Aborted when the caller's connection closes: long waits end, uploads are cancelled. */
  signal: AbortSignal
  /** The same object for every call on one connection (what an upload belongs to). */
  caller: object
}

/** What the peer implements: one function per command. */
export type Handlers = {
  [K in CommandName]: (input: ParsedInput<K>, ctx?: CallContext) => Promise<CommandOutput<K>>
}

export function isCommandName(name: string): name is CommandName {
  return Object.hasOwn(commands, name)
}
export function isEventName(name: string): name is EventName {
  return Object.hasOwn(events, name)
}
