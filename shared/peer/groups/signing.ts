// Device signatures. node:crypto is used instead of the pure-JS libp2p keys because catch-up
// verifies thousands of entries and the native path is several times faster.
import {
  createPrivateKey,
  createPublicKey,
  sign as nodeSign,
  verify as nodeVerify,
  type KeyObject,
} from 'node:crypto'
import type { Ed25519PrivateKey } from '@libp2p/interface'
import { peerIdFromPrivateKey, peerIdFromString } from '@libp2p/peer-id'
import { HearthError } from '../../api/index.ts'

export interface Signer {
  readonly peerId: string
  sign(data: Uint8Array): Uint8Array
}

export const SIGNATURE_BYTES = 64
const ED25519_KEY_BYTES = 32
// Peer ids come from the network; the cache must not grow without bound.
const MAX_CACHED_KEYS = 4096

const b64url = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64url')

export function makeSigner(privateKey: Ed25519PrivateKey): Signer {
  if (privateKey.type !== 'Ed25519') {
    throw new HearthError('BAD_INPUT', 'Only Ed25519 device keys can sign Hearth entries.')
  }
  // libp2p's raw Ed25519 private key is seed ‖ public key.
  const seed = privateKey.raw.subarray(0, ED25519_KEY_BYTES)
  const key = createPrivateKey({
    key: { kty: 'OKP', crv: 'Ed25519', d: b64url(seed), x: b64url(privateKey.publicKey.raw) },
    format: 'jwk',
  })
  const peerId = peerIdFromPrivateKey(privateKey).toString()
  return {
    peerId,
    sign: (data) => new Uint8Array(nodeSign(null, data, key)),
  }
}

const keyCache = new Map<string, KeyObject | null>()

function publicKeyFor(peerId: string): KeyObject | null {
  const cached = keyCache.get(peerId)
  if (cached !== undefined) return cached
  const key = importPeerKey(peerId)
  if (keyCache.size >= MAX_CACHED_KEYS) keyCache.clear()
  keyCache.set(peerId, key)
  return key
}

function importPeerKey(peerId: string): KeyObject | null {
  let raw: Uint8Array
  try {
    const parsed = peerIdFromString(peerId)
    if (parsed.type !== 'Ed25519') return null
    raw = parsed.publicKey.raw
  } catch (err) {
    // A peer id that does not parse cannot have signed anything: that is a failed check.
    console.warn(`hearth: ignoring unparsable peer id (${(err as Error).message})`)
    return null
  }
  if (raw.length !== ED25519_KEY_BYTES) return null
  return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: b64url(raw) }, format: 'jwk' })
}

/** True when `peerId` is an Ed25519 peer id, the only kind that can sign entries. */
export function isEd25519PeerId(peerId: string): boolean {
  return publicKeyFor(peerId) !== null
}

/** A signature check; injectable so tests can count how many a catch-up costs. */
export type Verify = (peerId: string, data: Uint8Array, sig: Uint8Array) => boolean

/** Checks an Ed25519 signature by the key embedded in `peerId`. Never throws. */
export function verify(peerId: string, data: Uint8Array, sig: Uint8Array): boolean {
  if (sig.length !== SIGNATURE_BYTES) return false
  const key = publicKeyFor(peerId)
  if (key === null) return false
  return nodeVerify(null, data, key, sig)
}
