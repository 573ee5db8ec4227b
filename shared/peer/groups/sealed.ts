// A signed payload is the UTF-8 JSON of a fixed-order array that starts with a domain tag and the
// group id: no canonicalisation is needed, and a signature made for one kind of record can never
// be replayed as another kind or in another group.
import { entryId } from './ids.ts'
import { verify, type Signer } from './signing.ts'

export type Field = string | number | boolean | null | readonly Field[]

export const tags = {
  op: 'hearth/op/1',
  msg: 'hearth/msg/1',
  act: 'hearth/act/1',
  invite: 'hearth/invite/1',
  join: 'hearth/join/1',
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

/** Verifies `sig` by `author` over `fields` and derives the record's id. Never throws. */
export function checkSeal(author: string, fields: readonly Field[], sig: string): SealCheck {
  const sigBytes = Buffer.from(sig, 'base64url')
  // Buffer's decoder is lenient; only the canonical spelling may name a given signature.
  if (sigBytes.toString('base64url') !== sig)
    return { ok: false, reason: 'non-canonical signature' }
  const bytes = payloadBytes(fields)
  if (!verify(author, bytes, sigBytes)) return { ok: false, reason: 'bad signature' }
  return { ok: true, id: entryId(bytes, sigBytes) }
}
