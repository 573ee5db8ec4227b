// Carry-over bundles: one group's updates and shelf files in a file that a member carries (on a
// stick) to a network where the others are, and imports there as if the two peers had met: every
// update goes through the replica's applyRemote (the same checks as sync), every chunk is checked
// against its hash on its way into the blob store.
//
// Only members can read a bundle: it is sealed under a random content key, wrapped for the device
// key of every member at the time of export (seal.ts: Ed25519 → X25519, ephemeral ECDH, HKDF,
// AEAD). The header names no group, no member and no peer id.
//
// Header: "HEARTHBD" | u8 version = 1 | salt (16) | u16 BE count | count × stanza (80 bytes),
// count a multiple of 8 (padded with random decoys). Records (sealed-file.ts) under
// HKDF(contentKey, salt, "hearth/bundle/1"): META, UPDATE…, MANIFEST…, CHUNK…, END.
import { peerIdFromString } from '@libp2p/peer-id'
import * as Y from 'yjs'
import { z } from 'zod'
import { GroupId, HearthError, PeerIdText } from '../../api/index.ts'
import type { GroupReplica } from '../groups/replica.ts'
import { ReadMarker } from '../receipts/index.ts'
import { pause, runSliced } from '../groups/slices.ts'
import { checking, MAX_UPDATE_BYTES } from '../groups/validate.ts'
import type { BlobStore } from '../shelves/blob-store.ts'
import { blobIdOf, decodeManifest, sha256Hex } from '../shelves/manifest.ts'
import type { Manifest } from '../shelves/manifest.ts'
import {
  jsonRecord,
  readJsonRecord,
  SealedFileError,
  SealedFileReader,
  writeSealedFile,
} from './sealed-file.ts'
import {
  decoyStanza,
  digest,
  KEY_BYTES,
  random,
  STANZA_BYTES,
  subkey,
  unwrap,
  unwrapKeyFor,
  wrapFor,
} from './seal.ts'
import { holdComplete, REC, recordCaps, writeBlobs } from './records.ts'

const MAGIC = new TextEncoder().encode('HEARTHBD')
const VERSION = 1
const PREFIX_BYTES = 8 + 1 + 16 + 2
/** Stanzas come in groups of this many, so the header tells the group's size only roughly. */
const STANZA_GROUP = 8
const MAX_STANZAS = 4096
/** Key agreements between two pauses of the event loop. */
const KEY_SLICE = 16
/** Parts of the group's state: one Yjs client's entries each, merged up to this size. */
const PART_BYTES = 4 * 1024 * 1024
const recordCap = recordCaps({ [REC.UPDATE]: MAX_UPDATE_BYTES, [REC.RECEIPTS]: 2 * 1024 * 1024 })
/** Read markers in one bundle: one per member. */
const MAX_MARKERS = 4096

const Meta = z
  .object({
    kind: z.literal('hearth-bundle'),
    v: z.literal(1),
    groupId: GroupId,
    exportedBy: PeerIdText,
    createdAt: z.number().int().nonnegative(),
    parts: z.number().int().nonnegative(),
    files: z.number().int().nonnegative(),
  })
  .strict()
type Meta = z.infer<typeof Meta>

const End = z.object({
  parts: z.number().int(),
  markers: z.number().int(),
  manifests: z.number().int(),
  chunks: z.number().int(),
})

/** The group's read markers, as the receipts protocol sends them when devices meet. */
const Receipts = z.object({ markers: z.array(ReadMarker).max(MAX_MARKERS) }).strict()

const wrapInfo = (salt: Uint8Array) => `hearth/bundle/1 wrap ${Buffer.from(salt).toString('hex')}`

export interface BundleSource {
  replica: GroupReplica
  /** The group's read markers that count (current members'). */
  markers: ReadMarker[]
  blobs: BlobStore
  self: string
  now(): number
}

export interface BundleExportRequest {
  path: string
  /** Only files up to this many bytes; all files the device holds when absent. */
  maxFileBytes?: number
  replace?: boolean
}

export interface BundleExportSummary {
  path: string
  bytes: number
  files: number
  /** Files on the shelf left out: over the size limit, or not held whole on this device. */
  skippedFiles: number
  recipients: number
}

/**
 * The group's whole state as updates of at most about PART_BYTES: each Yjs client's entries are
 * independent (no entry has an origin, nothing is deleted), so each part applies on its own.
 */
export function stateParts(doc: Y.Doc, partBytes = PART_BYTES): Uint8Array[] {
  const full = Y.decodeStateVector(Y.encodeStateVector(doc))
  const parts: Uint8Array[] = []
  let batch: Uint8Array[] = []
  let size = 0
  const flush = () => {
    if (batch.length === 0) return
    parts.push(batch.length === 1 ? (batch[0] as Uint8Array) : Y.mergeUpdates(batch))
    batch = []
    size = 0
  }
  for (const client of [...full.keys()].sort((a, b) => a - b)) {
    const others = new Map(full)
    others.set(client, 0)
    const one = Y.encodeStateAsUpdate(doc, Y.encodeStateVector(others))
    if (size + one.length > partBytes) flush()
    batch.push(one)
    size += one.length
  }
  flush()
  return parts
}

export async function exportBundle(
  src: BundleSource,
  request: BundleExportRequest,
): Promise<BundleExportSummary> {
  const { replica } = src
  const members = [...replica.membership().members.keys()]
  const contentKey = random(KEY_BYTES)
  const salt = random(16)
  const stanzas: Uint8Array[] = []
  for (const peerId of members) {
    stanzas.push(wrapFor(publicKeyOf(peerId), contentKey, wrapInfo(salt)))
    if (stanzas.length % KEY_SLICE === 0) await pause()
  }
  while (stanzas.length % STANZA_GROUP !== 0) stanzas.push(decoyStanza())
  if (stanzas.length > MAX_STANZAS) {
    throw new HearthError('TOO_LARGE', 'The group has too many members for one bundle.')
  }
  shuffle(stanzas)
  const header = new Uint8Array(PREFIX_BYTES + stanzas.length * STANZA_BYTES)
  header.set(MAGIC, 0)
  header[8] = VERSION
  header.set(salt, 9)
  new DataView(header.buffer).setUint16(25, stanzas.length)
  stanzas.forEach((s, i) => header.set(s, PREFIX_BYTES + i * STANZA_BYTES))

  const parts = stateParts(replica.doc)
  if (parts.some((p) => p.length > MAX_UPDATE_BYTES)) {
    throw new HearthError('TOO_LARGE', 'This group’s history is too large to carry in a bundle.')
  }
  const shelf = replica.shelfFiles().filter((f) => !f.removed)
  const wanted = shelf.filter(
    (f) => request.maxFileBytes === undefined || f.size <= request.maxFileBytes,
  )
  const held = await holdComplete(
    src.blobs,
    wanted.map((f) => f.blobId),
  )
  try {
    const heldIds = new Set(held.map((h) => blobIdOf(h.manifest)))
    const meta: Meta = {
      kind: 'hearth-bundle',
      v: 1,
      groupId: replica.groupId,
      exportedBy: src.self,
      createdAt: src.now(),
      parts: parts.length,
      files: held.length,
    }
    const written = await writeSealedFile(
      request.path,
      header,
      subkey(contentKey, salt, 'hearth/bundle/1'),
      { replace: request.replace === true },
      async (writer) => {
        await writer.record(REC.META, jsonRecord(meta))
        for (const part of parts) await writer.record(REC.UPDATE, part)
        await writer.record(REC.RECEIPTS, jsonRecord({ markers: src.markers }))
        const chunks = await writeBlobs(writer, src.blobs, held, REC)
        const end = {
          parts: parts.length,
          markers: src.markers.length,
          manifests: held.length,
          chunks,
        }
        await writer.record(REC.END, jsonRecord(end))
      },
    )
    return {
      ...written,
      files: held.length,
      skippedFiles: shelf.filter((f) => !heldIds.has(f.blobId)).length,
      recipients: members.length,
    }
  } finally {
    for (const blob of held) blob.release()
  }
}

// ── import ──────────────────────────────────────────────────────────────────────────────

export interface BundleTarget {
  /** The Ed25519 private key of this device (64 bytes: seed ‖ public key). */
  privateKeyRaw: Uint8Array
  /** The group, if this device holds it and is a member; throws the contract's errors. */
  group(groupId: string): GroupReplica
  blobs: BlobStore
  /** Origin the updates are applied under (relayed to every connected member, like sync). */
  origin: string
  /** The shelf's local files changed. */
  shelfChanged(groupId: string): void
  /** Read markers of the group, taken as from a member who met us (checked, then relayed). */
  takeMarkers(groupId: string, markers: ReadMarker[]): void
}

export interface BundleImportSummary {
  groupId: string
  /** Parts that brought entries this device did not have. */
  updatesMerged: number
  /** Shelf files that are now whole on this device and were not before. */
  filesReceived: number
}

function damaged(file: string, why: string): HearthError {
  return new HearthError(
    'DAMAGED_FILE',
    `The bundle ${file} is damaged or was altered (${why}); nothing was imported.`,
  )
}

/** Opens the bundle with this device's key: the reader at its first record, and the header. */
async function openBundle(file: string, target: BundleTarget) {
  const reader = await SealedFileReader.open(file)
  try {
    const prefix = await reader.taggedHeader(PREFIX_BYTES, MAGIC, VERSION, {
      noun: 'bundle',
      verb: 'import',
    })
    const salt = prefix.slice(9, 25)
    const count = new DataView(prefix.buffer, prefix.byteOffset).getUint16(25)
    if (count === 0 || count > MAX_STANZAS) throw damaged(file, 'its header is not valid')
    const stanzas = await reader.header(count * STANZA_BYTES).catch((err: unknown) => {
      throw err instanceof SealedFileError ? damaged(file, err.message) : err
    })
    const me = unwrapKeyFor(target.privateKeyRaw.subarray(0, 32))
    let contentKey: Uint8Array | null = null
    for (let i = 0; i < count && contentKey === null; i++) {
      const stanza = stanzas.subarray(i * STANZA_BYTES, (i + 1) * STANZA_BYTES)
      contentKey = unwrap(me, stanza, wrapInfo(salt))
      // Each try is an X25519 agreement (about a millisecond): a header of thousands of
      // stanzas must not hold up the peer's other work.
      if (i % KEY_SLICE === KEY_SLICE - 1) await pause()
    }
    if (contentKey === null) {
      throw new HearthError(
        'NOT_A_RECIPIENT',
        'This bundle was not made for this device: only members of the group when it was saved can open it.',
      )
    }
    reader.start(subkey(contentKey, salt, 'hearth/bundle/1'))
    const headerDigest = digest(Buffer.concat([prefix, stanzas]))
    return { reader, headerDigest }
  } catch (err) {
    await reader.close()
    throw err
  }
}

interface Plan {
  meta: Meta
  replica: GroupReplica
  headerDigest: Uint8Array
}

/**
 * Imports a bundle. First pass: every segment authenticates, the records are what they should
 * be, every update passes validation against the group as it is, every chunk belongs to a file in
 * the bundle; nothing is stored. Second pass: the same bytes again, applied. So a bundle that
 * was altered, cut short or built from entries that do not verify changes nothing.
 */
export async function importBundle(
  target: BundleTarget,
  file: string,
): Promise<BundleImportSummary> {
  const plan = await verifyPass(target, file)
  return applyPass(target, file, plan)
}

async function verifyPass(target: BundleTarget, file: string): Promise<Plan> {
  const { reader, headerDigest } = await openBundle(file, target)
  try {
    const first = await reader.next(recordCap)
    if (first?.type !== REC.META) throw damaged(file, 'it does not start with its contents')
    const meta = parseMeta(first.bytes, file)
    const replica = target.group(meta.groupId)
    const chunkSet = new Set<string>()
    const count = { parts: 0, markers: -1, manifests: 0, chunks: 0 }
    /** Records come in this order: updates, the read markers (once), manifests, chunks. */
    let stage = 0
    const enter = (next: number) => {
      if (next < stage) throw damaged(file, 'its records are out of order')
      stage = next
    }
    for (;;) {
      const record = await reader.next(recordCap)
      if (record === null) throw damaged(file, 'it has no end')
      if (record.type === REC.UPDATE) {
        enter(0)
        const verdict = await runSliced(checking(replica.doc, replica.groupId, record.bytes))
        if (verdict.kind === 'rejected' || verdict.kind === 'gap') {
          const why = verdict.kind === 'gap' ? 'an update starts past what we hold' : verdict.reason
          throw damaged(file, `it holds entries that do not verify: ${why}`)
        }
        count.parts++
      } else if (record.type === REC.RECEIPTS) {
        if (count.markers >= 0) throw damaged(file, 'it holds its read markers twice')
        enter(1)
        count.markers = readMarkers(record.bytes, meta.groupId, file).length
      } else if (record.type === REC.MANIFEST) {
        enter(2)
        for (const hash of readManifest(record.bytes, file).chunks) chunkSet.add(hash)
        count.manifests++
      } else if (record.type === REC.CHUNK) {
        enter(3)
        if (!chunkSet.has(sha256Hex(record.bytes))) {
          throw damaged(file, 'it holds a chunk of no file in it')
        }
        count.chunks++
      } else if (record.type === REC.END) {
        const end = parseEnd(record.bytes, file)
        const matches =
          end.parts === count.parts &&
          end.markers === count.markers &&
          end.manifests === count.manifests &&
          end.chunks === count.chunks &&
          count.parts === meta.parts &&
          count.manifests === meta.files
        if (!matches) throw damaged(file, 'it holds less than it lists')
        if ((await reader.next(recordCap)) !== null) {
          throw damaged(file, 'something follows its end')
        }
        return { meta, replica, headerDigest }
      } else {
        throw damaged(file, `it holds a record of unknown type ${record.type}`)
      }
    }
  } catch (err) {
    throw err instanceof SealedFileError ? damaged(file, err.message) : err
  } finally {
    await reader.close()
  }
}

async function applyPass(target: BundleTarget, file: string, plan: Plan) {
  const { reader, headerDigest } = await openBundle(file, target)
  const { replica } = plan
  const groupId = replica.groupId
  let updatesMerged = 0
  const accepted = new Map<string, { manifest: Manifest; wasComplete: boolean }>()
  const wantedChunks = new Set<string>()
  try {
    if (!Buffer.from(headerDigest).equals(Buffer.from(plan.headerDigest))) {
      throw damaged(file, 'it changed while it was being read')
    }
    await reader.next(recordCap)
    for (;;) {
      const record = await reader.next(recordCap)
      if (record === null || record.type === REC.END) break
      if (record.type === REC.UPDATE) {
        const result = await replica.applyRemote(record.bytes, target.origin)
        if (result.kind === 'applied') updatesMerged++
        else if (result.kind !== 'duplicate') {
          throw damaged(file, `it changed while it was being read (${result.kind})`)
        }
      } else if (record.type === REC.RECEIPTS) {
        // After the updates: whether a marker's reader counts depends on the membership.
        target.takeMarkers(groupId, readMarkers(record.bytes, groupId, file))
      } else if (record.type === REC.MANIFEST) {
        const manifest = readManifest(record.bytes, file)
        const blobId = blobIdOf(manifest)
        // The same check as a fetch: the signed shelf entry must describe exactly this file.
        const listed = replica
          .shelfFiles()
          .some(
            (f) => f.blobId === blobId && f.size === manifest.size && f.sha256 === manifest.sha256,
          )
        if (!listed) continue
        const known = await target.blobs.getManifest(blobId)
        const wasComplete = known !== null && (await target.blobs.isComplete(known))
        await target.blobs.putManifest(manifest)
        accepted.set(blobId, { manifest, wasComplete })
        for (const hash of manifest.chunks) wantedChunks.add(hash)
      } else if (record.type === REC.CHUNK) {
        const hash = sha256Hex(record.bytes)
        if (!wantedChunks.has(hash) || (await target.blobs.hasChunk(hash))) continue
        await target.blobs.putChunk(hash, record.bytes)
      }
    }
  } catch (err) {
    throw err instanceof SealedFileError ? damaged(file, err.message) : err
  } finally {
    await reader.close()
  }
  let filesReceived = 0
  for (const { manifest, wasComplete } of accepted.values()) {
    if (!wasComplete && (await target.blobs.isComplete(manifest))) filesReceived++
  }
  if (filesReceived > 0) target.shelfChanged(groupId)
  return { groupId, updatesMerged, filesReceived }
}

function readMarkers(bytes: Uint8Array, groupId: string, file: string): ReadMarker[] {
  const parsed = readJsonRecord(Receipts, bytes)
  if (parsed === null || parsed.markers.some((m) => m.group !== groupId)) {
    throw damaged(file, 'its read markers are not valid')
  }
  return parsed.markers
}

function readManifest(bytes: Uint8Array, file: string): Manifest {
  try {
    return decodeManifest(bytes)
  } catch (err) {
    throw damaged(file, `a file's description cannot be read (${(err as Error).message})`)
  }
}

function parseMeta(bytes: Uint8Array, file: string): Meta {
  const meta = readJsonRecord(Meta, bytes)
  if (meta === null) throw damaged(file, 'its contents are not valid')
  return meta
}

function parseEnd(bytes: Uint8Array, file: string) {
  const end = readJsonRecord(End, bytes)
  if (end === null) throw damaged(file, 'its end is not valid')
  return end
}

function publicKeyOf(peerId: string): Uint8Array {
  const key = peerIdFromString(peerId).publicKey
  if (key?.type !== 'Ed25519') {
    throw new HearthError('INTERNAL', `member ${peerId} has no Ed25519 key to seal a bundle for`)
  }
  return key.raw
}

function shuffle<T>(items: T[]): void {
  const picks = random(items.length * 4)
  const view = new DataView(picks.buffer)
  for (let i = items.length - 1; i > 0; i--) {
    const j = view.getUint32(i * 4) % (i + 1)
    ;[items[i], items[j]] = [items[j] as T, items[i] as T]
  }
}
