// 1. Live message latency A → B on loopback: `messages.send` on A until B emits `messageAdded`.
// As people run it: A and B are two `hearth serve` processes, and the benchmark (a third process,
// like the UI or a script) sends through A's API and hears B's event through B's API, so the
// bridge is on the path at both ends. Floor: a raw libp2p stream round trip between two processes
// on the same kind of connection (TCP + Noise + yamux on loopback).
// Timed inside the peers: the same two peers (the peer host `hearth serve` runs, without its
// bridge) in two processes that stamp the send and the arrival themselves on one monotonic clock,
// so the path is the one socket hop A → B; the floor is a raw round trip on the very connection A
// and B share, taken in turn with the messages at the same pace, and also back to back.
// Then, for comparison, both peers in this one process (where each one's fsync blocks the other),
// against a round trip on the very connection they share.
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { multiaddr } from '@multiformats/multiaddr'
import type { Stream, StreamMessageEvent } from '@libp2p/interface'
import { z } from 'zod'
import { connectToPeer } from '../shared/cli/connect.ts'
import type { Peer } from '../shared/peer/peer.ts'
import { MemoryStore } from '../shared/peer/storage/memory.ts'
import type { ApiClient } from '../shared/rpc/index.ts'
import { onAbruptExit } from '../test/helpers/abrupt-exit.ts'
import { PeerSet } from '../test/helpers/peers.ts'
import { exited } from '../test/helpers/spawner.ts'
import { startServe, until, type Serve } from '../test/helpers/proc.ts'
import type { Benchmark, BenchContext } from './lib/bench.ts'
import { within } from './lib/deadline.ts'
import { foundGroup, messageUpdateBytes, newDevice, writeDataDir } from './lib/history.ts'
import { JsonLines } from './lib/lines.ts'
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

    const inside = await timedInside(ctx, count, warmup, payload)
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
    const pacedFloor = 'raw round trip %, same conn., paced'
    const backFloor = 'raw round trip %, same conn., back to back'
    return [
      row(
        'timed in the peers: p50 send → messageAdded',
        p50,
        inside.hearth,
        inside.paced,
        pacedFloor,
        {
          text: 'p50 ≤ 3× floor',
          met: (ratio) => ratio <= 3,
        },
      ),
      row(
        'timed in the peers: p99 send → messageAdded',
        p99,
        inside.hearth,
        inside.paced,
        pacedFloor,
        {
          text: `p99 < ${P99_TARGET_MS} ms`,
          met: (_ratio, ms) => ms < P99_TARGET_MS,
        },
      ),
      row(
        'timed in the peers: p50, floor back to back',
        p50,
        inside.hearth,
        inside.backToBack,
        backFloor,
      ),
      row(
        'timed in the peers: p99, floor back to back',
        p99,
        inside.hearth,
        inside.backToBack,
        backFloor,
      ),
      row(
        'timed in the peers: p50 of the send reply',
        p50,
        inside.replies,
        inside.paced,
        pacedFloor,
      ),
      row('2 processes: p50 send → messageAdded', p50, apart.hearth, apart.roundTrips, apartFloor, {
        text: 'p50 ≤ 3× floor',
        met: (ratio) => ratio <= 3,
      }),
      row('2 processes: p99 send → messageAdded', p99, apart.hearth, apart.roundTrips, apartFloor),
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

const LATENCY_PEER = fileURLToPath(new URL('./proc/latency-peer.ts', import.meta.url))
const PeerLine = z.union([
  z.object({ ready: z.literal(true), peerId: z.string() }),
  z.object({ added: z.string(), at: z.string() }),
  z.object({ sent: z.string(), at: z.string(), replied: z.string() }),
  z.object({ connected: z.number() }),
  z.object({ trips: z.array(z.string()) }),
  z.object({ error: z.string() }),
])
type PeerLine = z.infer<typeof PeerLine>

const running = new Set<ChildProcess>()
onAbruptExit(() => {
  for (const child of running) child.kill('SIGKILL')
})

interface TimingPeer {
  readonly peerId: string
  command(value: object): void
  /** The next line that matches; rejects when the peer reports an error or dies. */
  next<T extends PeerLine>(match: (line: PeerLine) => line is T): Promise<T>
  stop(): Promise<void>
}

async function startTimingPeer(
  dataDir: string,
  listen: string,
  tripBytes: number,
): Promise<TimingPeer> {
  const child = spawn(
    process.execPath,
    ['--disable-warning=ExperimentalWarning', LATENCY_PEER, dataDir, listen],
    {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, LATENCY_TRIP_BYTES: String(tripBytes) },
    },
  )
  running.add(child)
  void exited(child).then(() => running.delete(child))
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr = (stderr + s).slice(-8192)))
  const lines = new JsonLines<PeerLine>(child.stdout, PeerLine, 'latency-peer')
  let stopping = false
  child.once('exit', (code, signal) => {
    if (!stopping) lines.fail(new Error(`latency-peer exited (${code ?? signal}): ${stderr}`))
  })
  const next = async <T extends PeerLine>(match: (line: PeerLine) => line is T): Promise<T> => {
    const line = await lines.next((l) => match(l) || 'error' in l)
    if ('error' in line) throw new Error(`latency-peer: ${line.error}`)
    return line as T
  }
  const ready = await within(
    next((l): l is Extract<PeerLine, { ready: true }> => 'ready' in l),
    60_000,
    'latency-peer starting',
  )
  return {
    peerId: ready.peerId,
    command: (value) => child.stdin.write(`${JSON.stringify(value)}\n`),
    next,
    async stop() {
      stopping = true
      child.stdin.end()
      await within(exited(child), 30_000, 'latency-peer exiting')
      if (child.exitCode !== 0)
        console.error(`latency-peer ended with ${child.exitCode}: ${stderr}`)
    },
  }
}

const ms = (fromNs: string, toNs: string) => Number(BigInt(toNs) - BigInt(fromNs)) / 1e6

/**
 * Data folders for Ana and Bo, both members of one group holding nothing yet, each knowing the
 * other at a free loopback port.
 */
async function twoMembers(ctx: BenchContext, prefix: string) {
  const ana = await newDevice('Ana')
  const bo = await newDevice('Bo')
  const group = foundGroup(ana, [bo])
  const state = group.snapshot()
  const groupId = group.groupId
  group.destroy()
  const [portA, portB] = (await freePorts(2)) as [number, number]
  const at = (port: number) => `/ip4/127.0.0.1/tcp/${port}`
  const dirA = ctx.tempDir(`${prefix}-ana`)
  const dirB = ctx.tempDir(`${prefix}-bo`)
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
  return { groupId, dirA, dirB, portA, portB, at }
}

/**
 * The same two peers as `twoProcesses`, each in a process that stamps its own events: A the
 * moment it calls `messages.send` and the moment that replies, B the moment `messageAdded` fires.
 * One message and one raw round trip on A's connection to B take turns, each started only when
 * the one before is over (reply included), so both go at the same pace; then the raw round trips
 * again back to back.
 */
async function timedInside(
  ctx: BenchContext,
  count: number,
  warmup: number,
  payload: Uint8Array,
): Promise<{ hearth: number[]; replies: number[]; paced: number[]; backToBack: number[] }> {
  const { groupId, dirA, dirB, portA, portB, at } = await twoMembers(ctx, 'latency-inside')
  const peers: TimingPeer[] = []
  try {
    const a = await startTimingPeer(dirA, at(portA), payload.length)
    peers.push(a)
    const b = await startTimingPeer(dirB, at(portB), payload.length)
    peers.push(b)
    await until(
      async () => {
        a.command({ status: true })
        const line = await a.next((l): l is { connected: number } => 'connected' in l)
        return line.connected >= 1
      },
      { what: 'the two latency peers connected', timeoutMs: 30_000, intervalMs: 100 },
    )
    const hearth: number[] = []
    const replies: number[] = []
    const paced: number[] = []
    let sent = 0
    const message = async (keep: boolean) => {
      const text = `latency ${String(sent++).padStart(5, '0')}`
      const arrived = b.next(
        (l): l is { added: string; at: string } => 'added' in l && l.added === text,
      )
      const replied = a.next(
        (l): l is { sent: string; at: string; replied: string } => 'sent' in l && l.sent === text,
      )
      a.command({ send: text, group: groupId })
      const [arrival, reply] = await within(
        Promise.all([arrived, replied]),
        ARRIVAL_TIMEOUT_MS,
        `${text} reaching B`,
      )
      if (keep) {
        hearth.push(ms(reply.at, arrival.at))
        replies.push(ms(reply.at, reply.replied))
      }
    }
    const trips = async (n: number): Promise<number[]> => {
      a.command({ trips: n, to: b.peerId })
      const line = await within(
        a.next((l): l is { trips: string[] } => 'trips' in l),
        ARRIVAL_TIMEOUT_MS + n * 100,
        'raw round trips',
      )
      return line.trips.map((ns) => Number(ns) / 1e6)
    }
    ctx.log(
      `latency (timed in the peers): ${warmup} warm-up + ${count} × (a message A → B, then a raw ` +
        `round trip), then ${count} raw round trips back to back`,
    )
    for (let i = 0; i < warmup + count; i++) {
      await message(i >= warmup)
      const [trip] = await trips(1)
      if (i >= warmup && trip !== undefined) paced.push(trip)
    }
    const backToBack = await trips(count)
    for (const p of peers.splice(0)) await p.stop()
    return { hearth, replies, paced, backToBack }
  } finally {
    await Promise.allSettled(peers.map((p) => p.stop()))
  }
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
  const { groupId, dirA, dirB, portA, portB, at } = await twoMembers(ctx, 'latency')

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
