// The shelf commands of the contract, over the group replicas (the index), the blob store (the
// bytes) and the blob service (the network).
//
// Downloads: a blob is fetched by one job at a time, for as long as anyone wants it: the group's
// policy (files this device keeps, policy.ts), a person who pressed Download, or a `shelf.get`
// call waiting for it. With no member connected who could send it, the job waits (and says for
// whom) until one connects, instead of failing. When nobody wants it any more it stops; verified
// chunks stay, so a later job resumes. At most a few jobs fetch at once; asked-for files go first.
//
// Availability: when this device gets a verified full copy of a blob, or loses one, it says so in
// every group whose shelf names it (signed `have`/`drop` entries), so members see where a file
// is even while its holders are offline.
//
// Garbage: blobs no file of any of our groups names are removed at start, when an upload is
// abandoned and when we leave a group; "free up" also removes copies no group keeps. Nothing a
// fetch, an import, an upload or an export is using is ever removed.
import { randomBytes } from 'node:crypto'
import path from 'node:path'
import { constants } from 'node:fs'
import { access, lstat } from 'node:fs/promises'
import type { PeerId } from '@libp2p/interface'
import { HearthError } from '../../api/errors.ts'
import type { CallContext, CommandOutput, EventPayload, ParsedInput } from '../../api/contract.ts'
import type { ShelfFile, ShelfStorage, Transfer, TransferState } from '../../api/domain.ts'
import { safeFileName } from '../../api/names.ts'
import type { GroupReplica, ShelfFileView } from '../groups/replica.ts'
import type { PeerEvents } from '../events.ts'
import type { BlobStore } from './blob-store.ts'
import { CHUNK_SIZE, blobIdOf } from './manifest.ts'
import type { Manifest } from './manifest.ts'
import { mediaTypeOf } from './media-types.ts'
import {
  keepOf,
  policyView,
  ShelfPolicies,
  withKeep,
  type GroupPolicy,
  type PolicySettings,
} from './policy.ts'
import { RateMeter } from './rate.ts'
import { SharedLock } from './shared-lock.ts'
import type { BlobTransfer } from './transfer.ts'
import { Uploads, type UploadLimits } from './uploads.ts'

export { DEFAULT_AUTO_DOWNLOAD_MAX_BYTES as AUTO_DOWNLOAD_MAX_BYTES } from './policy.ts'

export interface ShelfFilesDeps {
  store: BlobStore
  /** The blob service; read late, because the node is created after this. */
  transfer(): BlobTransfer
  /** A group we are a member of, by id or unambiguous name; throws the contract's errors. */
  memberGroup(ref: string): GroupReplica
  /** A group we hold, by id, if we are a member of it. */
  ownGroup(groupId: string): GroupReplica | undefined
  /** Every group we are a member of. */
  ownGroups(): GroupReplica[]
  /** Connected peers that are members of the group: where its blobs can come from. */
  sources(groupId: string): PeerId[]
  /** Resolves once the group's local writes so far are on disk. */
  durable(groupId: string): Promise<void>
  events: PeerEvents
  /** Where each group's keep policy is stored (the store's settings). */
  settings: PolicySettings
  limits?: ShelfLimits
}

export interface ShelfLimits {
  /** Blobs fetched at once (each from every source that has it). */
  maxFetches?: number
  uploads?: Partial<UploadLimits>
  /** How long a download address from `shelf.exportLink` works. */
  linkMs?: number
}

/** Who wants a blob: the policy, a person (Download), or a waiting `shelf.get`. */
type WantKind = 'policy' | 'user' | 'call'

interface Want {
  groupId: string
  fileId: string
  kind: WantKind
}

interface Job {
  blobId: string
  /** By `${kind} ${groupId} ${fileId}`, or a unique key per waiting call. */
  wants: Map<string, Want>
  /** Every file the job has fetched for: who hears of its progress and its end. */
  files: Map<string, { groupId: string; fileId: string }>
  state: TransferState
  waitingFor: string[]
  bytes: number
  /** Aborts the attempt running now (nobody wants the blob any more, or the peer stops). */
  attempt: AbortController | null
  /** Wakes a job that waits for a member or for a fetch slot. */
  wake: (() => void) | null
  /** Settles once the blob is here (resolves) or the job ends without it (rejects). */
  done: Promise<void>
  resolve(): void
  reject(err: unknown): void
}

interface Ticket {
  groupId: string
  fileId: string
  expires: number
}

export interface Download {
  /** A plain file name, safe on every platform (safeFileName). */
  name: string
  size: number
  /** The file's bytes, chunk by chunk, each verified; the blob is held until it ends. */
  body: AsyncIterable<Uint8Array>
}

const DEFAULT_MAX_FETCHES = 4
/** The policy pass of a group runs at most this often (see autoDownload). */
const POLICY_PASS_MS = 100
/** `have` entries of files fetched within this long go out as one update. */
const HAVE_BATCH_MS = 200
const DEFAULT_LINK_MS = 60_000
const MAX_TICKETS = 64

const cancelled = (): HearthError => new HearthError('CANCELLED', 'The download was cancelled.')

export class ShelfFiles {
  readonly #deps: ShelfFilesDeps
  readonly #policies: ShelfPolicies
  readonly #uploads: Uploads
  readonly #lock = new SharedLock()
  readonly #maxFetches: number
  readonly #linkMs: number
  /** What we know of each blob being complete on disk (checked once, then kept current). */
  readonly #local = new Map<string, boolean>()
  /** Looks at the disk for #local in progress. */
  readonly #looking = new Map<string, Promise<boolean>>()
  readonly #jobs = new Map<string, Job>()
  /** Jobs waiting for one of the fetch slots, in the order they asked. */
  readonly #slotQueue: Job[] = []
  #fetching = 0
  /** Downloads that failed for a reason of their own (not "nobody online"), until asked again. */
  readonly #failures = new Map<string, { code: string; message: string }>()
  /** Files whose download was cancelled: the policy leaves them alone until asked again. */
  readonly #declined = new Set<string>()
  readonly #tickets = new Map<string, Ticket>()
  readonly #stopped = new AbortController()
  #nextCall = 0
  #starting: Promise<void> = Promise.resolve()
  readonly #policyPasses = new Map<
    string,
    { last: number; timer: ReturnType<typeof setTimeout> | null }
  >()
  /** Blobs fetched whose `have` is not written yet: written together, a moment later. */
  readonly #pendingHaves = new Set<string>()
  #haveTimer: ReturnType<typeof setTimeout> | null = null
  #orphanSweep: Promise<void> | null = null
  #sweepAgain = false
  /** Bytes of small files fetched, for their progress events' rate. */
  readonly #smallRate = new RateMeter()

  constructor(deps: ShelfFilesDeps) {
    this.#deps = deps
    this.#policies = new ShelfPolicies(deps.settings)
    this.#maxFetches = deps.limits?.maxFetches ?? DEFAULT_MAX_FETCHES
    this.#linkMs = deps.limits?.linkMs ?? DEFAULT_LINK_MS
    this.#uploads = new Uploads({
      store: deps.store,
      ...(deps.limits?.uploads !== undefined && { limits: deps.limits.uploads }),
      onAbandoned: () => this.sweepOrphans(),
    })
  }

  /**
   * Once the node runs: removes blobs no group names, tells each group what this device holds,
   * and starts the downloads the policy asks for (they wait for members if none is online).
   */
  start(): void {
    const run = async (): Promise<void> => {
      await this.#sweep()
      for (const replica of this.#deps.ownGroups()) {
        if (this.#stopped.signal.aborted) return
        await this.#reconcile(replica)
        this.autoDownload(replica.groupId)
      }
    }
    this.#starting = run().catch((err: unknown) => {
      if (!this.#stopped.signal.aborted) {
        console.warn(`hearth: getting the shelves ready failed: ${describe(err)}`)
      }
    })
  }

  /** Resolves once start-up work is over (tests wait on it). */
  async started(): Promise<void> {
    await this.#starting
  }

  // ── commands ────────────────────────────────────────────────────────────────────────────

  async add({
    group,
    path: file,
    name,
    folder,
  }: ParsedInput<'shelf.add'>): Promise<CommandOutput<'shelf.add'>> {
    const replica = this.#deps.memberGroup(group)
    requireAbsolute(file)
    await requireReadable(file)
    const fileName = name ?? path.basename(file)
    const { fileId, manifest } = await this.#lock.shared(async () => {
      const manifest = await this.#deps.store.importFile(file)
      return { fileId: this.#addEntry(replica, manifest, fileName, folder ?? ''), manifest }
    })
    await this.#deps.durable(replica.groupId)
    return { fileId, sha256: manifest.sha256, size: manifest.size }
  }

  async list({ group }: ParsedInput<'shelf.list'>): Promise<CommandOutput<'shelf.list'>> {
    const replica = this.#deps.memberGroup(group)
    const membership = replica.membership()
    const policy = this.#policies.get(replica.groupId)
    const out: ShelfFile[] = []
    for (const view of replica.shelfFiles()) {
      const { keep, reason } = keepOf(policy, view)
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
        holders: view.holders,
        keep,
        keepReason: reason,
        transfer: this.#transferOf(view.blobId),
      })
    }
    return out
  }

  async get(
    { group, fileId, out }: ParsedInput<'shelf.get'>,
    ctx?: CallContext,
  ): Promise<CommandOutput<'shelf.get'>> {
    const replica = this.#deps.memberGroup(group)
    const view = requireFile(replica, fileId)
    requireAbsolute(out)
    const dest = path.resolve(out)
    await refuseExisting(dest)
    if (!(await this.#isLocal(view.blobId))) {
      await this.#waitFor(replica.groupId, view, ctx?.signal)
    }
    const manifest = await this.#manifestHere(view.blobId)
    const release = this.#deps.store.hold(manifest)
    try {
      await this.#deps.store.exportTo(manifest, dest)
    } catch (err) {
      if (err instanceof HearthError && err.code === 'STORAGE_FAILED')
        this.#local.delete(view.blobId)
      throw err
    } finally {
      release()
    }
    return { path: dest, sha256: manifest.sha256, size: manifest.size }
  }

  async download({ group, fileId }: ParsedInput<'shelf.download'>): Promise<void> {
    const replica = this.#deps.memberGroup(group)
    const view = requireFile(replica, fileId)
    this.#declined.delete(fileId)
    this.#failures.delete(view.blobId)
    if (await this.#isLocal(view.blobId)) return
    this.#want(view.blobId, { groupId: replica.groupId, fileId, kind: 'user' })
  }

  async cancel({ group, fileId }: ParsedInput<'shelf.cancel'>): Promise<void> {
    const replica = this.#deps.memberGroup(group)
    const view = requireFile(replica, fileId)
    this.#declined.add(fileId)
    this.#failures.delete(view.blobId)
    const job = this.#jobs.get(view.blobId)
    if (job === undefined) return
    for (const [key, want] of job.wants) {
      if (want.fileId === fileId) job.wants.delete(key)
    }
    this.#checkWanted(job)
  }

  async remove({ group, fileId }: ParsedInput<'shelf.remove'>): Promise<void> {
    const replica = this.#deps.memberGroup(group)
    replica.removeFile(fileId)
    await this.#deps.durable(replica.groupId)
  }

  async restore({ group, fileId }: ParsedInput<'shelf.restore'>): Promise<void> {
    const replica = this.#deps.memberGroup(group)
    replica.restoreFile(fileId)
    await this.#deps.durable(replica.groupId)
  }

  async move({ group, fileId, name, folder }: ParsedInput<'shelf.move'>): Promise<void> {
    const replica = this.#deps.memberGroup(group)
    replica.moveFile(fileId, {
      ...(name !== undefined && { name }),
      ...(folder !== undefined && { folder }),
    })
    await this.#deps.durable(replica.groupId)
  }

  async policy({ group }: ParsedInput<'shelf.policy'>): Promise<CommandOutput<'shelf.policy'>> {
    return policyView(this.#policies.get(this.#deps.memberGroup(group).groupId))
  }

  async setPolicy({
    group,
    autoDownloadMaxBytes,
  }: ParsedInput<'shelf.setPolicy'>): Promise<CommandOutput<'shelf.setPolicy'>> {
    const { groupId } = this.#deps.memberGroup(group)
    this.#setPolicy(groupId, { ...this.#policies.get(groupId), autoDownloadMaxBytes })
    return policyView(this.#policies.get(groupId))
  }

  async setKeep({ group, fileId, folder, keep }: ParsedInput<'shelf.setKeep'>): Promise<void> {
    const replica = this.#deps.memberGroup(group)
    if (fileId !== undefined) requireFile(replica, fileId)
    const target = fileId !== undefined ? { fileId } : { folder: folder ?? '' }
    this.#setPolicy(replica.groupId, withKeep(this.#policies.get(replica.groupId), target, keep))
    if (fileId !== undefined && keep === true) this.#declined.delete(fileId)
  }

  async storage(): Promise<ShelfStorage> {
    const kept = this.#keptBlobs()
    const groups: ShelfStorage['groups'] = []
    const freeable = new Map<string, number>()
    for (const replica of this.#deps.ownGroups()) {
      const sizes = new Map<string, number>()
      let files = 0
      for (const view of replica.shelfFiles()) {
        if (!(await this.#isLocal(view.blobId))) continue
        files++
        sizes.set(view.blobId, view.size)
      }
      let bytes = 0
      let groupFreeable = 0
      for (const [blobId, size] of sizes) {
        bytes += size
        if (kept.has(blobId)) continue
        groupFreeable += size
        freeable.set(blobId, size)
      }
      groups.push({ groupId: replica.groupId, bytes, files, freeableBytes: groupFreeable })
    }
    let freeableBytes = 0
    for (const size of freeable.values()) freeableBytes += size
    return { totalBytes: await this.#deps.store.usage(), freeableBytes, groups }
  }

  /** Removes the local copies no group keeps; returns what it freed. */
  async free(): Promise<CommandOutput<'shelf.free'>> {
    return this.#collect(() => this.#keptBlobs())
  }

  async beginUpload(
    { group, name, folder, size }: ParsedInput<'shelf.beginUpload'>,
    ctx?: CallContext,
  ): Promise<CommandOutput<'shelf.beginUpload'>> {
    const replica = this.#deps.memberGroup(group)
    const uploadId = this.#uploads.begin(callerOf(ctx), ctx?.signal, {
      groupId: replica.groupId,
      name,
      folder: folder ?? '',
      size,
    })
    return { uploadId, chunkBytes: UPLOAD_CHUNK }
  }

  async uploadChunk(
    { uploadId, offset, data }: ParsedInput<'shelf.uploadChunk'>,
    ctx?: CallContext,
  ): Promise<CommandOutput<'shelf.uploadChunk'>> {
    const bytes = Buffer.from(data, 'base64')
    if (bytes.length > UPLOAD_CHUNK) {
      throw new HearthError('TOO_LARGE', `An upload chunk is at most ${UPLOAD_CHUNK} bytes.`)
    }
    return { received: await this.#uploads.chunk(uploadId, callerOf(ctx), offset, bytes) }
  }

  async finishUpload(
    { uploadId }: ParsedInput<'shelf.finishUpload'>,
    ctx?: CallContext,
  ): Promise<CommandOutput<'shelf.finishUpload'>> {
    const { fileId, manifest, groupId } = await this.#lock.shared(async () => {
      const done = await this.#uploads.finish(uploadId, callerOf(ctx))
      try {
        const replica = this.#deps.memberGroup(done.target.groupId)
        await this.#deps.store.putManifest(done.manifest)
        const fileId = this.#addEntry(replica, done.manifest, done.target.name, done.target.folder)
        return { fileId, manifest: done.manifest, groupId: replica.groupId }
      } catch (err) {
        this.sweepOrphans()
        throw err
      } finally {
        done.release()
      }
    })
    await this.#deps.durable(groupId)
    return { fileId, sha256: manifest.sha256, size: manifest.size }
  }

  async cancelUpload(
    { uploadId }: ParsedInput<'shelf.cancelUpload'>,
    ctx?: CallContext,
  ): Promise<void> {
    this.#uploads.cancel(uploadId, callerOf(ctx))
  }

  async read({
    group,
    fileId,
    index,
  }: ParsedInput<'shelf.read'>): Promise<CommandOutput<'shelf.read'>> {
    const replica = this.#deps.memberGroup(group)
    const view = requireFile(replica, fileId)
    const manifest = await this.#manifestHere(view.blobId)
    const hash = manifest.chunks[index]
    if (hash === undefined) {
      throw new HearthError('BAD_INPUT', `The file has ${manifest.chunks.length} chunks.`)
    }
    const bytes = await this.#deps.store.readChunk(hash)
    if (bytes === null) {
      this.#local.delete(view.blobId)
      throw new HearthError('FILE_NOT_HERE', 'Part of this file went missing; download it again.')
    }
    return {
      data: Buffer.from(bytes).toString('base64'),
      chunks: manifest.chunks.length,
      size: manifest.size,
    }
  }

  async exportLink({
    group,
    fileId,
  }: ParsedInput<'shelf.exportLink'>): Promise<CommandOutput<'shelf.exportLink'>> {
    const replica = this.#deps.memberGroup(group)
    const view = requireFile(replica, fileId)
    await this.#manifestHere(view.blobId)
    const now = Date.now()
    for (const [key, ticket] of this.#tickets) if (ticket.expires <= now) this.#tickets.delete(key)
    if (this.#tickets.size >= MAX_TICKETS) {
      throw new HearthError('RATE_LIMITED', 'Too many downloads are waiting to start.')
    }
    const ticket = randomBytes(32).toString('base64url')
    this.#tickets.set(ticket, { groupId: replica.groupId, fileId, expires: now + this.#linkMs })
    return { path: `/download/${ticket}`, name: safeFileName(view.name) }
  }

  /**
   * The file a download address names, once: its safe name, size and verified bytes. Undefined
   * for an unknown, used or expired address, or a file no longer here.
   */
  async openDownload(ticket: string): Promise<Download | undefined> {
    const found = this.#tickets.get(ticket)
    this.#tickets.delete(ticket)
    if (found === undefined || found.expires <= Date.now()) return undefined
    const replica = this.#deps.ownGroup(found.groupId)
    const view = replica?.shelfFile(found.fileId)
    if (view === undefined || !(await this.#isLocal(view.blobId))) return undefined
    const manifest = await this.#deps.store.getManifest(view.blobId)
    if (manifest === null) return undefined
    const store = this.#deps.store
    // Held once reading starts (a body never read holds nothing), until it ends either way.
    async function* body(): AsyncGenerator<Uint8Array> {
      const release = store.hold(manifest as Manifest)
      try {
        for (const hash of manifest?.chunks ?? []) {
          const bytes = await store.readChunk(hash)
          if (bytes === null) throw new HearthError('STORAGE_FAILED', 'a chunk went missing')
          yield bytes
        }
      } finally {
        release()
      }
    }
    return { name: safeFileName(view.name), size: manifest.size, body: body() }
  }

  /**
   * Starts or stops what the group's policy wants fetched, and wakes downloads waiting for a
   * member. Called when the shelf changes, when a sync with a member completes, and at start.
   */
  autoDownload(groupId: string): void {
    if (this.#stopped.signal.aborted) return
    // Waiting downloads look again at once: a member who has the file may just have come.
    for (const job of this.#jobs.values()) {
      if (job.state === 'waiting' && [...job.wants.values()].some((w) => w.groupId === groupId)) {
        job.wake?.()
      }
    }
    // The policy pass walks the whole shelf; every fetched file changes the shelf (its `have`),
    // so it runs at most once per POLICY_PASS_MS per group, and once more after the last call.
    let pass = this.#policyPasses.get(groupId)
    if (pass === undefined) this.#policyPasses.set(groupId, (pass = { last: 0, timer: null }))
    if (pass.timer !== null) return
    const wait = pass.last + POLICY_PASS_MS - Date.now()
    const run = (entry: { last: number; timer: ReturnType<typeof setTimeout> | null }) => {
      entry.timer = null
      entry.last = Date.now()
      this.#policyPass(groupId)
    }
    if (wait <= 0) {
      run(pass)
      return
    }
    const entry = pass
    entry.timer = setTimeout(() => run(entry), wait)
    entry.timer.unref?.()
  }

  /** Starts what the policy wants fetched, and drops policy wants it no longer has. */
  #policyPass(groupId: string): void {
    if (this.#stopped.signal.aborted) return
    const replica = this.#deps.ownGroup(groupId)
    if (replica === undefined) return
    const policy = this.#policies.get(groupId)
    const wanted = new Set<string>()
    for (const view of replica.shelfFiles()) {
      if (view.removed || !keepOf(policy, view).keep) continue
      if (this.#declined.has(view.fileId) || this.#failures.has(view.blobId)) continue
      if (this.#local.get(view.blobId) === true) continue
      wanted.add(view.fileId)
      void this.#isLocal(view.blobId).then(
        (here) => {
          if (!here && !this.#stopped.signal.aborted) {
            this.#want(view.blobId, { groupId, fileId: view.fileId, kind: 'policy' })
          }
        },
        (err: unknown) =>
          console.warn(`hearth: cannot check shelf file ${view.fileId}: ${describe(err)}`),
      )
    }
    // The policy no longer asks for these (removed, not kept any more, or gone from the shelf).
    for (const job of [...this.#jobs.values()]) {
      let changed = false
      for (const [key, want] of job.wants) {
        if (want.kind === 'policy' && want.groupId === groupId && !wanted.has(want.fileId)) {
          job.wants.delete(key)
          changed = true
        }
      }
      if (changed) this.#checkWanted(job)
    }
  }

  /**
   * Blobs reached the store without a fetch (a carried bundle was imported): what we knew of
   * missing ones is stale. Looks again, says what is here now, and wakes downloads waiting for it.
   */
  blobsArrived(groupId: string): void {
    for (const [blobId, here] of [...this.#local]) if (!here) this.#local.delete(blobId)
    const replica = this.#deps.ownGroup(groupId)
    if (replica === undefined) return
    void this.#reconcile(replica).then(
      () => this.autoDownload(groupId),
      (err: unknown) => console.warn(`hearth: checking arrived files failed: ${describe(err)}`),
    )
  }

  /** A group is gone from this device: its blobs go too, unless another group names them. */
  groupLeft(): void {
    this.sweepOrphans()
  }

  /** Removes, soon, the blobs no file of any of our groups names (never ones in use). */
  sweepOrphans(): void {
    if (this.#stopped.signal.aborted) return
    if (this.#orphanSweep !== null) {
      this.#sweepAgain = true
      return
    }
    const run = async (): Promise<void> => {
      do {
        this.#sweepAgain = false
        await this.#sweep()
      } while (this.#sweepAgain && !this.#stopped.signal.aborted)
    }
    this.#orphanSweep = run()
      .catch((err: unknown) =>
        console.warn(`hearth: cleaning the blob store failed: ${describe(err)}`),
      )
      .finally(() => {
        this.#orphanSweep = null
      })
  }

  /** Resolves once no sweep is running (tests wait on it). */
  async swept(): Promise<void> {
    while (this.#orphanSweep !== null) await this.#orphanSweep
  }

  async stop(): Promise<void> {
    if (this.#stopped.signal.aborted) return
    // What was fetched is said before the replicas close (or at the next start, if we crash).
    this.#flushHaves()
    for (const pass of this.#policyPasses.values())
      if (pass.timer !== null) clearTimeout(pass.timer)
    this.#stopped.abort(new HearthError('PEER_STOPPED', 'The peer stopped during the transfer.'))
    this.#uploads.stop()
    for (const job of this.#jobs.values()) {
      job.attempt?.abort(this.#stopped.signal.reason)
      job.wake?.()
    }
    await this.#starting
    await this.#orphanSweep
  }

  // ── downloads ───────────────────────────────────────────────────────────────────────────

  /** Waits until the blob of `view` is here, wanting it for as long as the caller waits. */
  async #waitFor(
    groupId: string,
    view: ShelfFileView,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    signal?.throwIfAborted()
    const key = `call ${++this.#nextCall}`
    const job = this.#want(view.blobId, { groupId, fileId: view.fileId, kind: 'call' }, key)
    const onAbort = (): void => {
      job.wants.delete(key)
      this.#checkWanted(job)
    }
    signal?.addEventListener('abort', onAbort, { once: true })
    try {
      await job.done
    } finally {
      signal?.removeEventListener('abort', onAbort)
    }
    if (signal?.aborted === true) throw cancelled()
  }

  #want(blobId: string, want: Want, key = `${want.kind} ${want.groupId} ${want.fileId}`): Job {
    let job = this.#jobs.get(blobId)
    const fresh = job === undefined
    job ??= this.#newJob(blobId)
    job.wants.set(key, want)
    job.files.set(`${want.groupId} ${want.fileId}`, { groupId: want.groupId, fileId: want.fileId })
    if (fresh) {
      this.#jobs.set(blobId, job)
      void this.#run(job)
    } else if (want.kind !== 'policy') {
      // An asked-for file moves ahead of the ones the policy fetches.
      this.#promote(job)
    }
    return job
  }

  #newJob(blobId: string): Job {
    let resolve: () => void = () => {}
    let reject: (err: unknown) => void = () => {}
    const done = new Promise<void>((res, rej) => {
      resolve = res
      reject = rej
    })
    // Nobody may be waiting on a policy job's outcome.
    done.catch(() => undefined)
    return {
      blobId,
      wants: new Map(),
      files: new Map(),
      state: 'queued',
      waitingFor: [],
      bytes: 0,
      attempt: null,
      wake: null,
      done,
      resolve,
      reject,
    }
  }

  /** Ends the job if nobody wants it any more. */
  #checkWanted(job: Job): void {
    if (job.wants.size > 0) return
    job.attempt?.abort(cancelled())
    job.wake?.()
  }

  async #run(job: Job): Promise<void> {
    let outcome: 'done' | 'cancelled' | 'failed' = 'failed'
    let error: unknown
    try {
      outcome = await this.#fetchUntilHere(job)
    } catch (err) {
      error = err
    } finally {
      if (this.#jobs.get(job.blobId) === job) this.#jobs.delete(job.blobId)
    }
    if (outcome === 'done') {
      this.#local.set(job.blobId, true)
      this.#announce(job, 'done', null)
      this.#recordHolding([job.blobId], true)
      job.resolve()
      return
    }
    if (outcome === 'cancelled' || this.#stopped.signal.aborted) {
      this.#announce(job, 'cancelled', null)
      job.reject(this.#stopped.signal.aborted ? this.#stopped.signal.reason : cancelled())
      return
    }
    const payload = errorPayload(error)
    this.#failures.set(job.blobId, payload)
    this.#announce(job, 'failed', payload)
    console.warn(`hearth: could not fetch shelf blob ${job.blobId}: ${payload.message}`)
    job.reject(error)
  }

  /** Fetches until the blob is here, waiting whenever no member can send it. */
  async #fetchUntilHere(job: Job): Promise<'done' | 'cancelled'> {
    for (;;) {
      if (this.#stopped.signal.aborted || job.wants.size === 0) return 'cancelled'
      if (await this.#isLocal(job.blobId)) return 'done'
      const target = this.#target(job)
      if (target === null) {
        // Every file that wanted it is gone (the group was left, the entry vanished).
        job.wants.clear()
        return 'cancelled'
      }
      const { replica, view } = target
      if (this.#deps.sources(replica.groupId).length === 0) {
        await this.#wait(job, replica)
        continue
      }
      // Small files (one chunk at most) take no fetch slot: they wait in the transfer's batch
      // queue, which asks each source for many of them at once.
      const small = view.size <= CHUNK_SIZE
      if (!small && !(await this.#takeSlot(job))) continue
      if (job.wants.size === 0 || this.#stopped.signal.aborted) {
        if (!small) this.#releaseSlot()
        return 'cancelled'
      }
      const attempt = new AbortController()
      job.attempt = attempt
      try {
        this.#setState(job, 'fetching', [])
        if (small) await this.#fetchSmall(job, replica, view, attempt.signal)
        else await this.#fetchOnce(job, replica, view, attempt.signal)
        return 'done'
      } catch (err) {
        if (attempt.signal.aborted) return 'cancelled'
        if (!(err instanceof HearthError && err.code === 'NO_MEMBER_REACHABLE')) throw err
      } finally {
        job.attempt = null
        if (!small) this.#releaseSlot()
      }
      // Connected members could not send it: wait for another to come, or for news of holders.
      await this.#wait(job, replica)
    }
  }

  async #fetchOnce(
    job: Job,
    replica: GroupReplica,
    view: ShelfFileView,
    signal: AbortSignal,
  ): Promise<void> {
    const groupId = replica.groupId
    const sources = this.#deps.sources(groupId)
    const transfer = this.#deps.transfer()
    const manifest = await transfer.fetchManifest({ groupId, blobId: job.blobId, sources, signal })
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
      onProgress: (p) => this.#progressed(job, p),
    })
  }

  /** Tells every file the job fetches for how far it has come. */
  #progressed(job: Job, p: { bytes: number; total: number; rate: number; sources: number }): void {
    job.bytes = p.bytes
    for (const { groupId, fileId } of job.files.values()) {
      this.#deps.events.emit('transferProgressed', { groupId, fileId, ...p })
    }
  }

  /** Fetches a file of at most one chunk whole, in a batch with other small files. */
  async #fetchSmall(
    job: Job,
    replica: GroupReplica,
    view: ShelfFileView,
    signal: AbortSignal,
  ): Promise<void> {
    const groupId = replica.groupId
    const { fetchedBytes } = await this.#deps.transfer().fetchSmall({
      groupId,
      blobId: job.blobId,
      size: view.size,
      sha256: view.sha256,
      sources: this.#deps.sources(groupId),
      signal,
      urgent: [...job.wants.values()].some((w) => w.kind !== 'policy'),
    })
    this.#smallRate.add(fetchedBytes)
    this.#progressed(job, {
      bytes: view.size,
      total: view.size,
      rate: this.#smallRate.rate(),
      sources: 1,
    })
  }

  /** Waits for a wake-up: a sync, a shelf change, a cancel or the peer stopping. */
  async #wait(job: Job, replica: GroupReplica): Promise<void> {
    const self = replica.selfPeerId
    const connected = new Set(this.#deps.sources(replica.groupId).map((p) => p.toString()))
    const holders = replica.holders(job.blobId).filter((p) => p !== self && !connected.has(p))
    this.#setState(job, 'waiting', holders)
    if (job.wants.size === 0 || this.#stopped.signal.aborted) return
    await new Promise<void>((resolve) => (job.wake = resolve))
    job.wake = null
  }

  /** Waits for a fetch slot; false when woken without one (cancelled, or the peer stops). */
  async #takeSlot(job: Job): Promise<boolean> {
    if (this.#fetching < this.#maxFetches) {
      this.#fetching++
      return true
    }
    this.#setState(job, 'queued', [])
    this.#slotQueue.push(job)
    await new Promise<void>((resolve) => (job.wake = resolve))
    job.wake = null
    const at = this.#slotQueue.indexOf(job)
    if (at < 0) return true // #releaseSlot handed its slot over
    this.#slotQueue.splice(at, 1)
    return false
  }

  #releaseSlot(): void {
    const next = this.#slotQueue.shift()
    if (next === undefined) this.#fetching--
    else next.wake?.()
  }

  #promote(job: Job): void {
    this.#deps.transfer().promoteSmall(job.blobId)
    const at = this.#slotQueue.indexOf(job)
    if (at <= 0) {
      if (job.state === 'waiting') job.wake?.()
      return
    }
    this.#slotQueue.splice(at, 1)
    const firstPolicy = this.#slotQueue.findIndex(
      (j) => ![...j.wants.values()].some((w) => w.kind !== 'policy'),
    )
    this.#slotQueue.splice(firstPolicy < 0 ? this.#slotQueue.length : firstPolicy, 0, job)
  }

  /** A group and file the job can fetch for: the first want whose file still exists. */
  #target(job: Job): { replica: GroupReplica; view: ShelfFileView } | null {
    for (const [key, want] of job.wants) {
      const replica = this.#deps.ownGroup(want.groupId)
      const view = replica?.shelfFile(want.fileId)
      if (replica !== undefined && view !== undefined && view.blobId === job.blobId) {
        return { replica, view }
      }
      job.wants.delete(key)
    }
    return null
  }

  #setState(job: Job, state: TransferState, waitingFor: string[]): void {
    const same =
      job.state === state &&
      job.waitingFor.length === waitingFor.length &&
      job.waitingFor.every((p, i) => p === waitingFor[i])
    job.state = state
    job.waitingFor = waitingFor
    if (!same) this.#announce(job, state, null)
  }

  #announce(
    job: Job,
    state: EventPayload<'transferChanged'>['state'],
    error: { code: string; message: string } | null,
  ): void {
    for (const { groupId, fileId } of job.files.values()) {
      const membership = this.#deps.ownGroup(groupId)?.membership()
      this.#deps.events.emit('transferChanged', {
        groupId,
        fileId,
        state,
        waitingFor:
          state === 'waiting'
            ? job.waitingFor.map((peerId) => ({ peerId, name: membership?.nameOf(peerId) ?? '' }))
            : [],
        error,
      })
    }
  }

  #transferOf(blobId: string): Transfer | null {
    const job = this.#jobs.get(blobId)
    if (job !== undefined) {
      return { state: job.state, waitingFor: job.waitingFor, bytes: job.bytes, error: null }
    }
    const failure = this.#failures.get(blobId)
    return failure === undefined
      ? null
      : { state: 'failed', waitingFor: [], bytes: 0, error: failure }
  }

  // ── local copies ────────────────────────────────────────────────────────────────────────

  /**
   * Whether the blob is here in full. One look at the disk per blob at a time: the policy pass
   * of a shelf of thousands of files runs again before its first looks have all come back.
   */
  async #isLocal(blobId: string): Promise<boolean> {
    const known = this.#local.get(blobId)
    if (known !== undefined) return known
    let looking = this.#looking.get(blobId)
    if (looking === undefined) {
      looking = this.#lookLocal(blobId).finally(() => this.#looking.delete(blobId))
      this.#looking.set(blobId, looking)
    }
    return looking
  }

  async #lookLocal(blobId: string): Promise<boolean> {
    const manifest = await this.#deps.store.getManifest(blobId)
    const here = manifest !== null && (await this.#deps.store.isComplete(manifest))
    // A fetch may have finished while we looked: what it found wins.
    if (!this.#local.has(blobId)) this.#local.set(blobId, here)
    return this.#local.get(blobId) ?? here
  }

  /** The manifest of a blob held here in full, or FILE_NOT_HERE. */
  async #manifestHere(blobId: string): Promise<Manifest> {
    const manifest = (await this.#isLocal(blobId))
      ? await this.#deps.store.getManifest(blobId)
      : null
    if (manifest === null) {
      this.#local.delete(blobId)
      throw new HearthError(
        'FILE_NOT_HERE',
        'This file is not on this device yet; download it first.',
      )
    }
    return manifest
  }

  #addEntry(replica: GroupReplica, manifest: Manifest, name: string, folder: string): string {
    const blobId = blobIdOf(manifest)
    this.#local.set(blobId, true)
    this.#failures.delete(blobId)
    return replica.addFile({
      blobId,
      name,
      folder,
      size: manifest.size,
      mediaType: mediaTypeOf(name),
      sha256: manifest.sha256,
    })
  }

  /**
   * Tells every group that names these blobs that this device now has (or lost) them. A loss is
   * said at once; fetched files are said in batches (a few thousand small files fetched in a row
   * would otherwise be as many updates to store, send and fold everywhere).
   */
  #recordHolding(blobIds: readonly string[], have: boolean): void {
    if (!have) {
      for (const blobId of blobIds) this.#pendingHaves.delete(blobId)
      this.#writeHolding(blobIds, false)
      return
    }
    for (const blobId of blobIds) this.#pendingHaves.add(blobId)
    if (this.#haveTimer !== null) return
    this.#haveTimer = setTimeout(() => this.#flushHaves(), HAVE_BATCH_MS)
    this.#haveTimer.unref?.()
  }

  #flushHaves(): void {
    if (this.#haveTimer !== null) clearTimeout(this.#haveTimer)
    this.#haveTimer = null
    const blobIds = [...this.#pendingHaves]
    this.#pendingHaves.clear()
    if (blobIds.length > 0) this.#writeHolding(blobIds, true)
  }

  #writeHolding(blobIds: readonly string[], have: boolean): void {
    for (const replica of this.#deps.ownGroups()) {
      const changes = blobIds
        .filter((blobId) => replica.shelfHoldsBlob(blobId))
        .map((blobId) => ({ blobId, have }))
      this.#tell(replica, changes)
    }
  }

  #tell(replica: GroupReplica, changes: { blobId: string; have: boolean }[]): void {
    if (changes.length === 0) return
    try {
      replica.recordHolding(changes)
    } catch (err) {
      console.warn(
        `hearth: could not tell ${replica.groupId} which files are here: ${describe(err)}`,
      )
    }
  }

  /** Makes the group's holder entries for this device match what is on disk. */
  async #reconcile(replica: GroupReplica): Promise<void> {
    const self = replica.selfPeerId
    const changes: { blobId: string; have: boolean }[] = []
    const seen = new Set<string>()
    for (const view of replica.shelfFiles()) {
      if (seen.has(view.blobId)) continue
      seen.add(view.blobId)
      const here = await this.#isLocal(view.blobId)
      if (here !== view.holders.includes(self)) changes.push({ blobId: view.blobId, have: here })
    }
    this.#tell(replica, changes)
  }

  // ── policy and garbage ──────────────────────────────────────────────────────────────────

  #setPolicy(groupId: string, policy: GroupPolicy): void {
    this.#policies.set(groupId, policy)
    this.autoDownload(groupId)
    this.#deps.events.emit('shelfChanged', { groupId })
  }

  /** Blobs some group keeps: not removed there and kept by its policy. */
  #keptBlobs(): Set<string> {
    const kept = new Set<string>()
    for (const replica of this.#deps.ownGroups()) {
      const policy = this.#policies.get(replica.groupId)
      for (const view of replica.shelfFiles()) {
        if (!view.removed && keepOf(policy, view).keep) kept.add(view.blobId)
      }
    }
    return kept
  }

  /** Blobs any file of any of our groups names, removed ones included. */
  #namedBlobs(): Set<string> {
    const named = new Set<string>()
    for (const replica of this.#deps.ownGroups()) {
      for (const view of replica.shelfFiles()) named.add(view.blobId)
    }
    return named
  }

  #sweep(): Promise<CommandOutput<'shelf.free'>> {
    return this.#collect(() => this.#namedBlobs())
  }

  /** Runs blob gc keeping `keep()` and every blob a job wants; says what is gone. */
  async #collect(keep: () => Set<string>): Promise<CommandOutput<'shelf.free'>> {
    return this.#lock.alone(async () => {
      const kept = keep()
      for (const blobId of this.#jobs.keys()) kept.add(blobId)
      // Copies our groups name that may go: the ones to say `drop` about if they do.
      const candidates: string[] = []
      for (const blobId of this.#namedBlobs()) {
        if (!kept.has(blobId) && (await this.#isLocal(blobId))) candidates.push(blobId)
      }
      const result = await this.#deps.store.gc(kept)
      // Whatever was not kept may be gone: look again when next asked.
      for (const blobId of [...this.#local.keys()])
        if (!kept.has(blobId)) this.#local.delete(blobId)
      const gone: string[] = []
      for (const blobId of candidates) if (!(await this.#isLocal(blobId))) gone.push(blobId)
      if (gone.length > 0) this.#recordHolding(gone, false)
      return { freedBytes: result.removedBytes, files: result.removedManifests }
    })
  }
}

/** Bytes per upload chunk (the contract's cap). */
const UPLOAD_CHUNK = 512 * 1024

/** Calls made in this process, without a connection, share one caller. */
const IN_PROCESS = {}

function callerOf(ctx: CallContext | undefined): object {
  return ctx?.caller ?? IN_PROCESS
}

function requireFile(replica: GroupReplica, fileId: string): ShelfFileView {
  const view = replica.shelfFile(fileId)
  if (view === undefined) throw new HearthError('FILE_NOT_FOUND', 'There is no such file.')
  return view
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

/**
 * The file to add is the person's, not the data folder's: a missing or unreadable one is said
 * so, instead of surfacing from the blob store as the data folder failing (STORAGE_FAILED).
 */
async function requireReadable(file: string): Promise<void> {
  try {
    await access(file, constants.R_OK)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new HearthError('FILE_NOT_FOUND', `There is no file ${file}.`)
    }
    throw new HearthError('BAD_INPUT', `${file} cannot be read: ${describe(err)}`)
  }
}

async function refuseExisting(file: string): Promise<void> {
  try {
    await lstat(file)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return
    throw new HearthError('BAD_INPUT', `cannot use ${file}: ${describe(err)}`)
  }
  throw new HearthError('FILE_EXISTS', `${file} already exists; choose another path`)
}

function errorPayload(err: unknown): { code: string; message: string } {
  if (err instanceof HearthError) return { code: err.code, message: err.message }
  return { code: 'INTERNAL', message: describe(err) }
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
