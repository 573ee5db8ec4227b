// 2. Append cost as history grows: one message at 100,000 messages against one at 1,000, in the
// group model (sign + Y.Map + index) and through a whole peer (plus sqlite, fsync and the
// periodic compaction, amortized). Floor: a raw Y.Map.set on a plain doc of the same size; a
// Y.Array push is shown for contrast, since a single array of messages is what grows.
import * as Y from 'yjs'
import { createPeer, type Peer } from '../shared/peer/peer.ts'
import type { GroupReplica } from '../shared/peer/groups/index.ts'
import type { Benchmark, BenchContext } from './lib/bench.ts'
import {
  foundGroup,
  messageText,
  writeDataDir,
  writeMessages,
  type History,
} from './lib/history.ts'
import { quantityRow, timeRow, type Row } from './lib/report.ts'
import { scaled } from './lib/scale.ts'
import { mean, median } from './lib/stats.ts'

const SMALL = 1000
/** The peer compacts every 1000 stored updates (peer.ts); a window this long holds one. */
const PEER_SENDS = 1000

export const append: Benchmark = {
  name: 'append',
  about: 'cost of one message at 100,000 messages against at 1,000 (flat is the target)',
  async run(ctx) {
    const history = await ctx.history()
    const big = history.total
    const rounds = 3
    const perRound = scaled(ctx.scale, 400, 100)
    const warmup = 50
    const label = (n: number) => (n >= 1000 ? `${Math.round(n / 1000)}k` : String(n))

    ctx.log(
      `append: group model, ${rounds} rounds of ${perRound} appends at ${label(SMALL)} and ${label(big)}`,
    )
    const replicaSmall: number[] = []
    const replicaBig: number[] = []
    for (let r = 0; r < rounds; r++) {
      const small = foundGroup(history.founder, [history.member])
      writeMessages(small, SMALL)
      replicaSmall.push(...timeAppends(small, warmup, perRound, SMALL + r * 100_000))
      small.destroy()
      replicaBig.push(...timeAppends(history.replica, warmup, perRound, big + r * 100_000))
    }

    ctx.log('append: raw Y.Map.set and Y.Array push on plain docs of the same sizes')
    const mapSmall = timeRaw('map', SMALL, rounds * perRound)
    const mapBig = timeRaw('map', big, rounds * perRound)
    const arraySmall = timeRaw('array', SMALL, rounds * perRound)
    const arrayBig = timeRaw('array', big, rounds * perRound)

    ctx.log(
      `append: whole peer (sqlite, fsync, compaction), ${PEER_SENDS} sends at ${label(SMALL)} and ${label(big)}`,
    )
    const [peerSmall = [], peerBig = []] = await timePeerSends(ctx, history, [SMALL, big])

    const m = (xs: number[]) => median(xs)
    const growth = (a: number, b: number) => a / b
    const mapGrowth = growth(m(mapBig), m(mapSmall))
    const flat = { text: 'growth ≤ 2×', met: (_ratio: number, value: number) => value <= 2 }
    return [
      timeRow(
        'append',
        `group model, at ${label(SMALL)}`,
        m(replicaSmall),
        m(mapSmall),
        `Y.Map.set at ${label(SMALL)}`,
      ),
      timeRow(
        'append',
        `group model, at ${label(big)}`,
        m(replicaBig),
        m(mapBig),
        `Y.Map.set at ${label(big)}`,
      ),
      quantityRow(
        'append',
        `group model growth ${label(big)} ÷ ${label(SMALL)}`,
        { value: growth(m(replicaBig), m(replicaSmall)), unit: '×' },
        { value: mapGrowth, unit: '×', what: 'Y.Map.set growth' },
        { target: flat },
      ),
      timeRow(
        'append',
        `peer send, amortized, at ${label(SMALL)}`,
        mean(peerSmall),
        m(mapSmall),
        `Y.Map.set at ${label(SMALL)}`,
      ),
      timeRow(
        'append',
        `peer send, amortized, at ${label(big)}`,
        mean(peerBig),
        m(mapBig),
        `Y.Map.set at ${label(big)}`,
      ),
      quantityRow(
        'append',
        `peer send growth ${label(big)} ÷ ${label(SMALL)} (amortized)`,
        { value: growth(mean(peerBig), mean(peerSmall)), unit: '×' },
        { value: mapGrowth, unit: '×', what: 'Y.Map.set growth' },
        { target: flat },
      ),
      timeRow(
        'append',
        `peer send, slowest of ${PEER_SENDS} at ${label(big)}`,
        Math.max(...peerBig),
        Math.max(...peerSmall),
        `slowest of ${PEER_SENDS} at ${label(SMALL)}`,
      ),
      quantityRow(
        'append',
        `peer send growth ${label(big)} ÷ ${label(SMALL)} (median)`,
        { value: growth(m(peerBig), m(peerSmall)), unit: '×' },
        { value: mapGrowth, unit: '×', what: 'Y.Map.set growth' },
      ),
      timeRow(
        'append',
        `contrast: Y.Array push at ${label(big)}`,
        m(arrayBig),
        m(mapBig),
        `Y.Map.set at ${label(big)}`,
      ),
      quantityRow(
        'append',
        `contrast: Y.Array push growth ${label(big)} ÷ ${label(SMALL)}`,
        { value: growth(m(arrayBig), m(arraySmall)), unit: '×' },
        { value: mapGrowth, unit: '×', what: 'Y.Map.set growth' },
      ),
    ] satisfies Row[]
  },
}

/** Per-append ms of `count` messages through the group model (signing, Yjs, index, events). */
function timeAppends(
  replica: GroupReplica,
  warmup: number,
  count: number,
  firstIndex: number,
): number[] {
  const samples: number[] = []
  for (let i = 0; i < warmup + count; i++) {
    const text = messageText(firstIndex + i)
    const start = performance.now()
    replica.sendMessage(text)
    if (i >= warmup) samples.push(performance.now() - start)
  }
  return samples
}

/** An entry shaped like a signed message (same fields, same sizes), unsigned. */
function plainEntry(i: number): Record<string, unknown> {
  return {
    v: 1,
    group: 'g'.repeat(26),
    author: `12D3KooW${'a'.repeat(44)}`,
    ts: 1_700_000_000_000 + i,
    text: messageText(i),
    replyTo: null,
    sig: 's'.repeat(86),
  }
}

/** Per-operation ms of `count` single writes, each its own transaction, on a doc holding `size`. */
function timeRaw(kind: 'map' | 'array', size: number, count: number): number[] {
  const doc = new Y.Doc()
  const key = (i: number) => `k${String(i).padStart(25, '0')}`
  if (kind === 'map') {
    const map = doc.getMap('msgs')
    doc.transact(() => {
      for (let i = 0; i < size; i++) map.set(key(i), plainEntry(i))
    })
  } else {
    // One push of many items leaves the same single struct that many merged pushes leave.
    doc.getArray('msgs').push(Array.from({ length: size }, (_, i) => plainEntry(i)))
  }
  const samples: number[] = []
  for (let i = size; i < size + count + 50; i++) {
    const value = plainEntry(i)
    const start = performance.now()
    if (kind === 'map') doc.transact(() => doc.getMap('msgs').set(key(i), value))
    else doc.transact(() => doc.getArray('msgs').push([value]))
    if (i >= size + 50) samples.push(performance.now() - start)
  }
  doc.destroy()
  return samples
}

/** Sends timed in turn, in blocks of this many, so both sizes see the same moments of the machine. */
const SEND_BLOCK = 50

/**
 * Per-send ms of PEER_SENDS `messages.send` calls on real peers, one holding each of `sizes`
 * messages. The peers take turns in blocks, as the other benchmarks alternate Hearth and floor:
 * a load change on the shared machine then falls on every size alike instead of showing up as
 * growth.
 */
async function timePeerSends(
  ctx: BenchContext,
  history: History,
  sizes: readonly number[],
): Promise<number[][]> {
  const peers: { peer: Peer; groupId: string; size: number; samples: number[] }[] = []
  try {
    for (const size of sizes) {
      const dir = ctx.tempDir(`append-${size}`)
      let group = { groupId: history.groupId, state: history.full }
      if (size !== history.total) {
        const replica = foundGroup(history.founder, [history.member])
        writeMessages(replica, size)
        group = { groupId: replica.groupId, state: replica.snapshot() }
        replica.destroy()
      }
      writeDataDir(dir, { device: history.founder, ...group })
      const peer = await createPeer({ dataDir: dir, listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false })
      peers.push({ peer, groupId: group.groupId, size, samples: [] })
    }
    for (let sent = 0; sent < PEER_SENDS; sent += SEND_BLOCK) {
      for (const p of peers) {
        for (let i = sent; i < Math.min(sent + SEND_BLOCK, PEER_SENDS); i++) {
          const start = performance.now()
          await p.peer.handlers['messages.send']({
            group: p.groupId,
            text: messageText(p.size + i),
          })
          p.samples.push(performance.now() - start)
        }
      }
    }
    return peers.map((p) => p.samples)
  } finally {
    for (const { peer } of peers) await peer.stop()
  }
}
