// A Hearth peer for the latency benchmark that times inside itself: the peer host `hearth serve`
// runs (PeerHost over createPeer, sqlite data folder), without the bridge, driven by JSON lines on
// stdin. Times are `process.hrtime.bigint()`, CLOCK_MONOTONIC on Linux: one clock for every
// process on the machine, so a send stamped here and an arrival stamped in another peer's process
// can be subtracted. The benchmark's own lines to and from it are never on a timed path.
//
// It prints {"ready":true,"peerId"} first, then:
//   {"added":TEXT,"at":NS}                          for every messageAdded (stamped in the listener)
//   {"sent":TEXT,"at":NS,"replied":NS}              for {"send":TEXT,"group":ID}
//   {"connected":N}                                 for {"status":true}
//   {"trips":[NS…]}                                 for {"trips":COUNT,"to":PEER_ID}: COUNT raw
//                                                   round trips back to back, on the connection
//                                                   the peers already share (echoed by the other)
// Exits when stdin closes or on SIGTERM.
// usage: latency-peer.ts DATA_DIR LISTEN_MULTIADDR
import readline from 'node:readline'
import { peerIdFromString } from '@libp2p/peer-id'
import type { Stream, StreamMessageEvent } from '@libp2p/interface'
import { z } from 'zod'
import { containStreamErrors } from '../../shared/peer/containment.ts'
import { PeerHost } from '../../shared/peer/host.ts'
import { ECHO_PROTOCOL } from './raw-sink-protocol.ts'

const [dataDir, listen] = process.argv.slice(2)
if (dataDir === undefined || listen === undefined) {
  process.stderr.write('usage: latency-peer.ts DATA_DIR LISTEN\n')
  process.exit(2)
}
/** What one round trip carries: the size of a message's update on the wire. */
const TRIP_BYTES = Number(process.env.LATENCY_TRIP_BYTES ?? 300)
const TRIP_TIMEOUT_MS = 10_000

const Command = z.union([
  z.object({ send: z.string(), group: z.string() }),
  z.object({ status: z.literal(true) }),
  z.object({ trips: z.number().int().positive(), to: z.string() }),
])

containStreamErrors((line) => process.stderr.write(`${line}\n`))
const host = await PeerHost.open({ dataDir, listen: [listen], mdns: false })
const peer = host.peer
if (peer === undefined) throw new Error('the peer host started locked')
const say = (value: object) => process.stdout.write(`${JSON.stringify(value)}\n`)
const now = () => process.hrtime.bigint().toString()

host.events.subscribe((name, payload) => {
  if (name !== 'messageAdded') return
  const at = now()
  say({ added: (payload as { message: { text: string } }).message.text, at })
})
// The floor's other end: whatever arrives on the echo protocol goes straight back.
await peer.libp2p.handle(ECHO_PROTOCOL, (stream: Stream) => {
  stream.addEventListener('message', (evt: StreamMessageEvent) => {
    if (!stream.send(evt.data)) stream.abort(new Error('echo: the send buffer is full'))
  })
})

let echo: Stream | undefined
const payload = new Uint8Array(TRIP_BYTES).fill(7)

async function trips(count: number, to: string): Promise<string[]> {
  if (echo === undefined) {
    const connection = peer?.libp2p
      .getConnections(peerIdFromString(to))
      .find((c) => c.status === 'open')
    if (connection === undefined) throw new Error(`no open connection to ${to}`)
    echo = await connection.newStream(ECHO_PROTOCOL, { signal: AbortSignal.timeout(10_000) })
  }
  const stream = echo
  const out: string[] = []
  for (let i = 0; i < count; i++) {
    const back = new Promise<bigint>((resolve, reject) => {
      let got = 0
      const timer = setTimeout(() => reject(new Error('no echo')), TRIP_TIMEOUT_MS)
      const onMessage = (evt: StreamMessageEvent) => {
        got += evt.data.byteLength
        if (got < payload.length) return
        const at = process.hrtime.bigint()
        clearTimeout(timer)
        stream.removeEventListener('message', onMessage)
        resolve(at)
      }
      stream.addEventListener('message', onMessage)
    })
    const start = process.hrtime.bigint()
    stream.send(payload)
    out.push(((await back) - start).toString())
  }
  return out
}

const lines = readline.createInterface({ input: process.stdin })
lines.on('line', (text) => {
  const command = Command.parse(JSON.parse(text))
  if ('send' in command) {
    const at = now()
    void host.handlers['messages.send']({ group: command.group, text: command.send }).then(
      () => say({ sent: command.send, at, replied: now() }),
      (err: unknown) => say({ error: String(err) }),
    )
  } else if ('status' in command) {
    void host.handlers['status.get']({}).then((s) => say({ connected: s.connectedPeers }))
  } else {
    trips(command.trips, command.to).then(
      (ns) => say({ trips: ns }),
      (err: unknown) => say({ error: String(err) }),
    )
  }
})
say({ ready: true, peerId: peer.peerId })

let stopping = false
const stop = async () => {
  if (stopping) return
  stopping = true
  echo?.abort(new Error('benchmark done'))
  await host.stop()
  process.exit(0)
}
lines.on('close', () => void stop())
process.once('SIGTERM', () => void stop())
