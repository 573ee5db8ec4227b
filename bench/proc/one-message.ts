// Profiling aid (not a benchmark): the per-message work on each side of a live message, in one
// process without the network. `node bench/proc/one-message.ts [COUNT]` prints the median cost of
// a send (sign, schema, Yjs write and its update) and of a receive (check and apply).
import { GroupReplica, HybridClock } from '../../shared/peer/groups/index.ts'
import { foundGroup, newDevice } from '../lib/history.ts'

const count = Number(process.argv[2] ?? 5000)
const ana = await newDevice('Ana')
const bo = await newDevice('Bo')
const a = foundGroup(ana, [bo])
const b = GroupReplica.load(a.groupId, [a.snapshot()], {
  signer: bo.signer,
  clock: new HybridClock(Date.now),
})
let last: Uint8Array | null = null
a.on('update', (update) => (last = update))
const sends: number[] = []
const receives: number[] = []
for (let i = 0; i < count; i++) {
  const t0 = performance.now()
  a.sendMessage(`latency ${String(i).padStart(5, '0')}`)
  const t1 = performance.now()
  const update = last as Uint8Array | null
  if (update === null) throw new Error('no update')
  const result = await b.applyRemote(update, ana.peerId)
  const t2 = performance.now()
  if (result.kind !== 'applied') throw new Error(`not applied: ${result.kind}`)
  sends.push(t1 - t0)
  receives.push(t2 - t1)
}
const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[xs.length >> 1] ?? 0
const us = (ms: number) => `${(ms * 1000).toFixed(0)} µs`
console.log(`send ${us(median(sends))}, check+apply ${us(median(receives))} (median of ${count})`)
