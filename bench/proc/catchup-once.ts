// Profiling aid (not a benchmark): the catch-up of bench/catchup.ts, founder and member in this
// one process, `ROUNDS` times: `node bench/proc/catchup-once.ts [TOTAL] [ROUNDS] [PROFILE]`
// writes a CPU profile of the catch-ups alone (dial to groupSynced) to PROFILE.
import fs from 'node:fs'
import { Session } from 'node:inspector/promises'
import os from 'node:os'
import path from 'node:path'
import { createPeer } from '../../shared/peer/peer.ts'
import { buildHistory, copyDataDir, writeDataDir } from '../lib/history.ts'

const total = Number(process.argv[2] ?? 100_000)
const rounds = Number(process.argv[3] ?? 3)
const profileTo = process.argv[4]
const session = new Session()
session.connect()
await session.post('Profiler.enable')
const history = await buildHistory(total, Math.round(total / 10))
const root = fs.mkdtempSync(path.join(os.tmpdir(), 'hearth-catchup-once-'))
const founderDir = path.join(root, 'founder')
const memberDir = path.join(root, 'member')
writeDataDir(founderDir, { device: history.founder, groupId: history.groupId, state: history.full })
writeDataDir(memberDir, { device: history.member, groupId: history.groupId, state: history.behind })
const options = (dataDir: string) => ({ dataDir, listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false })
const founder = await createPeer(options(founderDir))
const addr = founder.libp2p.getMultiaddrs()[0]
if (addr === undefined) throw new Error('no address')
for (let i = 0; i < rounds; i++) {
  const dir = path.join(root, `member-${i}`)
  copyDataDir(memberDir, dir)
  const member = await createPeer(options(dir))
  const synced = member.events.next('groupSynced', (p) => p.peerId === founder.peerId)
  if (profileTo !== undefined) await session.post('Profiler.start')
  const start = performance.now()
  await member.libp2p.dial(addr)
  await synced
  const elapsed = performance.now() - start
  if (profileTo !== undefined) {
    const { profile } = await session.post('Profiler.stop')
    fs.writeFileSync(`${profileTo}.${i}.cpuprofile`, JSON.stringify(profile))
  }
  console.log(`catch-up ${i}: ${elapsed.toFixed(0)} ms`)
  await member.stop()
}
await founder.stop()
fs.rmSync(root, { recursive: true, force: true })
