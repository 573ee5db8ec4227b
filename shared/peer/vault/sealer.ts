// Seals what the peer stores with the vault's data key. Every sealed value names its place (the
// associated data: what it is, which group, which sequence number, which chunk), so a value moved
// to another place, or changed by one bit, does not open. File names that would otherwise be
// content hashes become keyed hashes, which say nothing about the content without the key.
import { createHmac, createSecretKey, type KeyObject } from 'node:crypto'
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha256 } from '@noble/hashes/sha2.js'
import { HearthError } from '../../api/errors.ts'
import { aeadOpen, aeadSeal, KEY_BYTES } from './crypto.ts'

/** The first byte of every sealed value: lets a later format be told apart. */
const SEALED_FORMAT = 1

const utf8 = new TextEncoder()

/** Associated data for a place: an unambiguous encoding of its parts. */
export function placeOf(...parts: (string | number)[]): Uint8Array {
  return utf8.encode(JSON.stringify(['hearth-sealed', SEALED_FORMAT, ...parts]))
}

function subkey(dataKey: Uint8Array, purpose: string): KeyObject {
  const bytes = hkdf(sha256, dataKey, undefined, utf8.encode(`hearth vault ${purpose}`), KEY_BYTES)
  try {
    return createSecretKey(bytes)
  } finally {
    bytes.fill(0)
  }
}

export class Sealer {
  readonly #seal: KeyObject
  readonly #names: KeyObject

  /** The data key itself is not kept: only the two keys derived from it. */
  constructor(dataKey: Uint8Array) {
    if (dataKey.length !== KEY_BYTES) throw new Error(`a data key has ${KEY_BYTES} bytes`)
    this.#seal = subkey(dataKey, 'seal v1')
    this.#names = subkey(dataKey, 'names v1')
  }

  seal(plaintext: Uint8Array, place: Uint8Array): Uint8Array {
    const sealed = aeadSeal(this.#seal, plaintext, place)
    const out = new Uint8Array(1 + sealed.length)
    out[0] = SEALED_FORMAT
    out.set(sealed, 1)
    return out
  }

  /** The plaintext, or undefined if the value was changed, moved (another place) or damaged. */
  tryOpen(sealed: Uint8Array, place: Uint8Array): Uint8Array | undefined {
    if (sealed[0] !== SEALED_FORMAT) return undefined
    return aeadOpen(this.#seal, sealed.subarray(1), place)
  }

  /** The plaintext; throws STORAGE_FAILED naming `what` if it was changed, moved or damaged. */
  open(sealed: Uint8Array, place: Uint8Array, what: string): Uint8Array {
    const plain = this.tryOpen(sealed, place)
    if (plain === undefined) {
      throw new HearthError(
        'STORAGE_FAILED',
        `${what} in the encrypted data folder was changed, moved or damaged; it cannot be read.`,
      )
    }
    return plain
  }

  /** A file name for a content hash: HMAC-SHA-256 under the vault's name key, as hex. */
  name(kind: string, hash: string): string {
    return createHmac('sha256', this.#names).update(`${kind}\u0000${hash}`).digest('hex')
  }
}
