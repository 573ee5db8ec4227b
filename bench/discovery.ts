// 5. LAN discovery: two hosts in network namespaces on a private bridge, each running
// `hearth serve` with no addresses given; they are members of one group and know nothing of each
// other, so only mDNS can bring them together. Host 1 runs; host 2 starts: time until host 1
// reports the connection. Then the same with host 2's first mDNS query lost (its link is down
// until it is ready). Reference: the mDNS query interval the peer uses; the start-up schedule and
// announcements of shared/peer/lan-announce.ts are what beat it. Needs root; else skipped.
import fs from 'node:fs'
import { fileURLToPath } from 'node:url'
import { z } from 'zod'
import { cleanupStale, createLan, lanAvailable, type Lan } from '../test/helpers/netns.ts'
import { exited } from '../test/helpers/spawner.ts'
import { startServe, type Serve } from '../test/helpers/proc.ts'
import type { Benchmark, BenchContext } from './lib/bench.ts'
import { within } from './lib/deadline.ts'
import { copyDataDir, foundGroup, newDevice, writeDataDir } from './lib/history.ts'
import { JsonLines } from './lib/lines.ts'
import { timeRow, type Row } from './lib/report.ts'
import { scaled } from './lib/scale.ts'
import { median } from './lib/stats.ts'

const WATCH = fileURLToPath(new URL('./proc/watch-events.ts', import.meta.url))
/** shared/peer/node.ts: `mdnsIntervalMs` defaults to 5 s, and `hearth serve` keeps the default. */
const MDNS_INTERVAL_MS = 5_000
const CONNECT_TIMEOUT_MS = 60_000

const WatchLine = z.union([
  z.object({ watching: z.literal(true), connected: z.array(z.string()) }),
  z.object({ event: z.enum(['peerConnected', 'peerDisconnected']), peerId: z.string() }),
])
type WatchLine = z.infer<typeof WatchLine>

interface Timing {
  fromSpawn: number
  fromReady: number
}

export const discovery: Benchmark = {
  name: 'discovery',
  about: 'two hosts in network namespaces find each other by mDNS (root only)',
  async run(ctx) {
    const available = lanAvailable()
    if (!available.ok) {
      ctx.log(`discovery: SKIPPED (${available.reason})`)
      return []
    }
    const reps = scaled(ctx.scale, 5, 2)
    await cleanupStale()
    const lan = await createLan({ hosts: 2, prefix: '10.231.77' })
    try {
      return await measure(ctx, lan, reps)
    } finally {
      await lan.destroy()
    }
  },
}

async function measure(ctx: BenchContext, lan: Lan, reps: number): Promise<Row[]> {
  const first = await newDevice('h1')
  const second = await newDevice('h2')
  const group = foundGroup(first, [second])
  const state = group.snapshot()
  const firstDir = ctx.tempDir('discovery-h1')
  const secondDir = ctx.tempDir('discovery-h2')
  writeDataDir(firstDir, { device: first, groupId: group.groupId, state })
  writeDataDir(secondDir, { device: second, groupId: group.groupId, state })
  group.destroy()

  const host1 = await startServe({ dataDir: firstDir, spawn: lan.spawner('h1') })
  const watcher = lan.spawn(
    'h1',
    process.execPath,
    ['--disable-warning=ExperimentalWarning', WATCH, firstDir],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  )
  const lines = new JsonLines<WatchLine>(
    watcher.stdout as NodeJS.ReadableStream,
    WatchLine,
    'the event watcher',
  )
  watcher.once('exit', (code) => lines.fail(new Error(`the event watcher exited (${code})`)))
  try {
    await within(
      lines.next((l) => 'watching' in l),
      30_000,
      'the event watcher subscribing on h1',
    )
    const event = (name: string, peerId: string) =>
      lines.next((l) => 'event' in l && l.event === name && l.peerId === peerId)

    const join = async (i: number, loseFirstQuery: boolean): Promise<Timing> => {
      // A fresh copy each time: host 2 must not remember host 1's address from the last run.
      const dir = ctx.tempDir(`discovery-h2-${loseFirstQuery ? 'lost' : 'plain'}-${i}`)
      fs.rmSync(dir, { recursive: true })
      copyDataDir(secondDir, dir)
      if (loseFirstQuery) await lan.cut('h2')
      const connected = event('peerConnected', second.peerId)
      const start = performance.now()
      let host2: Serve | undefined
      try {
        host2 = await startServe({ dataDir: dir, spawn: lan.spawner('h2') })
        const ready = performance.now()
        // Ready means libp2p has started, so mDNS has sent its first query: into a dead link.
        if (loseFirstQuery) await lan.heal('h2')
        await within(connected, CONNECT_TIMEOUT_MS, `h1 seeing h2 connect (run ${i})`)
        const end = performance.now()
        return { fromSpawn: end - start, fromReady: end - ready }
      } finally {
        if (loseFirstQuery) await lan.heal('h2')
        if (host2) {
          const gone = event('peerDisconnected', second.peerId)
          await host2.stop()
          await within(gone, 30_000, `h1 seeing h2 leave (run ${i})`)
        }
      }
    }

    ctx.log(`discovery: ${reps} starts of h2 beside a running h1, mDNS only`)
    const plain: Timing[] = []
    for (let i = 0; i < reps; i++) plain.push(await join(i, false))
    ctx.log(`discovery: ${reps} starts of h2 with its first mDNS query lost`)
    const lost: Timing[] = []
    for (let i = 0; i < reps; i++) lost.push(await join(i, true))

    const interval = `mDNS query interval (${MDNS_INTERVAL_MS / 1000} s)`
    const m = (ts: Timing[], key: keyof Timing) => median(ts.map((t) => t[key]))
    return [
      timeRow(
        'discovery',
        'h2 ready → connected',
        m(plain, 'fromReady'),
        MDNS_INTERVAL_MS,
        interval,
      ),
      timeRow(
        'discovery',
        'h2 process start → connected',
        m(plain, 'fromSpawn'),
        MDNS_INTERVAL_MS,
        interval,
        { text: '≤ 1 s', met: (_ratio, ms) => ms <= 1000 },
      ),
      timeRow(
        'discovery',
        'first query lost: ready → connected',
        m(lost, 'fromReady'),
        MDNS_INTERVAL_MS,
        interval,
        {
          text: '≤ 2 s',
          met: (_ratio, ms) => ms <= 2000,
        },
      ),
      timeRow(
        'discovery',
        'first query lost: worst of runs',
        Math.max(...lost.map((t) => t.fromReady)),
        MDNS_INTERVAL_MS,
        interval,
      ),
    ]
  } finally {
    watcher.kill('SIGTERM')
    await exited(watcher)
    await host1.stop()
  }
}
