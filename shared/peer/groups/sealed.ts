// A signed payload is the UTF-8 JSON of a fixed-order array that starts with a domain tag and the
// group id: no canonicalisation is needed, and a signature made for one kind of record can never
// be replayed as another kind or in another group.
import { entryId, entryIdOfSealed } from './ids.ts'
import { verify, type Signer } from './signing.ts'

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
  const bytes = payloadBytes(fields)
  const sig = signer.sign(bytes)
  return { sig: Buffer.from(sig).toString('base64url'), id: entryId(bytes, sig) }
}

export type SealCheck = { ok: true; id: string } | { ok: false; reason: string }

export type SealedBytes =
  { ok: true; id: string; payload: Uint8Array; sig: Uint8Array } | { ok: false; reason: string }

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
  const sigBytes = sealed.subarray(textBytes)
  // Buffer's decoder is lenient; only the canonical spelling may name a given signature.
  if (sigBytes.toString('base64url') !== sig)
    return { ok: false, reason: 'non-canonical signature' }
  return {
    ok: true,
    id: entryIdOfSealed(sealed),
    payload: sealed.subarray(0, textBytes),
    sig: sigBytes,
  }
}

/** Verifies `sig` by `author` over `fields` and derives the record's id. Never throws. */
export function checkSeal(author: string, fields: readonly Field[], sig: string): SealCheck {
  const sealed = sealedBytes(fields, sig)
  if (!sealed.ok) return sealed
  if (!verify(author, sealed.payload, sealed.sig)) return { ok: false, reason: 'bad signature' }
  return { ok: true, id: sealed.id }
}
