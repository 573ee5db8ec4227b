// An encrypted data folder and how it is opened. Layout:
//   <data>/vault.json        the header (plaintext): KDF parameters, salt, the wrapped data key
//   <data>/vault/hearth.db   the sqlite store, every value sealed (SealedStore)
//   <data>/vault/identity.key  the device key, sealed
//   <data>/vault/blobs/      shelf chunks and manifests, sealed, named by keyed hashes
// The sealed files live in their own folder, apart from a plaintext folder's `hearth.db`,
// `identity.key` and `blobs/`, so turning encryption on can build the sealed copy beside the
// plaintext one and commit by writing the header (see enable.ts).
import fs from 'node:fs'
import path from 'node:path'
import { HearthError } from '../../api/errors.ts'
import type { KeySealing } from '../identity.ts'
import { IDENTITY_FILE } from '../identity.ts'
import type { BlobSealing } from '../shelves/blob-store.ts'
import { DATABASE_FILE } from '../storage/sqlite.ts'
import type { Store } from '../storage/types.ts'
import { DEFAULT_SCRYPT, type ScryptParams } from './crypto.ts'
import { readHeader, unwrapDataKey, VAULT_FILE, wrapDataKey, writeHeader } from './header.ts'
import { SealedStore } from './sealed-store.ts'
import { placeOf, Sealer } from './sealer.ts'

export const SEALED_DIR = 'vault'

/** What a plaintext data folder keeps; none of it may remain once the folder is encrypted. */
const PLAINTEXT_NAMES = [
  DATABASE_FILE,
  `${DATABASE_FILE}-wal`,
  `${DATABASE_FILE}-shm`,
  `${DATABASE_FILE}-journal`,
  IDENTITY_FILE,
  'blobs',
]
/** Temp files a crash can leave: the device key's, the header's, a plaintext restore's staging. */
const DEBRIS = [/^identity\.key\.tmp-\d+$/, /^[0-9a-f]{24}\.tmp$/, /^\.restore-/]

export function notEncrypted(): HearthError {
  return new HearthError(
    'BAD_INPUT',
    'Encryption is not on for this data folder; turn it on first.',
  )
}

export function alreadyEncrypted(): HearthError {
  return new HearthError(
    'BAD_INPUT',
    'Encryption is already on for this data folder; change the passphrase instead.',
  )
}

/** Whether `dataDir` is encrypted: its header exists. Reads nothing else and writes nothing. */
export function isSealed(dataDir: string): boolean {
  return fs.existsSync(path.join(dataDir, VAULT_FILE))
}

/**
 * A folder whose header is gone but whose sealed device key is there (and no plaintext one): it
 * was encrypted, and starting it as a plaintext folder would quietly make a new, empty identity.
 */
export function headerMissing(dataDir: string): boolean {
  return (
    !isSealed(dataDir) &&
    fs.existsSync(path.join(dataDir, SEALED_DIR, IDENTITY_FILE)) &&
    !fs.existsSync(path.join(dataDir, IDENTITY_FILE))
  )
}

export function headerMissingError(dataDir: string): HearthError {
  return new HearthError(
    'VAULT_DAMAGED',
    `The data folder ${dataDir} is encrypted but its header ${VAULT_FILE} is missing; without it the data cannot be unlocked. Nothing was changed.`,
  )
}

/** An unlocked vault: seals and opens everything stored under `dir`. */
export class Vault {
  readonly dataDir: string
  /** Where the sealed store, key file and blobs are: `<dataDir>/vault`. */
  readonly dir: string
  readonly blobs: BlobSealing
  readonly identity: KeySealing
  readonly #sealer: Sealer

  constructor(dataDir: string, dataKey: Uint8Array) {
    this.dataDir = dataDir
    this.dir = path.join(dataDir, SEALED_DIR)
    const sealer = new Sealer(dataKey)
    this.#sealer = sealer
    this.blobs = {
      fileName: (kind, hash) => sealer.name(kind, hash),
      seal: (kind, name, bytes) => sealer.seal(bytes, placeOf(kind, name)),
      open: (kind, name, stored) => sealer.tryOpen(stored, placeOf(kind, name)),
    }
    this.identity = {
      seal: (bytes) => sealer.seal(bytes, placeOf('identity')),
      open: (stored) => sealer.open(stored, placeOf('identity'), 'The device key'),
    }
  }

  /** `inner` (any Store) with every value sealed on the way in and opened on the way out. */
  store(inner: Store): Store {
    return new SealedStore(inner, this.#sealer)
  }
}

/**
 * Opens an encrypted folder: WRONG_PASSPHRASE or VAULT_DAMAGED change nothing on disk. Once the
 * passphrase is right, whatever plaintext a turn-on interrupted by a crash left behind is removed.
 */
export async function unlockVault(dataDir: string, passphrase: string): Promise<Vault> {
  const header = readHeader(dataDir)
  if (header === undefined) throw notEncrypted()
  const dataKey = await unwrapDataKey(header, passphrase)
  const vault = new Vault(dataDir, dataKey)
  dataKey.fill(0)
  if (!fs.existsSync(vault.dir)) {
    throw new HearthError(
      'VAULT_DAMAGED',
      `The encrypted data of ${dataDir} (its "${SEALED_DIR}" folder) is missing; nothing was changed.`,
    )
  }
  removePlaintext(dataDir)
  return vault
}

/** Re-wraps the data key under `next`: one small file is rewritten, no chunk or row is. */
export async function changePassphrase(
  dataDir: string,
  current: string,
  next: string,
  params: ScryptParams = DEFAULT_SCRYPT,
): Promise<void> {
  const header = readHeader(dataDir)
  if (header === undefined) throw notEncrypted()
  const dataKey = await unwrapDataKey(header, current)
  try {
    await writeHeader(dataDir, await wrapDataKey(dataKey, next, params))
  } finally {
    dataKey.fill(0)
  }
}

/**
 * Removes the plaintext layout from an encrypted folder. Each file is overwritten with zeros before
 * it is unlinked: on a disk that rewrites in place its old bytes are gone; flash media remap
 * writes, so there this is only best effort (docs/SECURITY.md says so).
 */
export function removePlaintext(dataDir: string): void {
  for (const name of fs.readdirSync(dataDir)) {
    if (PLAINTEXT_NAMES.includes(name) || DEBRIS.some((re) => re.test(name))) {
      wipe(path.join(dataDir, name))
    }
  }
}

const ZEROS = new Uint8Array(1024 * 1024)

function wipe(target: string): void {
  const stat = fs.lstatSync(target)
  if (stat.isDirectory()) {
    for (const name of fs.readdirSync(target)) wipe(path.join(target, name))
    fs.rmdirSync(target)
    return
  }
  if (stat.isFile() && stat.size > 0) {
    const fd = fs.openSync(target, 'r+')
    try {
      for (let at = 0; at < stat.size; at += ZEROS.length) {
        fs.writeSync(fd, ZEROS, 0, Math.min(ZEROS.length, stat.size - at), at)
      }
      fs.fsyncSync(fd)
    } finally {
      fs.closeSync(fd)
    }
  }
  fs.unlinkSync(target)
}
