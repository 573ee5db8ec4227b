// The cryptography of backup files and carry-over bundles, in one place: a passphrase key
// (scrypt, memory-hard), subkeys (HKDF-SHA-256), AEAD (AES-256-GCM, which Electron's BoringSSL
// has and Node's OpenSSL has), and key wrapping for a device key (its Ed25519 public key seen as
// X25519: ephemeral ECDH, HKDF, AEAD). Nothing here touches files.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import { ed25519, x25519 } from '@noble/curves/ed25519.js'
import { hkdf } from '@noble/hashes/hkdf.js'
import { scryptAsync } from '@noble/hashes/scrypt.js'
import { sha256 } from '@noble/hashes/sha2.js'

export const KEY_BYTES = 32
export const NONCE_BYTES = 12
export const TAG_BYTES = 16

const utf8 = new TextEncoder()

export interface ScryptParams {
  /** N = 2^logN */
  logN: number
  r: number
  p: number
}

/** About 128 MiB and well under a second on a laptop; a guess costs an attacker the same. */
export const DEFAULT_SCRYPT: ScryptParams = { logN: 17, r: 8, p: 1 }
/** What a file may ask of us: enough for stronger settings later, never a memory bomb. */
const MAX_SCRYPT_MEMORY = 1024 ** 3

/** Whether a file's KDF settings are ones we are willing to run (they come from the file). */
export function acceptableScrypt({ logN, r, p }: ScryptParams): boolean {
  if (![logN, r, p].every(Number.isInteger)) return false
  if (logN < 10 || logN > 22 || r < 1 || r > 32 || p < 1 || p > 16) return false
  return 128 * r * 2 ** logN * p <= MAX_SCRYPT_MEMORY
}

/** The key a passphrase makes with `salt`. NFC first, so the same words typed anywhere match. */
export function passphraseKey(
  passphrase: string,
  salt: Uint8Array,
  params: ScryptParams,
): Promise<Uint8Array> {
  if (!acceptableScrypt(params)) throw new RangeError('scrypt settings out of range')
  return scryptAsync(utf8.encode(passphrase.normalize('NFC')), salt, {
    N: 2 ** params.logN,
    r: params.r,
    p: params.p,
    dkLen: KEY_BYTES,
    maxmem: MAX_SCRYPT_MEMORY + 1024 * 1024,
  })
}

/** A key for one purpose (`info`) from `key`; different purposes never share a key. */
export function subkey(key: Uint8Array, salt: Uint8Array, info: string): Uint8Array {
  return hkdf(sha256, key, salt, utf8.encode(info), KEY_BYTES)
}

export function digest(bytes: Uint8Array): Uint8Array {
  return sha256(bytes)
}

export function random(length: number): Uint8Array {
  return new Uint8Array(randomBytes(length))
}

/** AES-256-GCM: ciphertext followed by the 16-byte tag. Each (key, nonce) is used once. */
export function seal(
  key: Uint8Array,
  nonce: Uint8Array,
  plaintext: Uint8Array,
  aad: Uint8Array,
): Uint8Array {
  const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES })
  cipher.setAAD(aad)
  const head = cipher.update(plaintext)
  const tail = cipher.final()
  const out = new Uint8Array(head.length + tail.length + TAG_BYTES)
  out.set(head, 0)
  out.set(tail, head.length)
  out.set(cipher.getAuthTag(), head.length + tail.length)
  return out
}

/** The plaintext, or null when the bytes, the key, the nonce or the AAD are not the sealed ones. */
export function open(
  key: Uint8Array,
  nonce: Uint8Array,
  sealed: Uint8Array,
  aad: Uint8Array,
): Uint8Array | null {
  if (sealed.length < TAG_BYTES) return null
  const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES })
  decipher.setAAD(aad)
  decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES))
  const head = decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES))
  try {
    const tail = decipher.final()
    return tail.length === 0 ? new Uint8Array(head) : new Uint8Array(Buffer.concat([head, tail]))
  } catch {
    // The tag did not verify: that is the answer, not an error to report.
    return null
  }
}

// ── key wrapping for device keys ─────────────────────────────────────────────────────────

/** ephemeral X25519 public key (32) ‖ wrapped key (32) ‖ tag (16) */
export const STANZA_BYTES = 32 + KEY_BYTES + TAG_BYTES
const ZERO_NONCE = new Uint8Array(NONCE_BYTES)

function wrapKey(shared: Uint8Array, ephemeral: Uint8Array, recipient: Uint8Array, info: string) {
  const salt = new Uint8Array(64)
  salt.set(ephemeral, 0)
  salt.set(recipient, 32)
  return subkey(shared, salt, info)
}

/**
 * Wraps `key` for the holder of the Ed25519 key `recipientEd25519`: a fresh ephemeral X25519
 * key agrees a secret with the recipient's key seen as X25519, and HKDF of that secret (bound
 * to both public keys and `info`) seals `key`. Only the holder of the private key can unwrap it.
 */
export function wrapFor(recipientEd25519: Uint8Array, key: Uint8Array, info: string): Uint8Array {
  const recipient = ed25519.utils.toMontgomery(recipientEd25519)
  const { secretKey, publicKey } = x25519.keygen()
  const shared = x25519.getSharedSecret(secretKey, recipient)
  const sealed = seal(wrapKey(shared, publicKey, recipient, info), ZERO_NONCE, key, publicKey)
  const stanza = new Uint8Array(STANZA_BYTES)
  stanza.set(publicKey, 0)
  stanza.set(sealed, 32)
  return stanza
}

/** A stanza of random bytes: the same length as a real one, and opened by nobody. */
export function decoyStanza(): Uint8Array {
  return random(STANZA_BYTES)
}

/** The device's X25519 view of its Ed25519 seed (the first 32 bytes of its private key). */
export interface UnwrapKey {
  secret: Uint8Array
  public: Uint8Array
}

export function unwrapKeyFor(ed25519Seed: Uint8Array): UnwrapKey {
  const secret = ed25519.utils.toMontgomerySecret(ed25519Seed)
  return { secret, public: x25519.getPublicKey(secret) }
}

/** The wrapped key if this stanza was made for `me`, else null. */
export function unwrap(me: UnwrapKey, stanza: Uint8Array, info: string): Uint8Array | null {
  if (stanza.length !== STANZA_BYTES) return null
  const ephemeral = stanza.subarray(0, 32)
  let shared: Uint8Array
  try {
    shared = x25519.getSharedSecret(me.secret, ephemeral)
  } catch {
    // A low-order point (a decoy can be one): nobody's stanza.
    return null
  }
  const key = open(
    wrapKey(shared, ephemeral, me.public, info),
    ZERO_NONCE,
    stanza.subarray(32),
    ephemeral,
  )
  return key?.length === KEY_BYTES ? key : null
}
