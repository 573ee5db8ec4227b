// Field schemas shared by every signed record. None of them transforms its input: a record is
// verified against exactly the values that were signed, so parsing must never rewrite them.
import { z } from 'zod'
import { EntryId, GroupId, MAX_NAME_CHARS, PeerIdText } from '../../api/index.ts'

export { EntryId, GroupId, PeerIdText }

// Control characters (C0, C1) and bidi overrides make names lie about themselves.
// eslint-disable-next-line no-control-regex
const unsafeNameChars = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/

/** A stored display name: what `DisplayName` produces, checked without rewriting it. */
export const StoredName = z
  .string()
  .min(1)
  .max(MAX_NAME_CHARS)
  .refine((s) => s === s.trim(), 'a stored name is trimmed')
  .refine((s) => !unsafeNameChars.test(s), 'a name cannot contain control characters')

/** Hybrid-logical-clock milliseconds. */
export const Timestamp = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER)

/** What `SignatureText` accepts, for code that checks it without zod. */
export const SIGNATURE_PATTERN = /^[A-Za-z0-9_-]{86}$/

/** An Ed25519 signature (64 bytes) as unpadded base64url. */
export const SignatureText = z.string().regex(SIGNATURE_PATTERN, 'not a signature')
