// Domain shapes shared by the peer, the CLI and the UI. Every type is derived from its schema.
import { z } from 'zod'

const utf8 = new TextEncoder()

export const MAX_MESSAGE_BYTES = 64 * 1024
export const MAX_NAME_CHARS = 64

/** What `PeerIdText` accepts, for code that checks it without zod. */
export const PEER_ID_PATTERN = /^[1-9A-HJ-NP-Za-km-z]{40,64}$/
/** What `EntryId` accepts, for code that checks it without zod. */
export const ENTRY_ID_PATTERN = /^[a-z2-7]{26}$/

/** A libp2p peer id as text (base58btc, e.g. `12D3KooW…`). */
export const PeerIdText = z.string().regex(PEER_ID_PATTERN, 'not a peer id').describe('peer id')

/** Group, message and other entry ids: 26 characters of lowercase base32. */
export const EntryId = z.string().regex(ENTRY_ID_PATTERN, 'not a Hearth id')
export const GroupId = EntryId.describe('group id')

// Control characters (C0, C1) and bidi overrides make names lie about themselves.
// eslint-disable-next-line no-control-regex
const unsafeNameChars = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/

/** A display name for a person or a group: trimmed, 1–64 characters, no control characters. */
export const DisplayName = z
  .string()
  .trim()
  .min(1, 'a name cannot be empty')
  .max(MAX_NAME_CHARS, `a name can have at most ${MAX_NAME_CHARS} characters`)
  .refine((s) => !unsafeNameChars.test(s), 'a name cannot contain control characters')

export const MAX_FILE_NAME_CHARS = 255
export const MAX_FOLDER_CHARS = 1024
export const MAX_FOLDER_DEPTH = 16

// Shelf names come from other members: besides control and bidi characters, separators and
// the names "." and ".." are refused, so a name is always one path segment, never a path.
const unsafeFileNameChars =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069/\\]/

function isFileNameSegment(s: string): boolean {
  return (
    s.length >= 1 &&
    s.length <= MAX_FILE_NAME_CHARS &&
    s === s.trim() &&
    s !== '.' &&
    s !== '..' &&
    !unsafeFileNameChars.test(s)
  )
}

/**
 * A file's name on a shelf: one segment, trimmed, 1–255 characters, no control or bidi
 * characters, no separators, not "." or "..". Checked without rewriting (entries are signed).
 */
export const FileName = z
  .string()
  .refine(
    isFileNameSegment,
    'a file name is 1–255 characters with no control characters, slashes, "." or ".."',
  )

/** A folder inside a shelf: "" (the top) or segments like a file name joined by "/". */
export const FolderPath = z
  .string()
  .max(MAX_FOLDER_CHARS, `a folder path can have at most ${MAX_FOLDER_CHARS} characters`)
  .refine(
    (s) =>
      s === '' ||
      (s.split('/').length <= MAX_FOLDER_DEPTH && s.split('/').every(isFileNameSegment)),
    'a folder is a path like "a/b" of valid names, without "." or ".." parts',
  )

/** A blob id or a whole-file hash: SHA-256 as lowercase hex. */
export const HexHash = z.string().regex(/^[0-9a-f]{64}$/, 'not a SHA-256 hash')

/** A media type like "image/png"; advisory only, never used to decide how to open a file. */
export const MediaType = z
  .string()
  .max(127)
  .regex(/^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*$/, 'not a media type')

/** Where a download of a shelf file stands on this device (null in ShelfFile: none running). */
export const TransferState = z.enum(['queued', 'fetching', 'waiting', 'failed'])
export type TransferState = z.infer<typeof TransferState>

export const Transfer = z.object({
  state: TransferState,
  /** While waiting: members who hold a copy, none of them connected now. */
  waitingFor: z.array(PeerIdText),
  /** Bytes verified on this device so far. */
  bytes: z.number().int().nonnegative(),
  /** Why it failed, when it did. */
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
})
export type Transfer = z.infer<typeof Transfer>

export const ShelfFile = z.object({
  /** The id of the entry that added this version of the file. */
  fileId: EntryId,
  name: z.string(),
  folder: z.string(),
  size: z.number().int().nonnegative(),
  sha256: HexHash,
  mediaType: z.string(),
  addedBy: PeerIdText,
  addedByName: z.string(),
  addedAt: z.number().int().nonnegative(),
  /** The whole file is on this device, verified. */
  local: z.boolean(),
  removed: z.boolean(),
  /**
   * Members whose devices hold a verified full copy, by their own signed word (this device
   * included when it does), sorted. Offline members count: combine with who is connected.
   */
  holders: z.array(PeerIdText),
  /** This device keeps (and fetches) a copy, by the group's policy (see `keepReason`). */
  keep: z.boolean(),
  /** Why `keep` is what it is: set on the file, on a folder above it, or by the size limit. */
  keepReason: z.enum(['file', 'folder', 'size']),
  /** The download running on this device, if any. */
  transfer: Transfer.nullable(),
})
export type ShelfFile = z.infer<typeof ShelfFile>

/** Per group: what this device fetches and keeps on its own. */
export const ShelfPolicy = z.object({
  /** Files up to this size are fetched and kept without being asked for; 0: none. */
  autoDownloadMaxBytes: z.number().int().nonnegative(),
  /** Folders with "keep a local copy" set on (true) or off (false); the nearest one counts. */
  folders: z.array(z.object({ folder: z.string(), keep: z.boolean() })),
})
export type ShelfPolicy = z.infer<typeof ShelfPolicy>

export const ShelfStorage = z.object({
  /** Bytes the blob store occupies on disk (all groups, chunks shared between files once). */
  totalBytes: z.number().int().nonnegative(),
  /** Bytes of local copies no group keeps (removed files, files not kept): what Free up frees. */
  freeableBytes: z.number().int().nonnegative(),
  groups: z.array(
    z.object({
      groupId: EntryId,
      /** Bytes of this group's files held here (a file in two groups counts in both). */
      bytes: z.number().int().nonnegative(),
      /** Files of this group held here. */
      files: z.number().int().nonnegative(),
      freeableBytes: z.number().int().nonnegative(),
    }),
  ),
})
export type ShelfStorage = z.infer<typeof ShelfStorage>

/** Message text up to 64 KiB of UTF-8; may be empty only beside attached files. */
export const MessageTextOrEmpty = z.string().refine(
  // A UTF-16 unit never takes more than 3 bytes of UTF-8, so most messages need no encoding
  // (a catch-up checks thousands of them).
  (s) => s.length * 3 <= MAX_MESSAGE_BYTES || utf8.encode(s).length <= MAX_MESSAGE_BYTES,
  `a message can be at most ${MAX_MESSAGE_BYTES / 1024} KiB`,
)

export const MessageText = MessageTextOrEmpty.refine(
  (s) => s.length > 0,
  'a message cannot be empty',
)

export const MAX_ATTACHMENTS = 10

/** Shelf files attached to a message: 1–10 distinct file ids of the same group. */
export const Attachments = z
  .array(EntryId)
  .min(1)
  .max(MAX_ATTACHMENTS, `a message can carry at most ${MAX_ATTACHMENTS} files`)
  .refine((ids) => new Set(ids).size === ids.length, 'a file is attached once')

/** One emoji (or a short emoji sequence), never arbitrary text. */
export const Emoji = z
  .string()
  .min(1)
  .max(16)
  .regex(/^(?:\p{Extended_Pictographic}|\p{Emoji_Component}|\u200d|\ufe0f)+$/u, 'not an emoji')
  // Digits, # and * are emoji components too: alone they are text, inside a keycap (1️⃣) emoji.
  .refine((s) => /\p{Extended_Pictographic}|\p{Regional_Indicator}|\u20e3/u.test(s), 'not an emoji')

export const Role = z.enum(['admin', 'member'])
export type Role = z.infer<typeof Role>

export const Member = z.object({ peerId: PeerIdText, name: z.string(), role: Role })
export type Member = z.infer<typeof Member>

export const Group = z.object({
  groupId: GroupId,
  name: z.string(),
  role: Role,
  members: z.array(Member),
})
export type Group = z.infer<typeof Group>

export const Message = z.object({
  id: EntryId,
  author: PeerIdText,
  authorName: z.string(),
  text: z.string(),
  /** Hybrid-logical-clock milliseconds: wall time, nudged forward so every replica orders alike. */
  ts: z.number().int().nonnegative(),
  replyTo: EntryId.nullable(),
  editedAt: z.number().int().nullable(),
  deleted: z.boolean(),
  /** emoji → the peers who reacted with it, sorted. */
  reactions: z.record(z.string(), z.array(PeerIdText)),
  /** False while the author's membership at that time cannot be established. */
  verified: z.boolean(),
  /** Shelf files of the group attached to the message (file ids; none once it is deleted). */
  attachments: z.array(EntryId),
})
export type Message = z.infer<typeof Message>

export const PeerInfo = z.object({
  peerId: PeerIdText,
  name: z.string(),
  connected: z.boolean(),
  /** Where our connections to it go (its LAN address), while connected. */
  addrs: z.array(z.string()),
  groups: z.array(GroupId),
  /** When a connection to it was last open (ms since the epoch, kept on disk); null: never. */
  lastSeen: z.number().int().nonnegative().nullable(),
})
export type PeerInfo = z.infer<typeof PeerInfo>

/**
 * A member's read marker: it has read the group up to this message, and so every message before
 * it in the group's (ts, id) order. Only current members' markers are shown.
 */
export const Receipt = z.object({
  peerId: PeerIdText,
  messageId: EntryId,
  ts: z.number().int().nonnegative(),
})
export type Receipt = z.infer<typeof Receipt>

/** A group whose received updates are still being checked and applied. */
export const CatchUp = z.object({
  groupId: GroupId,
  /** Updates (messages, edits, reactions, …) counted and not yet applied; 0 while counting. */
  updates: z.number().int().nonnegative(),
})
export type CatchUp = z.infer<typeof CatchUp>

export const Identity = z.object({ peerId: PeerIdText, name: z.string() })
export type Identity = z.infer<typeof Identity>

/** Why the peer cannot write to its data folder right now. */
export const StorageProblem = z.enum(['disk-full', 'read-only', 'missing', 'failed'])
export type StorageProblem = z.infer<typeof StorageProblem>

/**
 * Whether the peer can save. While `writable` is false every command that would write fails with
 * STORAGE_FAILED (nothing is acknowledged that is not on disk); reading, and hearing from other
 * members, go on. The peer keeps trying and becomes writable again by itself.
 */
export const StorageHealth = z.object({
  writable: z.boolean(),
  problem: StorageProblem.nullable(),
  /** One sentence for logs and the CLI (English); the UI words each problem itself. */
  message: z.string().nullable(),
  /** When the current problem began (ms since the epoch); null while writable. */
  since: z.number().int().nullable(),
})
export type StorageHealth = z.infer<typeof StorageHealth>

export const Status = z.object({
  peerId: PeerIdText,
  name: z.string(),
  addrs: z.array(z.string()),
  connectedPeers: z.number().int().nonnegative(),
  groups: z.number().int().nonnegative(),
  /** Hearth peers seen on the LAN (mDNS) that share no group with us: shown only as a count. */
  nearbyPeers: z.number().int().nonnegative(),
  /** Groups catching up on what they received (large updates being checked and applied). */
  catchingUp: z.array(CatchUp),
  /** Where this peer keeps its data; null when it keeps everything in memory. */
  dataDir: z.string().nullable(),
  version: z.string(),
  /** Running in portable mode: everything it writes stays in one folder beside the program. */
  portable: z.boolean(),
  storage: StorageHealth,
  /** Everything in the data folder is sealed with a key only the passphrase unlocks. */
  encrypted: z.boolean(),
})
export type Status = z.infer<typeof Status>

export const MIN_PASSPHRASE_CHARS = 8
export const MAX_PASSPHRASE_CHARS = 1024

/** A passphrase as typed, to unlock: any non-empty text (spaces count; nothing is trimmed). */
export const Passphrase = z
  .string()
  .min(1, 'type the passphrase')
  .max(MAX_PASSPHRASE_CHARS, `a passphrase can have at most ${MAX_PASSPHRASE_CHARS} characters`)

/** A passphrase being chosen: at least 8 characters. */
export const NewPassphrase = Passphrase.refine(
  (s) => [...s].length >= MIN_PASSPHRASE_CHARS,
  `a passphrase needs at least ${MIN_PASSPHRASE_CHARS} characters`,
)

/**
 * Encryption at rest: `off` (the data folder is not encrypted), `locked` (it is, and the peer waits
 * for the passphrase: every command but `vault.*` answers LOCKED) or `unlocked`.
 */
export const VaultState = z.enum(['off', 'locked', 'unlocked'])
export type VaultState = z.infer<typeof VaultState>

export const VaultStatus = z.object({
  state: VaultState,
  /** Runs from a portable folder: the UI offers encryption at first run. */
  portable: z.boolean(),
})
export type VaultStatus = z.infer<typeof VaultStatus>
