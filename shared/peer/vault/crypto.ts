// The two primitives encryption at rest is built from, and nothing else: scrypt (memory-hard, from
// @noble/hashes) turns a passphrase into a key-encryption key, and AES-256-GCM (node:crypto, the
// same in Node and in Electron's BoringSSL) seals bytes together with the place they belong to.
import { createCipheriv, createDecipheriv, randomBytes, type KeyObject } from 'node:crypto'
import { scryptAsync } from '@noble/hashes/scrypt.js'

export interface ScryptParams {
  /** CPU and memory cost, a power of two; memory is 128 * N * r bytes. */
  N: number
  r: number
  p: number
}

/**
 * 128 MiB and about 0.6 s per derivation on one core of our CI machine (pure JS): slow enough
 * that guessing costs an attacker real time per try, quick enough to unlock without a wait.
 * The parameters are written in each vault's header, so raising them later keeps old vaults open.
 */
export const DEFAULT_SCRYPT: ScryptParams = { N: 2 ** 17, r: 8, p: 1 }

/** What a header may ask for: below this a guess is cheap, above it opening could exhaust memory. */
const MIN_LOG_N = 10
const MAX_LOG_N = 20
const MAX_SCRYPT_MEMORY = 1024 ** 3

export const KEY_BYTES = 32
export const SALT_BYTES = 16
const NONCE_BYTES = 12
const TAG_BYTES = 16
/** What sealing adds to every plaintext: nonce and tag. */
export const AEAD_OVERHEAD = NONCE_BYTES + TAG_BYTES

/** Why these scrypt parameters are not acceptable, or undefined when they are. */
export function scryptParamsProblem(params: ScryptParams): string | undefined {
  const { N, r, p } = params
  const logN = Math.log2(N)
  if (!Number.isInteger(logN) || logN < MIN_LOG_N || logN > MAX_LOG_N) {
    return `scrypt N must be a power of two from 2^${MIN_LOG_N} to 2^${MAX_LOG_N}`
  }
  if (!Number.isInteger(r) || r < 1 || r > 32) return 'scrypt r must be 1 to 32'
  if (!Number.isInteger(p) || p < 1 || p > 16) return 'scrypt p must be 1 to 16'
  if (128 * N * r > MAX_SCRYPT_MEMORY) return 'scrypt would need more than 1 GiB of memory'
  return undefined
}

/**
 * The key-encryption key for a passphrase. The passphrase is NFC-normalised first, so a Korean
 * passphrase typed as composed or decomposed Hangul (different keyboards do both) is the same key.
 * Asynchronous, yielding every few ms: the bridge keeps answering while it runs.
 */
export async function deriveKek(
  passphrase: string,
  salt: Uint8Array,
  params: ScryptParams,
): Promise<Uint8Array> {
  const problem = scryptParamsProblem(params)
  if (problem !== undefined) throw new Error(problem)
  const secret = new TextEncoder().encode(passphrase.normalize('NFC'))
  try {
    return await scryptAsync(secret, salt, { ...params, dkLen: KEY_BYTES })
  } finally {
    secret.fill(0)
  }
}

export function randomKey(): Uint8Array {
  return new Uint8Array(randomBytes(KEY_BYTES))
}

export function randomSalt(): Uint8Array {
  return new Uint8Array(randomBytes(SALT_BYTES))
}

/**
 * nonce || ciphertext || tag. The nonce is random: AES-GCM stays safe for about 2^32 seals per key
 * this way, far more writes than one device makes in its life.
 */
export function aeadSeal(
  key: KeyObject | Uint8Array,
  plaintext: Uint8Array,
  ad: Uint8Array,
): Uint8Array {
  const nonce = randomBytes(NONCE_BYTES)
  const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES })
  cipher.setAAD(ad)
  const body = cipher.update(plaintext)
  const final = cipher.final()
  const out = new Uint8Array(NONCE_BYTES + body.length + final.length + TAG_BYTES)
  out.set(nonce, 0)
  out.set(body, NONCE_BYTES)
  out.set(final, NONCE_BYTES + body.length)
  out.set(cipher.getAuthTag(), out.length - TAG_BYTES)
  return out
}

/** The plaintext, or undefined when the bytes, the place (ad) or the key do not match. */
export function aeadOpen(
  key: KeyObject | Uint8Array,
  sealed: Uint8Array,
  ad: Uint8Array,
): Uint8Array | undefined {
  if (sealed.length < AEAD_OVERHEAD) return undefined
  const nonce = sealed.subarray(0, NONCE_BYTES)
  const tag = sealed.subarray(sealed.length - TAG_BYTES)
  const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES })
  decipher.setAuthTag(tag)
  decipher.setAAD(ad)
  const body = decipher.update(sealed.subarray(NONCE_BYTES, sealed.length - TAG_BYTES))
  try {
    const final = decipher.final()
    if (final.length === 0) return new Uint8Array(body.buffer, body.byteOffset, body.length)
    const out = new Uint8Array(body.length + final.length)
    out.set(body, 0)
    out.set(final, body.length)
    return out
  } catch {
    // GCM says only "not authentic": a wrong key and changed bytes look the same, by design.
    body.fill(0)
    return undefined
  }
}
