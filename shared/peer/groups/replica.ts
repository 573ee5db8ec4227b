// One group's replicated state: a Y.Doc of signed entries, plus the views derived from it.
// This is the surface the peer codes against; everything below it is pure and does no I/O.
import * as Y from 'yjs'
import {
  Attachments,
  DisplayName,
  Emoji,
  EntryId,
  FileName,
  FolderPath,
  HearthError,
  HexHash,
  MediaType,
  MAX_MESSAGE_BYTES,
  MessageText,
  type Group,
  type Message,
} from '../../api/index.ts'
import type { HybridClock } from './clock.ts'
import {
  actFields,
  MAX_OP_PARENTS,
  msgFields,
  opFields,
  shelfFields,
  signEntry,
  type ActEntry,
  type MsgEntry,
  type OpEntry,
  type ShelfEntry,
  type Unsigned,
} from './entries.ts'
import { groupIdFor, randomId } from './ids.ts'
import {
  decodeInvite,
  encodeInvite,
  Invite,
  InviteMember,
  JoinRequest,
  makeJoinRequest,
  MAX_ADDR_CHARS,
  MAX_INVITE_MEMBERS,
  MAX_INVITE_TEXT,
  MAX_INVITE_USES,
  MAX_MEMBER_ADDRS,
  signInvite,
  verifyInviteSignature,
} from './invites.ts'
import {
  admissionProblem,
  computeMembership,
  MembershipView,
  signaturesOfAdd,
  type Role,
  type SignatureCache,
} from './membership.ts'
import { MessageIndex, sameMessage } from './messages.ts'
import {
  actsMap,
  msgsMap,
  opsMap,
  parseEntry,
  rootMaps,
  shelfMap,
  type RootMap,
  type SignedCommon,
} from './root-maps.ts'
import { SharedStrings, trimEntries, trimEntry } from './lean.ts'
import { ShelfIndex, type ShelfFileView } from './shelf.ts'
import type { Signer, Verify } from './signing.ts'
import { storedAct, storedMsg, storedOp, storedShelf } from './stored.ts'
import { pause, runSliced } from './slices.ts'
import { checking, type ApplyResult, type Verdict } from './validate.ts'

export type { ApplyResult } from './validate.ts'
export type { MembershipView } from './membership.ts'
export type { ShelfFileView } from './shelf.ts'
export { encodeInvite, decodeInvite, verifyInviteSignature, makeJoinRequest }
export type { Invite, JoinRequest } from './invites.ts'

/** Transaction origin of writes made by this device. */
export const LOCAL_ORIGIN: unique symbol = Symbol('hearth/local')

/** Transaction origin of updates received from `from`, so listeners can tell them apart. */
export class RemoteOrigin {
  readonly from: string
  /** Recipient tags the update's author sent it to, when `from` is its author (see applyRemote). */
  readonly sentTo: ReadonlySet<string> | undefined
  constructor(from: string, sentTo?: ReadonlySet<string>) {
    this.from = from
    this.sentTo = sentTo
  }
}

export interface ReplicaOptions {
  signer: Signer
  clock: HybridClock
  now?: () => number
  /** This device's display name, written into the genesis when founding a group. */
  memberName?: string
  /** The signature check for remote entries; tests pass a counting one. */
  verify?: Verify
}

export interface ReplicaEvents {
  /** `sentTo`: whom its author already sent it to, when it came straight from its author. */
  update: (update: Uint8Array, from: string | null, sentTo?: ReadonlySet<string>) => void
  messageAdded: (message: Message) => void
  messageChanged: (message: Message) => void
  membershipChanged: () => void
  /** The shelf view may look different: a shelf entry arrived, or membership changed. */
  shelfChanged: () => void
  /** What `catchUp()` says changed: a large update started or finished being checked. */
  catchUpChanged: () => void
}

/** Remote updates being worked through: what a person sees as "catching up". */
export interface CatchUp {
  /** Updates too large to check at once are queued or being checked. */
  active: boolean
  /** Entries of those updates that are counted (scanned), new to us and not yet applied. */
  entries: number
}

/** One remote update on its way through the queue. */
interface Job {
  /** Its new entries, once the scan has counted them. */
  counted: number
  /** It takes the slow path (queued, checked in slices), so it counts as catching up. */
  slow: boolean
}

type Listeners = { [K in keyof ReplicaEvents]: Set<ReplicaEvents[K]> }

const DEFAULT_LIMIT = 100

/** This device's latest entry in the group: what its next entry names as `prev`. */
interface Head {
  id: string
  ts: number
}

function utf8Length(text: string): number {
  return Buffer.byteLength(text, 'utf8')
}

function fail(code: HearthError['code'], message: string): never {
  throw new HearthError(code, message)
}

export class GroupReplica {
  readonly groupId: string
  readonly doc: Y.Doc
  readonly #signer: Signer
  readonly #clock: HybridClock
  readonly #now: () => number
  readonly #verify: Verify | undefined
  readonly #ops: Y.Map<unknown>
  readonly #msgs: Y.Map<unknown>
  readonly #acts: Y.Map<unknown>
  readonly #shelfMap: Y.Map<unknown>
  readonly #shelf = new ShelfIndex()
  readonly #opEntries = new Map<string, OpEntry>()
  readonly #signatures: SignatureCache = new Map()
  readonly #messages = new MessageIndex()
  readonly #strings: SharedStrings
  #membership: MembershipView
  #head: Head | null = null
  /** Remote updates apply one after another: a later one may continue an earlier one. */
  #queue: Promise<void> = Promise.resolve()
  /** Updates queued or being checked. */
  #pending = 0
  /** Updates on the slow path, and their counted entries not yet applied. */
  #slowJobs = 0
  #backlog = 0
  /** Whether Yjs's 'update' events reach us; off while a checked update is handed out as is. */
  #listening = true
  #handOut: { update: Uint8Array; origin: RemoteOrigin } | null = null
  readonly #closed = new AbortController()
  readonly #listeners: Listeners = {
    update: new Set(),
    messageAdded: new Set(),
    messageChanged: new Set(),
    membershipChanged: new Set(),
    shelfChanged: new Set(),
    catchUpChanged: new Set(),
  }
  readonly #onUpdate: (update: Uint8Array, origin: unknown) => void
  readonly #onTransactions: (doc: Y.Doc, transactions: Y.Transaction[]) => void

  private constructor(groupId: string, doc: Y.Doc, opts: ReplicaOptions) {
    this.groupId = groupId
    this.doc = doc
    this.#signer = opts.signer
    this.#clock = opts.clock
    this.#now = opts.now ?? Date.now
    this.#verify = opts.verify
    this.#ops = doc.getMap('ops')
    this.#msgs = doc.getMap('msgs')
    this.#acts = doc.getMap('acts')
    this.#shelfMap = doc.getMap('shelf')
    this.#strings = new SharedStrings(groupId)
    this.#indexAll()
    this.#membership = computeMembership(groupId, this.#opEntries, this.#signatures)
    this.#onUpdate = (update, origin) => {
      if (origin instanceof RemoteOrigin) this.#emit('update', update, origin.from, origin.sentTo)
      else this.#emit('update', update, null)
    }
    this.#onTransactions = (_doc, transactions) => {
      this.#listenForUpdates()
      this.#afterTransactions(transactions)
    }
    doc.on('update', this.#onUpdate)
    doc.on('afterAllTransactions', this.#onTransactions)
  }

  /** Founds a new group: this device becomes its founder and first admin. */
  static create(name: string, opts: ReplicaOptions): GroupReplica {
    const groupName = parseName(name)
    const memberName = parseName(opts.memberName ?? opts.signer.peerId.slice(-8))
    const nonce = randomId()
    const replica = new GroupReplica(groupIdFor(opts.signer.peerId, nonce), newDoc(), opts)
    replica.#writeOp({ kind: 'create', name: groupName, memberName, nonce }, [])
    return replica
  }

  /** Rebuilds a replica from stored updates, which were validated when they were received. */
  static load(groupId: string, updates: Uint8Array[], opts: ReplicaOptions): GroupReplica {
    const doc = newDoc()
    try {
      doc.transact(() => {
        for (const update of updates) {
          Y.applyUpdate(doc, update)
          // Updates are stored in the order they were applied, so a hole means lost data; and
          // Yjs re-merges its pending structs on every later update, which would take minutes.
          if (doc.store.pendingStructs !== null || doc.store.pendingDs !== null) {
            throw new Error('an earlier update is missing')
          }
        }
      })
    } catch (err) {
      doc.destroy()
      throw new HearthError(
        'STORAGE_FAILED',
        `The stored state of group ${groupId} cannot be read (${(err as Error).message}).`,
      )
    }
    return new GroupReplica(groupId, doc, opts)
  }

  /** A replica with nothing in it yet: a group being joined. */
  static empty(groupId: string, opts: ReplicaOptions): GroupReplica {
    return new GroupReplica(groupId, newDoc(), opts)
  }

  /** The peer id this replica writes as. */
  get selfPeerId(): string {
    return this.#signer.peerId
  }

  hasGenesis(): boolean {
    return this.#membership.founder !== null
  }

  name(): string {
    return this.#membership.name
  }

  membership(): MembershipView {
    return this.#membership
  }

  isMember(peerId: string): boolean {
    return this.#membership.members.has(peerId)
  }

  roleOf(peerId: string): Role | null {
    return this.#membership.members.get(peerId)?.role ?? null
  }

  /** The group as the contract shows it; throws `NOT_A_MEMBER` when `selfPeerId` is not one. */
  group(selfPeerId: string): Group {
    const role = this.roleOf(selfPeerId)
    if (role === null) fail('NOT_A_MEMBER', 'You are not a member of this group.')
    const members = [...this.#membership.members]
      .sort((a, b) => a[1].since - b[1].since || (a[0] < b[0] ? -1 : 1))
      .map(([peerId, m]) => ({ peerId, name: m.name, role: m.role }))
    return { groupId: this.groupId, name: this.name(), role, members }
  }

  /** The last `limit` messages, oldest first, in the order every replica shows. */
  messages(limit: number = DEFAULT_LIMIT): Message[] {
    const views: Message[] = []
    for (const id of this.#messages.lastIds(limit)) {
      const view = this.#messages.view(id, this.#membership)
      if (view !== undefined) views.push(view)
    }
    return views
  }

  message(id: string): Message | undefined {
    return this.#messages.view(id, this.#membership)
  }

  messageCount(): number {
    return this.#messages.count()
  }

  /** Sends a message; `files` are shelf files of this group to attach (the text may then be ''). */
  sendMessage(text: string, replyTo: string | null = null, files: readonly string[] = []): string {
    this.#requireMember()
    if (files.length === 0 || text !== '') checkText(text)
    if (files.length > 0) {
      const parsed = Attachments.safeParse(files)
      if (!parsed.success) {
        fail('BAD_INPUT', parsed.error.issues[0]?.message ?? 'not a list of attachments')
      }
      for (const fileId of files) {
        if (this.shelfFile(fileId) === undefined) {
          fail('FILE_NOT_FOUND', 'A file attached to the message is not on this group’s shelf.')
        }
      }
    }
    if (replyTo !== null && !this.#messages.has(replyTo)) {
      fail('MESSAGE_NOT_FOUND', 'The message you are replying to does not exist in this group.')
    }
    const { id, entry } = signEntry<MsgEntry>(
      this.#signer,
      { ...this.#common(), text, replyTo, ...(files.length > 0 && { files: [...files] }) },
      msgFields,
    )
    this.#write(msgsMap, id, entry)
    return id
  }

  editMessage(id: string, text: string): void {
    this.#requireMember()
    const target = this.#requireMessage(id)
    if (target.author !== this.#signer.peerId) {
      fail('NOT_THE_AUTHOR', 'Only the author of a message can edit it.')
    }
    if (this.message(id)?.deleted === true) fail('MESSAGE_NOT_FOUND', 'This message was deleted.')
    checkText(text)
    this.#writeAct({ kind: 'edit', target: id, text })
  }

  deleteMessage(id: string): void {
    this.#requireMember()
    const target = this.#requireMessage(id)
    const self = this.#signer.peerId
    if (target.author !== self && this.roleOf(self) !== 'admin') {
      fail('NOT_THE_AUTHOR', 'Only the author of a message or an admin can delete it.')
    }
    if (this.message(id)?.deleted === true) return
    this.#writeAct({ kind: 'delete', target: id })
  }

  react(id: string, emoji: string, on: boolean): void {
    this.#requireMember()
    this.#requireMessage(id)
    if (!Emoji.safeParse(emoji).success) fail('BAD_INPUT', 'A reaction must be an emoji.')
    this.#writeAct({ kind: 'react', target: id, emoji, on })
  }

  /** Every file on the shelf, removed ones included (flagged), versions of a name together. */
  shelfFiles(): ShelfFileView[] {
    return this.#shelf.views(this.#membership)
  }

  shelfFile(fileId: string): ShelfFileView | undefined {
    return this.#shelf.view(fileId, this.#membership)
  }

  /** Whether a file on this shelf is stored as `blobId`: what a member may fetch from us. */
  shelfHoldsBlob(blobId: string): boolean {
    return this.#shelf.holdsBlob(blobId)
  }

  /** Members who say they hold a verified full copy of `blobId`, sorted. */
  holders(blobId: string): string[] {
    return this.#shelf.holders(blobId, this.#membership)
  }

  /**
   * Tells the group which blobs this device now holds in full (have) or no longer holds (drop),
   * as signed entries written in one transaction: one update however many there are. Blobs the
   * group's view already says that about are skipped. Returns how many entries were written.
   */
  recordHolding(changes: readonly { blobId: string; have: boolean }[]): number {
    this.#requireMember()
    const self = this.#signer.peerId
    const bodies: { kind: 'have' | 'drop'; blobId: string }[] = []
    const seen = new Set<string>()
    for (const { blobId, have } of changes) {
      checkShelfField(HexHash, blobId, 'blob id')
      if (seen.has(blobId)) continue
      seen.add(blobId)
      if (this.holders(blobId).includes(self) === have) continue
      // A drop of a blob this shelf never named says nothing anyone needs.
      if (!have && !this.#shelf.holdsBlob(blobId)) continue
      bodies.push({ kind: have ? 'have' : 'drop', blobId })
    }
    if (bodies.length === 0) return 0
    const signed: [string, ShelfEntry][] = []
    for (const body of bodies) {
      const { id, entry } = signEntry<ShelfEntry>(
        this.#signer,
        { ...this.#common(), ...body } as Unsigned<ShelfEntry>,
        shelfFields,
      )
      this.#checkEntry(shelfMap, entry)
      // Each next entry names this one as `prev`, so the head moves as they are signed.
      this.#noteOwn(id, entry)
      signed.push([id, entry])
    }
    this.doc.transact(() => {
      for (const [id, entry] of signed) this.#shelfMap.set(id, entry)
    }, LOCAL_ORIGIN)
    return signed.length
  }

  /** Adds a file (one version) to the shelf; returns its file id. */
  addFile(file: {
    blobId: string
    name: string
    folder: string
    size: number
    mediaType: string
    sha256: string
  }): string {
    this.#requireMember()
    checkShelfField(FileName, file.name, 'name')
    checkShelfField(FolderPath, file.folder, 'folder')
    checkShelfField(HexHash, file.blobId, 'blob id')
    checkShelfField(HexHash, file.sha256, 'hash')
    checkShelfField(MediaType, file.mediaType, 'media type')
    if (!Number.isSafeInteger(file.size) || file.size < 0) fail('BAD_INPUT', 'Not a file size.')
    return this.#writeShelf({ kind: 'file', ...file })
  }

  /** Renames and/or moves a file; by whoever added it, or an admin. */
  moveFile(fileId: string, to: { name?: string; folder?: string }): void {
    const current = this.#requireFileActor(fileId, 'rename or move')
    const name = to.name ?? current.name
    const folder = to.folder ?? current.folder
    checkShelfField(FileName, name, 'name')
    checkShelfField(FolderPath, folder, 'folder')
    if (name === current.name && folder === current.folder) return
    this.#writeShelf({ kind: 'rename', target: fileId, name, folder })
  }

  removeFile(fileId: string): void {
    const current = this.#requireFileActor(fileId, 'remove')
    if (!current.removed) this.#writeShelf({ kind: 'remove', target: fileId })
  }

  restoreFile(fileId: string): void {
    const current = this.#requireFileActor(fileId, 'restore')
    if (current.removed) this.#writeShelf({ kind: 'restore', target: fileId })
  }

  createInvite(o: {
    uses: number
    expiresAt: number
    members: { peerId: string; addrs: string[] }[]
  }): Invite {
    this.#requireAdmin()
    if (!Number.isInteger(o.uses) || o.uses < 1 || o.uses > MAX_INVITE_USES) {
      fail('BAD_INPUT', `An invite can be used between 1 and ${MAX_INVITE_USES} times.`)
    }
    if (!Number.isSafeInteger(o.expiresAt) || o.expiresAt <= this.#now()) {
      fail('BAD_INPUT', 'An invite must expire in the future.')
    }
    // An invite only needs a few reachable members; keep what fits rather than fail.
    const offered = o.members.slice(0, MAX_INVITE_MEMBERS).map((m) => ({
      peerId: m.peerId,
      addrs: m.addrs.filter((a) => a.length <= MAX_ADDR_CHARS).slice(0, MAX_MEMBER_ADDRS),
    }))
    const members = InviteMember.array().safeParse(offered)
    if (!members.success) fail('BAD_INPUT', 'The members to put in the invite are not valid.')
    const unsigned = {
      v: 1 as const,
      group: this.groupId,
      groupName: this.name(),
      author: this.#signer.peerId,
      inviteId: randomId(),
      // On the group's clock, so it compares correctly with the time of a removal.
      createdAt: this.#clock.tick(),
      expiresAt: o.expiresAt,
      uses: o.uses,
      members: members.data,
    }
    let invite = signInvite(this.#signer, unsigned)
    while (encodeInvite(invite).length > MAX_INVITE_TEXT && unsigned.members.length > 1) {
      unsigned.members = unsigned.members.slice(0, -1)
      invite = signInvite(this.#signer, unsigned)
    }
    if (encodeInvite(invite).length > MAX_INVITE_TEXT) {
      fail('TOO_LARGE', 'The addresses to put in the invite do not fit in one invite.')
    }
    return invite
  }

  /** Admits the holder of `invite`; any member may do this, so the founder need not be online. */
  admit(invite: Invite, request: JoinRequest, remotePeerId: string): void {
    this.#requireMember()
    const inv = Invite.safeParse(invite)
    if (!inv.success) fail('INVITE_INVALID', 'This invite is damaged.')
    const req = JoinRequest.safeParse(request)
    if (!req.success) fail('BAD_INPUT', 'The join request is damaged.')
    if (req.data.peerId !== remotePeerId) {
      fail('BAD_INPUT', 'The join request was made by another peer.')
    }
    if (this.isMember(remotePeerId)) return
    const ts = this.#clock.tick()
    const admission = {
      member: remotePeerId,
      memberName: req.data.name,
      invite: inv.data,
      request: req.data,
      ts,
    }
    const problem = admissionProblem(this.#membership, this.groupId, admission, () =>
      signaturesOfAdd(inv.data, req.data),
    )
    if (problem !== null) fail(problem.code, problem.message)
    const { ts: _ts, ...fields } = admission
    this.#writeOp({ kind: 'add', ...fields }, undefined, ts)
  }

  removeMember(peerId: string): void {
    this.#requireAdmin()
    const self = this.#signer.peerId
    if (peerId === self) fail('BAD_INPUT', 'To leave the group, leave it instead.')
    if (!this.isMember(peerId)) fail('MEMBER_NOT_FOUND', 'This peer is not a member of the group.')
    if (peerId === this.#membership.founder && self !== this.#membership.founder) {
      fail('NOT_AN_ADMIN', 'Only the founder can remove the founder.')
    }
    this.#writeOp({ kind: 'remove', member: peerId })
  }

  promote(peerId: string): void {
    this.#requireAdmin()
    const role = this.roleOf(peerId)
    if (role === null) fail('MEMBER_NOT_FOUND', 'This peer is not a member of the group.')
    if (role === 'admin') return
    this.#writeOp({ kind: 'promote', member: peerId })
  }

  leave(): void {
    this.#requireMember()
    this.#writeOp({ kind: 'leave' })
  }

  rename(name: string): void {
    this.#requireAdmin()
    this.#writeOp({ kind: 'rename', name: parseName(name) })
  }

  /**
   * Tells the group this device's new display name; true when an op was written (false when
   * the group already knows it by that name).
   */
  setMemberName(name: string): boolean {
    this.#requireMember()
    const memberName = parseName(name)
    if (this.#membership.nameOf(this.#signer.peerId) === memberName) return false
    this.#writeOp({ kind: 'name', memberName })
    return true
  }

  stateVector(): Uint8Array {
    return Y.encodeStateVector(this.doc)
  }

  /** What a peer with `stateVector` lacks. Throws `BAD_INPUT` for a malformed state vector. */
  diff(stateVector: Uint8Array): Uint8Array {
    try {
      return Y.encodeStateAsUpdate(this.doc, stateVector)
    } catch (err) {
      throw new HearthError('BAD_INPUT', `Malformed state vector (${(err as Error).message}).`)
    }
  }

  /**
   * Validates then applies an update from `from`, after every update handed in before it.
   * Never half-applies. An update that is one slice of work, with nothing queued ahead of it, is
   * checked and applied before this returns; a larger one is checked in slices, so the event loop
   * keeps running meanwhile (local writes included), then Yjs applies it in one step. Resolves
   * with the outcome; rejects only with GROUP_NOT_FOUND, when the replica is destroyed first.
   * `sentTo` (the recipient tags its author sent it with) reaches the 'update' event only when
   * `from` wrote every entry of the update.
   */
  applyRemote(
    update: Uint8Array,
    from: string,
    sentTo?: ReadonlySet<string>,
  ): Promise<ApplyResult> {
    if (this.#closed.signal.aborted) return Promise.reject(this.#closedError())
    const job: Job = { counted: 0, slow: false }
    const steps = checking(this.doc, this.groupId, update, this.#verify, (entries) => {
      job.counted += entries
      if (job.slow) this.#progress(entries, 0)
    })
    if (this.#pending > 0) {
      this.#startSlow(job)
      return this.#enqueue(() => this.#resume(steps, update, from, sentTo, job))
    }
    const first = steps.next()
    if (first.done === true) {
      return Promise.resolve(this.#commit(first.value, update, from, sentTo))
    }
    this.#startSlow(job)
    return this.#enqueue(async () => {
      await pause()
      return this.#resume(steps, update, from, sentTo, job)
    })
  }

  /** How far behind this replica is with what it has received. */
  catchUp(): CatchUp {
    return { active: this.#slowJobs > 0, entries: this.#backlog }
  }

  #startSlow(job: Job): void {
    job.slow = true
    this.#progress(job.counted, 1)
  }

  #progress(entries: number, jobs: number): void {
    this.#backlog += entries
    this.#slowJobs += jobs
    this.#emit('catchUpChanged')
  }

  #enqueue(task: () => Promise<ApplyResult>): Promise<ApplyResult> {
    this.#pending++
    const result = this.#queue.then(task)
    // The queue only orders; each caller sees its own outcome, a failure included.
    const done = (): void => {
      this.#pending--
    }
    this.#queue = result.then(done, done)
    return result
  }

  async #resume(
    steps: Generator<void, Verdict>,
    update: Uint8Array,
    from: string,
    sentTo: ReadonlySet<string> | undefined,
    job: Job,
  ): Promise<ApplyResult> {
    try {
      let verdict: Verdict
      try {
        verdict = await runSliced(steps, this.#closed.signal)
      } catch (err) {
        if (this.#closed.signal.aborted) throw this.#closedError()
        throw err
      }
      return this.#commit(verdict, update, from, sentTo)
    } finally {
      if (!this.#closed.signal.aborted) this.#progress(-job.counted, -1)
    }
  }

  #commit(
    verdict: Verdict,
    update: Uint8Array,
    from: string,
    sentTo: ReadonlySet<string> | undefined,
  ): ApplyResult {
    if (verdict.kind !== 'accept') return verdict
    if (this.#closed.signal.aborted) throw this.#closedError()
    // Whom the author sent it to matters for relaying only if `from` is that author: a member
    // may spare others relaying its own messages, never anyone else's.
    const fromAuthor = sentTo !== undefined && verdict.entries.every((e) => e.author === from)
    const origin = new RemoteOrigin(from, fromAuthor ? sentTo : undefined)
    // Yjs encodes each transaction again for 'update' listeners, which for a large catch-up costs
    // a third of the time Yjs takes to apply it. When every entry of the update is new, that
    // encoding says exactly what the update we checked says: hand that one out instead.
    if (verdict.allNew) {
      this.doc.off('update', this.#onUpdate)
      this.#listening = false
      this.#handOut = { update, origin }
    }
    try {
      Y.applyUpdate(this.doc, update, origin)
    } catch (err) {
      this.#handOut = null
      // Unreachable for an update that passed the check; reported, never thrown at the caller.
      console.error(`hearth: applying a checked update from ${from} failed`, err)
      return { kind: 'rejected', reason: `apply failed (${(err as Error).message})` }
    } finally {
      this.#listenForUpdates()
    }
    for (const entry of verdict.entries) this.#clock.observe(entry.ts)
    return { kind: 'applied' }
  }

  /**
   * Runs once Yjs is done with a remote transaction (before any listener can write): hands out
   * the update that was applied, if Yjs was spared encoding it, and listens to Yjs again.
   */
  #listenForUpdates(): void {
    if (this.#listening) return
    const handOut = this.#handOut
    this.#handOut = null
    this.#listening = true
    this.doc.on('update', this.#onUpdate)
    if (handOut !== null) {
      this.#emit('update', handOut.update, handOut.origin.from, handOut.origin.sentTo)
    }
  }

  #closedError(): HearthError {
    return new HearthError('GROUP_NOT_FOUND', `Group ${this.groupId} was closed.`)
  }

  /** The whole doc as one update, for compacting storage. */
  snapshot(): Uint8Array {
    return Y.encodeStateAsUpdate(this.doc)
  }

  on<K extends keyof ReplicaEvents>(event: K, fn: ReplicaEvents[K]): () => void {
    const set = this.#listeners[event] as Set<ReplicaEvents[K]>
    set.add(fn)
    return () => set.delete(fn)
  }

  destroy(): void {
    this.#closed.abort()
    this.doc.off('update', this.#onUpdate)
    this.doc.off('afterAllTransactions', this.#onTransactions)
    for (const set of Object.values(this.#listeners)) set.clear()
    this.doc.destroy()
  }

  #emit<K extends keyof ReplicaEvents>(event: K, ...args: Parameters<ReplicaEvents[K]>): void {
    for (const fn of this.#listeners[event] as Set<(...a: Parameters<ReplicaEvents[K]>) => void>) {
      try {
        fn(...args)
      } catch (err) {
        // A failing listener must not stop the others, nor unwind into a Yjs transaction.
        console.error(`hearth: a '${event}' listener of group ${this.groupId} failed`, err)
      }
    }
  }

  #requireMember(): void {
    if (!this.isMember(this.#signer.peerId)) {
      fail('NOT_A_MEMBER', 'You are not a member of this group.')
    }
  }

  #requireAdmin(): void {
    this.#requireMember()
    if (this.roleOf(this.#signer.peerId) !== 'admin') {
      fail('NOT_AN_ADMIN', 'Only an admin of this group can do that.')
    }
  }

  #requireMessage(id: string): MsgEntry {
    const entry = EntryId.safeParse(id).success ? this.#messages.entry(id) : undefined
    if (entry === undefined) fail('MESSAGE_NOT_FOUND', 'There is no such message in this group.')
    return entry
  }

  #common(ts: number = this.#clock.tick()) {
    const prev = this.#head?.id ?? null
    return { v: 2 as const, group: this.groupId, author: this.#signer.peerId, ts, prev }
  }

  /**
   * Every peer would reject an entry that breaks the schema, and then every later write of this
   * Yjs client too (a clock gap), so a local entry must pass the same schema before it is written.
   */
  #write<E extends SignedCommon>(map: RootMap<E>, id: string, entry: E): void {
    this.#checkEntry(map, entry)
    // Before the transaction: listeners run inside it and may write the next entry.
    this.#noteOwn(id, entry)
    this.doc.transact(() => this.doc.getMap(map.name).set(id, entry), LOCAL_ORIGIN)
  }

  #checkEntry<E extends SignedCommon>(map: RootMap<E>, entry: E): void {
    const parsed = parseEntry(map, entry)
    if (!parsed.success) {
      const issue = parsed.error.issues[0]
      fail('INTERNAL', `Refusing to write a malformed ${map.name} entry (${issue?.message ?? ''}).`)
    }
    if (entry.group !== this.groupId) fail('INTERNAL', 'Refusing to write into another group.')
  }

  /**
   * Keeps the head current as this device's entries appear: written here, or handed back by a
   * peer after a restore. Along a chain `ts` only grows (each entry ticks the clock past the one
   * it names), so the latest entry by (ts, id) is one no other names: the head loading derives.
   */
  #noteOwn(id: string, entry: SignedCommon): void {
    if (entry.author !== this.#signer.peerId) return
    if (this.#head === null || compareKey(entry.ts, id, this.#head) > 0) {
      this.#head = { id, ts: entry.ts }
    }
  }

  #requireFileActor(fileId: string, what: string): ShelfFileView {
    this.#requireMember()
    const view = EntryId.safeParse(fileId).success ? this.shelfFile(fileId) : undefined
    if (view === undefined) fail('FILE_NOT_FOUND', 'There is no such file on this shelf.')
    const self = this.#signer.peerId
    if (view.addedBy !== self && this.roleOf(self) !== 'admin') {
      fail('NOT_THE_AUTHOR', `Only whoever added a file, or an admin, can ${what} it.`)
    }
    return view
  }

  #writeShelf(
    entry: DistributiveOmit<Unsigned<ShelfEntry>, 'v' | 'group' | 'author' | 'ts' | 'prev'>,
  ): string {
    const { id, entry: signed } = signEntry<ShelfEntry>(
      this.#signer,
      { ...this.#common(), ...entry } as Unsigned<ShelfEntry>,
      shelfFields,
    )
    this.#write(shelfMap, id, signed)
    return id
  }

  #writeAct(
    act: DistributiveOmit<Unsigned<ActEntry>, 'v' | 'group' | 'author' | 'ts' | 'prev'>,
  ): void {
    const { id, entry } = signEntry<ActEntry>(
      this.#signer,
      { ...this.#common(), ...act } as Unsigned<ActEntry>,
      actFields,
    )
    this.#write(actsMap, id, entry)
  }

  #writeOp(
    op: DistributiveOmit<Unsigned<OpEntry>, 'v' | 'group' | 'author' | 'ts' | 'prev' | 'parents'>,
    parents: string[] = this.#membership.heads.slice(0, MAX_OP_PARENTS),
    ts?: number,
  ): void {
    const { id, entry } = signEntry<OpEntry>(
      this.#signer,
      { ...this.#common(ts), parents, ...op } as Unsigned<OpEntry>,
      opFields,
    )
    this.#write(opsMap, id, entry)
  }

  /** Builds every index from the doc in bulk; used once, before listening for changes. */
  #indexAll(): void {
    let latest = 0
    // The head is the latest own entry by (ts, id): no own entry names it, since along a chain
    // ts only grows. After a restore there may be several chains (a fork), and it continues the
    // latest. #noteOwn keeps exactly that maximum.
    const seen = (id: string, entry: SignedCommon): void => {
      if (entry.ts > latest) latest = entry.ts
      this.#noteOwn(id, entry)
    }
    // forEach, not entries(): Yjs's iterator costs three times as much over 100,000 messages.
    this.#ops.forEach((value, id) => {
      const op = storedOp(value)
      if (op === null) warnStored(this.groupId, 'ops', id)
      else {
        this.#opEntries.set(id, op)
        seen(id, op)
      }
    })
    trimEntries(this.#msgs)
    trimEntries(this.#acts)
    this.#messages.addMessagesFrom((add) =>
      this.#msgs.forEach((value, id) => {
        const msg = storedMsg(value)
        if (msg === null) warnStored(this.groupId, 'msgs', id)
        else {
          this.#strings.share(id, msg)
          add(id, msg)
          seen(id, msg)
        }
      }),
    )
    this.#acts.forEach((value, id) => {
      const act = storedAct(value)
      if (act === null) warnStored(this.groupId, 'acts', id)
      else {
        this.#strings.share(id, act)
        this.#messages.addAct(id, act)
        seen(id, act)
      }
    })
    this.#shelfMap.forEach((value, id) => {
      const entry = storedShelf(value)
      if (entry === null) warnStored(this.groupId, 'shelf', id)
      else {
        this.#shelf.add(id, entry)
        seen(id, entry)
      }
    })
    this.#clock.observe(latest)
  }

  /**
   * Folds a batch of transactions into the views, then tells listeners what changed. Views are
   * taken before and after, so `messageChanged` fires only when a message really looks different.
   */
  #afterTransactions(transactions: Y.Transaction[]): void {
    const newOps: [string, OpEntry][] = []
    const newMsgs: [string, MsgEntry][] = []
    const newActs: [string, ActEntry][] = []
    const newShelf: [string, ShelfEntry][] = []
    for (const tr of transactions) {
      for (const [type, keys] of tr.changed) {
        // Yjs types the changed map loosely; identity against our root maps is what matters.
        const changed: unknown = type
        for (const key of keys) {
          if (key === null) continue
          if (changed === this.#ops) {
            const op = storedOp(this.#ops.get(key))
            if (op !== null && !this.#opEntries.has(key)) newOps.push([key, op])
          } else if (changed === this.#msgs) {
            const msg = storedMsg(this.#msgs.get(key))
            if (msg !== null && !this.#messages.has(key)) {
              trimEntry(this.#msgs, key)
              this.#strings.share(key, msg)
              newMsgs.push([key, msg])
            }
          } else if (changed === this.#acts) {
            const act = storedAct(this.#acts.get(key))
            if (act !== null) {
              trimEntry(this.#acts, key)
              this.#strings.share(key, act)
              newActs.push([key, act])
            }
          } else if (changed === this.#shelfMap) {
            const entry = storedShelf(this.#shelfMap.get(key))
            if (entry !== null) newShelf.push([key, entry])
          }
        }
      }
    }
    if (newOps.length + newMsgs.length + newActs.length + newShelf.length === 0) return
    // Before any listener runs: a listener may write, and its entry must name the latest one.
    for (const list of [newOps, newMsgs, newActs, newShelf]) {
      for (const [id, e] of list) this.#noteOwn(id, e)
    }
    for (const [id, entry] of newShelf) this.#shelf.add(id, entry)

    const before = this.#membership
    let after = before
    if (newOps.length > 0) {
      for (const [id, op] of newOps) this.#opEntries.set(id, op)
      after = computeMembership(this.groupId, this.#opEntries, this.#signatures)
    }
    const membershipChanged = after.digest !== before.digest
    const touched = new Set<string>()
    for (const [, act] of newActs) if (this.#messages.has(act.target)) touched.add(act.target)
    if (membershipChanged) {
      for (const id of this.#messages.idsTouchedBy(MembershipView.changedPeers(before, after))) {
        touched.add(id)
      }
    }
    const previous = new Map<string, Message | undefined>()
    for (const id of touched) previous.set(id, this.#messages.view(id, before))

    this.#membership = after
    this.#messages.addMessages(newMsgs)
    for (const [id, act] of newActs) this.#messages.addAct(id, act)

    if (membershipChanged) this.#emit('membershipChanged')
    if (newShelf.length > 0 || (membershipChanged && this.#shelf.size() > 0)) {
      this.#emit('shelfChanged')
    }
    newMsgs.sort((a, b) => a[1].ts - b[1].ts || (a[0] < b[0] ? -1 : 1))
    for (const [id] of newMsgs) {
      const view = this.#messages.view(id, after)
      if (view !== undefined) this.#emit('messageAdded', view)
    }
    for (const [id, old] of previous) {
      const view = this.#messages.view(id, after)
      if (view !== undefined && !sameMessage(old, view)) this.#emit('messageChanged', view)
    }
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never

function newDoc(): Y.Doc {
  const doc = new Y.Doc()
  // Root maps are defined up front so every remote entry lands in a map, never in a bare type.
  for (const map of rootMaps) doc.getMap(map.name)
  return doc
}

/** Orders entries by (ts, id), the order every replica uses. */
function compareKey(ts: number, id: string, other: Head): number {
  return ts - other.ts || (id < other.id ? -1 : id > other.id ? 1 : 0)
}

function parseName(name: string): string {
  const parsed = DisplayName.safeParse(name)
  if (!parsed.success) fail('BAD_INPUT', parsed.error.issues[0]?.message ?? 'not a valid name')
  return parsed.data
}

function checkText(text: string): void {
  if (utf8Length(text) > MAX_MESSAGE_BYTES) {
    fail('TOO_LARGE', `A message can be at most ${MAX_MESSAGE_BYTES / 1024} KiB.`)
  }
  const parsed = MessageText.safeParse(text)
  if (!parsed.success) fail('BAD_INPUT', parsed.error.issues[0]?.message ?? 'not a valid message')
}

function checkShelfField(
  schema: {
    safeParse(v: unknown): { success: boolean; error?: { issues: { message: string }[] } }
  },
  value: unknown,
  what: string,
): void {
  const parsed = schema.safeParse(value)
  if (!parsed.success) {
    fail('BAD_INPUT', `Not a valid ${what}: ${parsed.error?.issues[0]?.message ?? 'rejected'}.`)
  }
}

function warnStored(groupId: string, map: string, id: string): void {
  console.warn(`hearth: group ${groupId} holds a malformed ${map} entry ${id}; it is ignored`)
}
