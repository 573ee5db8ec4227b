// The shelf commands over real replicas and real blob stores, with the network replaced by a
// transfer that copies chunks from the other member's store when the test lets it: policy (what
// is fetched on its own), waiting for a holder, have/drop statements, cancel, and gc never taking
// what a fetch, an upload or an export is using.
import { describe, test, type TestContext } from 'node:test'
import assert from 'node:assert/strict'
import path from 'node:path'
import { peerIdFromString } from '@libp2p/peer-id'
import type { PeerId } from '@libp2p/interface'
import { HearthError, type EventName, type EventPayload } from '../../api/index.ts'
import { PeerEvents } from '../events.ts'
import type { GroupReplica } from '../groups/replica.ts'
import { join, makeSigners, ManualTime, options, pull } from '../groups/testing.ts'
import { GroupReplica as Replica } from '../groups/replica.ts'
import type { Signer } from '../groups/signing.ts'
import { BlobStore } from './blob-store.ts'
import { blobIdOf, sha256Hex, type Manifest } from './manifest.ts'
import { ShelfFiles } from './shelf-files.ts'
import { Notifier, tempDir, writeRandomFile } from './test-fixtures.ts'
import type { BlobTransfer, FetchManifestOptions } from './transfer.ts'
import type { FetchBlobOptions, FetchResult } from './fetcher.ts'
import type { FetchSmallOptions, SmallFetchResult } from './small-fetcher.ts'

const [ana, bo] = (await makeSigners(2)) as [Signer, Signer]
const MiB = 1024 * 1024

/** Moves chunks from Ana's store into Bo's when the test opens the gate; needs Ana "online". */
class GatedTransfer {
  readonly from: BlobStore
  open = true
  fetches = 0
  #release: () => void = () => {}
  #gate: Promise<void> = Promise.resolve()
  readonly started = new Notifier()

  constructor(from: BlobStore) {
    this.from = from
  }

  close(): void {
    this.open = false
    this.#gate = new Promise((resolve) => (this.#release = resolve))
  }

  release(): void {
    this.open = true
    this.#release()
  }

  /** Resolves at once while the gate is open, else when it opens; rejects if `signal` fires. */
  async passed(signal: AbortSignal | undefined): Promise<void> {
    if (!this.open) {
      await new Promise<void>((resolve, reject) => {
        void this.#gate.then(resolve)
        signal?.addEventListener('abort', () => reject(signal.reason), { once: true })
      })
    }
    signal?.throwIfAborted()
  }

  async fetchManifest(opts: FetchManifestOptions): Promise<Manifest> {
    const manifest = await this.from.getManifest(opts.blobId)
    if (manifest === null || opts.sources.length === 0) {
      throw new HearthError('NO_MEMBER_REACHABLE', 'No member sent this file’s manifest.')
    }
    return manifest
  }

  async fetchBlob(opts: FetchBlobOptions, into: BlobStore): Promise<FetchResult> {
    const release = into.hold(opts.manifest)
    try {
      await into.putManifest(opts.manifest)
      this.fetches++
      this.started.notify()
      let bytes = 0
      for (const hash of opts.manifest.chunks) {
        if (!this.open) {
          await new Promise<void>((resolve, reject) => {
            void this.#gate.then(resolve)
            opts.signal?.addEventListener('abort', () => reject(opts.signal?.reason), {
              once: true,
            })
          })
        }
        opts.signal?.throwIfAborted()
        const chunk = await this.from.readChunk(hash)
        if (chunk === null) throw new HearthError('NO_MEMBER_REACHABLE', 'chunk not there')
        await into.putChunk(hash, chunk)
        bytes += chunk.length
        opts.onProgress?.({ bytes, total: opts.manifest.size, rate: 1, sources: 1 })
      }
      return { blobId: blobIdOf(opts.manifest), fetchedBytes: bytes, bySource: {}, dropped: [] }
    } finally {
      release()
    }
  }
}

/** The same for a small file, fetched whole as the batched request does. */
async function fetchSmallThrough(
  gate: GatedTransfer,
  opts: FetchSmallOptions,
  into: BlobStore,
): Promise<SmallFetchResult> {
  const manifest = await gate.from.getManifest(opts.blobId)
  if (manifest === null || opts.sources.length === 0) {
    throw new HearthError('NO_MEMBER_REACHABLE', 'No member sent this file.')
  }
  gate.fetches++
  gate.started.notify()
  await gate.passed(opts.signal)
  const hash = manifest.chunks[0]
  const bytes = hash === undefined ? new Uint8Array(0) : await gate.from.readChunk(hash)
  if (bytes === null) throw new HearthError('NO_MEMBER_REACHABLE', 'chunk not there')
  await into.putSmallBlobs([{ manifest, bytes }])
  return { blobId: opts.blobId, fetchedBytes: bytes.length, source: 'ana' }
}

interface World {
  time: ManualTime
  a: GroupReplica
  b: GroupReplica
  anaStore: BlobStore
  boStore: BlobStore
  transfer: GatedTransfer
  shelf: ShelfFiles
  events: EventPayload<'transferChanged'>[]
  changed: Notifier
  online: { value: boolean }
  dir: string
  /** Ana adds a file of `size` random bytes; Bo's replica hears of it. */
  addOnAna(name: string, size: number, folder?: string): Promise<string>
  settings: Map<string, string>
}

async function world(t: TestContext): Promise<World> {
  const dir = tempDir(t, 'shelf-files')
  const time = new ManualTime()
  const a = Replica.create('Family', options(ana, time, 'Ana'))
  time.now += 10
  const b = await join(a, a, bo, time)
  const anaStore = await BlobStore.open(path.join(dir, 'ana'))
  const boStore = await BlobStore.open(path.join(dir, 'bo'))
  const transfer = new GatedTransfer(anaStore)
  const events = new PeerEvents()
  const seen: EventPayload<'transferChanged'>[] = []
  const changed = new Notifier()
  events.subscribe(<K extends EventName>(name: K, payload: EventPayload<K>) => {
    if (name === 'transferChanged') seen.push(payload as EventPayload<'transferChanged'>)
    changed.notify()
  })
  const online = { value: true }
  const anaId: PeerId = peerIdFromString(ana.peerId)
  const settings = new Map<string, string>()
  const shelf = new ShelfFiles({
    store: boStore,
    transfer: () =>
      ({
        fetchManifest: (o: FetchManifestOptions) => transfer.fetchManifest(o),
        fetchBlob: (o: FetchBlobOptions) => transfer.fetchBlob(o, boStore),
        fetchSmall: (o: FetchSmallOptions) => fetchSmallThrough(transfer, o, boStore),
        promoteSmall: () => {},
      }) as unknown as BlobTransfer,
    memberGroup: (ref) => {
      if (ref !== b.groupId) throw new HearthError('GROUP_NOT_FOUND', 'no such group')
      return b
    },
    ownGroup: (groupId) => (groupId === b.groupId ? b : undefined),
    ownGroups: () => [b],
    sources: () => (online.value ? [anaId] : []),
    durable: async () => {},
    events,
    settings: {
      getSetting: (key) => settings.get(key),
      setSetting: (key, value) => void settings.set(key, value),
    },
  })
  b.on('shelfChanged', () => {
    changed.notify()
    shelf.autoDownload(b.groupId)
  })
  t.after(() => shelf.stop())
  let n = 0
  return {
    time,
    a,
    b,
    anaStore,
    boStore,
    transfer,
    shelf,
    events: seen,
    changed,
    online,
    dir,
    settings,
    async addOnAna(name, size, folder = '') {
      const file = path.join(dir, `src-${++n}`)
      await writeRandomFile(file, size)
      const manifest = await anaStore.importFile(file)
      time.now += 10
      const fileId = a.addFile({
        blobId: blobIdOf(manifest),
        name,
        folder,
        size,
        mediaType: 'application/octet-stream',
        sha256: manifest.sha256,
      })
      await pull(b, a)
      return fileId
    },
  }
}

async function fileOf(w: World, fileId: string) {
  const files = await w.shelf.list({ group: w.b.groupId })
  const file = files.find((f) => f.fileId === fileId)
  assert.ok(file, `file ${fileId} is listed`)
  return file
}

function untilLocal(w: World, fileId: string, what: string): Promise<void> {
  let here = false
  const check = (): void => {
    void fileOf(w, fileId).then((f) => {
      here = f.local
      if (here) w.changed.notify()
    })
  }
  check()
  return w.changed.until(() => {
    if (!here) check()
    return here
  }, what)
}

const codeOf = (code: string) => (err: unknown) => err instanceof HearthError && err.code === code

describe('shelf files: policy', () => {
  test('small files come on their own; large ones only when kept, by file or by folder', async (t) => {
    const w = await world(t)
    await w.shelf.setPolicy({ group: w.b.groupId, autoDownloadMaxBytes: 2 * MiB })
    const small = await w.addOnAna('small.txt', 100_000)
    const large = await w.addOnAna('large.bin', 3 * MiB)
    const deep = await w.addOnAna('deep.bin', 3 * MiB, 'photos/2026')
    await untilLocal(w, small, 'the small file is here')
    let listed = await fileOf(w, large)
    assert.deepEqual([listed.local, listed.keep, listed.keepReason], [false, false, 'size'])
    assert.equal(listed.transfer, null, 'nothing fetches a file nobody keeps')

    await w.shelf.setKeep({ group: w.b.groupId, fileId: large, keep: true })
    await untilLocal(w, large, 'the kept large file is here')
    await w.shelf.setKeep({ group: w.b.groupId, folder: 'photos', keep: true })
    await untilLocal(w, deep, 'a file under a kept folder is here')
    listed = await fileOf(w, deep)
    assert.deepEqual([listed.keep, listed.keepReason], [true, 'folder'])
    // The file's own setting beats its folder's; clearing it goes back to the folder's.
    await w.shelf.setKeep({ group: w.b.groupId, fileId: deep, keep: false })
    assert.deepEqual(
      [(await fileOf(w, deep)).keep, (await fileOf(w, deep)).keepReason],
      [false, 'file'],
    )
    await w.shelf.setKeep({ group: w.b.groupId, fileId: deep, keep: null })
    assert.equal((await fileOf(w, deep)).keepReason, 'folder')
    assert.deepEqual(await w.shelf.policy({ group: w.b.groupId }), {
      autoDownloadMaxBytes: 2 * MiB,
      folders: [{ folder: 'photos', keep: true }],
    })
    // Bo now holds all three, and says so in the group.
    await w.changed.until(
      () => [small, large, deep].every((id) => w.b.shelfFile(id)?.holders.includes(bo.peerId)),
      'Bo wrote have entries for the three',
    )
    await pull(w.a, w.b)
    assert.deepEqual(w.a.shelfFile(large)?.holders, [ana.peerId, bo.peerId].sort())
  })

  test('unkeeping a file stops its download; the chunks it got stay for later', async (t) => {
    const w = await world(t)
    await w.shelf.setPolicy({ group: w.b.groupId, autoDownloadMaxBytes: 0 })
    const big = await w.addOnAna('big.bin', 3 * MiB)
    w.transfer.close()
    await w.shelf.setKeep({ group: w.b.groupId, fileId: big, keep: true })
    await w.transfer.started.until(() => w.transfer.fetches === 1, 'the fetch started')
    await w.shelf.setKeep({ group: w.b.groupId, fileId: big, keep: false })
    await w.changed.until(
      () => w.events.some((e) => e.fileId === big && e.state === 'cancelled'),
      'the fetch was cancelled',
    )
    const file = await fileOf(w, big)
    assert.deepEqual([file.local, file.transfer], [false, null])
  })
})

describe('shelf files: downloads', () => {
  test('with no holder online a download waits, says for whom, and finishes when one comes', async (t) => {
    const w = await world(t)
    await w.shelf.setPolicy({ group: w.b.groupId, autoDownloadMaxBytes: 0 })
    const fileId = await w.addOnAna('report.pdf', 1_500_000)
    w.online.value = false
    await w.shelf.download({ group: w.b.groupId, fileId })
    await w.changed.until(
      () => w.events.some((e) => e.state === 'waiting'),
      'the download says it waits',
    )
    const waiting = w.events.find((e) => e.state === 'waiting')
    assert.deepEqual(waiting?.waitingFor, [{ peerId: ana.peerId, name: 'Ana' }])
    const listed = await fileOf(w, fileId)
    assert.equal(listed.transfer?.state, 'waiting')
    assert.deepEqual(listed.transfer?.waitingFor, [ana.peerId])

    // Ana comes online; the next sync wakes the download.
    w.online.value = true
    w.shelf.autoDownload(w.b.groupId)
    await untilLocal(w, fileId, 'the file arrived once Ana was there')
    assert.ok(w.events.some((e) => e.fileId === fileId && e.state === 'done'))
    assert.equal((await fileOf(w, fileId)).transfer, null)
  })

  test('shelf.get waits for a holder; its caller going away cancels it', async (t) => {
    const w = await world(t)
    await w.shelf.setPolicy({ group: w.b.groupId, autoDownloadMaxBytes: 0 })
    const fileId = await w.addOnAna('notes.txt', 10_000)
    w.online.value = false
    const caller = new AbortController()
    const out = path.join(w.dir, 'notes-copy.txt')
    const got = w.shelf.get(
      { group: w.b.groupId, fileId, out },
      { signal: caller.signal, caller: {} },
    )
    await w.changed.until(() => w.events.some((e) => e.state === 'waiting'), 'get waits')
    caller.abort(new Error('the CLI was interrupted'))
    await assert.rejects(got, codeOf('CANCELLED'))
    await w.changed.until(
      () => w.events.some((e) => e.state === 'cancelled'),
      'the download ended with its only caller',
    )
    // Asked again with Ana online, it completes and saves.
    w.online.value = true
    const saved = await w.shelf.get({ group: w.b.groupId, fileId, out })
    assert.equal(saved.size, 10_000)
  })

  test('cancel stops a download a person started, and the policy leaves it alone after', async (t) => {
    const w = await world(t)
    const fileId = await w.addOnAna('clip.mov', 2 * MiB)
    w.transfer.close()
    // Small enough to come on its own: the policy starts it.
    await w.transfer.started.until(() => w.transfer.fetches === 1, 'the policy fetch started')
    await w.shelf.cancel({ group: w.b.groupId, fileId })
    await w.changed.until(() => w.events.some((e) => e.state === 'cancelled'), 'cancelled')
    w.transfer.release()
    w.shelf.autoDownload(w.b.groupId)
    assert.equal((await fileOf(w, fileId)).transfer, null, 'not restarted by the policy')
    await w.shelf.download({ group: w.b.groupId, fileId })
    await untilLocal(w, fileId, 'downloading again resumes and finishes it')
  })
})

describe('shelf files: garbage', () => {
  test('free removes copies no group keeps, never one being fetched, uploaded or exported', async (t) => {
    const w = await world(t)
    await w.shelf.setPolicy({ group: w.b.groupId, autoDownloadMaxBytes: 0 })
    const kept = await w.addOnAna('kept.bin', 1_200_000)
    const loose = await w.addOnAna('loose.bin', 1_200_000)
    const moving = await w.addOnAna('moving.bin', 2_500_000)
    await w.shelf.setKeep({ group: w.b.groupId, fileId: kept, keep: true })
    await w.shelf.download({ group: w.b.groupId, fileId: loose })
    await untilLocal(w, kept, 'kept is here')
    await untilLocal(w, loose, 'loose is here')

    // A fetch in progress for a file nobody keeps, and an upload half way.
    w.transfer.close()
    await w.shelf.download({ group: w.b.groupId, fileId: moving })
    await w.transfer.started.until(() => w.transfer.fetches === 3, 'moving is being fetched')
    const { uploadId } = await w.shelf.beginUpload({
      group: w.b.groupId,
      name: 'half.bin',
      size: 3 * 512 * 1024,
    })
    const part = Buffer.alloc(512 * 1024, 7).toString('base64')
    await w.shelf.uploadChunk({ uploadId, offset: 0, data: part })
    await w.shelf.uploadChunk({ uploadId, offset: 512 * 1024, data: part })
    const uploaded = sha256Hex(Buffer.alloc(MiB, 7))

    const before = await w.shelf.storage()
    assert.equal(before.groups[0]?.files, 2)
    assert.equal(before.freeableBytes, 1_200_000, 'only the loose copy can go')

    // Someone is saving the loose copy (a browser download): it stays until that is over.
    const link = await w.shelf.exportLink({ group: w.b.groupId, fileId: loose })
    assert.equal(link.name, 'loose.bin')
    const download = await w.shelf.openDownload(link.path.slice('/download/'.length))
    assert.ok(download)
    assert.equal(
      await w.shelf.openDownload(link.path.slice('/download/'.length)),
      undefined,
      'a download address works once',
    )
    const reading = download.body[Symbol.asyncIterator]()
    let received = (await reading.next()).value?.length ?? 0
    assert.equal((await w.shelf.free()).files, 0, 'nothing goes while it is being read')
    for (let r = await reading.next(); r.done !== true; r = await reading.next()) {
      received += r.value.length
    }
    assert.equal(received, 1_200_000)

    const freed = await w.shelf.free()
    assert.equal(freed.files, 1)
    assert.equal((await fileOf(w, loose)).local, false)
    assert.equal((await fileOf(w, kept)).local, true)
    assert.ok(!w.b.shelfFile(loose)?.holders.includes(bo.peerId), 'a drop entry was written')
    assert.equal(await w.boStore.hasChunk(uploaded), true, 'the upload’s chunk is still there')

    // The fetch and the upload carry on as if nothing happened.
    w.transfer.release()
    await untilLocal(w, moving, 'the fetch finished')
    await w.shelf.uploadChunk({ uploadId, offset: 2 * 512 * 1024, data: part })
    const added = await w.shelf.finishUpload({ uploadId })
    assert.equal((await fileOf(w, added.fileId)).local, true)
  })

  test('blobs no file names are swept at start and after an abandoned upload', async (t) => {
    const w = await world(t)
    const stray = path.join(w.dir, 'stray.bin')
    await writeRandomFile(stray, 1_500_000)
    const orphan = await w.boStore.importFile(stray)
    w.shelf.start()
    await w.shelf.started()
    assert.equal(await w.boStore.getManifest(blobIdOf(orphan)), null, 'the orphan is gone')

    const { uploadId } = await w.shelf.beginUpload({
      group: w.b.groupId,
      name: 'abandoned.bin',
      size: 3 * 512 * 1024,
    })
    const bytes = Buffer.alloc(512 * 1024, 9)
    await w.shelf.uploadChunk({ uploadId, offset: 0, data: bytes.toString('base64') })
    await w.shelf.uploadChunk({ uploadId, offset: 512 * 1024, data: bytes.toString('base64') })
    const chunk = sha256Hex(Buffer.alloc(MiB, 9))
    assert.equal(await w.boStore.hasChunk(chunk), true, 'the full chunk was stored as it came')
    await w.shelf.cancelUpload({ uploadId })
    await w.shelf.swept()
    assert.equal(await w.boStore.hasChunk(chunk), false, 'and removed once the upload was dropped')
  })
})

describe('shelf files: adding', () => {
  test('a file that is not there is said so, not reported as the data folder failing', async (t) => {
    const w = await world(t)
    const file = path.join(w.dir, 'menu.pdf')
    await assert.rejects(
      w.shelf.add({ group: w.b.groupId, path: file }),
      (err: unknown) =>
        err instanceof HearthError &&
        err.code === 'FILE_NOT_FOUND' &&
        err.message === `There is no file ${file}.`,
    )
    await writeRandomFile(file, 1000)
    const added = await w.shelf.add({ group: w.b.groupId, path: file })
    assert.equal(added.size, 1000)
  })
})
