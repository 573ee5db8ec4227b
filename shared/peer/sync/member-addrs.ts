// `/hearth/addrs/1.0.0`: members tell each other where the other members of their shared groups
// listen. Without it, members who never met directly (joined through different people, on a
// network without multicast) could not find each other once the one they knew went away.
// One frame per stream, pushed by the side that learned of a connection; no reply.
import type { Libp2p, PeerId, Stream } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { z } from 'zod'
import { PeerIdText } from '../../api/domain.ts'
import { sendAll } from '../back-pressure.ts'
import { FrameError, encodeFrame, readOneFrame } from './frames.ts'

export const ADDRS_PROTOCOL = '/hearth/addrs/1.0.0'
export const MAX_ADDRS_FRAME = 64 * 1024
const MAX_PEERS = 64
const MAX_ADDRS_PER_PEER = 8
const TIMEOUT_MS = 10_000

const AddrsFrame = z
  .array(
    z.object({
      peerId: PeerIdText,
      addrs: z.array(z.string().max(256)).max(MAX_ADDRS_PER_PEER),
    }),
  )
  .max(MAX_PEERS)
export type MemberAddrs = z.infer<typeof AddrsFrame>

export interface AddrsHost {
  /** Members of groups we share with `peerId`, with the addresses we know for them. */
  addrsFor(peerId: string): MemberAddrs
  /** Whether `subject` is a member of a group we share with `from` (only those are accepted). */
  vouches(from: string, subject: string): boolean
  onStrike(peerId: string, reason: string): void
}

class MalformedAddrs extends Error {
  override name = 'MalformedAddrs'
}

function parseJson(frame: Uint8Array): unknown {
  try {
    return JSON.parse(utf8Strict.decode(frame))
  } catch (err) {
    throw new MalformedAddrs(`not UTF-8 JSON (${err instanceof Error ? err.message : String(err)})`)
  }
}

const utf8 = new TextEncoder()
const utf8Strict = new TextDecoder('utf-8', { fatal: true })

export async function handleAddrsProtocol(libp2p: Libp2p, host: AddrsHost): Promise<void> {
  await libp2p.handle(
    ADDRS_PROTOCOL,
    async (stream: Stream, connection) => {
      const from = connection.remotePeer.toString()
      try {
        const frame = await readOneFrame(stream, MAX_ADDRS_FRAME, {
          signal: AbortSignal.timeout(TIMEOUT_MS),
        })
        const parsed = AddrsFrame.safeParse(parseJson(frame))
        if (!parsed.success) throw new MalformedAddrs('not a list of member addresses')
        for (const entry of parsed.data) {
          if (entry.peerId === libp2p.peerId.toString() || !host.vouches(from, entry.peerId))
            continue
          const addrs = entry.addrs.flatMap((a) => {
            try {
              return [multiaddr(a)]
            } catch {
              return [] // an unparsable address is skipped; the rest of the entry still counts
            }
          })
          if (addrs.length > 0) {
            await libp2p.peerStore.merge(peerIdFromString(entry.peerId), { multiaddrs: addrs })
          }
        }
        await stream.close()
      } catch (err) {
        // A connection that drops mid-frame is not misbehaviour (many peers starting or leaving at
        // once do that); only content that breaks the rules counts against the sender.
        if (
          err instanceof MalformedAddrs ||
          (err instanceof FrameError && !err.message.startsWith('stream closed'))
        ) {
          host.onStrike(from, `bad member addresses: ${err.message}`)
        }
        stream.abort(err instanceof Error ? err : new Error(String(err)))
      }
    },
    { maxInboundStreams: 2, maxOutboundStreams: 2 },
  )
}

/** Tells `peer` where the members of the groups we share with it listen. */
export async function pushAddrs(libp2p: Libp2p, peer: PeerId, host: AddrsHost): Promise<void> {
  const list = host
    .addrsFor(peer.toString())
    .slice(0, MAX_PEERS)
    .map((m) => ({ peerId: m.peerId, addrs: m.addrs.filter((a) => a.length <= 256).slice(0, 8) }))
  let body = utf8.encode(JSON.stringify(list))
  // Drop the last entries until the frame fits the cap the receiver enforces.
  while (body.length > MAX_ADDRS_FRAME && list.length > 0) {
    list.pop()
    body = utf8.encode(JSON.stringify(list))
  }
  if (list.length === 0) return
  const signal = AbortSignal.timeout(TIMEOUT_MS)
  const stream = await libp2p.dialProtocol(peer, ADDRS_PROTOCOL, { signal })
  const payload = encodeFrame(body)
  await sendAll(stream, payload, { signal })
  await stream.close({ signal })
}
