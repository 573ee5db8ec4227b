// CPace (draft-irtf-cfrg-cpace, suite CPACE-RISTR255-SHA512), initiator-responder mode, with the
// draft's explicit key confirmation. Pure: no I/O, randomness only through `getRandomValues`.
// A party that does not know the password learns nothing it can test offline: every run is worth
// exactly one guess, which is what lets an 8-digit code be safe.
import { ristretto255, ristretto255_hasher } from '@noble/curves/ed25519.js'
import { bytesToNumberLE, equalBytes } from '@noble/curves/utils.js'
import { hmac } from '@noble/hashes/hmac.js'
import { sha512 } from '@noble/hashes/sha2.js'

type Point = InstanceType<typeof ristretto255.Point>

const utf8 = new TextEncoder()
const DSI = utf8.encode('CPaceRistretto255')
const DSI_ISK = utf8.encode('CPaceRistretto255_ISK')
const MAC_LABEL = utf8.encode('CPaceMac')
/** SHA-512's input block size: the generator string pads DSI and PRS to fill the first block. */
const HASH_BLOCK_BYTES = 128

export const SHARE_BYTES = 32
export const CONFIRM_BYTES = 64
export const ISK_BYTES = 64

const deriveToCurve = requireElementDerivation()

function requireElementDerivation(): (bytes: Uint8Array) => Point {
  const derive = ristretto255_hasher.deriveToCurve
  if (derive === undefined) throw new Error('@noble/curves lacks ristretto255 element derivation')
  return (bytes) => derive(bytes)
}

/** Raised when the peer's share or confirmation is unusable; the run must be abandoned. */
export class CpaceError extends Error {
  override readonly name = 'CpaceError'
}

/** What both parties must agree on for the run to succeed. */
export interface CpaceInputs {
  /** The low-entropy secret (PRS), e.g. the code's digits. */
  password: Uint8Array
  /** Channel identifier (CI): binds the run to both peer ids and the protocol. */
  channel: Uint8Array
  /** Session id, fresh per run. */
  sid: Uint8Array
  /** Associated data of the initiator and of the responder; both sides know both. */
  initiatorData: Uint8Array
  responderData: Uint8Array
}

/** The result of a run once the peer's share was accepted. Keys are only proven by `verifyPeer`. */
export interface CpaceKeys {
  /** Intermediate session key; feed it through a KDF before use. */
  isk: Uint8Array
  /** Our key confirmation tag, to send to the peer. */
  confirm: Uint8Array
  /** True if the peer's tag proves it derived the same ISK (constant-time compare). */
  verifyPeer(tag: Uint8Array): boolean
}

export interface CpaceInitiator {
  share: Uint8Array
  finish(responderShare: Uint8Array): CpaceKeys
}

export interface CpaceResponder {
  share: Uint8Array
  keys: CpaceKeys
}

/** Scalars drawn as the draft recommends for ristretto255: 32 random bytes, top 4 bits cleared. */
export function sampleScalar(): Uint8Array {
  const bytes = crypto.getRandomValues(new Uint8Array(32))
  bytes[31] = (bytes[31] ?? 0) & 0x0f
  return bytes
}

export function startInitiator(inputs: CpaceInputs, scalar = sampleScalar()): CpaceInitiator {
  const y = toScalar(scalar)
  const share = calculateGenerator(inputs).multiply(y).toBytes()
  return {
    share,
    finish(responderShare) {
      const k = scalarMultVerify(y, responderShare)
      return deriveKeys(inputs, k, share, responderShare, 'initiator')
    },
  }
}

export function respond(
  inputs: CpaceInputs,
  initiatorShare: Uint8Array,
  scalar = sampleScalar(),
): CpaceResponder {
  const y = toScalar(scalar)
  const share = calculateGenerator(inputs).multiply(y).toBytes()
  const k = scalarMultVerify(y, initiatorShare)
  return { share, keys: deriveKeys(inputs, k, initiatorShare, share, 'responder') }
}

/** Checks that bytes are a canonical, non-identity ristretto255 encoding. */
export function isValidShare(share: Uint8Array): boolean {
  if (share.length !== SHARE_BYTES) return false
  try {
    return !ristretto255.Point.fromBytes(share).is0()
  } catch (err) {
    if (err instanceof Error) return false
    throw err
  }
}

/** The run's generator, encoded: exposed for the draft's test vectors. */
export function encodedGenerator(inputs: GeneratorInputs): Uint8Array {
  return calculateGenerator(inputs).toBytes()
}

type GeneratorInputs = Pick<CpaceInputs, 'password' | 'channel' | 'sid'>

function calculateGenerator(inputs: GeneratorInputs): Point {
  const { password, channel, sid } = inputs
  const used = prependLen(password).length + prependLen(DSI).length
  const zpad = new Uint8Array(Math.max(0, HASH_BLOCK_BYTES - 1 - used))
  return deriveToCurve(sha512(lvCat(DSI, password, zpad, channel, sid)))
}

function scalarMultVerify(y: bigint, share: Uint8Array): Uint8Array {
  if (share.length !== SHARE_BYTES) throw new CpaceError('a share must be 32 bytes')
  let point: Point
  try {
    point = ristretto255.Point.fromBytes(share)
  } catch (err) {
    throw new CpaceError(`the peer's share is not a ristretto255 point: ${String(err)}`)
  }
  const k = point.multiply(y)
  if (k.is0()) throw new CpaceError("the peer's share is the identity")
  return k.toBytes()
}

function deriveKeys(
  inputs: CpaceInputs,
  k: Uint8Array,
  initiatorShare: Uint8Array,
  responderShare: Uint8Array,
  role: 'initiator' | 'responder',
): CpaceKeys {
  const msgA = lvCat(initiatorShare, inputs.initiatorData)
  const msgB = lvCat(responderShare, inputs.responderData)
  const isk = sha512(concat(lvCat(DSI_ISK, inputs.sid, k), msgA, msgB))
  const macKey = sha512(concat(MAC_LABEL, inputs.sid, isk))
  const tagA = hmac(sha512, macKey, msgA)
  const tagB = hmac(sha512, macKey, msgB)
  const [mine, theirs] = role === 'initiator' ? [tagA, tagB] : [tagB, tagA]
  return { isk, confirm: mine, verifyPeer: (tag) => equalBytes(tag, theirs) }
}

function toScalar(bytes: Uint8Array): bigint {
  const y = bytesToNumberLE(bytes)
  // Zero has probability 2^-252; refusing it keeps the share from being the identity.
  if (y === 0n || y >= ristretto255.Point.Fn.ORDER) throw new CpaceError('scalar out of range')
  return y
}

/** LEB128 length prefix, as the draft's prepend_len. */
export function prependLen(data: Uint8Array): Uint8Array {
  const len: number[] = []
  let n = data.length
  do {
    len.push(n >= 0x80 ? (n & 0x7f) | 0x80 : n)
    n >>>= 7
  } while (n > 0)
  return concat(Uint8Array.from(len), data)
}

export function lvCat(...parts: Uint8Array[]): Uint8Array {
  return concat(...parts.map(prependLen))
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}
