// `/hearth/code/1.0.0`: a joiner who typed a short code gets the full invite from the inviter,
// over CPace so that each run is worth one guess. Four frames (frame-io.ts), joiner first:
//   1. joiner → inviter: sid (16) ‖ Ya (32)
//   2. inviter → joiner: MAX_LIVE_CODES slots of Yb (32) ‖ Tb (64); or an empty frame: busy, retry
//   3. joiner → inviter: Ta (64) for the slot whose Tb verified
//   4. inviter → joiner: the invite, sealed under a key from that slot's ISK
// The inviter cannot know which of its live codes the joiner typed, so it answers for all of them,
// padding with decoys to a fixed count: the reply says nothing about how many codes are live.
// Nothing about any group leaves the inviter before frame 3 verifies.
import type { Libp2p, PeerId, Stream } from '@libp2p/interface'
import { HearthError, type ErrorCode } from '../../api/index.ts'
import {
  CONFIRM_BYTES,
  CpaceError,
  SHARE_BYTES,
  isValidShare,
  lvCat,
  respond,
  startInitiator,
  type CpaceInputs,
  type CpaceKeys,
} from './cpace.ts'
import {
  MAX_INVITE_BYTES,
  MAX_LIVE_CODES,
  parseCode,
  type CodeBook,
  type CodeLease,
} from './codes.ts'
import { FRAME_HEADER_BYTES, frameStream, type FrameStream } from './frame-io.ts'
import { RunLimiter } from './run-limiter.ts'
import { SEAL_OVERHEAD, inviteKey, openInvite, sealInvite } from './sealed-invite.ts'

export const CODE_PROTOCOL = '/hearth/code/1.0.0'
export const SID_BYTES = 16
export const HELLO_BYTES = SID_BYTES + SHARE_BYTES
export const SLOT_BYTES = SHARE_BYTES + CONFIRM_BYTES
export const REPLY_BYTES = MAX_LIVE_CODES * SLOT_BYTES
export const MAX_SEALED_BYTES = MAX_INVITE_BYTES + SEAL_OVERHEAD
export const READ_TIMEOUT_MS = 10_000
// What a joiner may send ahead of our reads: its hello and its confirmation, nothing more.
const INVITER_MAX_BUFFERED = 2 * FRAME_HEADER_BYTES + HELLO_BYTES + CONFIRM_BYTES
const JOINER_MAX_BUFFERED = 2 * FRAME_HEADER_BYTES + REPLY_BYTES + MAX_SEALED_BYTES

const utf8 = new TextEncoder()

/** Binds a run to this protocol and both peer ids (so a relay in the middle fails) and roles. */
export function codeRunInputs(
  digits: string,
  sid: Uint8Array,
  ids: { joiner: string; inviter: string },
): CpaceInputs {
  const [low, high] = [ids.joiner, ids.inviter].sort()
  return {
    password: utf8.encode(digits),
    channel: lvCat(utf8.encode(CODE_PROTOCOL), utf8.encode(low ?? ''), utf8.encode(high ?? '')),
    sid,
    initiatorData: lvCat(utf8.encode('joiner'), utf8.encode(ids.joiner)),
    responderData: lvCat(utf8.encode('inviter'), utf8.encode(ids.inviter)),
  }
}

export type CodeRunOutcome = 'redeemed' | 'rate-limited' | 'failed'

export interface CodeRunReport {
  peerId: string
  outcome: CodeRunOutcome
  /** Set when redeemed. */
  groupId?: string
  /** Why a run failed, for logs. */
  reason?: string
}

export interface CodeServer {
  localPeerId: string
  codeBook: CodeBook
  limiter: RunLimiter
  now?: () => number
  readTimeoutMs?: number
  /** Called once per run, after it ended, whatever the outcome. */
  onRun?: (report: CodeRunReport) => void
}

/** Serves one inbound exchange. Never throws: a bad run aborts its stream and is reported. */
export async function handleCodeStream(
  stream: Stream,
  remotePeerId: string,
  server: CodeServer,
): Promise<void> {
  const now = server.now ?? server.codeBook.now
  const deadline = () => AbortSignal.timeout(server.readTimeoutMs ?? READ_TIMEOUT_MS)
  const report = (r: Omit<CodeRunReport, 'peerId'>) =>
    server.onRun?.({ peerId: remotePeerId, ...r })
  const io = frameStream(stream, INVITER_MAX_BUFFERED)

  const release = server.limiter.tryStart(remotePeerId, now())
  if (release === null) {
    // An empty reply tells an honest joiner to come back later; it reveals nothing else.
    try {
      await io.write(new Uint8Array(0), deadline())
      await stream.close({ signal: deadline() })
    } catch (err) {
      stream.log('refusing a code run from %s failed: %s', remotePeerId, String(err))
      stream.abort(asError(err))
    }
    report({ outcome: 'rate-limited' })
    return
  }

  const leases: CodeLease[] = []
  let groupId: string
  try {
    const ids = { joiner: remotePeerId, inviter: server.localPeerId }
    groupId = await serveRun(io, server.codeBook, ids, leases, now, deadline)
  } catch (err) {
    stream.log('code run from %s failed: %s', remotePeerId, String(err))
    stream.abort(asError(err))
    report({ outcome: 'failed', reason: String(err) })
    return
  } finally {
    for (const lease of leases) lease.fail()
    release()
  }
  try {
    await stream.close({ signal: deadline() })
  } catch (err) {
    // The invite is already written; a joiner that hangs up now has what it came for.
    stream.log('closing the code stream to %s failed: %s', remotePeerId, String(err))
    stream.abort(asError(err))
  }
  report({ outcome: 'redeemed', groupId })
}

/** The inviter's side of one run; returns the group whose invite was handed over. */
async function serveRun(
  io: FrameStream,
  codeBook: CodeBook,
  ids: { joiner: string; inviter: string },
  leases: CodeLease[],
  now: () => number,
  deadline: () => AbortSignal,
): Promise<string> {
  const hello = await io.read(HELLO_BYTES, deadline())
  if (hello.length !== HELLO_BYTES) throw badFrame('BAD_INPUT', 'hello', hello.length)
  const sid = hello.subarray(0, SID_BYTES)
  const joinerShare = hello.subarray(SID_BYTES)
  // Checked before any code is touched, so garbage costs nobody an attempt.
  if (!isValidShare(joinerShare)) throw new HearthError('BAD_INPUT', 'not a valid CPace share')

  leases.push(...codeBook.beginRun(now()))
  const slots = Array.from({ length: MAX_LIVE_CODES }, (_, i) => {
    const lease = leases[i]
    if (lease === undefined) {
      // A decoy does the same work as a real slot (so timing does not count live codes either),
      // under a password no one can type, and its keys are dropped.
      const { share, keys } = respond(codeRunInputs(decoyPassword(), sid, ids), joinerShare)
      return { share, confirm: keys.confirm }
    }
    const { share, keys } = respond(codeRunInputs(lease.digits, sid, ids), joinerShare)
    return { share, confirm: keys.confirm, keys, lease }
  })
  await io.write(concat(slots.flatMap((s) => [s.share, s.confirm])), deadline())

  const confirm = await io.read(CONFIRM_BYTES, deadline())
  const slot = slots.find((s) => s.keys?.verifyPeer(confirm) === true)
  if (slot?.keys === undefined || slot.lease === undefined) {
    throw new HearthError('CODE_INVALID', 'the joiner did not prove it knows a live code')
  }
  const granted = slot.lease.succeed(now())
  if (granted === null) throw new HearthError('CODE_EXPIRED', 'the code lapsed during the run')
  const key = inviteKey(slot.keys.isk, sid)
  const aad = codeRunInputs(slot.lease.digits, sid, ids).channel
  await io.write(sealInvite(key, granted.invite, aad), deadline())
  return granted.groupId
}

export interface CodeProtocolOptions {
  limiter?: RunLimiter
  now?: () => number
  readTimeoutMs?: number
  onRun?: (report: CodeRunReport) => void
}

/** Serves the code protocol on a started node; returns a function that stops serving it. */
export async function handleCodeProtocol(
  libp2p: Pick<Libp2p, 'peerId' | 'handle' | 'unhandle'>,
  codeBook: CodeBook,
  options: CodeProtocolOptions = {},
): Promise<() => Promise<void>> {
  const server: CodeServer = {
    ...options,
    codeBook,
    limiter: options.limiter ?? new RunLimiter(),
    localPeerId: libp2p.peerId.toString(),
  }
  await libp2p.handle(
    CODE_PROTOCOL,
    (stream, connection) => handleCodeStream(stream, connection.remotePeer.toString(), server),
    { maxInboundStreams: 2, maxOutboundStreams: 2 },
  )
  return () => libp2p.unhandle(CODE_PROTOCOL)
}

export interface RedeemOptions {
  signal?: AbortSignal
  readTimeoutMs?: number
}

type Dialer = Pick<Libp2p, 'peerId' | 'dialProtocol'>

/**
 * Runs the exchange with one peer and returns the invite text. Throws HearthError: CODE_INVALID
 * (the peer holds no such code), CODE_EXPIRED (it did, but it lapsed or was used meanwhile),
 * RATE_LIMITED, INVITE_INVALID, BAD_INPUT (not a code), TIMEOUT or NO_MEMBER_REACHABLE.
 */
export async function redeemCode(
  libp2p: Dialer,
  peerId: PeerId,
  code: string,
  options: RedeemOptions = {},
): Promise<string> {
  const digits = requireCode(code)
  const deadline = () => {
    const timeout = AbortSignal.timeout(options.readTimeoutMs ?? READ_TIMEOUT_MS)
    return options.signal === undefined ? timeout : AbortSignal.any([timeout, options.signal])
  }
  let stream: Stream
  try {
    stream = await libp2p.dialProtocol(peerId, CODE_PROTOCOL, { signal: deadline() })
  } catch (err) {
    throw networkError(err, peerId)
  }
  try {
    const invite = await runJoiner(
      frameStream(stream, JOINER_MAX_BUFFERED),
      digits,
      { joiner: libp2p.peerId.toString(), inviter: peerId.toString() },
      deadline,
    )
    await stream.close({ signal: deadline() })
    return invite
  } catch (err) {
    stream.abort(asError(err))
    throw err instanceof HearthError ? err : networkError(err, peerId)
  }
}

async function runJoiner(
  io: FrameStream,
  digits: string,
  ids: { joiner: string; inviter: string },
  deadline: () => AbortSignal,
): Promise<string> {
  const sid = crypto.getRandomValues(new Uint8Array(SID_BYTES))
  const inputs = codeRunInputs(digits, sid, ids)
  const joiner = startInitiator(inputs)
  await io.write(concat([sid, joiner.share]), deadline())

  const reply = await io.read(REPLY_BYTES, deadline())
  if (reply.length === 0) throw new HearthError('RATE_LIMITED', 'the peer is busy; try again soon')
  if (reply.length !== REPLY_BYTES) throw badFrame('NO_MEMBER_REACHABLE', 'reply', reply.length)
  let keys: CpaceKeys | undefined
  for (let at = 0; at < REPLY_BYTES && keys === undefined; at += SLOT_BYTES) {
    const slot = slotKeys(joiner.finish, reply.subarray(at, at + SHARE_BYTES))
    if (slot?.verifyPeer(reply.subarray(at + SHARE_BYTES, at + SLOT_BYTES))) keys = slot
  }
  if (keys === undefined) throw new HearthError('CODE_INVALID', 'this peer holds no such code')

  await io.write(keys.confirm, deadline())
  let sealed: Uint8Array
  try {
    sealed = await io.read(MAX_SEALED_BYTES, deadline())
  } catch (err) {
    throw new HearthError(
      'CODE_EXPIRED',
      `the inviter knew the code but did not hand over the invite (expired or already used): ${String(err)}`,
    )
  }
  return openInvite(inviteKey(keys.isk, sid), sealed, inputs.channel)
}

/** A slot whose share does not decode comes from a broken inviter: it simply matches nothing. */
function slotKeys(finish: (share: Uint8Array) => CpaceKeys, share: Uint8Array) {
  try {
    return finish(share)
  } catch (err) {
    if (err instanceof CpaceError) return undefined
    throw err
  }
}

/**
 * Tries the code with each candidate (peers seen on the LAN) in turn until one hands over the
 * invite. Each try spends one attempt on that peer's live codes, so candidates are tried one at a
 * time and the search stops at the first peer that recognises the code.
 */
export async function findAndRedeem(
  libp2p: Dialer,
  candidates: Iterable<PeerId>,
  code: string,
  options: RedeemOptions = {},
): Promise<string> {
  requireCode(code)
  const seen: HearthError[] = []
  for (const peerId of candidates) {
    if (peerId.equals(libp2p.peerId)) continue
    options.signal?.throwIfAborted()
    try {
      return await redeemCode(libp2p, peerId, code, options)
    } catch (err) {
      if (!(err instanceof HearthError)) throw err
      // The peer knew the code: no other peer can hand over this invite.
      if (err.code === 'CODE_EXPIRED' || err.code === 'INVITE_INVALID') throw err
      seen.push(err)
    }
  }
  // A busy peer may be the one holding the code: trying again later can still work.
  const busy = seen.find((e) => e.code === 'RATE_LIMITED')
  if (busy !== undefined) throw busy
  if (seen.some((e) => e.code === 'CODE_INVALID')) {
    throw new HearthError('CODE_INVALID', 'no peer on this network holds that code')
  }
  throw new HearthError(
    'NO_MEMBER_REACHABLE',
    `no peer on this network could be asked${seen.length > 0 ? `: ${seen.map((e) => e.message).join('; ')}` : ''}`,
  )
}

function decoyPassword(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64')
}

function requireCode(code: string): string {
  const digits = parseCode(code)
  if (digits === null) throw new HearthError('BAD_INPUT', 'a code is eight digits, like 1234-5678')
  return digits
}

function networkError(err: unknown, peerId: PeerId): HearthError {
  if (err instanceof HearthError) return err
  const reason = err instanceof Error ? `${err.name}: ${err.message}` : String(err)
  if (err instanceof Error && err.name === 'TimeoutError') {
    return new HearthError('TIMEOUT', `peer ${peerId.toString()} did not answer in time`)
  }
  return new HearthError('NO_MEMBER_REACHABLE', `could not ask ${peerId.toString()}: ${reason}`)
}

function badFrame(code: ErrorCode, what: string, got: number): HearthError {
  return new HearthError(code, `malformed ${what} frame of ${got} bytes`)
}

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err))
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.length
  }
  return out
}
