// /hearth/join/1.0.0: one request, one response, one stream. The only protocol a stranger may
// use, so it is rate-limited per peer and overall, and it answers with nothing but the host's
// verdict: the group id once the invite verified, or an error code and sentence.
import { RateLimiter } from '@libp2p/utils'
import { multiaddr } from '@multiformats/multiaddr'
import { peerIdFromString } from '@libp2p/peer-id'
import { z } from 'zod'
import { GroupId, HearthError, errorCodes } from '../../api/index.ts'
import { sendAll } from '../back-pressure.ts'
import { FrameError, encodeFrame, readOneFrame } from './frames.ts'
import type {
  AbortOptions,
  ComponentLogger,
  Connection,
  Logger,
  PeerId,
  Startable,
  Stream,
  StreamHandler,
  StreamHandlerOptions,
} from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'

export const JOIN_PROTOCOL = '/hearth/join/1.0.0'
export const MAX_JOIN_REQUEST_BYTES = 32 * 1024
export const MAX_JOIN_RESPONSE_BYTES = 4 * 1024
const MAX_INVITE_CHARS = 16 * 1024
const MAX_ERROR_MESSAGE_CHARS = 500

const JoinRequestFrame = z.strictObject({
  invite: z.string().min(1).max(MAX_INVITE_CHARS),
  request: z.unknown(),
})

const JoinResponseFrame = z.discriminatedUnion('ok', [
  z.strictObject({ ok: z.literal(true), groupId: GroupId }),
  z.strictObject({
    ok: z.literal(false),
    code: z.enum(errorCodes),
    message: z.string().max(MAX_ERROR_MESSAGE_CHARS),
  }),
])
export type JoinResponse = z.infer<typeof JoinResponseFrame>

/** The member side: decides whether the invite admits the requester. */
export interface JoinHost {
  /** Throws HearthError (INVITE_INVALID, INVITE_EXPIRED, …) to refuse. */
  admit(inviteText: string, request: unknown, remotePeerId: string): Promise<{ groupId: string }>
}

export interface JoinLimits {
  maxRequestBytes: number
  requestTimeoutMs: number
  /** Requests one peer id may make per window. */
  perPeer: { points: number; durationSec: number }
  /** Requests all peers together may make per window (fresh peer ids are free to make). */
  global: { points: number; durationSec: number }
}

export const defaultJoinLimits: JoinLimits = {
  maxRequestBytes: MAX_JOIN_REQUEST_BYTES,
  requestTimeoutMs: 10_000,
  // A person retrying a mistyped invite needs a few tries; a script guessing needs thousands.
  perPeer: { points: 5, durationSec: 60 },
  global: { points: 30, durationSec: 60 },
}

export interface JoinServiceInit {
  host: JoinHost
  onStrike?(peerId: string, reason: string): void
  limits?: Partial<JoinLimits>
}

export interface JoinComponents {
  registrar: {
    handle(protocol: string, handler: StreamHandler, options?: StreamHandlerOptions): Promise<void>
    unhandle(protocol: string): Promise<void>
  }
  logger: ComponentLogger
}

export type JoinService = Startable

export function joinService(init: JoinServiceInit): (components: JoinComponents) => JoinService {
  return (components) => new JoinProtocolService(components, init)
}

/** Serves the join protocol on a started node; returns a function that stops serving it. */
export async function handleJoinProtocol(
  libp2p: JoinComponents['registrar'] & { logger: ComponentLogger },
  host: JoinHost,
  options: Omit<JoinServiceInit, 'host'> = {},
): Promise<() => Promise<void>> {
  const service = new JoinProtocolService(
    { registrar: libp2p, logger: libp2p.logger },
    { ...options, host },
  )
  await service.start()
  return () => service.stop()
}

const utf8 = new TextEncoder()
const utf8Strict = new TextDecoder('utf-8', { fatal: true })

class JoinProtocolService implements JoinService {
  readonly [Symbol.toStringTag] = '@hearth/join'
  readonly #components: JoinComponents
  readonly #init: JoinServiceInit
  readonly #limits: JoinLimits
  readonly #perPeer: RateLimiter
  readonly #global: RateLimiter
  readonly #log: Logger

  constructor(components: JoinComponents, init: JoinServiceInit) {
    this.#components = components
    this.#init = init
    this.#limits = { ...defaultJoinLimits, ...init.limits }
    this.#perPeer = new RateLimiter({
      points: this.#limits.perPeer.points,
      duration: this.#limits.perPeer.durationSec,
    })
    this.#global = new RateLimiter({
      points: this.#limits.global.points,
      duration: this.#limits.global.durationSec,
    })
    this.#log = components.logger.forComponent('hearth:join')
  }

  async start(): Promise<void> {
    await this.#components.registrar.handle(
      JOIN_PROTOCOL,
      (stream, connection) => {
        void this.#serve(stream, connection)
      },
      // One join at a time per connection; the rate limits bound how many connections help.
      { maxInboundStreams: 1, maxOutboundStreams: 1 },
    )
  }

  async stop(): Promise<void> {
    await this.#components.registrar.unhandle(JOIN_PROTOCOL)
  }

  async #serve(stream: Stream, connection: Connection): Promise<void> {
    const peer = connection.remotePeer.toString()
    try {
      if (!this.#withinRate(peer)) {
        await reply(stream, {
          ok: false,
          code: 'RATE_LIMITED',
          message: 'Too many join requests. Try again in a minute.',
        })
        return
      }
      const signal = AbortSignal.timeout(this.#limits.requestTimeoutMs)
      let parsed: z.infer<typeof JoinRequestFrame>
      try {
        const frame = await readOneFrame(stream, this.#limits.maxRequestBytes, { signal })
        parsed = JoinRequestFrame.parse(JSON.parse(utf8Strict.decode(frame)))
      } catch (err) {
        if (isMalformed(err)) {
          this.#malformed(stream, peer, err)
          return
        }
        // Timed out, or the joiner gave up: nothing it sent was wrong.
        this.#log('no join request from %s - %e', peer, err)
        stream.abort(err instanceof Error ? err : new Error(String(err)))
        return
      }
      await reply(stream, await this.#admit(parsed.invite, parsed.request, peer))
    } catch (err) {
      this.#log('join stream with %s failed - %e', peer, err)
      stream.abort(err instanceof Error ? err : new Error(String(err)))
    }
  }

  #withinRate(peer: string): boolean {
    try {
      this.#perPeer.consume(peer)
      this.#global.consume('all')
      return true
    } catch (err) {
      if (err instanceof Error && err.name === 'RateLimitError') {
        this.#log('join request from %s rate-limited', peer)
        return false
      }
      throw err
    }
  }

  async #admit(invite: string, request: unknown, peer: string): Promise<JoinResponse> {
    try {
      const { groupId } = await this.#init.host.admit(invite, request, peer)
      return { ok: true, groupId }
    } catch (err) {
      if (err instanceof HearthError) {
        return { ok: false, code: err.code, message: err.message.slice(0, MAX_ERROR_MESSAGE_CHARS) }
      }
      // Internal detail is for our log, not for a possibly hostile stranger.
      this.#log.error('admitting %s failed - %e', peer, err)
      return { ok: false, code: 'INTERNAL', message: 'The member could not process the request.' }
    }
  }

  #malformed(stream: Stream, peer: string, err: unknown): void {
    const reason =
      err instanceof FrameError ? err.message : `malformed join request: ${String(err)}`
    this.#log('%s from %s', reason, peer)
    stream.abort(new Error(reason))
    try {
      this.#init.onStrike?.(peer, reason)
    } catch (strikeErr) {
      this.#log.error('onStrike handler failed - %e', strikeErr)
    }
  }
}

/** Bad framing, bad UTF-8, bad JSON or the wrong shape: the sender's fault. */
function isMalformed(err: unknown): boolean {
  return (
    err instanceof FrameError ||
    err instanceof z.ZodError ||
    err instanceof SyntaxError ||
    err instanceof TypeError
  )
}

async function reply(stream: Stream, response: JoinResponse): Promise<void> {
  await sendAll(stream, encodeFrame(utf8.encode(JSON.stringify(response))), {
    signal: AbortSignal.timeout(10_000),
  })
  await stream.close({ signal: AbortSignal.timeout(10_000) })
}

/** A member to ask: a peer id (addresses from the peer store), or addresses with the peer id. */
export type JoinTarget = PeerId | Multiaddr | Multiaddr[] | { peerId: string; addrs: string[] }

export interface JoinDialer {
  dialProtocol(
    target: PeerId | Multiaddr | Multiaddr[],
    protocols: string,
    options?: AbortOptions,
  ): Promise<Stream>
}

/**
 * Asks one member to admit us. Resolves with the group id; throws HearthError with the member's
 * code, or NO_MEMBER_REACHABLE / TIMEOUT / TOO_LARGE for failures on our side of the answer.
 */
export async function requestJoin(
  libp2p: JoinDialer,
  target: JoinTarget,
  inviteText: string,
  request: unknown,
  options: Required<AbortOptions>,
): Promise<{ groupId: string }> {
  const payload = utf8.encode(JSON.stringify({ invite: inviteText, request }))
  if (payload.length > MAX_JOIN_REQUEST_BYTES) {
    throw new HearthError('TOO_LARGE', 'The join request is too large.')
  }
  const { signal } = options
  let stream: Stream | undefined
  let response: JoinResponse
  try {
    stream = await libp2p.dialProtocol(toDialTarget(target), JOIN_PROTOCOL, { signal })
    await sendAll(stream, encodeFrame(payload), { signal })
    const frame = await readOneFrame(stream, MAX_JOIN_RESPONSE_BYTES, { signal })
    response = JoinResponseFrame.parse(JSON.parse(utf8Strict.decode(frame)))
  } catch (err) {
    stream?.abort(err instanceof Error ? err : new Error(String(err)))
    if (signal.aborted)
      throw new HearthError('TIMEOUT', 'No member answered the join request in time.')
    const why = err instanceof Error ? err.message : String(err)
    throw new HearthError(
      'NO_MEMBER_REACHABLE',
      `The member did not answer the join request (${why}).`,
    )
  }
  await stream.close({ signal }).catch((err: unknown) => {
    stream?.abort(err instanceof Error ? err : new Error(String(err)))
  })
  if (!response.ok) throw new HearthError(response.code, response.message)
  return { groupId: response.groupId }
}

function toDialTarget(target: JoinTarget): PeerId | Multiaddr | Multiaddr[] {
  if (Array.isArray(target) || !('addrs' in target)) return target
  const peerId = peerIdFromString(target.peerId)
  if (target.addrs.length === 0) return peerId
  return target.addrs.map((a) => {
    const ma = multiaddr(a)
    const hasPeer = ma.getComponents().some((c) => c.name === 'p2p')
    return hasPeer ? ma : ma.encapsulate(`/p2p/${target.peerId}`)
  })
}
