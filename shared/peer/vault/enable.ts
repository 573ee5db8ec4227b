// Turning encryption on for a data folder, empty or full, crash-safely. The sealed copy is built in
// `<data>/vault/` beside the plaintext files, every byte of it fsynced, and only then is the header
// written (temp file, fsync, rename): that rename is the commit point.
//   crash before it: there is no header, so the folder is the plaintext one it was; the half-built
//     `vault/` is debris, removed by the next attempt.
//   crash after it: the folder is encrypted and complete; the plaintext files still there are
//     removed when it is next unlocked.
// Either way nothing is lost, and no state mixes the two. The peer must not run on the folder
// meanwhile (the peer host stops it first).
import fs from 'node:fs'
import path from 'node:path'
import * as Y from 'yjs'
import { HearthError } from '../../api/errors.ts'
import { finishPendingRestore } from '../carry/index.ts'
import { IDENTITY_FILE } from '../identity.ts'
import { BlobStore } from '../shelves/blob-store.ts'
import { ensureDir, fsyncDir, writeFileDurably } from '../shelves/durable.ts'
import { DATABASE_FILE, openSqliteStore } from '../storage/sqlite.ts'
import { DEFAULT_SCRYPT, randomKey, type ScryptParams } from './crypto.ts'
import { wrapDataKey, writeHeader } from './header.ts'
import { alreadyEncrypted, isSealed, removePlaintext, SEALED_DIR, Vault } from './vault.ts'

export interface EnableOptions {
  /** Default DEFAULT_SCRYPT; tests pass cheaper ones. */
  params?: ScryptParams
  log?: (line: string) => void
}

/** Encrypts `dataDir` under `passphrase` and returns the unlocked vault. */
export async function enableVault(
  dataDir: string,
  passphrase: string,
  options: EnableOptions = {},
): Promise<Vault> {
  if (isSealed(dataDir)) throw alreadyEncrypted()
  const log = options.log ?? ((line: string) => console.warn(line))
  // A restore that completed but was not moved into place yet is part of the folder: finish it
  // first, so it is encrypted with the rest.
  await finishPendingRestore(dataDir)
  const sealedDir = path.join(dataDir, SEALED_DIR)
  // What an attempt that crashed before its commit left: never the live data, there is no header.
  fs.rmSync(sealedDir, { recursive: true, force: true })
  const dataKey = randomKey()
  const header = await wrapDataKey(dataKey, passphrase, options.params ?? DEFAULT_SCRYPT)
  const vault = new Vault(dataDir, dataKey)
  dataKey.fill(0)
  try {
    await ensureDir(vault.dir)
    await copyIdentity(dataDir, vault)
    copyStore(dataDir, vault)
    await copyBlobs(dataDir, vault, log)
    await fsyncDir(vault.dir)
    await writeHeader(dataDir, header)
  } catch (err) {
    // If the header did land (only its folder's fsync failed), the sealed copy is the live data.
    if (!isSealed(dataDir)) fs.rmSync(sealedDir, { recursive: true, force: true })
    throw err instanceof HearthError
      ? err
      : new HearthError(
          'STORAGE_FAILED',
          `Encryption could not be turned on (${err instanceof Error ? err.message : String(err)}); the data folder is as it was.`,
        )
  }
  removePlaintext(dataDir)
  return vault
}

async function copyIdentity(dataDir: string, vault: Vault): Promise<void> {
  let bytes: Buffer
  try {
    bytes = fs.readFileSync(path.join(dataDir, IDENTITY_FILE))
  } catch (err) {
    // A folder the peer never ran in has no key yet; the sealed peer makes one on its first start.
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return
    throw err
  }
  await writeFileDurably(vault.dir, path.join(vault.dir, IDENTITY_FILE), vault.identity.seal(bytes))
}

/** Each group's history goes over as one merged update: one fsynced row per group. */
function copyStore(dataDir: string, vault: Vault): void {
  if (!fs.existsSync(path.join(dataDir, DATABASE_FILE))) return
  const source = openSqliteStore(dataDir)
  try {
    const target = vault.store(openSqliteStore(vault.dir))
    try {
      for (const { groupId, joinedAt } of source.listGroups()) {
        target.addGroup(groupId, joinedAt)
        const updates = source.loadUpdates(groupId)
        if (updates.length > 0) {
          target.appendUpdate(
            groupId,
            updates.length === 1 ? (updates[0] as Uint8Array) : Y.mergeUpdates(updates),
          )
        }
        const receipts = source.receipts(groupId)
        if (receipts.length > 0) target.putReceipts(groupId, receipts)
      }
      for (const key of source.settingKeys()) {
        target.setSetting(key, source.getSetting(key) ?? '')
      }
      for (const peer of source.knownPeers())
        target.rememberPeer(peer.peerId, peer.addrs, peer.seenAt)
    } finally {
      target.close()
    }
  } finally {
    source.close()
  }
}

async function copyBlobs(
  dataDir: string,
  vault: Vault,
  log: (line: string) => void,
): Promise<void> {
  if (!fs.existsSync(path.join(dataDir, 'blobs'))) return
  const source = await BlobStore.open(dataDir)
  const target = await BlobStore.open(vault.dir, { sealing: vault.blobs })
  for (const blobId of await source.blobIds()) {
    const manifest = await source.getManifest(blobId)
    if (manifest === null) continue
    for (const hash of new Set(manifest.chunks)) {
      if (await target.hasChunk(hash)) continue
      let bytes: Uint8Array | null
      try {
        bytes = await source.readChunk(hash)
      } catch (err) {
        // A chunk damaged on disk is dropped, as reading it always does: members send it again.
        log(`hearth: a damaged shelf chunk was left out while encrypting: ${String(err)}`)
        continue
      }
      // Chunks of a file still being fetched are not here yet; they arrive sealed later.
      if (bytes !== null) await target.putChunk(hash, bytes)
    }
    await target.putManifest(manifest)
  }
}
