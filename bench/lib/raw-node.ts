// The floor's side of the comparisons: libp2p with nothing of Hearth on top. Same transport,
// encrypter and muxer as a peer (TCP + Noise + yamux on loopback, unless a benchmark swaps the
// encrypter), no services, no discovery, and helpers to move bytes over one stream.
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { tcp } from '@libp2p/tcp'
import { createLibp2p, type Libp2p } from 'libp2p'
import { sendAll as sendQueued } from '../../shared/peer/back-pressure.ts'
import type { Stream } from '@libp2p/interface'
import type { EncrypterFactory } from '../../shared/peer/node.ts'

export async function rawNode(encrypter: EncrypterFactory = noise()): Promise<Libp2p> {
  return createLibp2p({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [encrypter],
    streamMuxers: [yamux()],
  })
}

/** The first address of `node` with its peer id, ready to dial. */
export function dialAddr(node: Libp2p): ReturnType<Libp2p['getMultiaddrs']>[number] {
  const addr = node.getMultiaddrs()[0]
  if (addr === undefined) throw new Error('the node listens on no address')
  return addr
}

/**
 * Writes `data` in `chunk`-sized pieces with the peer's back-pressure rule (wait for an empty
 * stream queue, shared/peer/back-pressure.ts), so the floor keeps memory as bounded as Hearth.
 */
export async function sendAll(stream: Stream, data: Uint8Array, chunk = 64 * 1024): Promise<void> {
  for (let offset = 0; offset < data.length; offset += chunk) {
    await sendQueued(stream, data.subarray(offset, offset + chunk), {
      signal: AbortSignal.timeout(60_000),
    })
  }
}
