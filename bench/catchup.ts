// 3. Catch-up after reconnect: a member who missed the last 10% of 100,000 messages connects to
// the founder and takes the gap through Hearth's sync (step 1 / step 2, validation, storage).
// Floor: the same gap as raw Yjs (`encodeStateAsUpdate(doc, sv)` + `applyUpdate`) moved over a
// fresh libp2p connection and stream, request and reply.
import fs from 'node:fs'
import { lpStream } from '@libp2p/utils'
import type { Libp2p } from 'libp2p'
import * as Y from 'yjs'
import { checkUpdate } from '../shared/peer/groups/validate.ts'
import { createPeer, type Peer } from '../shared/peer/peer.ts'
import type { Benchmark, BenchContext } from './lib/bench.ts'
import { within } from './lib/deadline.ts'
import { copyDataDir, messageText, writeDataDir, type History } from './lib/history.ts'
import { dialAddr, rawNode } from './lib/raw-node.ts'
import { timeRow, type Row } from './lib/report.ts'
import { scaled } from './lib/scale.ts'
import { median } from './lib/stats.ts'

const GAP_PROTOCOL = '/hearth-bench/catchup/1.0.0'
const MAX_GAP_BYTES = 256 * 1024 * 1024
const SYNC_TIMEOUT_MS = 180_000

export const catchup: Benchmark = {
  name: 'catchup',
  about: 'reconnect with 10% of 100,000 messages missing: time until the gap is applied',
  async run(ctx) {
    const history = await ctx.history()
    const reps = scaled(ctx.scale, 5, 2)
    // Hearth and the floor take turns, so both see the same moments of a shared machine.
    const hearthSide = await hearthCatchUp(ctx, history)
    const rawSide = await rawCatchUp(history)
    const hearth: number[] = []
    const floor: number[] = []
    try {
      ctx.log(
        `catchup: 1 warm-up + ${reps} rounds of a member missing ${history.missing} messages ` +
          'reconnecting, through Hearth and as raw Yjs, in turn',
      )
      for (let i = 0; i <= reps; i++) {
        const h = await hearthSide.once(i)
        const f = await rawSide.once(i)
        if (i > 0) {
          hearth.push(h)
          floor.push(f)
        }
      }
    } finally {
      await hearthSide.stop()
      await rawSide.stop()
    }
    const check = checkOnly(history, reps)
    const gap = `${history.missing} of ${history.total}`
    return [
      timeRow(
        'catchup',
        `gap of ${gap} synced`,
        median(hearth),
        median(floor),
        'raw Yjs gap over libp2p',
        {
          text: '≤ 3× floor',
          met: (ratio) => ratio <= 3,
        },
      ),
      timeRow(
        'catchup',
        'of which: validating the gap',
        median(check),
        median(floor),
        'raw Yjs gap over libp2p',
      ),
    ] satisfies Row[]
  },
}

/** One side of the comparison: `once(i)` times one catch-up; `stop()` ends it. */
interface Side {
  once(i: number): Promise<number>
  stop(): Promise<void>
}

function peerOptions(dataDir: string) {
  return { dataDir, listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false }
}

async function hearthCatchUp(ctx: BenchContext, history: History): Promise<Side> {
  const founderDir = ctx.tempDir('catchup-founder')
  const memberDir = ctx.tempDir('catchup-member')
  writeDataDir(founderDir, {
    device: history.founder,
    groupId: history.groupId,
    state: history.full,
  })
  writeDataDir(memberDir, {
    device: history.member,
    groupId: history.groupId,
    state: history.behind,
  })
  const founder = await createPeer(peerOptions(founderDir))
  const founderAddr = founder.libp2p.getMultiaddrs()[0]
  if (founderAddr === undefined) throw new Error('the founder listens on no address')
  const lastText = messageText(history.total - 1)
  return {
    async once(i) {
      // Each time a fresh copy of the member that missed the gap; its start is not timed.
      const dir = ctx.tempDir(`catchup-member-${i}`)
      fs.rmSync(dir, { recursive: true })
      copyDataDir(memberDir, dir)
      const member: Peer = await createPeer(peerOptions(dir))
      try {
        const synced = member.events.next(
          'groupSynced',
          (p) => p.groupId === history.groupId && p.peerId === founder.peerId,
        )
        const start = performance.now()
        await member.libp2p.dial(founderAddr, { signal: AbortSignal.timeout(10_000) })
        await within(synced, SYNC_TIMEOUT_MS, `catch-up ${i} (member synced from founder)`)
        const elapsed = performance.now() - start
        const [last] = await member.handlers['messages.list']({ group: history.groupId, limit: 1 })
        if (last?.text !== lastText) {
          throw new Error(`after catch-up ${i} the member's last message is "${last?.text}"`)
        }
        return elapsed
      } finally {
        await member.stop()
        fs.rmSync(dir, { recursive: true, force: true })
      }
    },
    stop: () => founder.stop(),
  }
}

async function rawCatchUp(history: History): Promise<Side> {
  const founderDoc = new Y.Doc()
  Y.applyUpdate(founderDoc, history.full)
  const founder = await rawNode()
  const member = await rawNode()
  await founder.handle(GAP_PROTOCOL, async (stream) => {
    const lp = lpStream(stream, { maxDataLength: MAX_GAP_BYTES })
    const sv = await lp.read({ signal: AbortSignal.timeout(30_000) })
    await lp.write(Y.encodeStateAsUpdate(founderDoc, sv.subarray()))
    await stream.close()
  })
  const expected = founderDoc.getMap('msgs').size
  return {
    async once(i) {
      const doc = new Y.Doc()
      Y.applyUpdate(doc, history.behind)
      try {
        const start = performance.now()
        const elapsed = await fetchGap(member, founder, doc, start)
        if (doc.getMap('msgs').size !== expected) {
          throw new Error(
            `raw catch-up ${i} left ${doc.getMap('msgs').size} of ${expected} messages`,
          )
        }
        return elapsed
      } finally {
        doc.destroy()
        await member.hangUp(founder.peerId)
      }
    },
    async stop() {
      await Promise.all([founder.stop(), member.stop()])
      founderDoc.destroy()
    },
  }
}

async function fetchGap(
  member: Libp2p,
  founder: Libp2p,
  doc: Y.Doc,
  start: number,
): Promise<number> {
  const stream = await member.dialProtocol(dialAddr(founder), GAP_PROTOCOL, {
    signal: AbortSignal.timeout(10_000),
  })
  const lp = lpStream(stream, { maxDataLength: MAX_GAP_BYTES })
  await lp.write(Y.encodeStateVector(doc))
  const gap = await lp.read({ signal: AbortSignal.timeout(SYNC_TIMEOUT_MS) })
  Y.applyUpdate(doc, gap.subarray())
  const elapsed = performance.now() - start
  await stream.close()
  return elapsed
}

/** Hearth's check of the gap alone (shape, signatures, ids), on the member's state. */
function checkOnly(history: History, reps: number): number[] {
  const founderDoc = new Y.Doc()
  Y.applyUpdate(founderDoc, history.full)
  const doc = new Y.Doc()
  Y.applyUpdate(doc, history.behind)
  const gap = Y.encodeStateAsUpdate(founderDoc, Y.encodeStateVector(doc))
  const samples: number[] = []
  for (let i = 0; i < reps + 1; i++) {
    const start = performance.now()
    const verdict = checkUpdate(doc, history.groupId, gap)
    const elapsed = performance.now() - start
    if (verdict.kind !== 'accept')
      throw new Error(`the gap does not pass Hearth's check: ${verdict.kind}`)
    if (i > 0) samples.push(elapsed)
  }
  founderDoc.destroy()
  doc.destroy()
  return samples
}
