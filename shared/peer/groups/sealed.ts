// A signed payload is the UTF-8 JSON of a fixed-order array that starts with a domain tag and the
// group id: no canonicalisation is needed, and a signature made for one kind of record can never
// be replayed as another kind or in another group.
import { entryIdOfSealed } from './ids.ts'
import { SIGNATURE_BYTES, verify, type Signer } from './signing.ts'

export type Field = string | number | boolean | null | readonly Field[]

export const tags = {
  // Version 2 of entries: they name their author's previous entry (`prev`).
  op: 'hearth/op/2',
  msg: 'hearth/msg/2',
  act: 'hearth/act/2',
  shelf: 'hearth/shelf/1',
  invite: 'hearth/invite/1',
  join: 'hearth/join/1',
  // Read markers travel outside the group doc (shared/peer/receipts), signed all the same.
  receipt: 'hearth/receipt/1',
} as const

const utf8 = new TextEncoder()

export function payloadBytes(fields: readonly Field[]): Uint8Array {
  return utf8.encode(JSON.stringify(fields))
}

export interface Seal {
  sig: string
  id: string
}

export function seal(signer: Signer, fields: readonly Field[]): Seal {
  const text = JSON.stringify(fields)
  const textBytes = Buffer.byteLength(text, 'utf8')
  // The signed bytes with room for the signature behind them: the id hashes both in one call.
  const buf = Buffer.allocUnsafe(textBytes + SIGNATURE_BYTES)
  buf.write(text, 0, 'utf8')
  const sig = signer.sign(buf.subarray(0, textBytes))
  if (sig.length !== SIGNATURE_BYTES) throw new Error('an Ed25519 signature has 64 bytes')
  buf.set(sig, textBytes)
  return { sig: Buffer.from(sig).toString('base64url'), id: entryIdOfSealed(buf) }
}

export type SealCheck = { ok: true; id: string } | { ok: false; reason: string }

export type SealedBytes =
  | {
      ok: true
      id: string
      /** The signed bytes followed by the signature, in one buffer. */
      sealed: Uint8Array
      /** How many of `sealed`'s bytes are the signed ones; the signature is the rest. */
      payloadLength: number
    }
  | { ok: false; reason: string }

/**
 * The exact bytes a record's signature covers, and the record's id, without checking the
 * signature (cheap: one hash). Never throws.
 */
export function sealedBytes(fields: readonly Field[], sig: string): SealedBytes {
  const text = JSON.stringify(fields)
  const textBytes = Buffer.byteLength(text, 'utf8')
  // The signed bytes and the signature side by side in one buffer, hashed in one go: a catch-up
  // seals thousands of entries, and three allocations and a hash object each add up.
  const buf = Buffer.allocUnsafe(textBytes + Math.ceil((sig.length * 3) / 4))
  buf.write(text, 0, 'utf8')
  const sigLength = buf.write(sig, textBytes, 'base64url')
  const sealed = buf.subarray(0, textBytes + sigLength)
  // Buffer's decoder is lenient; only the canonical spelling may name a given signature.
  if (sealed.toString('base64url', textBytes) !== sig)
    return { ok: false, reason: 'non-canonical signature' }
  return { ok: true, id: entryIdOfSealed(sealed), sealed, payloadLength: textBytes }
}

/** Checks the signature of what `sealedBytes` made, by `author`. Never throws. */
export function verifySealed(
  author: string,
  sealed: Uint8Array,
  payloadLength: number,
  check: (peerId: string, data: Uint8Array, sig: Uint8Array) => boolean = verify,
): boolean {
  return check(author, sealed.subarray(0, payloadLength), sealed.subarray(payloadLength))
}

/** Verifies `sig` by `author` over `fields` and derives the record's id. Never throws. */
export function checkSeal(author: string, fields: readonly Field[], sig: string): SealCheck {
  const sealed = sealedBytes(fields, sig)
  if (!sealed.ok) return sealed
  if (!verifySealed(author, sealed.sealed, sealed.payloadLength)) {
    return { ok: false, reason: 'bad signature' }
  }
  return { ok: true, id: sealed.id }
}
