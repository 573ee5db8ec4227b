// The invite handed over at the end of a code exchange, sealed under a key derived from the CPace
// ISK: AES-256-GCM, random 96-bit nonce, the exchange's channel id as associated data.
import { createCipheriv, createDecipheriv } from 'node:crypto'
import { hkdf } from '@noble/hashes/hkdf.js'
import { sha512 } from '@noble/hashes/sha2.js'
import { HearthError } from '../../api/index.ts'

const NONCE_BYTES = 12
const TAG_BYTES = 16
export const SEAL_OVERHEAD = NONCE_BYTES + TAG_BYTES

const utf8 = new TextEncoder()
const strictUtf8 = new TextDecoder('utf-8', { fatal: true })
const KEY_INFO = utf8.encode('hearth/code/1.0.0 invite key')

/** A 256-bit key for the invite, separate from everything else the ISK could ever key. */
export function inviteKey(isk: Uint8Array, sid: Uint8Array): Uint8Array {
  return hkdf(sha512, isk, sid, KEY_INFO, 32)
}

export function sealInvite(key: Uint8Array, invite: string, aad: Uint8Array): Uint8Array {
  const nonce = crypto.getRandomValues(new Uint8Array(NONCE_BYTES))
  const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES })
  cipher.setAAD(aad)
  const body = Buffer.concat([cipher.update(utf8.encode(invite)), cipher.final()])
  return Uint8Array.from(Buffer.concat([nonce, body, cipher.getAuthTag()]))
}

/** Opens a sealed invite; throws INVITE_INVALID if it was altered or is not UTF-8 text. */
export function openInvite(key: Uint8Array, sealed: Uint8Array, aad: Uint8Array): string {
  if (sealed.length < SEAL_OVERHEAD) {
    throw new HearthError('INVITE_INVALID', 'the sealed invite is too short')
  }
  const nonce = sealed.subarray(0, NONCE_BYTES)
  const body = sealed.subarray(NONCE_BYTES, sealed.length - TAG_BYTES)
  const tag = sealed.subarray(sealed.length - TAG_BYTES)
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES })
    decipher.setAAD(aad)
    decipher.setAuthTag(tag)
    return strictUtf8.decode(Buffer.concat([decipher.update(body), decipher.final()]))
  } catch (err) {
    throw new HearthError('INVITE_INVALID', `the sealed invite does not open: ${String(err)}`)
  }
}
