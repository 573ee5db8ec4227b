// Being found when the first mDNS query is lost: one host starts with its link down (so its first
// query goes nowhere) and comes up later, while the other asks the LAN only once an hour. Only
// the start-up schedule and the announcements of lan-announce.ts can bring them together.
import assert from 'node:assert/strict'
import type { ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { z } from 'zod'
import { cleanupStale, createLan, lanAvailable, type Lan } from '../helpers/netns.ts'
import { exited } from '../helpers/spawner.ts'

const available = lanAvailable()
const NODE = fileURLToPath(new URL('./fixtures/mdns-node.ts', import.meta.url))
const Line = z.union([
  z.object({ ready: z.literal(true), peerId: z.string() }),
  z.object({ discovered: z.string() }),
])
type Line = z.infer<typeof Line>

/** A fixture node in `host`, and a way to wait for the first line of its that matches. */
function startNode(lan: Lan, host: string) {
  const child: ChildProcess = lan.spawn(
    host,
    process.execPath,
    ['--disable-warning=ExperimentalWarning', NODE],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  )
  const seen: Line[] = []
  const waiting: { match: (l: Line) => boolean; resolve: (l: Line) => void }[] = []
  if (!child.stdout) throw new Error('the fixture has no stdout pipe')
  createInterface({ input: child.stdout }).on('line', (text) => {
    const line = Line.parse(JSON.parse(text))
    seen.push(line)
    for (const w of waiting.splice(0)) {
      if (w.match(line)) w.resolve(line)
      else waiting.push(w)
    }
  })
  return {
    child,
    next(match: (l: Line) => boolean, what: string): Promise<Line> {
      const already = seen.find(match)
      if (already) return Promise.resolve(already)
      return new Promise((resolve, reject) => {
        waiting.push({ match, resolve })
        child.once('exit', (code) => reject(new Error(`${what}: the node exited (${code})`)))
      })
    },
    async stop() {
      child.kill('SIGTERM')
      await exited(child)
    },
  }
}

test(
  'a host whose first mDNS query was lost is found, and finds, once its link comes up',
  { skip: available.ok ? false : available.reason, timeout: 120_000 },
  async (t) => {
    await cleanupStale()
    const lan = await createLan({ hosts: 2, prefix: '10.231.41' })
    t.after(() => lan.destroy())
    const early = startNode(lan, 'h1')
    t.after(() => early.stop())
    const earlyReady = await early.next((l) => 'ready' in l, 'h1 starting')
    await lan.cut('h2')
    const late = startNode(lan, 'h2')
    t.after(() => late.stop())
    const lateReady = await late.next((l) => 'ready' in l, 'h2 starting')
    await lan.heal('h2')
    assert.ok('peerId' in earlyReady && 'peerId' in lateReady)
    const lateId = lateReady.peerId
    const earlyId = earlyReady.peerId
    await Promise.all([
      early.next((l) => 'discovered' in l && l.discovered === lateId, 'h1 finding h2'),
      late.next((l) => 'discovered' in l && l.discovered === earlyId, 'h2 finding h1'),
    ])
  },
)
