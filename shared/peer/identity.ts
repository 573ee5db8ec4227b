// The device identity: an Ed25519 key created on first start and kept in the data folder.
// The libp2p peer id derives from it, and it signs every message and membership operation.
import fs from 'node:fs'
import path from 'node:path'
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import type { Ed25519PrivateKey } from '@libp2p/interface'
import { HearthError } from '../api/errors.ts'

export const IDENTITY_FILE = 'identity.key'

/** How the key file is kept: in an encrypted data folder, sealed (shared/peer/vault). */
export interface KeySealing {
  seal(bytes: Uint8Array): Uint8Array
  /** Throws if the file was changed or damaged. */
  open(stored: Uint8Array): Uint8Array
}

const PLAIN_KEY: KeySealing = { seal: (bytes) => bytes, open: (stored) => stored }

/** Loads the device key from `dir`, creating it (mode 0600) the first time. */
export async function loadOrCreateDeviceKey(
  dir: string,
  sealing: KeySealing = PLAIN_KEY,
): Promise<Ed25519PrivateKey> {
  const file = path.join(dir, IDENTITY_FILE)
  let bytes: Uint8Array | undefined
  try {
    bytes = fs.readFileSync(file)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new HearthError('STORAGE_FAILED', `cannot read the device key ${file}: ${String(err)}`)
    }
  }
  if (bytes) {
    bytes = sealing.open(bytes)
    let key
    try {
      key = privateKeyFromProtobuf(bytes)
    } catch (err) {
      throw new HearthError(
        'STORAGE_FAILED',
        `the device key ${file} is damaged (${String(err)}); restore it from a backup`,
      )
    }
    if (key.type !== 'Ed25519') {
      throw new HearthError('STORAGE_FAILED', `the device key ${file} is not an Ed25519 key`)
    }
    return key
  }
  const key = await generateKeyPair('Ed25519')
  saveDeviceKey(dir, key, sealing)
  return key
}

/** Writes the device key into `dir` (mode 0600): beside, fsync, then rename, so a crash never
 * leaves a half-written key behind. A restore uses it to put a backed-up key in place. */
export function saveDeviceKey(
  dir: string,
  key: Ed25519PrivateKey,
  sealing: KeySealing = PLAIN_KEY,
): void {
  const file = path.join(dir, IDENTITY_FILE)
  const tmp = `${file}.tmp-${process.pid}`
  const fd = fs.openSync(tmp, 'w', 0o600)
  try {
    fs.writeSync(fd, sealing.seal(privateKeyToProtobuf(key)))
    fs.fsyncSync(fd)
  } finally {
    fs.closeSync(fd)
  }
  fs.renameSync(tmp, file)
}
