// The vault header, `<data>/vault.json`: the one plaintext file of an encrypted data folder. It holds
// the format version, the KDF's parameters and salt, and the data key wrapped (AES-256-GCM) by the
// key the passphrase derives. Changing the passphrase rewrites this file and nothing else. Its
// presence is what makes a folder encrypted, so writing it is the commit point of turning
// encryption on; it is written beside, fsynced and renamed into place, never in place.
import { createHash } from 'node:crypto'
import fs from 'node:fs'
import path from 'node:path'
import { HearthError } from '../../api/errors.ts'
import { writeFileDurably } from '../shelves/durable.ts'
import {
  aeadOpen,
  aeadSeal,
  deriveKek,
  KEY_BYTES,
  randomSalt,
  SALT_BYTES,
  scryptParamsProblem,
  type ScryptParams,
} from './crypto.ts'

export const VAULT_FILE = 'vault.json'
export const HEADER_VERSION = 1
const FORMAT = 'hearth-vault'
/** A header is a few hundred bytes; anything far larger is not one. */
const MAX_HEADER_BYTES = 64 * 1024

export interface VaultHeader {
  version: typeof HEADER_VERSION
  kdf: ScryptParams & { name: 'scrypt'; salt: Uint8Array }
  /** nonce || encrypted data key || tag */
  wrappedKey: Uint8Array
}

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64')

/** The fields the wrapped key is bound to, in a fixed order. */
function boundFields(h: Pick<VaultHeader, 'version' | 'kdf'>): Uint8Array {
  const { name, N, r, p, salt } = h.kdf
  return new TextEncoder().encode(JSON.stringify([FORMAT, h.version, name, N, r, p, b64(salt)]))
}

/**
 * A checksum over everything else. Not a secret (anyone can recompute it): it tells a header that a
 * failing stick damaged from a wrong passphrase, so nobody is told their passphrase is wrong when
 * it is not.
 */
function checksum(h: VaultHeader): string {
  return createHash('sha256').update(boundFields(h)).update(b64(h.wrappedKey)).digest('hex')
}

export function encodeHeader(h: VaultHeader): string {
  const { name, N, r, p, salt } = h.kdf
  return `${JSON.stringify(
    {
      format: FORMAT,
      version: h.version,
      kdf: { name, N, r, p, salt: b64(salt) },
      wrappedKey: b64(h.wrappedKey),
      check: checksum(h),
    },
    null,
    2,
  )}\n`
}

function damaged(file: string, why: string): HearthError {
  return new HearthError(
    'VAULT_DAMAGED',
    `The encryption header ${file} is damaged (${why}); without it the data cannot be unlocked.`,
  )
}

function bytesOf(value: unknown, length: number, file: string, what: string): Uint8Array {
  if (typeof value !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(value)) {
    throw damaged(file, `${what} is not base64`)
  }
  const bytes = new Uint8Array(Buffer.from(value, 'base64'))
  if (bytes.length !== length) throw damaged(file, `${what} has ${bytes.length} bytes`)
  return bytes
}

export function decodeHeader(text: string, file: string): VaultHeader {
  let raw: unknown
  try {
    raw = JSON.parse(text)
  } catch {
    throw damaged(file, 'it is not JSON')
  }
  if (typeof raw !== 'object' || raw === null) throw damaged(file, 'it is not an object')
  const o = raw as Record<string, unknown>
  if (o.format !== FORMAT) throw damaged(file, 'it is not a Hearth vault header')
  if (typeof o.version === 'number' && o.version > HEADER_VERSION) {
    throw new HearthError(
      'VAULT_DAMAGED',
      `${file} was written by a newer version of Hearth (vault format ${o.version}); update Hearth to open it. Nothing was changed.`,
    )
  }
  if (o.version !== HEADER_VERSION) throw damaged(file, 'its version is not known')
  const kdf = o.kdf as Record<string, unknown> | null
  if (typeof kdf !== 'object' || kdf === null || kdf.name !== 'scrypt') {
    throw damaged(file, 'its key derivation is not scrypt')
  }
  const params = { N: kdf.N, r: kdf.r, p: kdf.p }
  if (![params.N, params.r, params.p].every((v) => typeof v === 'number')) {
    throw damaged(file, 'the scrypt parameters are not numbers')
  }
  const problem = scryptParamsProblem(params as ScryptParams)
  if (problem !== undefined) throw damaged(file, problem)
  const header: VaultHeader = {
    version: HEADER_VERSION,
    kdf: {
      name: 'scrypt',
      ...(params as ScryptParams),
      salt: bytesOf(kdf.salt, SALT_BYTES, file, 'the salt'),
    },
    wrappedKey: bytesOf(o.wrappedKey, 12 + KEY_BYTES + 16, file, 'the wrapped key'),
  }
  if (o.check !== checksum(header)) throw damaged(file, 'its checksum does not match')
  return header
}

/** The header of `dataDir`, or undefined when the folder is not encrypted. Reads only. */
export function readHeader(dataDir: string): VaultHeader | undefined {
  const file = path.join(dataDir, VAULT_FILE)
  let bytes: Buffer
  try {
    const size = fs.statSync(file).size
    if (size > MAX_HEADER_BYTES) throw damaged(file, `it has ${size} bytes`)
    bytes = fs.readFileSync(file)
  } catch (err) {
    if (err instanceof HearthError) throw err
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw new HearthError(
      'STORAGE_FAILED',
      `The encryption header ${file} cannot be read: ${err instanceof Error ? err.message : String(err)}`,
    )
  }
  return decodeHeader(bytes.toString('utf8'), file)
}

/** Replaces the header in one step: a crash leaves the old one or the new one, never half. */
export async function writeHeader(dataDir: string, header: VaultHeader): Promise<void> {
  const file = path.join(dataDir, VAULT_FILE)
  try {
    await writeFileDurably(dataDir, file, new TextEncoder().encode(encodeHeader(header)))
  } catch (err) {
    throw new HearthError(
      'STORAGE_FAILED',
      `The encryption header ${file} could not be written: ${err instanceof Error ? err.message : String(err)}`,
    )
  }
}

/** Wraps `dataKey` under a fresh salt and the key `passphrase` derives. */
export async function wrapDataKey(
  dataKey: Uint8Array,
  passphrase: string,
  params: ScryptParams,
): Promise<VaultHeader> {
  const kdf = { name: 'scrypt' as const, ...params, salt: randomSalt() }
  const kek = await deriveKek(passphrase, kdf.salt, params)
  try {
    const wrappedKey = aeadSeal(kek, dataKey, boundFields({ version: HEADER_VERSION, kdf }))
    return { version: HEADER_VERSION, kdf, wrappedKey }
  } finally {
    kek.fill(0)
  }
}

/** The data key, or WRONG_PASSPHRASE. */
export async function unwrapDataKey(header: VaultHeader, passphrase: string): Promise<Uint8Array> {
  const kek = await deriveKek(passphrase, header.kdf.salt, header.kdf)
  try {
    const key = aeadOpen(kek, header.wrappedKey, boundFields(header))
    if (key === undefined || key.length !== KEY_BYTES) {
      throw new HearthError(
        'WRONG_PASSPHRASE',
        'That passphrase does not unlock this data folder; nothing was changed.',
      )
    }
    return key
  } finally {
    kek.fill(0)
  }
}
