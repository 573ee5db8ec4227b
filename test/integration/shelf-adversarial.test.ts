// Hostile shelf peers against real ones over TCP. Misbehaving members are real peers whose blob
// service serves through a lying store (corrupted chunks, more bytes than declared, stalls); a
// stranger is a plain libp2p node with none of Hearth in it.
import { after, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync, readdirSync } from 'node:fs'
import path from 'node:path'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { tcp } from '@libp2p/tcp'
import { multiaddr } from '@multiformats/multiaddr'
import { createLibp2p } from 'libp2p'
import type { EventPayload } from '../../shared/api/contract.ts'
import type { Peer } from '../../shared/peer/peer.ts'
import {
  BLOB_PROTOCOL,
  BlobStore,
  CHUNK_SIZE,
  blobIdOf,
  type Manifest,
} from '../../shared/peer/shelves/index.ts'
import { encodeFrame } from '../../shared/peer/sync/frames.ts'
import {
  collect,
  corruptChunks,
  servingFrom,
  sha256File,
  writeRandomFile,
} from '../../shared/peer/shelves/test-fixtures.ts'
import { PeerSet, until, type TestPeer } from '../helpers/peers.ts'
import { tempDirs } from '../helpers/proc.ts'

const peers = new PeerSet()
const dirs = tempDirs()
const stalled: (() => void)[] = []
after(async () => {
  for (const release of stalled.splice(0)) release()
  await peers.cleanup()
  dirs.removeAll()
})

type Lie = 'corrupt' | 'oversize' | 'stall'

/** A real member whose blob service serves through a store that lies once `lying` is on. */
async function startLiar(name: string, lie: Lie, lying: { on: boolean }, told: Lie[]) {
  const dataDir = dirs.make(`shelf-liar-${name}`)
  const store = await BlobStore.open(dataDir)
  const lying_ = servingFrom(store, async (_hash, real) => {
    if (!lying.on || real === null) return real
    told.push(lie)
    switch (lie) {
      case 'corrupt': {
        const bad = Buffer.from(real)
        bad[bad.length >> 1] = (bad[bad.length >> 1] ?? 0) ^ 0x40
        return bad
      }
      case 'oversize':
        // Only the short last chunk can carry more than declared within the frame cap.
        return real.length < CHUNK_SIZE ? Buffer.concat([real, Buffer.alloc(99)]) : real
      case 'stall':
        return new Promise((resolve) => stalled.push(() => resolve(real)))
    }
  })
  return peers.start(
    name,
    { node: { blob: { store: lying_, host: { sharesAGroup: () => true, mayRead: () => true } } } },
    dataDir,
  )
}

const listedLocal = async (p: Peer, group: string, fileId: string) =>
  (await p.handlers['shelf.list']({ group })).find((f) => f.fileId === fileId)?.local === true

describe('hostile shelf peers', () => {
  test('corrupted, oversized and stalled chunks are rejected and fetched from an honest member; nothing partial is listed as here', async () => {
    const work = dirs.make('shelf-adv')
    const original = path.join(work, 'plans.bin')
    // Over the size members fetch on their own: every fetch here is one someone asked for.
    const size = 50 * CHUNK_SIZE + 4321
    const expected = await writeRandomFile(original, size)

    const blocked = new Set<string>()
    const a = await peers.start('Ana')
    const lying = { on: false }
    const told: Lie[] = []
    const liars: TestPeer[] = []
    for (const lie of ['corrupt', 'oversize', 'stall'] as const) {
      liars.push(await startLiar(lie, lie, lying, told))
    }
    const { groupId } = await a.peer.handlers['groups.create']({ name: 'Office' })
    const { invite: many } = await a.peer.handlers['groups.invite']({ group: groupId, uses: 10 })
    for (const liar of liars) await liar.peer.handlers['groups.join']({ invite: many })
    const { fileId } = await a.peer.handlers['shelf.add']({ group: groupId, path: original })
    // While they tell the truth, every liar fetches the file.
    for (const liar of liars) {
      await until(liar.peer, `${liar.name} sees the file`, async () =>
        (await liar.peer.handlers['shelf.list']({ group: groupId })).some(
          (f) => f.fileId === fileId,
        ),
      )
      await liar.peer.handlers['shelf.get']({
        group: groupId,
        fileId,
        out: path.join(work, `at-${liar.name}.bin`),
      })
      await until(a.peer, `Ana sees ${liar.name}`, async () =>
        (await a.peer.handlers['peers.list']({})).some(
          (p) => p.peerId === liar.peer.peerId && p.connected,
        ),
      )
    }
    lying.on = true

    // Bo cannot reach Ana (his firewall), only the liars.
    const b = await peers.start('Bo', {
      transfer: { limits: { chunkTimeoutMs: 1_500 } },
      node: { isBlocked: (peerId) => blocked.has(peerId) },
    })
    blocked.add(a.peer.peerId)
    // With only the liars in reach, Bo's download ends its attempt with all of them dropped and
    // waits for someone else. Lies are told only during an attempt, so a wait after all three
    // were told follows the attempt that met the last of them.
    let waitingAfterAllLies = false
    b.peer.events.subscribe((name, payload) => {
      if (name !== 'transferChanged') return
      const { fileId: id, state } = payload as EventPayload<'transferChanged'>
      if (id === fileId && state === 'waiting' && new Set(told).size === 3) {
        waitingAfterAllLies = true
      }
    })
    const { invite: naming } = await a.peer.handlers['groups.invite']({ group: groupId })
    await b.peer.handlers['groups.join']({ invite: naming })
    await until(b.peer, 'Bo is connected to every liar and sees the file', async () => {
      const connected = (await b.peer.handlers['peers.list']({})).filter((p) => p.connected)
      const files = await b.peer.handlers['shelf.list']({ group: groupId })
      return (
        liars.every((l) => connected.some((p) => p.peerId === l.peer.peerId)) &&
        files.some((f) => f.fileId === fileId)
      )
    })
    await b.peer.handlers['shelf.download']({ group: groupId, fileId })
    await until(b.peer, 'Bo tried every liar and now waits', () => waitingAfterAllLies, 60_000)
    assert.deepEqual(
      new Set(told),
      new Set(['corrupt', 'oversize', 'stall']),
      'every liar was asked',
    )
    // Whatever Bo kept is verified, but the file is not whole, so it is not listed as here.
    const manifest = await (await BlobStore.open(dirs.make('shelf-adv-probe'))).importFile(original)
    const blobs = path.join(b.dataDir, 'blobs')
    assert.equal(await listedLocal(b.peer, groupId, fileId), false, 'a partial file is not here')
    assert.ok(heldChunks(blobs, manifest) < manifest.chunks.length)
    assert.deepEqual(await corruptChunks({ root: blobs }), [])

    // Ana comes into reach: the file completes from her, the liars still in the source list.
    blocked.clear()
    await b.peer.libp2p.dial(a.peer.addrs().map((s) => multiaddr(s)))
    const out = path.join(work, 'at-bo.bin')
    const got = await b.peer.handlers['shelf.get']({ group: groupId, fileId, out })
    assert.equal(got.sha256, expected)
    assert.equal(await sha256File(out), expected)
    assert.equal(await listedLocal(b.peer, groupId, fileId), true)
    assert.equal(heldChunks(blobs, manifest), manifest.chunks.length)
    assert.deepEqual(await corruptChunks({ root: blobs }), [])
    assert.deepEqual(readdirSync(path.join(blobs, 'tmp')), [], 'no temp data left')
  })

  test('a stranger (a plain libp2p node) asking for a blob by hash gets its stream reset and zero bytes', async () => {
    const work = dirs.make('shelf-stranger')
    const original = path.join(work, 'secret.bin')
    await writeRandomFile(original, 2 * CHUNK_SIZE)
    const a = await peers.start('Ana')
    const { groupId } = await a.peer.handlers['groups.create']({ name: 'Family' })
    await a.peer.handlers['shelf.add']({ group: groupId, path: original })
    const manifest = await (
      await BlobStore.open(dirs.make('shelf-stranger-probe'))
    ).importFile(original)
    const blobId = blobIdOf(manifest)

    const stranger = await createLibp2p({
      addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
      transports: [tcp()],
      connectionEncrypters: [noise()],
      streamMuxers: [yamux()],
    })
    try {
      const requests = [
        { op: 'manifest', groupId, blobId },
        { op: 'chunks', groupId, blobId, chunks: [0, 1] },
      ]
      for (const request of requests) {
        const stream = await stranger.dialProtocol(
          a.peer.addrs().map((s) => multiaddr(s)),
          BLOB_PROTOCOL,
          {
            signal: AbortSignal.timeout(10_000),
          },
        )
        const { parts: received, closed } = collect(stream)
        try {
          stream.send(encodeFrame(new TextEncoder().encode(JSON.stringify(request))))
          await stream.close()
        } catch {
          // The reset may come first: then there is nothing to write to, which is the point.
        }
        const error = await closed
        assert.ok(error !== undefined, 'the stream was reset, not answered')
        assert.equal(Buffer.concat(received).length, 0, 'zero bytes came back')
      }
    } finally {
      await stranger.stop()
    }
  })
})

/** How many of the manifest's chunks are stored under `blobs` (read without opening a store). */
function heldChunks(blobs: string, manifest: Manifest): number {
  return manifest.chunks.filter((hash) =>
    existsSync(path.join(blobs, 'chunks', hash.slice(0, 2), hash)),
  ).length
}
