import { noise } from '@chainsafe/libp2p-noise'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { tls } from '@libp2p/tls'
import { multiaddr } from '@multiformats/multiaddr'
import assert from 'node:assert/strict'
import { readdirSync } from 'node:fs'
import path from 'node:path'
import { describe, test } from 'node:test'
import { HearthError } from '../../api/index.ts'
import { encodeFrame } from '../sync/frames.ts'
import { BlobStore } from './blob-store.ts'
import { CHUNK_SIZE, blobIdOf, chunkLength } from './manifest.ts'
import {
  GROUP,
  Notifier,
  collect,
  OTHER_GROUP,
  connect,
  corruptChunks,
  listTree,
  servingFrom,
  sha256File,
  share,
  startShelfPeer,
  tempDir,
  writeRandomFile,
} from './test-fixtures.ts'
import { BLOB_PROTOCOL, FRAME_BUSY, FRAME_REFUSED, MAX_CHUNKS_PER_REQUEST } from './wire.ts'
import type { FetchProgress, FetchResult } from './fetcher.ts'
import type { Manifest } from './manifest.ts'
import type { ShelfPeer, ShelfPeerOptions } from './test-fixtures.ts'
import type { TransferLimits } from './transfer.ts'
import type { TestContext } from 'node:test'

const utf8 = new TextEncoder()
const isCode = (code: string) => (err: unknown) =>
  err instanceof HearthError && err.code === code ? true : assert.fail(`expected ${code}: ${err}`)
const allIndexes = (m: Manifest): number[] => m.chunks.map((_, i) => i)
const sorted = (xs: Iterable<number>): number[] => [...xs].sort((x, y) => x - y)

/** A file of `size` random bytes added to `peer`'s store; returns its manifest and hash. */
async function addFile(t: TestContext, peer: ShelfPeer, size: number) {
  const file = path.join(tempDir(t, 'src'), 'file.bin')
  const sha256 = await writeRandomFile(file, size)
  const manifest = await peer.store.importFile(file)
  return { file, sha256, manifest, blobId: blobIdOf(manifest) }
}

/** Exports from `peer` and compares with the original's hash; B's temp folder must be empty. */
async function assertHolds(t: TestContext, peer: ShelfPeer, m: Manifest, sha256: string) {
  const out = path.join(tempDir(t, 'out'), 'copy.bin')
  await peer.store.exportTo(m, out)
  assert.equal(await sha256File(out), sha256)
  assert.deepEqual(await corruptChunks(peer.store), [])
  assert.deepEqual(readdirSync(path.join(peer.store.root, 'tmp')), [])
}

interface RawAnswer {
  received: Uint8Array
  error: Error | undefined
}

/** Speaks the protocol by hand, like a modified client: writes `frames`, reads until close. */
async function rawExchange(
  from: ShelfPeer,
  to: ShelfPeer,
  frames: Uint8Array[],
  opts: { pause?: boolean } = {},
): Promise<RawAnswer> {
  const stream = await from.node.dialProtocol(multiaddr(to.addr), BLOB_PROTOCOL, {
    signal: AbortSignal.timeout(10_000),
  })
  // A stranger's stream may be reset before we get to write.
  const { parts, closed } = collect(stream)
  if (opts.pause === true) stream.pause()
  try {
    for (const frame of frames) stream.send(frame)
  } catch (err) {
    return {
      received: Buffer.concat(parts),
      error: err instanceof Error ? err : new Error(String(err)),
    }
  }
  const closing = stream.close().then(
    () => undefined,
    (err: unknown) => err, // the server may reset first; the close event reports it
  )
  const error = await closed
  await closing
  return { received: Buffer.concat(parts), error }
}

function requestFrame(fields: Record<string, unknown>): Uint8Array {
  return encodeFrame(utf8.encode(JSON.stringify(fields)))
}

/**
 * A honest member A and a misbehaving member C both hold the file; B fetches from [C, A].
 * `lie` decides what C serves instead of the real chunk.
 */
async function fetchPastALiar(
  t: TestContext,
  size: number,
  lie: (real: Uint8Array | null) => Promise<Uint8Array | null>,
  bLimits?: Partial<TransferLimits>,
) {
  const n = new Notifier()
  const a = await startShelfPeer(t, n)
  const liarOpts: ShelfPeerOptions = {
    wrap: (store) => servingFrom(store, (_h, real) => lie(real)),
  }
  const c = await startShelfPeer(t, n, liarOpts)
  const b = await startShelfPeer(t, n, { limits: bLimits })
  const { file, sha256, manifest, blobId } = await addFile(t, a, size)
  await c.store.importFile(file)
  share(a, blobId, b)
  share(c, blobId, b)
  await connect(b, a)
  await connect(b, c)
  const result = await b.blobs.fetchBlob({
    manifest,
    groupId: GROUP,
    sources: [c.node.peerId, a.node.peerId],
  })
  await assertHolds(t, b, manifest, sha256)
  assert.deepEqual(
    result.dropped.map((d) => d.peerId),
    [c.peerId],
  )
  assert.equal(result.bySource[a.peerId], manifest.size - (result.bySource[c.peerId] ?? 0))
  const strikes = b.strikes.filter((s) => s.peerId === c.peerId)
  assert.equal(strikes.length, 1, JSON.stringify(b.strikes))
  return { a, b, c, manifest, result, reason: strikes[0]?.reason ?? '' }
}

describe('/hearth/blob/1.0.0', () => {
  test('a 20 MB file moves byte-identical, each chunk sent once', async (t) => {
    const n = new Notifier()
    const a = await startShelfPeer(t, n)
    const b = await startShelfPeer(t, n)
    const { sha256, manifest, blobId } = await addFile(t, a, 20_000_000)
    share(a, blobId, b)
    await connect(b, a)

    const fetched = await b.blobs.fetchManifest({
      groupId: GROUP,
      blobId,
      sources: [a.node.peerId],
    })
    assert.deepEqual(fetched, manifest)
    const progress: FetchProgress[] = []
    const result = await b.blobs.fetchBlob({
      manifest: fetched,
      groupId: GROUP,
      sources: [a.node.peerId],
      onProgress: (p) => progress.push(p),
    })
    assert.equal(result.blobId, blobId)
    assert.equal(result.fetchedBytes, manifest.size)
    assert.deepEqual(result.bySource, { [a.peerId]: manifest.size })
    assert.deepEqual(result.dropped, [])
    await assertHolds(t, b, manifest, sha256)
    assert.deepEqual(sorted(a.served.map((s) => s.index)), allIndexes(manifest))
    assert.ok(a.served.every((s) => s.peerId === b.peerId && s.blobId === blobId))

    assert.equal(progress.length, manifest.chunks.length + 1)
    assert.deepEqual(progress[0], { bytes: 0, total: manifest.size, rate: 0, sources: 0 })
    for (const [i, p] of progress.entries()) {
      assert.equal(p.total, manifest.size)
      assert.ok(p.bytes >= (progress[i - 1]?.bytes ?? 0))
      assert.ok(p.rate >= 0 && p.sources <= 1)
    }
    assert.equal(progress.at(-1)?.bytes, manifest.size)

    // Everything is here: fetching again asks nobody for anything.
    const again = await b.blobs.fetchBlob({ manifest, groupId: GROUP, sources: [a.node.peerId] })
    assert.equal(again.fetchedBytes, 0)
    assert.equal(a.served.length, manifest.chunks.length)
  })

  test('many small files asked for at once all arrive: requests wait for a stream slot', async (t) => {
    const n = new Notifier()
    const a = await startShelfPeer(t, n)
    const b = await startShelfPeer(t, n)
    const files = []
    for (let i = 0; i < 40; i++) files.push(await addFile(t, a, 1000 + i))
    for (const f of files) share(a, f.blobId, b)
    await connect(b, a)
    await Promise.all(
      files.map(async (f) => {
        const manifest = await b.blobs.fetchManifest({
          groupId: GROUP,
          blobId: f.blobId,
          sources: [a.node.peerId],
        })
        await b.blobs.fetchBlob({ manifest, groupId: GROUP, sources: [a.node.peerId] })
      }),
    )
    for (const f of files) assert.deepEqual(await b.store.missingChunks(f.manifest), [])
    assert.equal(a.served.length, files.length)
    assert.deepEqual(b.strikes, [])
  })

  test('a chunk buffer is reused only after the store has written its bytes', async (t) => {
    const n = new Notifier()
    const a = await startShelfPeer(t, n)
    const calls = { written: 0, intact: 0, early: 0 }
    const b = await startShelfPeer(t, n, {
      // A slow disk: each chunk becomes durable only a while after its bytes were written, so
      // the fetch reuses buffers while earlier chunks are still on their way to the disk.
      wrap: (store) => ({
        ...servingFrom(store, async (_hash, real) => real),
        putChunk: async (hash, bytes, options) => {
          const copy = Uint8Array.from(bytes)
          let written = false
          await store.putChunk(hash, bytes, {
            onWritten: () => {
              written = true
              calls.written++
              if (Buffer.from(bytes).equals(copy)) calls.intact++
              options?.onWritten?.()
            },
          })
          if (!written) calls.early++
          await new Promise((resolve) => setTimeout(resolve, 5))
        },
      }),
      limits: { chunksPerRequest: 2, streamsPerSource: 2, maxChunksInFlight: 8 },
    })
    const { sha256, manifest, blobId } = await addFile(t, a, 20 * CHUNK_SIZE + 1)
    share(a, blobId, b)
    await connect(b, a)
    await b.blobs.fetchBlob({ manifest, groupId: GROUP, sources: [a.node.peerId] })
    await assertHolds(t, b, manifest, sha256)
    assert.deepEqual(calls, {
      written: manifest.chunks.length,
      intact: manifest.chunks.length,
      early: 0,
    })
  })

  test('fetches from two sources at once, no chunk twice', async (t) => {
    const n = new Notifier()
    const a = await startShelfPeer(t, n)
    const c = await startShelfPeer(t, n)
    const b = await startShelfPeer(t, n)
    const { file, sha256, manifest, blobId } = await addFile(t, a, 20 * CHUNK_SIZE)
    await c.store.importFile(file)
    share(a, blobId, b)
    share(c, blobId, b)
    await connect(b, a)
    await connect(b, c)
    const progress: FetchProgress[] = []
    const result = await b.blobs.fetchBlob({
      manifest,
      groupId: GROUP,
      sources: [a.node.peerId, c.node.peerId],
      onProgress: (p) => progress.push(p),
    })
    await assertHolds(t, b, manifest, sha256)
    assert.ok((result.bySource[a.peerId] ?? 0) > 0)
    assert.ok((result.bySource[c.peerId] ?? 0) > 0)
    const fromA = a.served.map((s) => s.index)
    const fromC = c.served.map((s) => s.index)
    assert.deepEqual(sorted([...fromA, ...fromC]), allIndexes(manifest))
    // The first chunk lands while both sources still have requests open.
    assert.equal(progress[1]?.sources, 2)
  })

  test('chunks spread over members: each comes from whoever holds it', async (t) => {
    const n = new Notifier()
    const a = await startShelfPeer(t, n)
    const c = await startShelfPeer(t, n)
    const b = await startShelfPeer(t, n)
    const { sha256, manifest, blobId } = await addFile(t, a, 8 * CHUNK_SIZE + 99)
    // C holds the manifest and only the even chunks.
    await c.store.putManifest(manifest)
    for (const [i, hash] of manifest.chunks.entries()) {
      const bytes = await a.store.readChunk(hash)
      if (i % 2 === 0 && bytes !== null) await c.store.putChunk(hash, bytes)
    }
    share(a, blobId, b)
    share(c, blobId, b)
    await connect(b, a)
    await connect(b, c)

    // C alone cannot complete it; what it had is kept.
    await assert.rejects(
      b.blobs.fetchBlob({ manifest, groupId: GROUP, sources: [c.node.peerId] }),
      isCode('NO_MEMBER_REACHABLE'),
    )
    assert.deepEqual(
      await b.store.missingChunks(manifest),
      allIndexes(manifest).filter((i) => i % 2 === 1),
    )
    assert.deepEqual(b.strikes, [])

    await b.blobs.fetchBlob({
      manifest,
      groupId: GROUP,
      sources: [c.node.peerId, a.node.peerId],
    })
    await assertHolds(t, b, manifest, sha256)
    assert.deepEqual(
      sorted(a.served.map((s) => s.index)),
      allIndexes(manifest).filter((i) => i % 2 === 1),
    )
  })

  test('a source serving corrupted chunks is dropped; nothing corrupt is stored', async (t) => {
    const { a, reason } = await fetchPastALiar(t, 6 * CHUNK_SIZE, async (real) => {
      if (real === null) return null
      const bad = Buffer.from(real)
      bad[12345] = (bad[12345] ?? 0) ^ 1
      return bad
    })
    assert.match(reason, /does not match its hash/)
    assert.ok(
      a.served.some((s) => s.index === 0),
      'the rejected chunk came from A',
    )
  })

  test('a source sending more bytes than declared is dropped', async (t) => {
    // Only the short last chunk is padded: the frame is within the cap, the length is wrong.
    const size = 2 * CHUNK_SIZE + CHUNK_SIZE / 2
    const { a, reason } = await fetchPastALiar(t, size, async (real) =>
      real !== null && real.length < CHUNK_SIZE ? Buffer.concat([real, Buffer.alloc(100)]) : real,
    )
    assert.match(reason, /more bytes than declared/)
    assert.ok(a.served.some((s) => s.index === 2))
  })

  test('a frame larger than any chunk is refused before it is allocated', async (t) => {
    const { reason } = await fetchPastALiar(t, 3 * CHUNK_SIZE, async (real) =>
      real === null ? null : Buffer.concat([real, Buffer.alloc(1)]),
    )
    assert.match(reason, /exceeds the \d+ cap/)
  })

  test('a source that stalls is dropped after the per-chunk timeout', async (t) => {
    const stalled: (() => void)[] = []
    t.after(() => stalled.forEach((release) => release()))
    const { a, reason } = await fetchPastALiar(
      t,
      12 * CHUNK_SIZE,
      (real) =>
        new Promise((resolve) => {
          stalled.push(() => resolve(real))
        }),
      { chunkTimeoutMs: 1_000 },
    )
    assert.match(reason, /stalled/)
    assert.ok(stalled.length > 0)
    assert.equal(a.served.length, 12)
  })

  test('a stranger, or a member asking through the wrong group, gets zero bytes', async (t) => {
    const n = new Notifier()
    const a = await startShelfPeer(t, n)
    const stranger = await startShelfPeer(t, n)
    const otherMember = await startShelfPeer(t, n)
    const { manifest, blobId } = await addFile(t, a, 3 * CHUNK_SIZE)
    share(a, blobId) // on GROUP's shelf; the stranger is in no group
    a.host.allow(OTHER_GROUP, otherMember.peerId) // a member of a group the blob is not shelved in
    await connect(stranger, a)
    await connect(otherMember, a)

    // A stranger's stream is reset before A reads or sends a byte; a member of another group
    // gets one REFUSED frame and nothing else.
    const askers = [
      [stranger, GROUP, /closed|reset/, []],
      [otherMember, GROUP, /refused/, [1, FRAME_REFUSED]],
      [otherMember, OTHER_GROUP, /refused/, [1, FRAME_REFUSED]],
    ] as const
    for (const [peer, groupId, why] of askers) {
      await assert.rejects(
        peer.blobs.fetchManifest({ groupId, blobId, sources: [a.node.peerId] }),
        (err: unknown) => isCode('NO_MEMBER_REACHABLE')(err) && why.test(String(err)),
      )
    }
    for (const [peer, groupId, why, answer] of askers) {
      // Even knowing the manifest (from the index of a group it left, say) gets it nothing.
      const fetching = peer.blobs.fetchBlob({ manifest, groupId, sources: [a.node.peerId] })
      await assert.rejects(
        fetching,
        (err: unknown) => isCode('NO_MEMBER_REACHABLE')(err) && why.test(String(err)),
      )
      const raw = await rawExchange(peer, a, [
        requestFrame({ op: 'chunks', groupId, blobId, chunks: [0, 1, 2] }),
      ])
      assert.deepEqual([...raw.received], answer)
      if (answer.length === 0) assert.ok(raw.error !== undefined, 'the stream was reset')
      assert.deepEqual(await listTree(path.join(peer.store.root, 'chunks')), [])
    }
    assert.deepEqual(a.served, [])
    assert.deepEqual(a.strikes, [], 'asking is not misbehaving')
  })

  test('killed half way and restarted, the fetch re-fetches no verified chunk', async (t) => {
    const n = new Notifier()
    const a = await startShelfPeer(t, n)
    const key = await generateKeyPair('Ed25519')
    const bDir = tempDir(t, 'restart')
    // A window of 4 chunks: when it is killed at half, at most 4 more can land, so some are
    // still missing however fast the machine (with the default window all 21 are asked at once).
    const smallWindow = { maxChunksInFlight: 4, chunksPerRequest: 2, streamsPerSource: 2 }
    let b = await startShelfPeer(t, n, { dir: bDir, privateKey: key, limits: smallWindow })
    const { sha256, manifest, blobId } = await addFile(t, a, 20 * CHUNK_SIZE + 1)
    share(a, blobId, b)
    await connect(b, a)

    const kill = new AbortController()
    await assert.rejects(
      b.blobs.fetchBlob({
        manifest,
        groupId: GROUP,
        sources: [a.node.peerId],
        signal: kill.signal,
        onProgress: (p) => {
          if (p.bytes >= p.total / 2) kill.abort(new Error('killed half way'))
        },
      }),
      /killed half way/,
    )
    const openBlobStreams = b.node
      .getConnections()
      .flatMap((c) => c.streams)
      .filter((s) => s.protocol === BLOB_PROTOCOL && s.status === 'open')
    assert.deepEqual(openBlobStreams, [], 'a cancelled fetch leaves no stream open')
    await b.node.stop()

    const missing = await (await BlobStore.open(bDir)).missingChunks(manifest)
    const held = allIndexes(manifest).filter((i) => !missing.includes(i))
    assert.ok(held.length >= manifest.chunks.length / 2 && missing.length > 0)

    const servedBefore = a.served.length
    b = await startShelfPeer(t, n, { dir: bDir, privateKey: key })
    await connect(b, a)
    const result: FetchResult = await b.blobs.fetchBlob({
      manifest,
      groupId: GROUP,
      sources: [a.node.peerId],
    })
    const second = a.served.slice(servedBefore).map((s) => s.index)
    assert.deepEqual(
      second.filter((i) => held.includes(i)),
      [],
      'no verified chunk asked for again',
    )
    assert.deepEqual(sorted([...held, ...second]), allIndexes(manifest))
    assert.equal(
      result.fetchedBytes,
      second.reduce((sum, i) => sum + chunkLength(manifest, i), 0),
    )
    await assertHolds(t, b, manifest, sha256)
  })

  test('a manifest that does not match its id is refused and fetched elsewhere', async (t) => {
    const n = new Notifier()
    const a = await startShelfPeer(t, n)
    const decoy = await addFile(t, a, CHUNK_SIZE + 1)
    const liar = await startShelfPeer(t, n, {
      wrap: (store) =>
        servingFrom(
          store,
          async (_h, real) => real,
          async () => decoy.manifest,
        ),
    })
    const b = await startShelfPeer(t, n)
    const { manifest, blobId } = await addFile(t, a, 2 * CHUNK_SIZE)
    share(a, blobId, b)
    share(liar, blobId, b)
    await connect(b, a)
    await connect(b, liar)
    const fetched = await b.blobs.fetchManifest({
      groupId: GROUP,
      blobId,
      sources: [liar.node.peerId, a.node.peerId],
    })
    assert.deepEqual(fetched, manifest)
    assert.deepEqual(await b.store.getManifest(blobId), manifest)
    assert.equal(b.strikes.length, 1)
    assert.equal(b.strikes[0]?.peerId, liar.peerId)
    assert.match(b.strikes[0]?.reason ?? '', /manifest/)
  })

  test('malformed requests close the stream and strike; the server keeps serving', async (t) => {
    const n = new Notifier()
    const a = await startShelfPeer(t, n)
    const b = await startShelfPeer(t, n)
    const { sha256, manifest, blobId } = await addFile(t, a, 2 * CHUNK_SIZE)
    share(a, blobId, b)
    await connect(b, a)
    const tooMany = Array.from({ length: MAX_CHUNKS_PER_REQUEST + 1 }, (_, i) => i)
    const attacks: Uint8Array[][] = [
      [Uint8Array.of(0xff, 0xff, 0xff, 0xff, 0x0f)], // a length prefix claiming 4 GiB
      [encodeFrame(new Uint8Array(0))],
      [encodeFrame(Uint8Array.of(0xc3, 0x28))], // not UTF-8
      [encodeFrame(utf8.encode('{"op":"chunks"'))],
      [requestFrame({ op: 'chunks', groupId: GROUP, blobId })],
      [requestFrame({ op: 'chunks', groupId: GROUP, blobId, chunks: tooMany })],
      [requestFrame({ op: 'chunks', groupId: GROUP, blobId, chunks: [1, 1] })],
      [requestFrame({ op: 'chunks', groupId: GROUP, blobId, chunks: [-1] })],
      [requestFrame({ op: 'chunks', groupId: GROUP, blobId: '../../x', chunks: [0] })],
      [requestFrame({ op: 'delete', groupId: GROUP, blobId })],
      [requestFrame({ op: 'manifest', groupId: GROUP, blobId, extra: 1 })],
    ]
    for (const [i, frames] of attacks.entries()) {
      const answer = await rawExchange(b, a, frames)
      assert.ok(answer.error !== undefined, `attack ${i} was not cut off`)
      assert.equal(answer.received.length, 0, `attack ${i} got an answer`)
    }
    assert.equal(a.strikes.length, attacks.length)
    assert.ok(a.strikes.every((s) => s.peerId === b.peerId))
    assert.deepEqual(a.served, [])

    await b.blobs.fetchBlob({ manifest, groupId: GROUP, sources: [a.node.peerId] })
    await assertHolds(t, b, manifest, sha256)
  })

  for (const [name, encrypter] of [
    ['TLS', tls],
    ['Noise', noise],
  ] as const) {
    test(`a reader that stops reading gets no more than the window, then is cut off (${name})`, async (t) => {
      const n = new Notifier()
      const encrypters = [encrypter()]
      const a = await startShelfPeer(t, n, { limits: { drainTimeoutMs: 500 }, encrypters })
      const b = await startShelfPeer(t, n, { encrypters })
      const { blobId } = await addFile(t, a, 8 * CHUNK_SIZE)
      share(a, blobId, b)
      await connect(b, a)
      const chunks = [0, 1, 2, 3, 4, 5, 6, 7]
      const answer = await rawExchange(
        b,
        a,
        [requestFrame({ op: 'chunks', groupId: GROUP, blobId, chunks })],
        { pause: true },
      )
      assert.ok(answer.error !== undefined, 'the stream was reset')
      // A chunk counts as served once the stream has taken all of it. The paused reader's window
      // (256 KiB) is smaller than one chunk, so A must have waited at the first one until its
      // drain timeout; before back-pressure.ts, a 'drain' of the connection let all 8 MiB through.
      assert.deepEqual(a.served, [])
    })
  }

  test('a peer opening more streams than its share is told we are busy', async (t) => {
    const n = new Notifier()
    const pending: (() => void)[] = []
    t.after(() => pending.forEach((release) => release()))
    const a = await startShelfPeer(t, n, {
      limits: { maxStreamsPerPeer: 2 },
      wrap: (store) =>
        servingFrom(
          store,
          (_h, real) =>
            new Promise((resolve) => {
              pending.push(() => resolve(real))
              n.notify()
            }),
        ),
    })
    const b = await startShelfPeer(t, n)
    const { blobId } = await addFile(t, a, 2 * CHUNK_SIZE)
    share(a, blobId, b)
    await connect(b, a)
    const held = [0, 1].map((i) =>
      rawExchange(b, a, [requestFrame({ op: 'chunks', groupId: GROUP, blobId, chunks: [i] })]),
    )
    await n.until(() => pending.length === 2, 'A serving two streams')
    const third = await rawExchange(b, a, [
      requestFrame({ op: 'manifest', groupId: GROUP, blobId }),
    ])
    assert.deepEqual([...third.received], [1, FRAME_BUSY])
    pending.forEach((release) => release())
    const answers = await Promise.all(held)
    assert.ok(answers.every((x) => x.error === undefined && x.received.length > CHUNK_SIZE))
  })

  test('fetching with no one to ask, or from ourselves, fails with a reason', async (t) => {
    const n = new Notifier()
    const a = await startShelfPeer(t, n)
    const { manifest, blobId } = await addFile(t, a, CHUNK_SIZE)
    const b = await startShelfPeer(t, n)
    await assert.rejects(
      b.blobs.fetchManifest({ groupId: GROUP, blobId, sources: [] }),
      isCode('NO_MEMBER_REACHABLE'),
    )
    await assert.rejects(
      b.blobs.fetchBlob({ manifest, groupId: GROUP, sources: [b.node.peerId] }),
      isCode('NO_MEMBER_REACHABLE'),
    )
    // The manifest is kept for a later attempt (it came from the shelf index, so it is trusted).
    assert.deepEqual(await b.blobs.fetchManifest({ groupId: GROUP, blobId, sources: [] }), manifest)
    const bad = { groupId: GROUP, sources: [a.node.peerId] }
    await assert.rejects(b.blobs.fetchManifest({ ...bad, blobId: '../x' }), isCode('BAD_INPUT'))
    await assert.rejects(
      b.blobs.fetchManifest({ ...bad, groupId: 'x', blobId }),
      isCode('BAD_INPUT'),
    )
    await assert.rejects(
      b.blobs.fetchBlob({ ...bad, manifest: { ...manifest, chunks: [] } }),
      isCode('BAD_INPUT'),
    )
    await assert.rejects(b.blobs.fetchBlob({ ...bad, groupId: 'x', manifest }), isCode('BAD_INPUT'))
    // We hold it ourselves: no network needed.
    assert.deepEqual(await a.blobs.fetchManifest({ groupId: GROUP, blobId, sources: [] }), manifest)
    const done = await a.blobs.fetchBlob({ manifest, groupId: GROUP, sources: [] })
    assert.equal(done.fetchedBytes, 0)
  })
})
