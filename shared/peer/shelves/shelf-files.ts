// The shelf commands of the contract, over the group replicas (the index), the blob store (the
// bytes) and the blob service (the network). Files up to AUTO_DOWNLOAD_MAX_BYTES are fetched as
// soon as their entry is seen; larger ones when someone asks for them. A blob is fetched by at
// most one fetch at a time: whoever else wants it waits for that one.
import path from 'node:path'
import { lstat } from 'node:fs/promises'
import type { PeerId } from '@libp2p/interface'
import { HearthError } from '../../api/errors.ts'
import type { CommandOutput, ParsedInput } from '../../api/contract.ts'
import type { ShelfFile } from '../../api/domain.ts'
import type { GroupReplica, ShelfFileView } from '../groups/replica.ts'
import type { PeerEvents } from '../events.ts'
import type { BlobStore } from './blob-store.ts'
import { blobIdOf } from './manifest.ts'
import type { Manifest } from './manifest.ts'
import { mediaTypeOf } from './media-types.ts'
import type { BlobTransfer } from './transfer.ts'

/** Policy: files up to this size are kept on every member's device without being asked for. */
export const AUTO_DOWNLOAD_MAX_BYTES = 50 * 1024 * 1024

export interface ShelfFilesDeps {
  store: BlobStore
  /** The blob service; read late, because the node is created after this. */
  transfer(): BlobTransfer
  /** A group we are a member of, by id or unambiguous name; throws the contract's errors. */
  memberGroup(ref: string): GroupReplica
  /** A group we hold, by id, if we are a member of it. */
  ownGroup(groupId: string): GroupReplica | undefined
  /** Connected peers that are members of the group: where its blobs can come from. */
  sources(groupId: string): PeerId[]
  /** Resolves once the group's local writes so far are on disk. */
  durable(groupId: string): Promise<void>
  events: PeerEvents
}

export class ShelfFiles {
  readonly #deps: ShelfFilesDeps
  /** Fetches in progress, by blob id. */
  readonly #fetches = new Map<string, Promise<void>>()
  /** Blobs known to be complete on disk (nothing deletes blobs while the peer runs). */
  readonly #local = new Set<string>()
  readonly #stopped = new AbortController()

  constructor(deps: ShelfFilesDeps) {
    this.#deps = deps
  }

  async add({
    group,
    path: file,
    name,
    folder,
  }: ParsedInput<'shelf.add'>): Promise<CommandOutput<'shelf.add'>> {
    const replica = this.#deps.memberGroup(group)
    requireAbsolute(file)
    const fileName = name ?? path.basename(file)
    const manifest = await this.#deps.store.importFile(file)
    const blobId = blobIdOf(manifest)
    this.#local.add(blobId)
    const fileId = replica.addFile({
      blobId,
      name: fileName,
      folder: folder ?? '',
      size: manifest.size,
      mediaType: mediaTypeOf(fileName),
      sha256: manifest.sha256,
    })
    await this.#deps.durable(replica.groupId)
    return { fileId, sha256: manifest.sha256, size: manifest.size }
  }

  async list({ group }: ParsedInput<'shelf.list'>): Promise<CommandOutput<'shelf.list'>> {
    const replica = this.#deps.memberGroup(group)
    const membership = replica.membership()
    const out: ShelfFile[] = []
    for (const view of replica.shelfFiles()) {
      out.push({
        fileId: view.fileId,
        name: view.name,
        folder: view.folder,
        size: view.size,
        sha256: view.sha256,
        mediaType: view.mediaType,
        addedBy: view.addedBy,
        addedByName: membership.nameOf(view.addedBy),
        addedAt: view.addedAt,
        local: await this.#isLocal(view.blobId),
        removed: view.removed,
      })
    }
    return out
  }

  async get({ group, fileId, out }: ParsedInput<'shelf.get'>): Promise<CommandOutput<'shelf.get'>> {
    const replica = this.#deps.memberGroup(group)
    const view = this.#requireFile(replica, fileId)
    requireAbsolute(out)
    const dest = path.resolve(out)
    if (await exists(dest)) {
      throw new HearthError('FILE_EXISTS', `${dest} already exists; choose another path`)
    }
    const manifest = await this.#ensureLocal(replica.groupId, view)
    await this.#deps.store.exportTo(manifest, dest)
    return { path: dest, sha256: manifest.sha256, size: manifest.size }
  }

  async remove({
    group,
    fileId,
  }: ParsedInput<'shelf.remove'>): Promise<CommandOutput<'shelf.remove'>> {
    const replica = this.#deps.memberGroup(group)
    replica.removeFile(fileId)
    await this.#deps.durable(replica.groupId)
    return {}
  }

  async restore({
    group,
    fileId,
  }: ParsedInput<'shelf.restore'>): Promise<CommandOutput<'shelf.restore'>> {
    const replica = this.#deps.memberGroup(group)
    replica.restoreFile(fileId)
    await this.#deps.durable(replica.groupId)
    return {}
  }

  async move({
    group,
    fileId,
    name,
    folder,
  }: ParsedInput<'shelf.move'>): Promise<CommandOutput<'shelf.move'>> {
    const replica = this.#deps.memberGroup(group)
    replica.moveFile(fileId, {
      ...(name !== undefined && { name }),
      ...(folder !== undefined && { folder }),
    })
    await this.#deps.durable(replica.groupId)
    return {}
  }

  /**
   * Starts fetching every small file of the group that is not here yet, from the members we are
   * connected to. Called when the shelf changes and when a sync with a member completes; a file
   * whose fetch fails is tried again on the next of those.
   */
  autoDownload(groupId: string): void {
    if (this.#stopped.signal.aborted) return
    const replica = this.#deps.ownGroup(groupId)
    if (replica === undefined) return
    const wanted = replica
      .shelfFiles()
      .filter(
        (f) =>
          !f.removed &&
          f.size <= AUTO_DOWNLOAD_MAX_BYTES &&
          !this.#local.has(f.blobId) &&
          !this.#fetches.has(f.blobId),
      )
    if (wanted.length === 0 || this.#deps.sources(groupId).length === 0) return
    for (const view of wanted) {
      this.#ensureLocal(groupId, view).catch((err: unknown) => {
        if (this.#stopped.signal.aborted) return
        console.warn(
          `hearth: could not fetch shelf file ${view.fileId} of ${groupId} yet (${describe(err)}); ` +
            'trying again when a member syncs',
        )
      })
    }
  }

  stop(): void {
    this.#stopped.abort(new HearthError('PEER_STOPPED', 'The peer stopped during the transfer.'))
  }

  #requireFile(replica: GroupReplica, fileId: string): ShelfFileView {
    const view = replica.shelfFile(fileId)
    if (view === undefined) throw new HearthError('FILE_NOT_FOUND', 'There is no such file.')
    return view
  }

  async #isLocal(blobId: string): Promise<boolean> {
    if (this.#local.has(blobId)) return true
    const manifest = await this.#deps.store.getManifest(blobId)
    if (manifest === null || !(await this.#deps.store.isComplete(manifest))) return false
    this.#local.add(blobId)
    return true
  }

  /** The file's manifest, once every chunk of it is verified on disk. */
  async #ensureLocal(groupId: string, view: ShelfFileView): Promise<Manifest> {
    for (;;) {
      if (await this.#isLocal(view.blobId)) {
        const manifest = await this.#deps.store.getManifest(view.blobId)
        if (manifest !== null) return manifest
      }
      const running = this.#fetches.get(view.blobId)
      if (running !== undefined) {
        // Another group's fetch of the same bytes may fail for reasons of its own: look again.
        await running.catch(() => undefined)
        if (!this.#fetches.has(view.blobId) && !(await this.#isLocal(view.blobId))) {
          await this.#startFetch(groupId, view)
        }
        continue
      }
      await this.#startFetch(groupId, view)
    }
  }

  #startFetch(groupId: string, view: ShelfFileView): Promise<void> {
    const fetch = this.#fetch(groupId, view)
    this.#fetches.set(view.blobId, fetch)
    const forget = (): void => {
      if (this.#fetches.get(view.blobId) === fetch) this.#fetches.delete(view.blobId)
    }
    fetch.then(forget, forget)
    return fetch
  }

  async #fetch(groupId: string, view: ShelfFileView): Promise<void> {
    const signal = this.#stopped.signal
    signal.throwIfAborted()
    const sources = this.#deps.sources(groupId)
    if (sources.length === 0) {
      throw new HearthError(
        'NO_MEMBER_REACHABLE',
        'No member of the group who could have this file is connected; try again when one is.',
      )
    }
    const transfer = this.#deps.transfer()
    const manifest = await transfer.fetchManifest({ groupId, blobId: view.blobId, sources, signal })
    // The manifest matches the blob id; the entry's signed size and hash must match it too, or
    // its author described one file and stored another.
    if (manifest.sha256 !== view.sha256 || manifest.size !== view.size) {
      throw new HearthError('BAD_INPUT', 'The stored file does not match its shelf entry.')
    }
    await transfer.fetchBlob({
      manifest,
      groupId,
      sources,
      signal,
      onProgress: (p) =>
        this.#deps.events.emit('transferProgressed', {
          groupId,
          fileId: view.fileId,
          bytes: p.bytes,
          total: p.total,
          rate: p.rate,
          sources: p.sources,
        }),
    })
    this.#local.add(view.blobId)
    this.#deps.events.emit('shelfChanged', { groupId })
  }
}

/** The contract refuses relative paths already; this keeps the peer safe from other callers. */
function requireAbsolute(file: string): void {
  if (!path.isAbsolute(file)) {
    throw new HearthError(
      'BAD_INPUT',
      `${file} is a relative path; give an absolute one (the peer runs in another folder than you)`,
    )
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await lstat(file)
    return true
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false
    throw new HearthError('BAD_INPUT', `cannot use ${file}: ${describe(err)}`)
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
