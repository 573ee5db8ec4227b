// Profiling aid (not a benchmark): builds a history, then checks the gap of its last 10% many
// times, so `node --cpu-prof bench/proc/check-gap.ts [TOTAL] [ROUNDS]` shows where the check goes.
import * as Y from 'yjs'
import { checkUpdate } from '../../shared/peer/groups/validate.ts'
import { buildHistory } from '../lib/history.ts'

const total = Number(process.argv[2] ?? 100_000)
const rounds = Number(process.argv[3] ?? 20)
const history = await buildHistory(total, Math.round(total / 10))
const founderDoc = new Y.Doc()
Y.applyUpdate(founderDoc, history.full)
const doc = new Y.Doc()
Y.applyUpdate(doc, history.behind)
const gap = Y.encodeStateAsUpdate(founderDoc, Y.encodeStateVector(doc))
const samples: number[] = []
const cpu: number[] = []
for (let i = 0; i < rounds; i++) {
  const start = performance.now()
  const cpuStart = process.cpuUsage()
  const verdict = checkUpdate(doc, history.groupId, gap)
  samples.push(performance.now() - start)
  const used = process.cpuUsage(cpuStart)
  cpu.push((used.user + used.system) / 1000)
  if (verdict.kind !== 'accept') throw new Error(`the gap does not pass: ${verdict.kind}`)
}
samples.sort((a, b) => a - b)
cpu.sort((a, b) => a - b)
const applyStart = performance.now()
Y.applyUpdate(doc, gap)
const applyMs = performance.now() - applyStart
console.log(
  `check of ${history.missing} entries: median ${samples[samples.length >> 1]?.toFixed(1)} ms, ` +
    `min ${samples[0]?.toFixed(1)} ms, CPU median ${cpu[cpu.length >> 1]?.toFixed(1)} ms over ` +
    `${rounds}; Y.applyUpdate ${applyMs.toFixed(1)} ms`,
)
