// What the UI knows about each group's shelf: its files (as the peer lists them), the progress of
// downloads running on this device, uploads this window is sending, and the thumbnails it made.
// Fed by shelf commands and the shelfChanged / transferProgressed / transferChanged events only.
// Like the session, it coalesces changes into one snapshot per frame.
import type { ShelfFile, ShelfPolicy } from '../../shared/api/index.ts'
import type { ApiClient } from '../../shared/rpc/index.ts'
import {
  fitInside,
  imageSize,
  mayThumbnail,
  MAX_THUMBNAIL_SOURCE_PIXELS,
} from '../features/shelf/image-size.ts'
import { fromBase64, uploadFile, type UploadSource } from '../features/shelf/upload.ts'

export interface Progress {
  bytes: number
  total: number
  rate: number
  sources: number
}

export interface UploadView {
  id: number
  groupId: string
  folder: string
  name: string
  size: number
  sent: number
  state: 'uploading' | 'failed'
  error: unknown
}

export interface GroupShelf {
  files: readonly ShelfFile[]
  loaded: boolean
  error: unknown
  /** Downloads running here, by file id. */
  progress: ReadonlyMap<string, Progress>
  uploads: readonly UploadView[]
  policy: ShelfPolicy | null
}

const EMPTY: GroupShelf = {
  files: [],
  loaded: false,
  error: undefined,
  progress: new Map(),
  uploads: [],
  policy: null,
}

interface GroupState {
  files: ShelfFile[]
  loaded: boolean
  error: unknown
  progress: Map<string, Progress>
  policy: ShelfPolicy | null
  loading: { running: boolean; again: boolean }
  snapshot: GroupShelf
  dirty: boolean
}

/** The side of a thumbnail, in CSS pixels (drawn at twice that for sharp screens). */
export const THUMBNAIL_BOX = 160
const THUMBNAIL_CACHE = 200
const THUMBNAILS_AT_ONCE = 2

const frameSoon = (flush: () => void) => void setTimeout(flush, 16)

export class Shelves {
  readonly client: ApiClient
  readonly #groups = new Map<string, GroupState>()
  readonly #uploads: (UploadView & { abort: AbortController })[] = []
  readonly #listeners = new Set<() => void>()
  readonly #schedule: (flush: () => void) => void
  readonly #thumbnails = new Map<string, Promise<ImageBitmap | null>>()
  #thumbnailsRunning = 0
  readonly #thumbnailQueue: (() => void)[] = []
  #nextUpload = 1
  #flushQueued = false
  readonly #off: (() => void)[] = []

  constructor(client: ApiClient, schedule: (flush: () => void) => void = frameSoon) {
    this.client = client
    this.#schedule = schedule
    this.#off.push(
      client.on('shelfChanged', ({ groupId }) => {
        if (this.#groups.get(groupId)?.loaded === true) this.load(groupId)
      }),
      client.on('transferProgressed', ({ groupId, fileId, bytes, total, rate, sources }) => {
        const group = this.#groups.get(groupId)
        if (group === undefined) return
        group.progress.set(fileId, { bytes, total, rate, sources })
        this.#changed(group)
      }),
      client.on('transferChanged', ({ groupId, fileId, state, waitingFor, error }) => {
        const group = this.#groups.get(groupId)
        if (group === undefined) return
        if (state === 'done' || state === 'cancelled' || state === 'failed') {
          group.progress.delete(fileId)
          // Whether it is here now, and what the peer says about it, comes with the list.
          this.load(groupId)
        }
        const file = group.files.find((f) => f.fileId === fileId)
        if (file !== undefined && state !== 'done' && state !== 'cancelled') {
          const transfer = {
            state,
            waitingFor: waitingFor.map((w) => w.peerId),
            bytes: group.progress.get(fileId)?.bytes ?? file.transfer?.bytes ?? 0,
            error,
          }
          group.files = group.files.map((f) => (f.fileId === fileId ? { ...f, transfer } : f))
        }
        this.#changed(group)
      }),
      client.on('groupLeft', ({ groupId }) => {
        this.#groups.delete(groupId)
        this.#emit()
      }),
    )
  }

  subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  /** The group's shelf as last loaded; stable until it changes. */
  shelf(groupId: string): GroupShelf {
    return this.#groups.get(groupId)?.snapshot ?? EMPTY
  }

  dispose(): void {
    for (const off of this.#off.splice(0)) off()
    for (const upload of this.#uploads) upload.abort.abort()
  }

  // ---- loading -------------------------------------------------------------------------------

  /** Loads (or reloads) the group's files and policy; one request at a time per group. */
  load(groupId: string): void {
    void this.refresh(groupId).catch((err: unknown) => {
      console.warn(`hearth ui: loading the shelf of ${groupId} failed`, err)
    })
  }

  async refresh(groupId: string): Promise<void> {
    const group = this.#group(groupId)
    if (group.loading.running) {
      group.loading.again = true
      return
    }
    group.loading.running = true
    try {
      do {
        group.loading.again = false
        try {
          const [files, policy] = await Promise.all([
            this.client.call('shelf.list', { group: groupId }),
            this.client.call('shelf.policy', { group: groupId }),
          ])
          group.files = files
          group.policy = policy
          group.error = undefined
          for (const fileId of group.progress.keys()) {
            if (!files.some((f) => f.fileId === fileId && f.transfer?.state === 'fetching')) {
              group.progress.delete(fileId)
            }
          }
        } catch (err) {
          group.error = err
          throw err
        } finally {
          group.loaded = true
          this.#changed(group)
        }
      } while (group.loading.again)
    } finally {
      group.loading.running = false
    }
  }

  // ---- commands ------------------------------------------------------------------------------

  async download(groupId: string, fileId: string): Promise<void> {
    await this.client.call('shelf.download', { group: groupId, fileId })
    await this.refresh(groupId)
  }

  async cancel(groupId: string, fileId: string): Promise<void> {
    await this.client.call('shelf.cancel', { group: groupId, fileId })
  }

  async setKeep(
    groupId: string,
    target: { fileId: string } | { folder: string },
    keep: boolean | null,
  ): Promise<void> {
    await this.client.call('shelf.setKeep', { group: groupId, ...target, keep })
  }

  async setAutoDownloadMax(groupId: string, bytes: number): Promise<void> {
    await this.client.call('shelf.setPolicy', { group: groupId, autoDownloadMaxBytes: bytes })
  }

  async remove(groupId: string, fileId: string): Promise<void> {
    await this.client.call('shelf.remove', { group: groupId, fileId })
  }

  async restore(groupId: string, fileId: string): Promise<void> {
    await this.client.call('shelf.restore', { group: groupId, fileId })
  }

  async move(
    groupId: string,
    fileId: string,
    to: { name?: string; folder?: string },
  ): Promise<void> {
    await this.client.call('shelf.move', { group: groupId, fileId, ...to })
  }

  /** Adds files by path (the desktop app's file dialog); returns their file ids. */
  async addPaths(groupId: string, folder: string, paths: readonly string[]): Promise<string[]> {
    const ids: string[] = []
    for (const path of paths) {
      const added = await this.client.call('shelf.add', {
        group: groupId,
        path,
        ...(folder !== '' && { folder }),
      })
      ids.push(added.fileId)
    }
    return ids
  }

  /**
   * Uploads files (dropped or picked in the page) one after another; returns the file ids of
   * those that made it. Each shows in the group's `uploads` until it is done; a failed one stays,
   * with its error, until dismissed.
   */
  async upload(groupId: string, folder: string, files: readonly UploadSource[]): Promise<string[]> {
    const views = files.map((file) => {
      const view = {
        id: this.#nextUpload++,
        groupId,
        folder,
        name: file.name,
        size: file.size,
        sent: 0,
        state: 'uploading' as UploadView['state'],
        error: undefined as unknown,
        abort: new AbortController(),
      }
      this.#uploads.push(view)
      return { file, view }
    })
    this.#changed(this.#group(groupId))
    const ids: string[] = []
    for (const { file, view } of views) {
      if (view.abort.signal.aborted) continue
      try {
        const added = await uploadFile(
          this.client,
          groupId,
          folder,
          file,
          (sent) => {
            view.sent = sent
            this.#changed(this.#group(groupId))
          },
          view.abort.signal,
        )
        ids.push(added.fileId)
        this.#dropUpload(view.id)
      } catch (err) {
        if (view.abort.signal.aborted) continue
        view.state = 'failed'
        view.error = err
        console.warn(`hearth ui: uploading ${file.name} failed`, err)
      } finally {
        this.#changed(this.#group(groupId))
      }
    }
    await this.refresh(groupId).catch((err: unknown) => {
      console.warn('hearth ui: reloading the shelf after an upload failed', err)
    })
    return ids
  }

  /** Stops an upload (or forgets a failed one). */
  cancelUpload(id: number): void {
    const upload = this.#uploads.find((u) => u.id === id)
    if (upload === undefined) return
    upload.abort.abort()
    this.#dropUpload(id)
    this.#changed(this.#group(upload.groupId))
  }

  async storage() {
    return this.client.call('shelf.storage', {})
  }

  async free() {
    const freed = await this.client.call('shelf.free', {})
    for (const groupId of this.#groups.keys()) this.load(groupId)
    return freed
  }

  // ---- bytes ---------------------------------------------------------------------------------

  /** The whole file, read from the peer chunk by chunk (small files only: thumbnails). */
  async read(groupId: string, fileId: string, mediaType: string): Promise<Blob> {
    const parts: Uint8Array<ArrayBuffer>[] = []
    let chunks = 1
    for (let index = 0; index < chunks; index++) {
      const read = await this.client.call('shelf.read', { group: groupId, fileId, index })
      chunks = read.chunks
      parts.push(fromBase64(read.data) as Uint8Array<ArrayBuffer>)
    }
    return new Blob(parts, { type: mediaType })
  }

  /**
   * A small image of the file, decoded here by the browser (never by the peer) and scaled to fit
   * THUMBNAIL_BOX: null for files that may not have one (not an image we decode, too large, not
   * here) or that do not decode. Made once per file, two at a time.
   */
  thumbnail(groupId: string, file: ShelfFile): Promise<ImageBitmap | null> {
    if (!mayThumbnail(file)) return Promise.resolve(null)
    const key = `${groupId} ${file.fileId}`
    let made = this.#thumbnails.get(key)
    if (made === undefined) {
      made = this.#whenFree(() => this.#makeThumbnail(groupId, file))
      this.#thumbnails.set(key, made)
      for (const old of this.#thumbnails.keys()) {
        if (this.#thumbnails.size <= THUMBNAIL_CACHE) break
        const evicted = this.#thumbnails.get(old)
        this.#thumbnails.delete(old)
        void evicted?.then((bitmap) => bitmap?.close())
      }
    }
    return made
  }

  async #makeThumbnail(groupId: string, file: ShelfFile): Promise<ImageBitmap | null> {
    try {
      const blob = await this.read(groupId, file.fileId, file.mediaType)
      const head = new Uint8Array(await blob.slice(0, 64 * 1024).arrayBuffer())
      const size = imageSize(head)
      if (size === null || size.width * size.height > MAX_THUMBNAIL_SOURCE_PIXELS) return null
      const fit = fitInside(size, THUMBNAIL_BOX * 2)
      return await createImageBitmap(blob, {
        resizeWidth: fit.width,
        resizeHeight: fit.height,
        resizeQuality: 'medium',
      })
    } catch (err) {
      console.warn(`hearth ui: no thumbnail for ${file.fileId}`, err)
      return null
    }
  }

  async #whenFree<T>(work: () => Promise<T>): Promise<T> {
    if (this.#thumbnailsRunning >= THUMBNAILS_AT_ONCE) {
      await new Promise<void>((resolve) => this.#thumbnailQueue.push(resolve))
    }
    this.#thumbnailsRunning++
    try {
      return await work()
    } finally {
      this.#thumbnailsRunning--
      this.#thumbnailQueue.shift()?.()
    }
  }

  // ---- bookkeeping ---------------------------------------------------------------------------

  #group(groupId: string): GroupState {
    let group = this.#groups.get(groupId)
    if (group === undefined) {
      group = {
        files: [],
        loaded: false,
        error: undefined,
        progress: new Map(),
        policy: null,
        loading: { running: false, again: false },
        snapshot: EMPTY,
        dirty: true,
      }
      this.#groups.set(groupId, group)
    }
    return group
  }

  #dropUpload(id: number): void {
    const at = this.#uploads.findIndex((u) => u.id === id)
    if (at >= 0) this.#uploads.splice(at, 1)
  }

  #changed(group: GroupState): void {
    group.dirty = true
    this.#emit()
  }

  #emit(): void {
    if (this.#flushQueued) return
    this.#flushQueued = true
    this.#schedule(() => {
      this.#flushQueued = false
      for (const [groupId, group] of this.#groups) {
        if (!group.dirty) continue
        group.dirty = false
        group.snapshot = {
          files: group.files,
          loaded: group.loaded,
          error: group.error,
          progress: new Map(group.progress),
          uploads: this.#uploads
            .filter((u) => u.groupId === groupId)
            .map(({ abort: _abort, ...view }) => view),
          policy: group.policy,
        }
      }
      for (const listener of [...this.#listeners]) listener()
    })
  }
}
