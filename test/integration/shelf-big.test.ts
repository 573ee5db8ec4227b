// A 200 MB shelf file between three real peers over TCP: added on A, it reaches C and then B
// byte-identical, B fetching it from C while A is offline, with memory flat throughout (all three
// peers run in this process, so one resident-memory figure covers them all).
import { after, test } from 'node:test'
import assert from 'node:assert/strict'
import path from 'node:path'
import type { EventPayload } from '../../shared/api/contract.ts'
import type { Peer } from '../../shared/peer/peer.ts'
import { sha256File, writeRandomFile } from '../../shared/peer/shelves/test-fixtures.ts'
import { PeerSet, until } from '../helpers/peers.ts'
import { tempDirs } from '../helpers/proc.ts'

const MiB = 1024 * 1024
const SIZE = 200 * 1000 * 1000

const peers = new PeerSet()
const dirs = tempDirs()
after(async () => {
  await peers.cleanup()
  dirs.removeAll()
})

/** Runs `work` while recording the highest RSS seen at each of `peer`'s progress events. */
async function peakRssDuring<T>(peer: Peer, work: () => Promise<T>): Promise<[T, number]> {
  let peak = process.memoryUsage.rss()
  const off = peer.events.subscribe((name) => {
    if (name === 'transferProgressed') peak = Math.max(peak, process.memoryUsage.rss())
  })
  try {
    return [await work(), Math.max(peak, process.memoryUsage.rss())]
  } finally {
    off()
  }
}

test('a 200 MB file reaches two members byte-identical, the second from the first while the adder is offline', async () => {
  const work = dirs.make('shelf-big')
  const original = path.join(work, 'video.bin')
  const expected = await writeRandomFile(original, SIZE)

  const a = await peers.start('Ana')
  const c = await peers.start('Cy')
  const { groupId, invite } = await a.peer.handlers['groups.create']({ name: 'Film club' })
  await c.peer.handlers['groups.join']({ invite })
  const added = await a.peer.handlers['shelf.add']({ group: groupId, path: original })
  assert.deepEqual([added.sha256, added.size], [expected, SIZE])
  await until(c.peer, 'Cy sees the entry', async () =>
    (await c.peer.handlers['shelf.list']({ group: groupId })).some(
      (f) => f.fileId === added.fileId && !f.local,
    ),
  )

  const idle = process.memoryUsage.rss()
  const atC = path.join(work, 'at-c.bin')
  const [gotC, peakC] = await peakRssDuring(c.peer, () =>
    c.peer.handlers['shelf.get']({ group: groupId, fileId: added.fileId, out: atC }),
  )
  assert.equal(gotC.sha256, expected)
  assert.equal(await sha256File(atC), expected)
  assert.ok(peakC - idle < 100 * MiB, `C's fetch grew RSS by ${(peakC - idle) / MiB} MiB`)

  // An invite naming Cy, so Bo can join with Ana gone; then Ana leaves the network.
  await until(a.peer, 'Ana sees Cy connected', async () =>
    (await a.peer.handlers['peers.list']({})).some((p) => p.name === 'Cy' && p.connected),
  )
  const { invite: naming } = await a.peer.handlers['groups.invite']({ group: groupId })
  await a.peer.stop()

  const b = await peers.start('Bo')
  const sources: number[] = []
  b.peer.events.subscribe((name, payload) => {
    if (name === 'transferProgressed') {
      sources.push((payload as EventPayload<'transferProgressed'>).sources)
    }
  })
  await b.peer.handlers['groups.join']({ invite: naming })
  const atB = path.join(work, 'at-b.bin')
  const [gotB, peakB] = await peakRssDuring(b.peer, () =>
    b.peer.handlers['shelf.get']({ group: groupId, fileId: added.fileId, out: atB }),
  )
  assert.equal(gotB.sha256, expected)
  assert.equal(await sha256File(atB), expected)
  assert.ok(peakB - idle < 100 * MiB, `B's fetch grew RSS by ${(peakB - idle) / MiB} MiB`)
  assert.ok(
    sources.every((n) => n <= 1),
    'only Cy was there to send it',
  )
  const listed = await b.peer.handlers['shelf.list']({ group: groupId })
  assert.deepEqual(
    listed.map((f) => [f.fileId, f.sha256, f.size, f.local]),
    [[added.fileId, expected, SIZE, true]],
  )
})
