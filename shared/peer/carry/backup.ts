// Backups: everything that makes this device this member — its key, its name, every group's Yjs
// state as stored, the settings worth keeping and, if asked, the shelf files it holds — in one
// file sealed under a passphrase. Restoring it into an empty data folder gives a peer with the
// same peer id, which every group still counts as the same member.
//
// Header (45 bytes): "HEARTHBK" | u8 version = 1 | u8 kdf = 1 (scrypt) | u8 logN | u8 r | u8 p |
// salt (16) | check (16). key = scrypt(passphrase, salt); check = AES-256-GCM tag of nothing under
// HKDF(key, salt, "hearth/backup/1 check") with the first 29 bytes as AAD, so a wrong passphrase
// is told apart from damage. The records (sealed-file.ts) use HKDF(key, salt, "hearth/backup/1").
import { randomBytes } from 'node:crypto'
import fs from 'node:fs/promises'
import path from 'node:path'
import { privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import type { Ed25519PrivateKey } from '@libp2p/interface'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import * as Y from 'yjs'
import { z } from 'zod'
import { DisplayName, EntryId, GroupId, HearthError, PeerIdText } from '../../api/index.ts'
import { runSliced } from '../groups/slices.ts'
import { scanning } from '../groups/update-scan.ts'
import { saveDeviceKey } from '../identity.ts'
import { BlobStore } from '../shelves/blob-store.ts'
import { fsyncDir, hasCode, lstatOrNull } from '../shelves/durable.ts'
import { decodeManifest, sha256Hex } from '../shelves/manifest.ts'
import type { Manifest } from '../shelves/manifest.ts'
import { DATABASE_FILE, openSqliteStore } from '../storage/sqlite.ts'
import type { Store, StoredReceipt } from '../storage/types.ts'
import type { Vault } from '../vault/vault.ts'
import {
  jsonRecord,
  readJsonRecord,
  SealedFileError,
  SealedFileReader,
  writeSealedFile,
} from './sealed-file.ts'
import {
  acceptableScrypt,
  DEFAULT_SCRYPT,
  NONCE_BYTES,
  open,
  passphraseKey,
  seal,
  subkey,
  type ScryptParams,
} from './seal.ts'
import { holdComplete, REC, recordCaps, writeBlobs } from './records.ts'

const MAGIC = new TextEncoder().encode('HEARTHBK')
const VERSION = 1
const KDF_SCRYPT = 1
const PREFIX_BYTES = 8 + 5 + 16
const CHECK_BYTES = 16
export const BACKUP_HEADER_BYTES = PREFIX_BYTES + CHECK_BYTES

const MAX_GROUP_STATE = 512 * 1024 * 1024
const recordCap = recordCaps({ [REC.DEVICE_KEY]: 1024, [REC.GROUP]: MAX_GROUP_STATE })

/** Settings kept across machines; anything else in the store belongs to this machine. */
const KEPT_SETTINGS = ['name', 'tcpPort'] as const
/** Where a restore stages its files, inside the data folder it restores into. */
const STAGING_PREFIX = '.restore-'
const COMPLETE_MARK = 'COMPLETE'

const Meta = z
  .object({
    kind: z.literal('hearth-backup'),
    v: z.literal(1),
    createdAt: z.number().int().nonnegative(),
    hearthVersion: z.string().max(64),
    peerId: PeerIdText,
    name: DisplayName,
    settings: z.record(z.string().max(64), z.string().max(4096)),
    knownPeers: z
      .array(
        z.object({
          peerId: PeerIdText,
          addrs: z.array(z.string().min(1).max(1024)).max(64),
          seenAt: z.number().int().nonnegative(),
        }),
      )
      .max(10_000),
    groups: z.array(
      z.object({
        groupId: GroupId,
        joinedAt: z.number().int().nonnegative(),
        /** The group's read markers as stored (see shared/peer/receipts). */
        receipts: z
          .array(
            z.object({
              reader: PeerIdText,
              ts: z.number().int().nonnegative(),
              messageId: EntryId,
              sig: z.string().min(1).max(256),
            }),
          )
          .max(100_000),
      }),
    ),
    files: z.number().int().nonnegative(),
  })
  .strict()
type Meta = z.infer<typeof Meta>

const End = z.object({
  groups: z.number().int(),
  manifests: z.number().int(),
  chunks: z.number().int(),
})

/** What the running peer lends a backup; read through its Store and BlobStore only. */
export interface BackupSource {
  store: Store
  blobs: BlobStore
  privateKey: Ed25519PrivateKey
  name: string
  version: string
  now(): number
  /** Resolves once every acknowledged write of the group is in the store. */
  durable(groupId: string): Promise<void>
  /** Blob ids of the files (not removed) on the group's shelf. */
  shelfBlobs(groupId: string): string[]
}

export interface BackupRequest {
  path: string
  passphrase: string
  files?: boolean
  replace?: boolean
  /** Tests make cheap backups; people always get DEFAULT_SCRYPT. */
  kdf?: ScryptParams
}

export interface BackupSummary {
  path: string
  bytes: number
  groups: number
  files: number
}

function header(kdf: ScryptParams, salt: Uint8Array): Uint8Array {
  const out = new Uint8Array(PREFIX_BYTES)
  out.set(MAGIC, 0)
  out.set([VERSION, KDF_SCRYPT, kdf.logN, kdf.r, kdf.p], 8)
  out.set(salt, 13)
  return out
}

function checkTag(key: Uint8Array, salt: Uint8Array, prefix: Uint8Array): Uint8Array {
  const checkKey = subkey(key, salt, 'hearth/backup/1 check')
  return seal(checkKey, new Uint8Array(NONCE_BYTES), new Uint8Array(0), prefix)
}

/** Writes a backup of the running peer to `request.path`. */
export async function writeBackup(
  src: BackupSource,
  request: BackupRequest,
): Promise<BackupSummary> {
  const kdf = request.kdf ?? DEFAULT_SCRYPT
  const salt = new Uint8Array(randomBytes(16))
  const key = await passphraseKey(request.passphrase, salt, kdf)
  const prefix = header(kdf, salt)
  const fullHeader = new Uint8Array(BACKUP_HEADER_BYTES)
  fullHeader.set(prefix, 0)
  fullHeader.set(checkTag(key, salt, prefix), PREFIX_BYTES)

  // Every acknowledged write is in the store before the picture is taken, and the picture of all
  // groups, settings and shelves is taken in one synchronous pass: one instant of the peer.
  const listed = src.store.listGroups()
  await Promise.allSettled(listed.map((g) => src.durable(g.groupId)))
  const groups: {
    groupId: string
    joinedAt: number
    state: Uint8Array
    receipts: StoredReceipt[]
  }[] = []
  for (const { groupId, joinedAt } of src.store.listGroups()) {
    const updates = src.store.loadUpdates(groupId)
    // A group still being joined holds nothing yet: there is nothing of it to keep.
    if (updates.length === 0) continue
    const state = updates.length === 1 ? (updates[0] as Uint8Array) : Y.mergeUpdates(updates)
    groups.push({ groupId, joinedAt, state, receipts: src.store.receipts(groupId) })
  }
  const settings: Record<string, string> = {}
  for (const name of KEPT_SETTINGS) {
    const value = src.store.getSetting(name)
    if (value !== undefined) settings[name] = value
  }
  const knownPeers = src.store.knownPeers()
  const blobIds =
    request.files === true ? [...new Set(groups.flatMap((g) => src.shelfBlobs(g.groupId)))] : []

  // Only files this device holds whole; the others come back from members.
  const held = await holdComplete(src.blobs, blobIds)
  try {
    const meta: Meta = {
      kind: 'hearth-backup',
      v: 1,
      createdAt: src.now(),
      hearthVersion: src.version,
      peerId: peerIdFromPrivateKey(src.privateKey).toString(),
      name: src.name,
      settings,
      knownPeers,
      groups: groups.map(({ groupId, joinedAt, receipts }) => ({ groupId, joinedAt, receipts })),
      files: held.length,
    }
    const written = await writeSealedFile(
      request.path,
      fullHeader,
      subkey(key, salt, 'hearth/backup/1'),
      { replace: request.replace === true },
      async (writer) => {
        await writer.record(REC.META, jsonRecord(meta))
        await writer.record(REC.DEVICE_KEY, privateKeyToProtobuf(src.privateKey))
        for (const group of groups) await writer.record(REC.GROUP, groupRecord(group))
        const chunks = await writeBlobs(writer, src.blobs, held, REC)
        const end = { groups: groups.length, manifests: held.length, chunks }
        await writer.record(REC.END, jsonRecord(end))
      },
    )
    return { ...written, groups: groups.length, files: held.length }
  } finally {
    for (const { release } of held) release()
  }
}

function groupRecord(group: { groupId: string; state: Uint8Array }): Uint8Array {
  const id = new TextEncoder().encode(group.groupId)
  const out = new Uint8Array(1 + id.length + group.state.length)
  out[0] = id.length
  out.set(id, 1)
  out.set(group.state, 1 + id.length)
  return out
}

// ── restore ─────────────────────────────────────────────────────────────────────────────

export interface RestoreRequest {
  file: string
  passphrase: string
  dataDir: string
  /**
   * The data folder belongs to a peer that was just stopped and held no group: its new, unused
   * identity is replaced. Without this the folder must be empty (or not exist).
   */
  replaceUnusedPeer?: boolean
  /**
   * The folder is encrypted: the restore is staged and committed inside `vault.dir`, every file
   * sealed as the peer keeps it, so no plaintext of the backup ever reaches the folder.
   */
  vault?: Vault
}

export interface RestoreSummary {
  peerId: string
  name: string
  groups: number
  files: number
}

/** The one sentence for a backup that cannot be read past its header. */
function damaged(file: string, why: string): HearthError {
  return new HearthError(
    'DAMAGED_FILE',
    `The backup ${file} is damaged or incomplete (${why}); nothing was restored.`,
  )
}

/**
 * Opens the backup and checks the passphrase, or throws the sentence that says why not. The
 * returned reader is positioned at the first record.
 */
async function openBackup(file: string, passphrase: string): Promise<SealedFileReader> {
  const reader = await SealedFileReader.open(file)
  try {
    const prefix = await reader.taggedHeader(PREFIX_BYTES, MAGIC, VERSION, {
      noun: 'backup',
      verb: 'restore',
    })
    if (prefix[9] !== KDF_SCRYPT) throw damaged(file, 'its key settings are unknown')
    const kdf = { logN: prefix[10] as number, r: prefix[11] as number, p: prefix[12] as number }
    if (!acceptableScrypt(kdf)) throw damaged(file, 'its key settings are out of range')
    const salt = prefix.slice(13, 29)
    const check = await reader.header(CHECK_BYTES).catch((err: unknown) => {
      throw err instanceof SealedFileError ? damaged(file, err.message) : err
    })
    const key = await passphraseKey(passphrase, salt, kdf)
    const checkKey = subkey(key, salt, 'hearth/backup/1 check')
    const sealed = new Uint8Array(CHECK_BYTES)
    sealed.set(check)
    if (open(checkKey, new Uint8Array(NONCE_BYTES), sealed, prefix) === null) {
      throw new HearthError(
        'WRONG_PASSPHRASE',
        'The passphrase does not open this backup; check it and try again.',
      )
    }
    reader.start(subkey(key, salt, 'hearth/backup/1'))
    return reader
  } catch (err) {
    await reader.close()
    throw err
  }
}

function parseJson<T>(schema: z.ZodType<T>, bytes: Uint8Array, what: string, file: string): T {
  const value = readJsonRecord(schema, bytes)
  if (value === null) throw damaged(file, `its ${what} is not valid`)
  return value
}

/** A restore that has been written and checked in full, waiting to be moved into place. */
export interface StagedRestore {
  summary: RestoreSummary
  /** Moves it into the data folder (replacing an unused peer's files, if that was asked). */
  commit(): Promise<void>
  /** Drops it; the data folder is as it was. */
  discard(): Promise<void>
}

/**
 * Restores a backup into `dataDir`. Everything is written to a staging folder inside it first;
 * only once the whole file has authenticated and been written is it moved into place, so a
 * wrong passphrase, a damaged or a truncated backup leaves the folder as it was (or absent).
 */
export async function restoreBackup(request: RestoreRequest): Promise<RestoreSummary> {
  const staged = await stageBackup(request)
  await staged.commit()
  return staged.summary
}

/** Reads, checks and writes the whole backup beside the data folder's current contents. */
export async function stageBackup(request: RestoreRequest): Promise<StagedRestore> {
  const { vault } = request
  // Where the restored files go: the data folder, or its sealed part.
  const dataDir = path.resolve(vault?.dir ?? request.dataDir)
  await finishPendingRestore(dataDir)
  if (request.replaceUnusedPeer !== true) await requireEmpty(dataDir)
  const reader = await openBackup(request.file, request.passphrase)
  let createdDir = false
  let staging: string | undefined
  const discard = async () => {
    if (staging !== undefined) await fs.rm(staging, { recursive: true, force: true })
    if (createdDir) await fs.rm(dataDir, { recursive: true, force: true })
  }
  try {
    createdDir = (await fs.mkdir(dataDir, { recursive: true, mode: 0o700 })) !== undefined
    const folder = path.join(dataDir, `${STAGING_PREFIX}${randomBytes(6).toString('hex')}`)
    staging = folder
    await fs.mkdir(folder, { mode: 0o700 })
    const summary = await stage(reader, request.file, folder, vault)
    return {
      summary,
      discard,
      commit: async () => {
        // From this mark on, an interrupted move is finished the next time the folder is opened.
        await fs.writeFile(path.join(folder, COMPLETE_MARK), '', { mode: 0o600, flush: true })
        await fsyncDir(folder)
        await commit(dataDir, folder)
      },
    }
  } catch (err) {
    await discard()
    if (err instanceof SealedFileError) throw damaged(request.file, err.message)
    throw err
  } finally {
    await reader.close()
  }
}

async function stage(
  reader: SealedFileReader,
  file: string,
  staging: string,
  vault: Vault | undefined,
) {
  const next = () => reader.next(recordCap)
  const first = await next()
  if (first?.type !== REC.META) throw damaged(file, 'it does not start with its contents')
  const meta = parseJson(Meta, first.bytes, 'contents', file)
  const keyRecord = await next()
  if (keyRecord?.type !== REC.DEVICE_KEY) throw damaged(file, 'the device key is missing')
  let key: Ed25519PrivateKey
  try {
    const decoded = privateKeyFromProtobuf(keyRecord.bytes)
    if (decoded.type !== 'Ed25519') throw new Error('not an Ed25519 key')
    key = decoded
  } catch (err) {
    throw damaged(file, `the device key cannot be read: ${(err as Error).message}`)
  }
  if (peerIdFromPrivateKey(key).toString() !== meta.peerId) {
    throw damaged(file, 'the device key is not the one it names')
  }

  const sqlite = openSqliteStore(staging)
  const store = vault ? vault.store(sqlite) : sqlite
  let blobs: BlobStore | undefined
  const manifests: Manifest[] = []
  let groups = 0
  let chunks = 0
  try {
    const listed = new Map(meta.groups.map((g) => [g.groupId, g]))
    for (;;) {
      const record = await next()
      if (record === null) throw damaged(file, 'it has no end')
      if (record.type === REC.GROUP) {
        const { groupId, state } = readGroupRecord(record.bytes, file)
        const entry = listed.get(groupId)
        if (entry === undefined) throw damaged(file, 'it holds a group it does not list')
        // Our own bounded reader checks the shape first: Yjs never sees bytes that could hang it.
        const scan = await runSliced(scanning(state))
        if (!scan.ok) throw damaged(file, `group ${groupId} cannot be read (${scan.reason})`)
        store.addGroup(groupId, entry.joinedAt)
        store.appendUpdate(groupId, state)
        // Signed by their readers and checked when they arrived; this device's own says how far
        // it had read, so a restored device shows the same unread messages.
        if (entry.receipts.length > 0) store.putReceipts(groupId, entry.receipts)
        groups++
      } else if (record.type === REC.MANIFEST || record.type === REC.CHUNK) {
        blobs ??= await BlobStore.open(staging, vault ? { sealing: vault.blobs } : {})
        if (record.type === REC.MANIFEST) {
          let manifest: Manifest
          try {
            manifest = decodeManifest(record.bytes)
          } catch (err) {
            throw damaged(file, `a file's description cannot be read (${(err as Error).message})`)
          }
          await blobs.putManifest(manifest)
          manifests.push(manifest)
        } else {
          await blobs.putChunk(sha256Hex(record.bytes), record.bytes)
          chunks++
        }
      } else if (record.type === REC.END) {
        const end = parseJson(End, record.bytes, 'end', file)
        if (end.groups !== groups || end.manifests !== manifests.length || end.chunks !== chunks) {
          throw damaged(file, 'it holds less than it lists')
        }
        break
      } else {
        throw damaged(file, `it holds a record of unknown type ${record.type}`)
      }
    }
    if (await reader.next(recordCap)) throw damaged(file, 'something follows its end')
    if (groups !== meta.groups.length) throw damaged(file, 'a group it lists is missing')
    for (const manifest of manifests) {
      if (!(await blobs?.isComplete(manifest))) throw damaged(file, 'a file in it is incomplete')
    }
    for (const [name, value] of Object.entries(meta.settings)) store.setSetting(name, value)
    store.setSetting('name', meta.name)
    for (const peer of meta.knownPeers) store.rememberPeer(peer.peerId, peer.addrs, peer.seenAt)
  } finally {
    store.close()
  }
  saveDeviceKey(staging, key, vault?.identity)
  return { peerId: meta.peerId, name: meta.name, groups, files: manifests.length }
}

function readGroupRecord(bytes: Uint8Array, file: string) {
  const idLength = bytes[0] ?? 0
  const parsed = GroupId.safeParse(new TextDecoder().decode(bytes.subarray(1, 1 + idLength)))
  const state = bytes.subarray(1 + idLength)
  if (!parsed.success || state.length === 0) throw damaged(file, 'a group in it cannot be read')
  return { groupId: parsed.data, state }
}

async function requireEmpty(dataDir: string): Promise<void> {
  let entries: string[]
  try {
    entries = await fs.readdir(dataDir)
  } catch (err) {
    if (hasCode(err, new Set(['ENOENT']))) return
    throw new HearthError('BAD_INPUT', `${dataDir} cannot be used: ${(err as Error).message}`)
  }
  if (entries.some((name) => !name.startsWith(STAGING_PREFIX))) {
    throw new HearthError(
      'DATA_DIR_NOT_EMPTY',
      `${dataDir} is not empty; restore into a new, empty folder (nothing was changed).`,
    )
  }
}

/**
 * Moves a staged restore into the data folder. Each staged entry replaces the one of the same
 * name (the unused peer's key, database and blob store). Safe to run again after a crash.
 */
async function commit(dataDir: string, staging: string): Promise<void> {
  for (const name of await fs.readdir(staging)) {
    if (name === COMPLETE_MARK) continue
    const target = path.join(dataDir, name)
    await fs.rm(target, { recursive: true, force: true })
    if (name === DATABASE_FILE) {
      // A journal left by the replaced database must never be replayed into the restored one.
      for (const suffix of ['-wal', '-shm', '-journal'])
        await fs.rm(target + suffix, { force: true })
    }
    await fs.rename(path.join(staging, name), target)
  }
  await fsyncDir(dataDir)
  await fs.rm(staging, { recursive: true, force: true })
  await fsyncDir(dataDir)
}

/**
 * Finishes a restore that was interrupted after its staging folder was complete, and removes
 * the staging folders of restores that never completed. Runs before a peer opens its folder.
 */
export async function finishPendingRestore(dataDir: string): Promise<void> {
  let names: string[]
  try {
    names = await fs.readdir(dataDir)
  } catch (err) {
    if (hasCode(err, new Set(['ENOENT', 'ENOTDIR']))) return
    throw err
  }
  for (const name of names) {
    if (!name.startsWith(STAGING_PREFIX)) continue
    const staging = path.join(dataDir, name)
    if ((await lstatOrNull(path.join(staging, COMPLETE_MARK))) !== null)
      await commit(dataDir, staging)
    else await fs.rm(staging, { recursive: true, force: true })
  }
}
