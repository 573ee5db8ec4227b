// Test-only helpers for the shelf tests: temp folders, files of random bytes, real libp2p nodes
// (TCP on 127.0.0.1) running the blob service over a real BlobStore, a host with a static member
// and shelf list, and store wrappers that behave like a broken or hostile member.
// Imported by *.test.ts only.
import { generateKeyPair } from '@libp2p/crypto/keys'
import { multiaddr } from '@multiformats/multiaddr'
import { createHash, randomBytes } from 'node:crypto'
import { createReadStream, mkdtempSync, rmSync } from 'node:fs'
import { open, readdir } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { createNode } from '../node.ts'
import { BlobStore } from './blob-store.ts'
import { blobTransfer } from './transfer.ts'
import type {
  BlobHost,
  BlobTransfer,
  ServedChunk,
  TransferLimits,
  TransferStore,
} from './transfer.ts'
import type { DefaultServices, EncrypterFactory } from '../node.ts'
import type { Manifest } from './manifest.ts'
import type { Libp2p, PrivateKey, Stream } from '@libp2p/interface'
import type { TestContext } from 'node:test'

export const GROUP = 'shelfgroupaaaaaaaaaaaaaaaa'
export const OTHER_GROUP = 'othergroupaaaaaaaaaaaaaaaa'

/** A fresh temp folder, removed when the test ends. */
export function tempDir(t: TestContext, label = 'shelf'): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), `hearth-${label}-`))
  t.after(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

/** Writes `size` random bytes to `file`, 1 MiB at a time; returns the file's SHA-256. */
export async function writeRandomFile(file: string, size: number): Promise<string> {
  const whole = createHash('sha256')
  const handle = await open(file, 'wx')
  try {
    for (let written = 0; written < size;) {
      const bytes = randomBytes(Math.min(1024 * 1024, size - written))
      whole.update(bytes)
      await handle.write(bytes)
      written += bytes.length
    }
  } finally {
    await handle.close()
  }
  return whole.digest('hex')
}

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

/** Every file under `dir`, relative to it, sorted. */
export async function listTree(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true })
  return entries
    .filter((e) => !e.isDirectory())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort()
}

/** Re-runs checks whenever something was recorded (the same helper the sync tests use). */
import { Signal as Notifier } from '../sync/test-fixtures.ts'
export { Notifier }

/** Members per group and blobs per group's shelf, as the group model will answer them. */
export class FakeShelfHost implements BlobHost {
  readonly members = new Map<string, Set<string>>()
  readonly shelves = new Map<string, Set<string>>()

  allow(groupId: string, peerId: string): void {
    const set = this.members.get(groupId) ?? new Set()
    set.add(peerId)
    this.members.set(groupId, set)
  }

  shelve(groupId: string, blobId: string): void {
    const set = this.shelves.get(groupId) ?? new Set()
    set.add(blobId)
    this.shelves.set(groupId, set)
  }

  sharesAGroup(peerId: string): boolean {
    return [...this.members.values()].some((set) => set.has(peerId))
  }

  mayRead(groupId: string, peerId: string, blobId: string): boolean {
    return (
      this.members.get(groupId)?.has(peerId) === true &&
      this.shelves.get(groupId)?.has(blobId) === true
    )
  }
}

export interface ShelfPeer {
  node: Libp2p<DefaultServices & { blobs: BlobTransfer }>
  peerId: string
  addr: string
  dir: string
  store: BlobStore
  host: FakeShelfHost
  blobs: BlobTransfer
  served: ServedChunk[]
  strikes: { peerId: string; reason: string }[]
}

export interface ShelfPeerOptions {
  /** Data folder; a new temp folder by default. Reuse one to "restart" a peer. */
  dir?: string
  privateKey?: PrivateKey
  /** Serve from (and fetch into) this instead of the plain store, e.g. a lying wrapper. */
  wrap?(store: BlobStore): TransferStore
  limits?: Partial<TransferLimits>
  /** Default: createNode's. */
  encrypters?: EncrypterFactory[]
}

/** A node running the blob service over a BlobStore in its own folder, stopped when the test ends. */
export async function startShelfPeer(
  t: TestContext,
  notifier: Notifier,
  opts: ShelfPeerOptions = {},
): Promise<ShelfPeer> {
  const dir = opts.dir ?? tempDir(t, 'peer')
  const store = await BlobStore.open(dir)
  const host = new FakeShelfHost()
  const served: ServedChunk[] = []
  const strikes: ShelfPeer['strikes'] = []
  const node = await createNode<{ blobs: BlobTransfer }>({
    privateKey: opts.privateKey ?? (await generateKeyPair('Ed25519')),
    listen: ['/ip4/127.0.0.1/tcp/0'],
    mdns: false,
    encrypters: opts.encrypters,
    services: {
      blobs: blobTransfer({
        store: opts.wrap?.(store) ?? store,
        host,
        limits: opts.limits,
        onServed: (chunk) => {
          served.push(chunk)
          notifier.notify()
        },
        onStrike: (peerId, reason) => {
          strikes.push({ peerId, reason })
          notifier.notify()
        },
      }),
    },
  })
  t.after(() => node.stop())
  const addr = node.getMultiaddrs()[0]?.toString()
  if (addr === undefined) throw new Error('node has no listen address')
  return {
    node,
    peerId: node.peerId.toString(),
    addr,
    dir,
    store,
    host,
    blobs: node.services.blobs,
    served,
    strikes,
  }
}

export async function connect(a: ShelfPeer, b: ShelfPeer): Promise<void> {
  await a.node.dial(multiaddr(b.addr), { signal: AbortSignal.timeout(10_000) })
}

/** Lets every peer in `readers` read `blobId` from `server` as members of GROUP. */
export function share(server: ShelfPeer, blobId: string, ...readers: ShelfPeer[]): void {
  server.host.shelve(GROUP, blobId)
  for (const r of readers) server.host.allow(GROUP, r.peerId)
}

/** A store that serves what `readChunk` says instead of what it holds. */
export function servingFrom(
  store: BlobStore,
  readChunk: (hash: string, real: Uint8Array | null) => Promise<Uint8Array | null>,
  getManifest?: (blobId: string, real: Manifest | null) => Promise<Manifest | null>,
): TransferStore {
  return {
    getManifest: async (blobId) => {
      const real = await store.getManifest(blobId)
      return getManifest === undefined ? real : getManifest(blobId, real)
    },
    readChunk: async (hash) => readChunk(hash, await store.readChunk(hash)),
    putManifest: (m) => store.putManifest(m),
    putChunk: (hash, bytes, options) => store.putChunk(hash, bytes, options),
    putSmallBlobs: (blobs) => store.putSmallBlobs(blobs),
    missingChunks: (m) => store.missingChunks(m),
    hold: (m) => store.hold(m),
  }
}

/** The chunk files a store holds whose content does not hash to their name (should be none). */
export async function corruptChunks(store: Pick<BlobStore, 'root'>): Promise<string[]> {
  const chunksDir = path.join(store.root, 'chunks')
  const bad: string[] = []
  for (const rel of await listTree(chunksDir)) {
    const name = path.basename(rel)
    if ((await sha256File(path.join(chunksDir, rel))) !== name) bad.push(rel)
  }
  return bad
}

/**
 * Collects what a stream brings, and resolves `closed` with the error it ends with (a reset) or
 * undefined; a stream already reset when we get it counts as closed with that state.
 */
export function collect(stream: Stream): {
  parts: Uint8Array[]
  closed: Promise<Error | undefined>
} {
  const parts: Uint8Array[] = []
  stream.addEventListener('message', (evt) => parts.push(evt.data.subarray().slice()))
  const closed = new Promise<Error | undefined>((resolve) => {
    stream.addEventListener('close', (evt) => resolve(evt.error), { once: true })
    if (stream.status !== 'open') resolve(new Error(`stream ${stream.status}`))
  })
  return { parts, closed }
}
