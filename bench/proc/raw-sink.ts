// A receiving end for the floors, in its own process like a real peer: a bare libp2p node (or a
// plain TCP server) on loopback that counts framed messages. It prints one JSON line when ready,
// {"ready":true,"addr":…}, then {"got":LENGTH} for every whole message, on any stream. A libp2p
// sink also echoes whatever it receives on ECHO_PROTOCOL, printing nothing (the latency floor).
// usage: raw-sink.ts noise|noise-wasm|noise-js|tls|tcp
import net from 'node:net'
import type { Stream, StreamMessageEvent } from '@libp2p/interface'
import { ENCRYPTERS, isEncrypterName } from '../lib/encrypters.ts'
import { FrameCounter } from '../lib/framing.ts'
import { dialAddr, rawNode } from '../lib/raw-node.ts'
import { ECHO_PROTOCOL, SINK_PROTOCOL } from './raw-sink-protocol.ts'

const MAX_MESSAGE = 1024 * 1024 * 1024

const say = (value: object) => process.stdout.write(`${JSON.stringify(value)}\n`)
const counter = () => new FrameCounter(MAX_MESSAGE, (length) => say({ got: length }))

const kind = process.argv[2] ?? ''
if (kind === 'tcp') {
  const server = net.createServer((socket) => {
    const frames = counter()
    socket.on('data', (chunk: Buffer) => frames.push(chunk))
    socket.on('error', (err) => process.stderr.write(`raw-sink: ${err.message}\n`))
  })
  server.listen(0, '127.0.0.1', () => {
    const address = server.address()
    if (address === null || typeof address === 'string') throw new Error('no TCP port')
    say({ ready: true, addr: `${address.address}:${address.port}` })
  })
} else if (isEncrypterName(kind)) {
  const node = await rawNode(ENCRYPTERS[kind].make())
  await node.handle(
    SINK_PROTOCOL,
    (stream: Stream) => {
      const frames = counter()
      stream.addEventListener('message', (evt: StreamMessageEvent) => {
        try {
          for (const chunk of evt.data instanceof Uint8Array ? [evt.data] : evt.data) {
            frames.push(chunk)
          }
        } catch (err) {
          stream.abort(err instanceof Error ? err : new Error(String(err)))
        }
      })
    },
    { maxInboundStreams: 64 },
  )
  await node.handle(ECHO_PROTOCOL, (stream: Stream) => {
    stream.addEventListener('message', (evt: StreamMessageEvent) => {
      // One message in flight at a time: a full send buffer means the benchmark broke that.
      if (!stream.send(evt.data)) stream.abort(new Error('echo: the send buffer is full'))
    })
  })
  say({ ready: true, addr: dialAddr(node).toString() })
} else {
  process.stderr.write(`usage: raw-sink.ts ${[...Object.keys(ENCRYPTERS), 'tcp'].join('|')}\n`)
  process.exit(2)
}
// Runs until the benchmark kills it.
