// 7. Fan-out: one message to 20 peers, each a separate `hearth serve` process on loopback, all
// members of one group and connected to each other as they would be on a LAN. Time from
// `messages.send` on the sender until every other peer has emitted `messageAdded`. Floor: the
// same payload from one bare libp2p node over 20 open streams to 20 bare receiver processes.
import { multiaddr } from '@multiformats/multiaddr'
import type { Stream } from '@libp2p/interface'
import { connectToPeer } from '../shared/cli/connect.ts'
import type { ApiClient } from '../shared/rpc/index.ts'
import { startServe, until, type Serve } from '../test/helpers/proc.ts'
import type { Benchmark, BenchContext } from './lib/bench.ts'
import { within } from './lib/deadline.ts'
import { header } from './lib/framing.ts'
import {
  foundGroup,
  messageUpdateBytes,
  newDevice,
  writeDataDir,
  type Device,
} from './lib/history.ts'
import { freePorts } from './lib/ports.ts'
import { rawNode } from './lib/raw-node.ts'
import { timeRow, type Row } from './lib/report.ts'
import { scaled } from './lib/scale.ts'
import { startSink, type Sink } from './lib/sink.ts'
import { median } from './lib/stats.ts'
import { SINK_PROTOCOL } from './proc/raw-sink-protocol.ts'

/** Receivers in a full run; BENCH_SCALE shrinks the group like every other size. */
const FULL_RECEIVERS = 20
const WARMUP = 3
const ARRIVAL_TIMEOUT_MS = 30_000
const MESH_TIMEOUT_MS = 120_000

export const fanout: Benchmark = {
  name: 'fanout',
  about: 'one message to 20 peers (separate processes): time until all have it',
  async run(ctx) {
    const rounds = scaled(ctx.scale, 30, 5)
    const receivers = scaled(ctx.scale, FULL_RECEIVERS, 5)
    const payload = new Uint8Array(await messageUpdateBytes(text(0)))
    const hearth = await hearthFanOut(ctx, rounds, receivers)
    const floor = await rawFanOut(ctx, rounds, receivers, payload)
    const raw = (what: string) => `raw, ${receivers} streams, ${what}`
    return [
      timeRow(
        'fanout',
        `1 → ${receivers} peers, median`,
        median(hearth),
        median(floor),
        raw('median'),
      ),
      timeRow(
        'fanout',
        `1 → ${receivers} peers, worst`,
        Math.max(...hearth),
        Math.max(...floor),
        raw('worst'),
      ),
    ] satisfies Row[]
  },
}

const text = (i: number) => `fan-out ${String(i).padStart(4, '0')}: dinner is at eight`

async function hearthFanOut(
  ctx: BenchContext,
  rounds: number,
  receiverCount: number,
): Promise<number[]> {
  const devices: Device[] = []
  for (let i = 0; i <= receiverCount; i++) devices.push(await newDevice(`peer${i}`))
  const [sender, ...receivers] = devices as [Device, ...Device[]]
  const group = foundGroup(sender, receivers)
  const state = group.snapshot()
  const groupId = group.groupId
  group.destroy()
  // Fixed ports, each peer remembering everyone's: they mesh at start as mDNS would make them.
  const ports = await freePorts(devices.length)
  const addrOf = (i: number) => `/ip4/127.0.0.1/tcp/${ports[i]}`
  const dirs = devices.map((device, i) => {
    const dir = ctx.tempDir(`fanout-${device.name}`)
    const knownPeers = devices
      .map((other, j) => ({ peerId: other.peerId, addrs: [addrOf(j)] }))
      .filter((_, j) => j !== i)
    writeDataDir(dir, { device, groupId, state, knownPeers })
    return dir
  })

  ctx.log(`fanout: starting ${devices.length} hearth serve processes`)
  const startedAt = performance.now()
  const serves: Serve[] = []
  const clients: ApiClient[] = []
  try {
    const started = await Promise.allSettled(
      dirs.map((dataDir, i) =>
        startServe({
          dataDir,
          args: ['--listen', addrOf(i), '--no-mdns'],
          readyTimeoutMs: 180_000,
        }),
      ),
    )
    for (const s of started) if (s.status === 'fulfilled') serves.push(s.value)
    const failed = started.find((s) => s.status === 'rejected')
    if (failed) throw failed.reason
    for (const dir of dirs) clients.push(await connectToPeer(dir))

    const meshStart = performance.now()
    ctx.log(`fanout: all ready after ${((meshStart - startedAt) / 1000).toFixed(1)} s`)
    const connectedCounts = async () =>
      (await Promise.all(clients.map((c) => c.call('status.get', {})))).map((s) => s.connectedPeers)
    await until(async () => ((await connectedCounts())[0] ?? 0) >= receiverCount, {
      what: `the sender connected to all ${receiverCount} other peers`,
      timeoutMs: MESH_TIMEOUT_MS,
      intervalMs: 500,
      explain: async () => `connected peers of each: ${(await connectedCounts()).join(' ')}`,
    })
    try {
      await until(async () => (await connectedCounts()).every((n) => n >= receiverCount), {
        what: `all ${devices.length} peers connected to each other`,
        timeoutMs: MESH_TIMEOUT_MS,
        intervalMs: 500,
        explain: async () => `connected peers of each: ${(await connectedCounts()).join(' ')}`,
      })
      const seconds = ((performance.now() - meshStart) / 1000).toFixed(1)
      ctx.log(`fanout: full mesh of ${devices.length} peers ${seconds} s after all were ready`)
    } catch (err) {
      // Relays still carry the message; measure as it is, but say so.
      ctx.log(`fanout: WARNING, no full mesh: ${err instanceof Error ? err.message : String(err)}`)
    }

    const [senderClient, ...receiverClients] = clients as [ApiClient, ...ApiClient[]]
    ctx.log(`fanout: Hearth, ${WARMUP} warm-up + ${rounds} messages to ${receiverCount} peers`)
    const samples: number[] = []
    for (let i = 0; i < WARMUP + rounds; i++) {
      const body = text(i)
      const arrivals = receiverClients.map((c) => arrival(c, groupId, body))
      const start = performance.now()
      await senderClient.call('messages.send', { group: groupId, text: body })
      const times = await within(
        Promise.all(arrivals),
        ARRIVAL_TIMEOUT_MS,
        `message ${i} reaching all ${receiverCount} peers`,
      ).catch((err: unknown) => {
        throw new Error(`${String(err)}; ${describeDead(serves)}`, { cause: err })
      })
      if (i >= WARMUP) samples.push(Math.max(...times) - start)
    }
    for (const c of clients.splice(0)) c.close()
    // A peer that crashed during the rounds fails here: stop() wants exit code 0.
    await stopAll(serves.splice(0))
    return samples
  } finally {
    for (const c of clients) c.close()
    const stopped = await Promise.allSettled(serves.map((s) => s.stop()))
    for (const s of stopped) if (s.status === 'rejected') ctx.log(`fanout: ${String(s.reason)}`)
  }
}

async function stopAll(serves: readonly Serve[]): Promise<void> {
  const stopped = await Promise.allSettled(serves.map((s) => s.stop()))
  const failed = stopped.find((s) => s.status === 'rejected')
  if (failed) throw failed.reason
}

/** Which peer processes died, with the end of what they said: why a message went missing. */
function describeDead(serves: readonly Serve[]): string {
  const dead = serves.filter((s) => s.proc.exitCode !== null || s.proc.signalCode !== null)
  if (dead.length === 0) return 'every peer process is still running'
  return dead
    .map(
      (s) =>
        `peer process ${s.proc.pid} ended (${s.proc.exitCode ?? s.proc.signalCode}): ${s.stderr().slice(-800)}`,
    )
    .join('\n')
}

/** Resolves with the time `client`'s peer emitted `messageAdded` for `body`. */
function arrival(client: ApiClient, groupId: string, body: string): Promise<number> {
  return new Promise((resolve) => {
    const off = client.on('messageAdded', (p) => {
      if (p.groupId !== groupId || p.message.text !== body) return
      off()
      resolve(performance.now())
    })
  })
}

async function rawFanOut(
  ctx: BenchContext,
  rounds: number,
  receiverCount: number,
  payload: Uint8Array,
): Promise<number[]> {
  ctx.log(`fanout: floor, starting ${receiverCount} bare libp2p receivers`)
  const sinks: Sink[] = []
  const sender = await rawNode()
  try {
    const started = await Promise.allSettled(
      Array.from({ length: receiverCount }, () => startSink('noise')),
    )
    for (const s of started) if (s.status === 'fulfilled') sinks.push(s.value)
    const failed = started.find((s) => s.status === 'rejected')
    if (failed) throw failed.reason
    const streams: Stream[] = await Promise.all(
      sinks.map((sink) =>
        sender.dialProtocol(multiaddr(sink.addr), SINK_PROTOCOL, {
          signal: AbortSignal.timeout(30_000),
        }),
      ),
    )
    const frame = new Uint8Array(header(payload.length).length + payload.length)
    frame.set(header(payload.length))
    frame.set(payload, header(payload.length).length)

    ctx.log(`fanout: floor, ${WARMUP} warm-up + ${rounds} payloads over ${receiverCount} streams`)
    const samples: number[] = []
    for (let i = 0; i < WARMUP + rounds; i++) {
      const arrivals = sinks.map(async (sink) => {
        const got = await sink.next()
        if (got !== payload.length)
          throw new Error(`a receiver got ${got} bytes, not ${payload.length}`)
        return performance.now()
      })
      const start = performance.now()
      for (const stream of streams) stream.send(frame)
      const times = await within(
        Promise.all(arrivals),
        ARRIVAL_TIMEOUT_MS,
        `raw payload ${i} reaching all receivers`,
      )
      if (i >= WARMUP) samples.push(Math.max(...times) - start)
    }
    return samples
  } finally {
    await sender.stop()
    await Promise.allSettled(sinks.map((s) => s.stop()))
  }
}
