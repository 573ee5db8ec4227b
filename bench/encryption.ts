// 6. Encryption: 64 MiB over one libp2p stream (TCP + yamux on loopback) from this process to a
// receiver in its own process, with each encrypter the desktop app could offer (see
// lib/encrypters.ts). Floor: a raw TCP socket on loopback moving the same bytes the same way.
import net from 'node:net'
import { SINK_PROTOCOL } from './proc/raw-sink-protocol.ts'
import type { Benchmark } from './lib/bench.ts'
import { within } from './lib/deadline.ts'
import { ENCRYPTERS, type EncrypterName } from './lib/encrypters.ts'
import { header } from './lib/framing.ts'
import { rawNode, sendAll } from './lib/raw-node.ts'
import { quantityRow, type Row } from './lib/report.ts'
import { scaled } from './lib/scale.ts'
import { startSink, type Sink } from './lib/sink.ts'
import { median, timeRepeated } from './lib/stats.ts'
import { multiaddr } from '@multiformats/multiaddr'

const MiB = 1024 * 1024
const CHUNK = 64 * 1024
const TRANSFER_TIMEOUT_MS = 180_000

export const encryption: Benchmark = {
  name: 'encryption',
  about: '64 MiB over one stream: Noise native, Noise WASM/JS fallback, TLS; floor raw TCP',
  async run(ctx) {
    const bytes = scaled(ctx.scale, 64, 4) * MiB
    const reps = 3
    const data = new Uint8Array(bytes).map((_, i) => (i * 131) & 0xff)
    const mbps = (ms: number) => bytes / 1e6 / (ms / 1000)

    ctx.log(`encryption: raw TCP floor, 1 warm-up + ${reps} × ${bytes / MiB} MiB`)
    const tcp = mbps(median(await withSink('tcp', (sink) => tcpTransfers(sink, data, reps))))

    const rows: Row[] = []
    for (const name of Object.keys(ENCRYPTERS) as EncrypterName[]) {
      const { label } = ENCRYPTERS[name]
      ctx.log(`encryption: ${label}, 1 warm-up + ${reps} × ${bytes / MiB} MiB`)
      const ms = await withSink(name, (sink) => libp2pTransfers(name, sink, data, reps))
      rows.push(
        quantityRow(
          'encryption',
          `${bytes / MiB} MiB, ${label}`,
          { value: mbps(median(ms)), unit: 'MB/s' },
          { value: tcp, unit: 'MB/s', what: 'raw TCP socket' },
          { higherIsBetter: true },
        ),
      )
    }
    return rows
  },
}

async function withSink<T>(
  kind: EncrypterName | 'tcp',
  work: (sink: Sink) => Promise<T>,
): Promise<T> {
  const sink = await startSink(kind)
  try {
    return await work(sink)
  } finally {
    await sink.stop()
  }
}

async function arrival(sink: Sink, bytes: number, what: string): Promise<void> {
  const got = await within(sink.next(), TRANSFER_TIMEOUT_MS, what)
  if (got !== bytes) throw new Error(`${what}: the receiver got ${got} bytes, not ${bytes}`)
}

async function libp2pTransfers(
  name: EncrypterName,
  sink: Sink,
  data: Uint8Array,
  reps: number,
): Promise<number[]> {
  const sender = await rawNode(ENCRYPTERS[name].make())
  try {
    const target = multiaddr(sink.addr)
    return await timeRepeated(reps, 1, async (i) => {
      // The connection is set up by the warm-up; each run opens a new stream on it, untimed.
      const stream = await sender.dialProtocol(target, SINK_PROTOCOL, {
        signal: AbortSignal.timeout(10_000),
      })
      const start = performance.now()
      stream.send(header(data.length))
      await sendAll(stream, data, CHUNK)
      await arrival(sink, data.length, `${name} transfer ${i}`)
      const elapsed = performance.now() - start
      await stream.close()
      return elapsed
    })
  } finally {
    await sender.stop()
  }
}

/** The same bytes over a plain TCP socket, with the same chunking and backpressure. */
async function tcpTransfers(sink: Sink, data: Uint8Array, reps: number): Promise<number[]> {
  const [host, port] = sink.addr.split(':')
  const socket = net.connect(Number(port), host)
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve)
      socket.once('error', reject)
    })
    const write = async (bytes: Uint8Array) => {
      if (!socket.write(bytes)) await new Promise<void>((resolve) => socket.once('drain', resolve))
    }
    return await timeRepeated(reps, 1, async (i) => {
      const start = performance.now()
      await write(header(data.length))
      for (let offset = 0; offset < data.length; offset += CHUNK) {
        await write(data.subarray(offset, offset + CHUNK))
      }
      await arrival(sink, data.length, `raw TCP transfer ${i}`)
      return performance.now() - start
    })
  } finally {
    socket.destroy()
  }
}
