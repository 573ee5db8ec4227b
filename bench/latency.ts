// 1. Live message latency A → B on loopback: `messages.send` on A until B emits `messageAdded`.
// As people run it: A and B are two `hearth serve` processes, and the benchmark (a third process,
// like the UI or a script) sends through A's API and hears B's event through B's API, so the
// bridge is on the path at both ends. Floor: a raw libp2p stream round trip between two processes
// on the same kind of connection (TCP + Noise + yamux on loopback). Then, for comparison, both
// peers in this one process (where each one's fsync blocks the other), against a round trip on
// the very connection they share.
import { multiaddr } from '@multiformats/multiaddr'
import type { Stream, StreamMessageEvent } from '@libp2p/interface'
import { connectToPeer } from '../shared/cli/connect.ts'
import type { Peer } from '../shared/peer/peer.ts'
import { MemoryStore } from '../shared/peer/storage/memory.ts'
import type { ApiClient } from '../shared/rpc/index.ts'
import { PeerSet } from '../test/helpers/peers.ts'
import { startServe, until, type Serve } from '../test/helpers/proc.ts'
import type { Benchmark, BenchContext } from './lib/bench.ts'
import { within } from './lib/deadline.ts'
import { foundGroup, messageUpdateBytes, newDevice, writeDataDir } from './lib/history.ts'
import { freePorts } from './lib/ports.ts'
import { rawNode } from './lib/raw-node.ts'
import { timeRow, type Row } from './lib/report.ts'
import { scaled } from './lib/scale.ts'
import { startSink } from './lib/sink.ts'
import { median, quantile } from './lib/stats.ts'
import { ECHO_PROTOCOL } from './proc/raw-sink-protocol.ts'

const ARRIVAL_TIMEOUT_MS = 10_000
const P99_TARGET_MS = 2
/** Turns Hearth and the floor take in the two-process measurement. */
const BLOCKS = 10

export const latency: Benchmark = {
  name: 'latency',
  about: 'send → messageAdded on another peer (2 processes, and in 1), p50 and p99',
  async run(ctx) {
    const count = scaled(ctx.scale, 2000, 50)
    const warmup = scaled(ctx.scale, 200, 20)
    const payload = new Uint8Array(await messageUpdateBytes('latency 00000'))

    const apart = await twoProcesses(ctx, count, warmup, payload)
    const durable = await measure(ctx, 'sqlite store (as shipped)', {}, count, warmup, payload)
    const inMemory = await measure(
      ctx,
      'in-memory store (no fsync)',
      { store: () => new MemoryStore() },
      count,
      warmup,
      payload,
    )

    const p50 = (samples: number[]) => median(samples)
    const p99 = (samples: number[]) => quantile(samples, 0.99)
    const apartFloor = 'raw round trip %, 2 processes'
    const sameFloor = 'raw round trip %, same conn.'
    const row = (
      figure: string,
      of: (samples: number[]) => number,
      hearth: number[],
      floor: number[],
      floorIs: string,
      target?: Parameters<typeof timeRow>[5],
    ) =>
      timeRow(
        'latency',
        figure,
        of(hearth),
        of(floor),
        floorIs.replace('%', of === p50 ? 'p50' : 'p99'),
        target,
      )
    return [
      row('2 processes: p50 send → messageAdded', p50, apart.hearth, apart.roundTrips, apartFloor, {
        text: 'p50 ≤ 3× floor',
        met: (ratio) => ratio <= 3,
      }),
      row('2 processes: p99 send → messageAdded', p99, apart.hearth, apart.roundTrips, apartFloor, {
        text: `p99 < ${P99_TARGET_MS} ms`,
        met: (_ratio, ms) => ms < P99_TARGET_MS,
      }),
      row('2 processes: p50 of the send reply', p50, apart.replies, apart.roundTrips, apartFloor),
      row(
        'in 1 process: p50 send → messageAdded',
        p50,
        durable.hearth,
        durable.roundTrips,
        sameFloor,
      ),
      row(
        'in 1 process: p99 send → messageAdded',
        p99,
        durable.hearth,
        durable.roundTrips,
        sameFloor,
      ),
      row(
        'in 1 process, in-memory store: p50',
        p50,
        inMemory.hearth,
        inMemory.roundTrips,
        sameFloor,
      ),
      row(
        'in 1 process, in-memory store: p99',
        p99,
        inMemory.hearth,
        inMemory.roundTrips,
        sameFloor,
      ),
    ] satisfies Row[]
  },
}

/**
 * Two `hearth serve` processes that know each other's address, driven through their APIs; then
 * the floor, a raw node here round-tripping the same payload through a raw-sink process's echo.
 */
async function twoProcesses(
  ctx: BenchContext,
  count: number,
  warmup: number,
  payload: Uint8Array,
): Promise<Samples & { replies: number[] }> {
  const ana = await newDevice('Ana')
  const bo = await newDevice('Bo')
  const group = foundGroup(ana, [bo])
  const state = group.snapshot()
  const groupId = group.groupId
  group.destroy()
  const [portA, portB] = (await freePorts(2)) as [number, number]
  const at = (port: number) => `/ip4/127.0.0.1/tcp/${port}`
  const dirA = ctx.tempDir('latency-ana')
  const dirB = ctx.tempDir('latency-bo')
  writeDataDir(dirA, {
    device: ana,
    groupId,
    state,
    knownPeers: [{ peerId: bo.peerId, addrs: [at(portB)] }],
  })
  writeDataDir(dirB, {
    device: bo,
    groupId,
    state,
    knownPeers: [{ peerId: ana.peerId, addrs: [at(portA)] }],
  })

  const serves: Serve[] = []
  const clients: ApiClient[] = []
  const echo = await startSink('noise')
  const node = await rawNode()
  try {
    for (const [dataDir, port] of [
      [dirA, portA],
      [dirB, portB],
    ] as const) {
      serves.push(await startServe({ dataDir, args: ['--listen', at(port), '--no-mdns'] }))
      clients.push(await connectToPeer(dataDir))
    }
    const [a, b] = clients as [ApiClient, ApiClient]
    await until(async () => (await a.call('status.get', {})).connectedPeers >= 1, {
      what: 'the two hearth serve processes connected',
      timeoutMs: 30_000,
      intervalMs: 100,
    })
    const stream = await node.dialProtocol(multiaddr(echo.addr), ECHO_PROTOCOL, {
      signal: AbortSignal.timeout(10_000),
    })

    const hearth: number[] = []
    const replies: number[] = []
    const roundTrips: number[] = []
    const oneWays: number[] = []
    let sent = 0
    const messages = async (n: number, keep: boolean) => {
      for (let i = 0; i < n; i++, sent++) {
        const text = `latency ${String(sent).padStart(5, '0')}`
        const arrived = new Promise<number>((resolve) => {
          const off = b.on('messageAdded', (p) => {
            if (p.groupId !== groupId || p.message.text !== text) return
            off()
            resolve(performance.now())
          })
        })
        const start = performance.now()
        const replied = a
          .call('messages.send', { group: groupId, text })
          .then(() => performance.now())
        const [arrival, reply] = await within(
          Promise.all([arrived, replied]),
          ARRIVAL_TIMEOUT_MS,
          `message ${sent} reaching B`,
        )
        if (keep) {
          hearth.push(arrival - start)
          replies.push(reply - start)
        }
      }
    }
    // Hearth and the floor take turns in blocks, so both see the same moments of a shared machine.
    const blocks = Math.min(BLOCKS, count)
    const perBlock = Math.ceil(count / blocks)
    ctx.log(
      `latency (2 processes): ${warmup} warm-up + ${blocks} × (${perBlock} messages A → B ` +
        `through the APIs, ${perBlock} raw round trips)`,
    )
    await messages(warmup, false)
    await roundTripsOn(stream, payload, 0, warmup, () => 0)
    for (let i = 0; i < blocks; i++) {
      await messages(perBlock, true)
      const raw = await roundTripsOn(stream, payload, perBlock, 0, () => 0)
      roundTrips.push(...raw.roundTrips)
      oneWays.push(...raw.oneWays)
    }
    stream.abort(new Error('benchmark done'))
    for (const c of clients.splice(0)) c.close()
    // A peer that crashed during the run fails here: stop() wants exit code 0.
    for (const s of serves.splice(0)) await s.stop()
    return { hearth, replies, roundTrips, oneWays }
  } finally {
    for (const c of clients) c.close()
    await Promise.allSettled(serves.map((s) => s.stop()))
    await node.stop()
    await echo.stop()
  }
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
  await b.libp2p.handle(ECHO_PROTOCOL, (stream: Stream) => {
    stream.addEventListener('message', (evt: StreamMessageEvent) => {
      receivedAt = performance.now()
      stream.send(evt.data)
    })
  })
  const connection = a.libp2p.getConnections(b.libp2p.peerId).find((c) => c.status === 'open')
  if (connection === undefined) throw new Error('A and B are not connected after the messages')
  const stream = await connection.newStream(ECHO_PROTOCOL, { signal: AbortSignal.timeout(10_000) })
  try {
    return await roundTripsOn(stream, payload, count, warmup, () => receivedAt)
  } finally {
    stream.abort(new Error('benchmark done'))
    await b.libp2p.unhandle(ECHO_PROTOCOL)
  }
}

/** `warmup` untimed, then `count` timed round trips of `payload` over an echoing stream. */
async function roundTripsOn(
  stream: Stream,
  payload: Uint8Array,
  count: number,
  warmup: number,
  echoedAt: () => number,
): Promise<{ roundTrips: number[]; oneWays: number[] }> {
  const roundTrips: number[] = []
  const oneWays: number[] = []
  for (let i = 0; i < warmup + count; i++) {
    const echoed = echoOf(stream, payload.length)
    const start = performance.now()
    stream.send(payload)
    await within(echoed, ARRIVAL_TIMEOUT_MS, `raw echo ${i}`)
    const end = performance.now()
    if (i >= warmup) {
      roundTrips.push(end - start)
      oneWays.push(echoedAt() - start)
    }
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
