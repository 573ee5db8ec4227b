// The batched `blobs` request: whole small blobs, many per stream, checked before a byte is kept.
// The misbehaving member is a scripted source: a bare libp2p node that speaks the protocol by
// hand, answering from a real store and then lying as each test tells it to.
import { generateKeyPair } from '@libp2p/crypto/keys'
import { multiaddr } from '@multiformats/multiaddr'
import assert from 'node:assert/strict'
import { readdirSync } from 'node:fs'
import path from 'node:path'
import { describe, test } from 'node:test'
import { HearthError } from '../../api/index.ts'
import { createNode } from '../node.ts'
import { encodeFrame, readOneFrame } from '../sync/frames.ts'
import { BlobStore } from './blob-store.ts'
import { blobIdOf, encodeManifest } from './manifest.ts'
import {
  GROUP,
  Notifier,
  OTHER_GROUP,
  collect,
  connect,
  corruptChunks,
  listTree,
  sha256File,
  startShelfPeer,
  tempDir,
  writeRandomFile,
} from './test-fixtures.ts'
import {
  BLOB_PROTOCOL,
  FRAME_BLOB,
  FRAME_NO_BLOB,
  FRAME_REFUSED,
  MAX_REQUEST_BYTES,
  blobFrameHead,
  readRequest,
  readResponse,
} from './wire.ts'
import type { Manifest } from './manifest.ts'
import type { SmallFetchResult } from './small-fetcher.ts'
import type { ShelfPeer } from './test-fixtures.ts'
import type { TransferLimits } from './transfer.ts'
import type { Libp2p } from '@libp2p/interface'
import type { TestContext } from 'node:test'

const utf8 = new TextEncoder()
const isCode = (code: string) => (err: unknown) =>
  err instanceof HearthError && err.code === code ? true : assert.fail(`expected ${code}: ${err}`)

interface SmallFile {
  file: string
  sha256: string
  size: number
  manifest: Manifest
  blobId: string
}

/** `count` files of `size` random bytes (the first one empty when `withEmpty`), added to `peer`. */
async function addFiles(
  t: TestContext,
  peer: ShelfPeer,
  count: number,
  size = 10_000,
  withEmpty = false,
): Promise<SmallFile[]> {
  const dir = tempDir(t, 'src')
  const files: SmallFile[] = []
  for (let i = 0; i < count; i++) {
    const file = path.join(dir, `f${i}.bin`)
    const bytes = withEmpty && i === 0 ? 0 : size
    const sha256 = await writeRandomFile(file, bytes)
    const manifest = await peer.store.importFile(file)
    const blobId = blobIdOf(manifest)
    peer.host.shelve(GROUP, blobId)
    files.push({ file, sha256, size: bytes, manifest, blobId })
  }
  return files
}

/** B holds every file byte-identical, its store has nothing corrupt and its temp folder is empty. */
async function assertHoldsAll(t: TestContext, b: ShelfPeer, files: readonly SmallFile[]) {
  const out = tempDir(t, 'out')
  for (const [i, f] of files.entries()) {
    const copy = path.join(out, `copy${i}.bin`)
    await b.store.exportTo(f.manifest, copy)
    assert.equal(await sha256File(copy), f.sha256)
  }
  assert.deepEqual(await corruptChunks(b.store), [])
  assert.deepEqual(readdirSync(path.join(b.store.root, 'tmp')), [])
}

/** B holds nothing of `f`: no manifest, no chunk. */
async function assertHoldsNone(b: ShelfPeer, f: SmallFile) {
  assert.equal(await b.store.getManifest(f.blobId), null)
  const hash = f.manifest.chunks[0]
  if (hash !== undefined) assert.equal(await b.store.hasChunk(hash), false)
  assert.deepEqual(readdirSync(path.join(b.store.root, 'tmp')), [])
}

function fetchAll(
  b: ShelfPeer,
  files: readonly SmallFile[],
  sources: ShelfPeer['node']['peerId'][],
  groupId = GROUP,
): Promise<PromiseSettledResult<SmallFetchResult>[]> {
  return Promise.allSettled(
    files.map((f) =>
      b.blobs.fetchSmall({ groupId, blobId: f.blobId, size: f.size, sha256: f.sha256, sources }),
    ),
  )
}

/** One honest answer frame as a server sends it (head and bytes in one buffer). */
interface Answer {
  position: number
  manifest: Uint8Array
  bytes: Uint8Array
}

function blobFrame(a: Answer): Uint8Array {
  return Buffer.concat([blobFrameHead(a.position, a.manifest, a.bytes.length), a.bytes])
}

/**
 * What the scripted source sends for a request: the honest answers (from its store, in order),
 * turned into the frames to send, or 'stall' to send the first one and then nothing.
 */
type Script = (answers: Answer[]) => Uint8Array[] | 'stall'

interface ScriptedSource {
  node: Libp2p
  peerId: string
  addr: string
  store: BlobStore
  requests: string[][]
}

/** A bare node answering `blobs` requests from its own store, through `script`. */
async function startScriptedSource(t: TestContext, script: Script): Promise<ScriptedSource> {
  const store = await BlobStore.open(tempDir(t, 'scripted'))
  const node = await createNode({
    privateKey: await generateKeyPair('Ed25519'),
    listen: ['/ip4/127.0.0.1/tcp/0'],
    mdns: false,
  })
  t.after(() => node.stop())
  const requests: string[][] = []
  const stalled: (() => void)[] = []
  t.after(() => stalled.forEach((release) => release()))
  await node.handle(BLOB_PROTOCOL, (stream) => {
    void (async () => {
      const request = readRequest(
        await readOneFrame(stream, MAX_REQUEST_BYTES, { signal: AbortSignal.timeout(10_000) }),
      )
      if (request.op !== 'blobs') throw new Error(`scripted source got a ${request.op} request`)
      requests.push(request.blobIds)
      const answers: Answer[] = []
      for (const [position, blobId] of request.blobIds.entries()) {
        const manifest = await store.getManifest(blobId)
        if (manifest === null) throw new Error('the scripted source lacks a blob it was asked for')
        const hash = manifest.chunks[0]
        const bytes = hash === undefined ? new Uint8Array(0) : await store.readChunk(hash)
        answers.push({
          position,
          manifest: encodeManifest(manifest),
          bytes: bytes ?? new Uint8Array(0),
        })
      }
      const frames = script(answers)
      if (frames === 'stall') {
        stream.send(blobFrame(answers[0] as Answer))
        await new Promise<void>((resolve) => stalled.push(resolve))
        return
      }
      for (const frame of frames) stream.send(frame)
      await stream.close()
    })().catch((err: unknown) => stream.abort(err instanceof Error ? err : new Error(String(err))))
  })
  const addr = node.getMultiaddrs()[0]?.toString()
  if (addr === undefined) throw new Error('node has no listen address')
  return { node, peerId: node.peerId.toString(), addr, store, requests }
}

/**
 * An honest member A and a scripted member C both hold `count` small files; B fetches them all
 * from [C, A]. Returns what happened, for the test to check.
 */
async function pastAScriptedSource(
  t: TestContext,
  script: Script,
  limits?: Partial<TransferLimits>,
) {
  const n = new Notifier()
  const a = await startShelfPeer(t, n)
  const b = await startShelfPeer(t, n, { limits })
  const c = await startScriptedSource(t, script)
  const files = await addFiles(t, a, 12)
  for (const f of files) await c.store.importFile(f.file)
  a.host.allow(GROUP, b.peerId)
  await connect(b, a)
  await b.node.dial(multiaddr(c.addr), { signal: AbortSignal.timeout(10_000) })
  return { a, b, c, files }
}

const lies: [string, Script, RegExp][] = [
  [
    'a corrupted blob',
    (answers) =>
      answers.map((a, i) => {
        const bytes = new Uint8Array(a.bytes)
        if (i === 1) bytes[5] = (bytes[5] ?? 0) ^ 0xff
        return blobFrame({ ...a, bytes })
      }),
    /does not verify: the bytes do not match/,
  ],
  [
    'an extra blob nobody asked for',
    (answers) => [
      ...answers.map(blobFrame),
      blobFrame({ ...(answers[0] as Answer), position: answers.length }),
    ],
    /exceeds the 3 cap/,
  ],
  [
    'more bytes than declared',
    (answers) =>
      answers.map((a, i) =>
        blobFrame(i === 1 ? { ...a, bytes: Buffer.concat([a.bytes, Buffer.alloc(1)]) } : a),
      ),
    /exceeds the \d+ cap/,
  ],
  [
    'answers out of order',
    (answers) => {
      const frames = answers.map(blobFrame)
      return [frames[1], frames[0], ...frames.slice(2)] as Uint8Array[]
    },
    /answered position 1 where 0 was due/,
  ],
  ['a stall', () => 'stall', /stalled/],
]

describe('the batched blobs request', () => {
  test('many small files, one empty, arrive byte-identical, many to a stream', async (t) => {
    const n = new Notifier()
    const a = await startShelfPeer(t, n)
    const b = await startShelfPeer(t, n)
    const files = await addFiles(t, a, 40, 5_000, true)
    a.host.allow(GROUP, b.peerId)
    await connect(b, a)
    const results = await fetchAll(b, files, [a.node.peerId])
    for (const r of results)
      assert.equal(r.status, 'fulfilled', String((r as PromiseRejectedResult).reason))
    await assertHoldsAll(t, b, files)
    assert.equal(a.served.length, 40, 'each blob sent once')
    assert.deepEqual(b.strikes, [])
    assert.equal((await b.store.blobIds()).length, 40)
  })

  test('with two members online, batches go to both at once, no blob twice', async (t) => {
    const n = new Notifier()
    const a = await startShelfPeer(t, n)
    const c = await startShelfPeer(t, n)
    const b = await startShelfPeer(t, n, { limits: { blobsPerRequest: 4 } })
    const files = await addFiles(t, a, 48)
    for (const f of files) {
      await c.store.importFile(f.file)
      c.host.shelve(GROUP, f.blobId)
    }
    a.host.allow(GROUP, b.peerId)
    c.host.allow(GROUP, b.peerId)
    await connect(b, a)
    await connect(b, c)
    const results = await fetchAll(b, files, [a.node.peerId, c.node.peerId])
    for (const r of results) assert.equal(r.status, 'fulfilled')
    await assertHoldsAll(t, b, files)
    assert.ok(a.served.length > 0 && c.served.length > 0, `${a.served.length} + ${c.served.length}`)
    assert.equal(a.served.length + c.served.length, files.length)
  })

  for (const [what, script, why] of lies) {
    test(`${what}: the source is struck, every blob comes from the other, nothing bad is kept`, async (t) => {
      const { a, b, c, files } = await pastAScriptedSource(t, script, {
        chunkTimeoutMs: 500,
        blobsPerRequest: 4,
      })
      const results = await fetchAll(b, files, [c.node.peerId, a.node.peerId])
      for (const r of results)
        assert.equal(r.status, 'fulfilled', String((r as PromiseRejectedResult).reason))
      await assertHoldsAll(t, b, files)
      assert.ok(c.requests.length > 0, 'the scripted source was asked')
      const strikes = b.strikes.filter((s) => s.peerId === c.peerId)
      assert.equal(strikes.length, 1, JSON.stringify(b.strikes))
      assert.match(strikes[0]?.reason ?? '', why)
      // Whatever C had not delivered well came from A instead.
      const fromC = results.filter((r) => r.status === 'fulfilled' && r.value.source === c.peerId)
      assert.equal(a.served.length, files.length - fromC.length)
    })
  }

  test('with only a lying source, the bad blob fails and nothing of it is kept', async (t) => {
    const { b, c, files } = await pastAScriptedSource(t, (lies[0] as [string, Script, RegExp])[1])
    const results = await fetchAll(b, files.slice(0, 3), [c.node.peerId])
    assert.equal(results[0]?.status, 'fulfilled')
    for (const r of results.slice(1)) {
      assert.equal(r.status, 'rejected')
      isCode('NO_MEMBER_REACHABLE')((r as PromiseRejectedResult).reason)
    }
    await assertHoldsAll(t, b, files.slice(0, 1))
    // The corrupted one, and the one after it (never delivered), are not here, not even in part.
    for (const f of files.slice(1, 3)) await assertHoldsNone(b, f)
  })

  test('a blob that matches its id but not its shelf entry fails without blaming the source', async (t) => {
    const n = new Notifier()
    const a = await startShelfPeer(t, n)
    const b = await startShelfPeer(t, n)
    const [f] = await addFiles(t, a, 1)
    a.host.allow(GROUP, b.peerId)
    await connect(b, a)
    const file = f as SmallFile
    await assert.rejects(
      b.blobs.fetchSmall({
        groupId: GROUP,
        blobId: file.blobId,
        size: file.size,
        sha256: '0'.repeat(64),
        sources: [a.node.peerId],
      }),
      isCode('BAD_INPUT'),
    )
    await assertHoldsNone(b, file)
    assert.deepEqual(b.strikes, [])
  })

  test('a stranger or a non-member asking for a batch gets zero bytes of it', async (t) => {
    const n = new Notifier()
    const a = await startShelfPeer(t, n)
    const stranger = await startShelfPeer(t, n)
    const otherMember = await startShelfPeer(t, n)
    const member = await startShelfPeer(t, n)
    const files = await addFiles(t, a, 3)
    const elsewhere = await addFiles(t, a, 1)
    // `elsewhere` is on OTHER_GROUP's shelf only, where `member` is not a member.
    a.host.shelves.get(GROUP)?.delete((elsewhere[0] as SmallFile).blobId)
    a.host.shelve(OTHER_GROUP, (elsewhere[0] as SmallFile).blobId)
    a.host.allow(OTHER_GROUP, otherMember.peerId)
    a.host.allow(GROUP, member.peerId)
    for (const p of [stranger, otherMember, member]) await connect(p, a)
    const blobIds = files.map((f) => f.blobId)

    for (const [peer, why] of [
      [stranger, /closed|reset/],
      [otherMember, /refused/],
    ] as const) {
      const results = await fetchAll(peer, files, [a.node.peerId])
      for (const r of results) {
        assert.equal(r.status, 'rejected')
        const reason = (r as PromiseRejectedResult).reason
        assert.ok(isCode('NO_MEMBER_REACHABLE')(reason) && why.test(String(reason)), String(reason))
      }
      assert.deepEqual(await listTree(path.join(peer.store.root, 'chunks')), [])
    }
    const raw = async (peer: ShelfPeer, groupId: string, ids: string[]) => {
      const stream = await peer.node.dialProtocol(multiaddr(a.addr), BLOB_PROTOCOL, {
        signal: AbortSignal.timeout(10_000),
      })
      const { parts, closed } = collect(stream)
      const request = { op: 'blobs', groupId, blobIds: ids }
      try {
        stream.send(encodeFrame(utf8.encode(JSON.stringify(request))))
      } catch {
        // A stranger's stream may be reset before we write: it gets nothing either way.
      }
      const closing = stream.close().then(
        () => undefined,
        (err: unknown) => err,
      )
      const error = await closed
      await closing
      return { received: Buffer.concat(parts), error }
    }
    const fromStranger = await raw(stranger, GROUP, blobIds)
    assert.equal(fromStranger.received.length, 0)
    assert.ok(fromStranger.error !== undefined, 'the stream was reset')
    for (const groupId of [GROUP, OTHER_GROUP]) {
      const answer = await raw(otherMember, groupId, blobIds)
      assert.deepEqual(
        [...answer.received],
        [1, FRAME_REFUSED],
        `${groupId}: ${String(answer.error)}`,
      )
    }
    assert.equal(a.served.length, 0)

    // A member gets what its group's shelf names and no byte of anything else in the batch.
    const mixed = await raw(member, GROUP, [
      (elsewhere[0] as SmallFile).blobId,
      (files[0] as SmallFile).blobId,
    ])
    const frames: ReturnType<typeof readResponse>[] = []
    for (let at = 0; at < mixed.received.length;) {
      const length = mixed.received[at] as number // every frame here is < 128 bytes or 2-byte
      if (length & 0x80) {
        const long = (length & 0x7f) + ((mixed.received[at + 1] as number) << 7)
        frames.push(readResponse(mixed.received.subarray(at + 2, at + 2 + long)))
        at += 2 + long
      } else {
        frames.push(readResponse(mixed.received.subarray(at + 1, at + 1 + length)))
        at += 1 + length
      }
    }
    assert.deepEqual(
      frames.map((f) => [f.type, 'position' in f ? f.position : -1]),
      [
        [FRAME_NO_BLOB, 0],
        [FRAME_BLOB, 1],
      ],
    )
    assert.deepEqual(
      a.served.map((s) => s.blobId),
      [(files[0] as SmallFile).blobId],
    )
    assert.deepEqual(a.strikes, [], 'asking is not misbehaving')
  })

  test('a fetch cancelled while it waits in the queue ends with its reason', async (t) => {
    const n = new Notifier()
    const a = await startShelfPeer(t, n)
    const b = await startShelfPeer(t, n, { limits: { maxSmallBytesInFlight: 1 } })
    const files = await addFiles(t, a, 6)
    a.host.allow(GROUP, b.peerId)
    await connect(b, a)
    const cancel = new AbortController()
    const fetches = files.map((f, i) =>
      b.blobs.fetchSmall({
        groupId: GROUP,
        blobId: f.blobId,
        size: f.size,
        sha256: f.sha256,
        sources: [a.node.peerId],
        ...(i === 5 && { signal: cancel.signal }),
      }),
    )
    cancel.abort(new HearthError('CANCELLED', 'The download was cancelled.'))
    await assert.rejects(fetches[5] as Promise<unknown>, isCode('CANCELLED'))
    await Promise.all(fetches.slice(0, 5))
    await assertHoldsAll(t, b, files.slice(0, 5))
    await assertHoldsNone(b, files[5] as SmallFile)
  })
})

describe('the small-file queue', () => {
  test('a file a person asks for goes ahead of the ones the policy queued', async (t) => {
    const n = new Notifier()
    const a = await startShelfPeer(t, n)
    // One blob at a time, so the order they are asked for in is the order they are served in.
    const b = await startShelfPeer(t, n, { limits: { maxSmallBytesInFlight: 1 } })
    const files = await addFiles(t, a, 6)
    a.host.allow(GROUP, b.peerId)
    await connect(b, a)
    const fetching = fetchAll(b, files, [a.node.peerId])
    b.blobs.promoteSmall((files[5] as SmallFile).blobId)
    for (const r of await fetching) assert.equal(r.status, 'fulfilled')
    assert.deepEqual(
      a.served.map((s) => s.blobId),
      [files[5], ...files.slice(0, 5)].map((f) => (f as SmallFile).blobId),
    )
  })
})

describe('group commit of small blobs', () => {
  test('a blob that does not verify is refused before anything of the group is written', async (t) => {
    const n = new Notifier()
    const a = await startShelfPeer(t, n)
    const files = await addFiles(t, a, 3)
    const store = await BlobStore.open(tempDir(t, 'commit'))
    const blobs = await Promise.all(
      files.map(async (f) => ({
        manifest: f.manifest,
        bytes: (await a.store.readChunk(f.manifest.chunks[0] as string)) as Uint8Array,
      })),
    )
    const bad = new Uint8Array((blobs[1] as { bytes: Uint8Array }).bytes)
    bad[0] = (bad[0] ?? 0) ^ 1
    await assert.rejects(
      store.putSmallBlobs([blobs[0], { ...blobs[1], bytes: bad }, blobs[2]] as typeof blobs),
      (err: unknown) => err instanceof Error && err.name === 'ChunkMismatchError',
    )
    assert.deepEqual(await store.blobIds(), [])
    await store.putSmallBlobs(blobs)
    assert.deepEqual((await store.blobIds()).sort(), files.map((f) => f.blobId).sort())
    // Storing them again (fetched twice, or the same chunk in two files) changes nothing.
    await store.putSmallBlobs(blobs)
    for (const f of files) assert.equal(await store.isComplete(f.manifest), true)
    assert.equal((await store.blobIds()).length, files.length)
    assert.deepEqual(readdirSync(path.join(store.root, 'tmp')), [])
  })
})
