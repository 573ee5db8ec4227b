// 1. Live message latency A → B on loopback: `messages.send` on A until B emits `messageAdded`,
// against a raw libp2p stream round trip on the very connection the two peers share.
import type { Stream, StreamMessageEvent } from '@libp2p/interface'
import { MemoryStore } from '../shared/peer/storage/memory.ts'
import type { Peer } from '../shared/peer/peer.ts'
import { PeerSet } from '../test/helpers/peers.ts'
import type { Benchmark, BenchContext } from './lib/bench.ts'
import { within } from './lib/deadline.ts'
import { messageUpdateBytes } from './lib/history.ts'
import { timeRow, type Row } from './lib/report.ts'
import { scaled } from './lib/scale.ts'
import { median, quantile } from './lib/stats.ts'

const ECHO = '/hearth-bench/echo/1.0.0'
const ARRIVAL_TIMEOUT_MS = 10_000

export const latency: Benchmark = {
  name: 'latency',
  about: 'send → messageAdded on another peer over loopback TCP, p50 and p99',
  async run(ctx) {
    const count = scaled(ctx.scale, 2000, 50)
    const warmup = scaled(ctx.scale, 200, 20)
    const payload = new Uint8Array(await messageUpdateBytes('latency 00000'))

    const durable = await measure(ctx, 'sqlite store (as shipped)', {}, count, warmup, payload)
    const inMemory = await measure(
      ctx,
      'in-memory store (no fsync)',
      { store: () => new MemoryStore() },
      count,
      warmup,
      payload,
    )

    const rtt50 = median(durable.roundTrips)
    const rtt99 = quantile(durable.roundTrips, 0.99)
    const oneWay50 = median(durable.oneWays)
    const rows: Row[] = [
      timeRow(
        'latency',
        'p50 send → messageAdded',
        median(durable.hearth),
        rtt50,
        'raw stream round trip p50',
        {
          text: 'p50 ≤ 3× floor',
          met: (ratio) => ratio <= 3,
        },
      ),
      timeRow(
        'latency',
        'p99 send → messageAdded',
        quantile(durable.hearth, 0.99),
        rtt99,
        'raw stream round trip p99',
        {
          text: 'p99 < 2 ms',
          met: (_ratio, ms) => ms < 2,
        },
      ),
      timeRow(
        'latency',
        'p50, against one way',
        median(durable.hearth),
        oneWay50,
        'raw stream one way p50',
      ),
      timeRow(
        'latency',
        'p50 with in-memory store',
        median(inMemory.hearth),
        median(inMemory.roundTrips),
        'raw stream round trip p50',
      ),
      timeRow(
        'latency',
        'p99 with in-memory store',
        quantile(inMemory.hearth, 0.99),
        quantile(inMemory.roundTrips, 0.99),
        'raw stream round trip p99',
      ),
    ]
    return rows
  },
}

interface Samples {
  hearth: number[]
  roundTrips: number[]
  oneWays: number[]
}

async function measure(
  ctx: BenchContext,
  label: string,
  options: { store?: () => MemoryStore },
  count: number,
  warmup: number,
  payload: Uint8Array,
): Promise<Samples> {
  const peers = new PeerSet()
  try {
    const peerOptions = () => (options.store ? { store: options.store() } : {})
    const a = (await peers.start('Ana', peerOptions())).peer
    const b = (await peers.start('Bo', peerOptions())).peer
    const { groupId, invite } = await a.handlers['groups.create']({ name: 'Latency' })
    await within(b.handlers['groups.join']({ invite }), 30_000, 'Bo joining the group')

    ctx.log(`latency (${label}): ${warmup} warm-up + ${count} messages A → B`)
    const hearth: number[] = []
    for (let i = 0; i < warmup + count; i++) {
      const text = `latency ${String(i).padStart(5, '0')}`
      const arrived = b.events.next(
        'messageAdded',
        (p) => p.groupId === groupId && p.message.text === text,
      )
      const start = performance.now()
      await a.handlers['messages.send']({ group: groupId, text })
      await within(arrived, ARRIVAL_TIMEOUT_MS, `message ${i} reaching B`)
      if (i >= warmup) hearth.push(performance.now() - start)
    }

    ctx.log(
      `latency (${label}): ${warmup} warm-up + ${count} raw round trips on the same connection`,
    )
    const { roundTrips, oneWays } = await rawRoundTrips(a, b, payload, count, warmup)
    return { hearth, roundTrips, oneWays }
  } finally {
    await peers.cleanup()
  }
}

/** Echo on B over A's existing connection to it: the floor under the very same socket. */
async function rawRoundTrips(
  a: Peer,
  b: Peer,
  payload: Uint8Array,
  count: number,
  warmup: number,
): Promise<{ roundTrips: number[]; oneWays: number[] }> {
  let receivedAt = 0
  await b.libp2p.handle(ECHO, (stream: Stream) => {
    stream.addEventListener('message', (evt: StreamMessageEvent) => {
      receivedAt = performance.now()
      stream.send(evt.data)
    })
  })
  const connection = a.libp2p.getConnections(b.libp2p.peerId).find((c) => c.status === 'open')
  if (connection === undefined) throw new Error('A and B are not connected after the messages')
  const stream = await connection.newStream(ECHO, { signal: AbortSignal.timeout(10_000) })
  const roundTrips: number[] = []
  const oneWays: number[] = []
  try {
    for (let i = 0; i < warmup + count; i++) {
      const echoed = echoOf(stream, payload.length)
      const start = performance.now()
      stream.send(payload)
      await within(echoed, ARRIVAL_TIMEOUT_MS, `raw echo ${i}`)
      const end = performance.now()
      if (i >= warmup) {
        roundTrips.push(end - start)
        oneWays.push(receivedAt - start)
      }
    }
  } finally {
    stream.abort(new Error('benchmark done'))
    await b.libp2p.unhandle(ECHO)
  }
  return { roundTrips, oneWays }
}

function echoOf(stream: Stream, bytes: number): Promise<void> {
  return new Promise((resolve) => {
    let got = 0
    const onMessage = (evt: StreamMessageEvent) => {
      got += evt.data.byteLength
      if (got < bytes) return
      stream.removeEventListener('message', onMessage)
      resolve()
    }
    stream.addEventListener('message', onMessage)
  })
}
