// Content-derived ids: every entry, group and invite is named by 16 bytes rendered as 26
// characters of lowercase base32, the `EntryId` shape in shared/api/domain.ts.
import { createHash, hash, randomBytes } from 'node:crypto'

const alphabet = 'abcdefghijklmnopqrstuvwxyz234567'
const utf8 = new TextEncoder()

/** Lowercase RFC 4648 base32 without padding. */
export function base32(bytes: Uint8Array): string {
  let out = ''
  let buffer = 0
  let bits = 0
  for (const byte of bytes) {
    buffer = ((buffer << 8) | byte) & 0xffff
    bits += 8
    while (bits >= 5) {
      bits -= 5
      out += alphabet[(buffer >>> bits) & 31]
    }
  }
  if (bits > 0) out += alphabet[(buffer << (5 - bits)) & 31]
  return out
}

function id16(...parts: Uint8Array[]): string {
  const hash = createHash('sha256')
  for (const part of parts) hash.update(part)
  return base32(hash.digest().subarray(0, 16))
}

/** The id of a signed entry: it commits to both the signed bytes and the signature. */
export function entryId(payload: Uint8Array, sig: Uint8Array): string {
  return id16(payload, sig)
}

/**
 * `entryId` of the signed bytes followed by the signature, already side by side: one hash call
 * and no hash object, which a catch-up of thousands of entries feels.
 */
export function entryIdOfSealed(payloadThenSig: Uint8Array): string {
  return base32(hash('sha256', payloadThenSig, 'buffer').subarray(0, 16))
}

/**
 * A group id commits to its founder, so nobody else can author a genesis that matches it.
 * The nonce has a fixed length, which keeps the concatenation unambiguous.
 */
export function groupIdFor(founderPeerId: string, nonce: string): string {
  return id16(utf8.encode('hearth/group/1'), utf8.encode(founderPeerId), utf8.encode(nonce))
}

/** 128 random bits, in the same shape as every other id. */
export function randomId(): string {
  return base32(randomBytes(16))
}
