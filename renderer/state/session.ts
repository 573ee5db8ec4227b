// What the UI knows about its peer: identity, groups with their last message and unread count,
// the chats that were opened, members' reachability and read markers, catch-up progress. It is fed by commands and events of the
// contract only, so it runs the same against a real peer, the browser bridge or a test channel.
// React reads it through `subscribe`/`getSnapshot`; changes are coalesced so a burst of events
// (catch-up after being offline) renders once per frame instead of once per message.
import type {
  EventName,
  EventPayload,
  Group,
  Identity,
  Message,
  PeerInfo,
  Receipt,
  Status,
} from '../../shared/api/index.ts'
import type { ApiClient } from '../../shared/rpc/index.ts'
import { compareMessages, MessageLog } from './message-log.ts'

/** A place in a group's message order, as read markers name it. */
export interface ReadPosition {
  ts: number
  id: string
}

/** Orders positions (and messages) as every replica orders messages: by ts, then by id. */
export function comparePositions(a: ReadPosition, b: ReadPosition): number {
  return a.ts - b.ts || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
}

/** Small persistent key/value settings: localStorage in a browser, a Map in tests. */
export interface Prefs {
  get(key: string): string | null
  set(key: string, value: string): void
}

export interface GroupView {
  group: Group
  last: Message | undefined
  unread: number
}

export interface PendingSend {
  localId: string
  text: string
  replyTo: string | null
  /** Shelf files going with it. */
  attachments: readonly string[]
  state: 'sending' | 'failed'
  error: unknown
}

export interface ChatSnapshot {
  groupId: string
  log: MessageLog
  /** Changes whenever `log` does; the log itself is mutated in place. */
  version: number
  loading: boolean
  /** Older messages may exist on the peer beyond what was loaded. */
  hasMore: boolean
  /** The first message that was unread when the chat was opened. */
  unreadFrom: string | null
  pending: readonly PendingSend[]
  loadError: unknown
}

export interface SessionSnapshot {
  connection: 'open' | 'closed'
  identity: Identity
  status: Status | null
  groups: readonly GroupView[]
  peers: ReadonlyMap<string, PeerInfo>
  chats: ReadonlyMap<string, ChatSnapshot>
  /** Every current member's read marker, per group. */
  receipts: ReadonlyMap<string, readonly Receipt[]>
  /** Groups catching up on received updates: how many are still to check (0 while counting). */
  catchingUp: ReadonlyMap<string, number>
}

export interface SessionOptions {
  /** Runs `flush` soon; the browser passes a frame-rate timer, tests may pass queueMicrotask. */
  schedule?: (flush: () => void) => void
}

/** Messages fetched when a chat opens, and added by each "earlier messages" request. */
export const CHAT_PAGE = 1000
// One reply must fit the RPC frame cap (8 MB); the contract has no paging yet.
export const MAX_LOADED = 10_000
/** Messages fetched per group to show its last message and count what is unread. */
export const SUMMARY_LIMIT = 100

interface ChatState {
  log: MessageLog
  loading: boolean
  hasMore: boolean
  limit: number
  unreadFrom: string | null
  pending: PendingSend[]
  loadError: unknown
}

interface SummaryState {
  last: Message | undefined
  unread: number
}

const frameSoon = (flush: () => void) => void setTimeout(flush, 16)

function isUnreadFor(me: string, message: Message, read: ReadPosition | null): boolean {
  return (
    message.author !== me &&
    !message.deleted &&
    (read === null || comparePositions(message, read) > 0)
  )
}

export class Session {
  readonly client: ApiClient
  readonly #schedule: (flush: () => void) => void
  readonly #listeners = new Set<() => void>()

  #identity: Identity
  #status: Status | null = null
  #connection: 'open' | 'closed' = 'open'
  readonly #groups = new Map<string, Group>()
  readonly #summaries = new Map<string, SummaryState>()
  readonly #chats = new Map<string, ChatState>()
  readonly #chatSnapshots = new Map<string, ChatSnapshot>()
  readonly #dirtyChats = new Set<string>()
  #peers: ReadonlyMap<string, PeerInfo> = new Map()
  /** Read markers as the peer last reported them, per group. */
  #receipts: ReadonlyMap<string, readonly Receipt[]> = new Map()
  /** How far this person has read each group: the peer's marker, or further once seen here. */
  readonly #lastRead = new Map<string, ReadPosition>()
  /** The latest message on screen per group, while the window was not being looked at. */
  readonly #onScreen = new Map<string, ReadPosition>()
  /** markRead calls: one in flight per group; a later position waits for it and replaces others. */
  readonly #marking = new Map<string, { next: ReadPosition | null }>()
  /** Where reading stood when a chat was first viewed: its "new messages" line goes there. */
  readonly #readWhenOpened = new Map<string, ReadPosition | null>()
  #catchingUp: ReadonlyMap<string, number> = new Map()
  #viewing: string | null = null
  #nextLocalId = 1

  #snapshot: SessionSnapshot
  #flushQueued = false
  #peersRefresh: { running: boolean; again: boolean } = { running: false, again: false }
  readonly #offEvents: (() => void)[] = []

  private constructor(client: ApiClient, identity: Identity, options: SessionOptions) {
    this.client = client
    this.#schedule = options.schedule ?? frameSoon
    this.#identity = identity
    this.#snapshot = this.#buildSnapshot()
  }

  /** Loads what the first screen needs and starts following the peer's events. */
  static async open(client: ApiClient, options: SessionOptions = {}): Promise<Session> {
    const identity = await client.call('identity.get', {})
    const session = new Session(client, identity, options)
    session.#follow()
    await session.refreshGroups()
    await Promise.all([session.#refreshPeers(), session.#refreshStatus()])
    session.#flushNow()
    return session
  }

  get me(): string {
    return this.#identity.peerId
  }

  subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener)
    return () => this.#listeners.delete(listener)
  }

  getSnapshot = (): SessionSnapshot => this.#snapshot

  /** Stops following events; the client stays open for its owner to close. */
  dispose(): void {
    for (const off of this.#offEvents.splice(0)) off()
  }

  // ---- reading state -------------------------------------------------------------------------

  /** How far this person has read the group, or null when nothing yet. */
  lastRead(groupId: string): ReadPosition | null {
    return this.#lastRead.get(groupId) ?? null
  }

  /**
   * Which chat is on screen, and whether the person can be looking at it (the window is visible
   * and focused). Only then does what is on screen count as read.
   */
  view(groupId: string | null, attending: boolean): void {
    this.#viewing = attending ? groupId : null
    if (groupId !== null) this.#rememberReadWhenOpened(groupId)
    const shown = groupId === null ? undefined : this.#onScreen.get(groupId)
    if (this.#viewing !== null && shown !== undefined) this.seen(this.#viewing, shown)
  }

  /**
   * The latest message of the group now on screen. While the person is looking, it and
   * everything before it count as read, here and for the other members (a read marker).
   */
  seen(groupId: string, message: ReadPosition): void {
    if (this.#viewing !== groupId) {
      this.#onScreen.set(groupId, { ts: message.ts, id: message.id })
      return
    }
    this.#onScreen.delete(groupId)
    const read = this.lastRead(groupId)
    if (read !== null && comparePositions(message, read) <= 0) return
    const position = { ts: message.ts, id: message.id }
    this.#lastRead.set(groupId, position)
    this.#recountUnread(groupId)
    this.#sendMarker(groupId, position)
  }

  // ---- commands ------------------------------------------------------------------------------

  /** Asks the peer again for its status (the nearby count changes without an event). */
  async refreshStatus(): Promise<void> {
    await this.#refreshStatus()
  }

  async refreshGroups(): Promise<void> {
    const groups = await this.client.call('groups.list', {})
    const seen = new Set<string>()
    for (const group of groups) {
      seen.add(group.groupId)
      const known = this.#groups.has(group.groupId)
      this.#groups.set(group.groupId, group)
      if (!known) await this.#loadSummary(group.groupId)
    }
    for (const groupId of [...this.#groups.keys()]) if (!seen.has(groupId)) this.#forget(groupId)
    this.#changed()
  }

  async createGroup(name: string): Promise<{ groupId: string; invite: string }> {
    const created = await this.client.call('groups.create', { name })
    await this.refreshGroups()
    return created
  }

  async joinGroup(invite: string): Promise<string> {
    const { groupId } = await this.client.call('groups.join', { invite })
    await this.refreshGroups()
    return groupId
  }

  async leaveGroup(groupId: string): Promise<void> {
    await this.client.call('groups.leave', { group: groupId })
    this.#forget(groupId)
    this.#changed()
  }

  async setName(name: string): Promise<void> {
    this.#identity = await this.client.call('identity.setName', { name })
    this.#changed()
  }

  /** Encrypts the data folder: the peer restarts on it, and this session carries on. */
  async enableEncryption(passphrase: string): Promise<void> {
    await this.client.call('vault.enable', { passphrase })
    await this.#refreshStatus()
  }

  async changePassphrase(current: string, next: string): Promise<void> {
    await this.client.call('vault.changePassphrase', { current, next })
  }

  /** Loads a chat the first time it is opened; later calls only mark it read. */
  async openChat(groupId: string): Promise<void> {
    if (this.#chats.has(groupId)) return
    const chat: ChatState = {
      log: new MessageLog(),
      loading: true,
      hasMore: false,
      limit: CHAT_PAGE,
      unreadFrom: null,
      pending: [],
      loadError: undefined,
    }
    this.#chats.set(groupId, chat)
    this.#chatChanged(groupId)
    const readBefore = this.#rememberReadWhenOpened(groupId)
    await this.#loadChat(groupId, chat)
    const firstUnread = chat.log.items.find((m) => isUnreadFor(this.me, m, readBefore))
    chat.unreadFrom = firstUnread?.id ?? null
    this.#chatChanged(groupId)
  }

  async loadEarlier(groupId: string): Promise<void> {
    const chat = this.#chats.get(groupId)
    if (!chat || chat.loading || !chat.hasMore) return
    chat.limit = Math.min(chat.limit + CHAT_PAGE, MAX_LOADED)
    chat.loading = true
    this.#chatChanged(groupId)
    await this.#loadChat(groupId, chat)
  }

  /** Sends a message; until the peer says it is stored, it shows as "sending". */
  async send(
    groupId: string,
    text: string,
    replyTo: string | null,
    attachments: readonly string[] = [],
  ): Promise<void> {
    const chat = this.#chats.get(groupId)
    const pending: PendingSend = {
      localId: `local-${this.#nextLocalId++}`,
      text,
      replyTo,
      attachments,
      state: 'sending',
      error: undefined,
    }
    chat?.pending.push(pending)
    this.#chatChanged(groupId)
    try {
      await this.client.call('messages.send', {
        group: groupId,
        text,
        ...(replyTo !== null && { replyTo }),
        ...(attachments.length > 0 && { attachments: [...attachments] }),
      })
      if (chat) chat.pending = chat.pending.filter((p) => p !== pending)
    } catch (err) {
      if (chat) {
        chat.pending = chat.pending.map((p) =>
          p === pending ? { ...p, state: 'failed', error: err } : p,
        )
      }
      throw err
    } finally {
      this.#chatChanged(groupId)
    }
  }

  /** Drops a send that failed (the person chose not to retry it). */
  discardPending(groupId: string, localId: string): void {
    const chat = this.#chats.get(groupId)
    if (!chat) return
    chat.pending = chat.pending.filter((p) => p.localId !== localId)
    this.#chatChanged(groupId)
  }

  async retryPending(groupId: string, localId: string): Promise<void> {
    const failed = this.#chats.get(groupId)?.pending.find((p) => p.localId === localId)
    if (!failed) return
    this.discardPending(groupId, localId)
    await this.send(groupId, failed.text, failed.replyTo, failed.attachments)
  }

  async edit(groupId: string, messageId: string, text: string): Promise<void> {
    await this.client.call('messages.edit', { group: groupId, messageId, text })
  }

  async delete(groupId: string, messageId: string): Promise<void> {
    await this.client.call('messages.delete', { group: groupId, messageId })
  }

  async react(groupId: string, messageId: string, emoji: string, on: boolean): Promise<void> {
    await this.client.call('messages.react', { group: groupId, messageId, emoji, on })
  }

  // ---- events --------------------------------------------------------------------------------

  #follow(): void {
    const on = <K extends EventName>(name: K, listener: (payload: EventPayload<K>) => void) =>
      this.#offEvents.push(this.client.on(name, listener))
    on('messageAdded', ({ groupId, message }) => this.#onMessage(groupId, message, true))
    on('messageChanged', ({ groupId, message }) => this.#onMessage(groupId, message, false))
    on('groupChanged', ({ group }) => {
      const known = this.#groups.has(group.groupId)
      this.#groups.set(group.groupId, group)
      if (!known) {
        this.#loadSummary(group.groupId).then(
          () => this.#changed(),
          (err: unknown) => console.warn(`hearth ui: no summary for ${group.groupId}`, err),
        )
      }
      this.#changed()
      this.#queuePeersRefresh()
    })
    on('groupLeft', ({ groupId }) => {
      this.#forget(groupId)
      this.#changed()
    })
    on('receiptsChanged', ({ groupId, receipts }) => {
      if (!this.#groups.has(groupId)) return
      if (this.#setReceipts(groupId, receipts)) this.#recountUnread(groupId)
    })
    on('catchUpProgressed', ({ groupId, active, updates }) => {
      const next = new Map(this.#catchingUp)
      if (active) next.set(groupId, updates)
      else next.delete(groupId)
      this.#catchingUp = next
      this.#changed()
    })
    on('storageChanged', (storage) => {
      // The peer cannot save (or can again): the banner follows at once, without a round trip.
      if (this.#status) this.#status = { ...this.#status, storage }
      this.#changed()
    })
    on('peerConnected', ({ peerId }) => this.#onReachability(peerId, true))
    on('peerDisconnected', ({ peerId }) => this.#onReachability(peerId, false))
    void this.client.closed.then(() => {
      this.#connection = 'closed'
      this.#changed()
    })
  }

  #onMessage(groupId: string, message: Message, added: boolean): void {
    if (!this.#groups.has(groupId)) return
    const chat = this.#chats.get(groupId)
    if (chat) {
      chat.log.upsert(message)
      this.#chatChanged(groupId)
    }
    const summary = this.#summaries.get(groupId) ?? { last: undefined, unread: 0 }
    this.#summaries.set(groupId, summary)
    if (summary.last === undefined || compareMessages(summary.last, message) <= 0) {
      summary.last = message
    }
    // Unread until it has been on screen while the person was looking (`seen`).
    if (added && isUnreadFor(this.me, message, this.lastRead(groupId))) summary.unread++
    this.#changed()
  }

  #onReachability(peerId: string, connected: boolean): void {
    const known = this.#peers.get(peerId)
    if (known && known.connected !== connected) {
      const peers = new Map(this.#peers)
      // Until peers.list answers, the moment of the event is the best "last seen" there is.
      peers.set(peerId, { ...known, connected, lastSeen: Date.now() })
      this.#peers = peers
      this.#changed()
    }
    // Addresses and names come only from peers.list; fetch it again for the details.
    this.#queuePeersRefresh()
  }

  // ---- loading -------------------------------------------------------------------------------

  async #loadSummary(groupId: string): Promise<void> {
    const [messages, receipts] = await Promise.all([
      this.client.call('messages.list', { group: groupId, limit: SUMMARY_LIMIT }),
      this.client.call('receipts.list', { group: groupId }),
    ])
    this.#setReceipts(groupId, receipts)
    const read = this.lastRead(groupId)
    const unread = messages.filter((m) => isUnreadFor(this.me, m, read))
    const previous = this.#summaries.get(groupId)
    const last = messages[messages.length - 1]
    this.#summaries.set(groupId, {
      last:
        previous?.last !== undefined && (!last || compareMessages(last, previous.last) < 0)
          ? previous.last
          : last,
      unread: unread.length,
    })
  }

  async #loadChat(groupId: string, chat: ChatState): Promise<void> {
    try {
      const messages = await this.client.call('messages.list', {
        group: groupId,
        limit: chat.limit,
      })
      for (const message of messages) chat.log.upsert(message)
      chat.hasMore = messages.length >= chat.limit && chat.limit < MAX_LOADED
      chat.loadError = undefined
    } catch (err) {
      chat.loadError = err
      console.warn(`hearth ui: loading the messages of ${groupId} failed`, err)
    } finally {
      chat.loading = false
      this.#chatChanged(groupId)
    }
  }

  #queuePeersRefresh(): void {
    void this.#refreshPeers().catch((err: unknown) => {
      console.warn('hearth ui: refreshing peers failed', err)
    })
  }

  // A burst of connects must not become a burst of identical requests: one runs, one waits.
  async #refreshPeers(): Promise<void> {
    const state = this.#peersRefresh
    if (state.running) {
      state.again = true
      return
    }
    state.running = true
    try {
      do {
        state.again = false
        const [list] = await Promise.all([
          this.client.call('peers.list', {}),
          this.#refreshStatus(),
        ])
        this.#peers = new Map(list.map((p) => [p.peerId, p]))
        this.#changed()
      } while (state.again)
    } finally {
      state.running = false
    }
  }

  async #refreshStatus(): Promise<void> {
    this.#status = await this.client.call('status.get', {})
    this.#catchingUp = new Map(this.#status.catchingUp.map((c) => [c.groupId, c.updates]))
    this.#changed()
  }

  // ---- bookkeeping ---------------------------------------------------------------------------

  #rememberReadWhenOpened(groupId: string): ReadPosition | null {
    if (this.#readWhenOpened.has(groupId)) return this.#readWhenOpened.get(groupId) ?? null
    const read = this.lastRead(groupId)
    this.#readWhenOpened.set(groupId, read)
    return read
  }

  /** Unread messages after the read position: counted from the chat when it is loaded. */
  #recountUnread(groupId: string): void {
    const summary = this.#summaries.get(groupId)
    if (summary === undefined) return
    const chat = this.#chats.get(groupId)
    if (chat === undefined || chat.loading) {
      // Only the summary's newest messages are here; ask the peer for them again.
      this.#loadSummary(groupId).then(
        () => this.#changed(),
        (err: unknown) => console.warn(`hearth ui: no summary for ${groupId}`, err),
      )
      return
    }
    const read = this.lastRead(groupId)
    let unread = 0
    const items = chat.log.items
    for (let i = items.length - 1; i >= 0; i--) {
      const message = items[i] as Message
      if (read !== null && comparePositions(message, read) <= 0) break
      if (isUnreadFor(this.me, message, read)) unread++
    }
    if (summary.unread !== unread) {
      summary.unread = unread
      this.#changed()
    }
  }

  /** Tells the peer, one call at a time per group; positions seen meanwhile collapse into one. */
  #sendMarker(groupId: string, position: ReadPosition): void {
    const queued = this.#marking.get(groupId)
    if (queued !== undefined) {
      queued.next = position
      return
    }
    const state: { next: ReadPosition | null } = { next: null }
    this.#marking.set(groupId, state)
    const run = (at: ReadPosition): void => {
      this.client.call('receipts.markRead', { group: groupId, messageId: at.id }).then(
        () => {
          const next = state.next
          state.next = null
          if (next !== null && this.#groups.has(groupId)) run(next)
          else this.#marking.delete(groupId)
        },
        (err: unknown) => {
          this.#marking.delete(groupId)
          console.warn(`hearth ui: could not mark ${groupId} as read`, err)
        },
      )
    }
    run(position)
  }

  /** Takes the group's markers; true when they moved this person's own read position. */
  #setReceipts(groupId: string, receipts: readonly Receipt[]): boolean {
    const next = new Map(this.#receipts)
    next.set(groupId, receipts)
    this.#receipts = next
    const own = receipts.find((r) => r.peerId === this.me)
    const read = this.lastRead(groupId)
    const marker = own === undefined ? null : { ts: own.ts, id: own.messageId }
    // The peer's marker can be ahead of ours: read in another window on this device.
    if (marker !== null && (read === null || comparePositions(marker, read) > 0)) {
      this.#lastRead.set(groupId, marker)
      return true
    }
    this.#changed()
    return false
  }

  #forget(groupId: string): void {
    this.#groups.delete(groupId)
    this.#summaries.delete(groupId)
    this.#readWhenOpened.delete(groupId)
    this.#lastRead.delete(groupId)
    this.#onScreen.delete(groupId)
    if (this.#receipts.has(groupId)) {
      const next = new Map(this.#receipts)
      next.delete(groupId)
      this.#receipts = next
    }
    if (this.#catchingUp.has(groupId)) {
      const next = new Map(this.#catchingUp)
      next.delete(groupId)
      this.#catchingUp = next
    }
    if (this.#chats.delete(groupId)) this.#chatChanged(groupId)
    if (this.#viewing === groupId) this.#viewing = null
  }

  #chatChanged(groupId: string): void {
    this.#dirtyChats.add(groupId)
    this.#changed()
  }

  #changed(): void {
    if (this.#flushQueued) return
    this.#flushQueued = true
    this.#schedule(() => this.#flushNow())
  }

  #flushNow(): void {
    this.#flushQueued = false
    this.#snapshot = this.#buildSnapshot()
    for (const listener of [...this.#listeners]) listener()
  }

  #buildSnapshot(): SessionSnapshot {
    for (const groupId of this.#dirtyChats) {
      const chat = this.#chats.get(groupId)
      if (!chat) {
        this.#chatSnapshots.delete(groupId)
        continue
      }
      this.#chatSnapshots.set(groupId, {
        groupId,
        log: chat.log,
        version: chat.log.version,
        loading: chat.loading,
        hasMore: chat.hasMore,
        unreadFrom: chat.unreadFrom,
        pending: [...chat.pending],
        loadError: chat.loadError,
      })
    }
    const chatsChanged = this.#dirtyChats.size > 0
    this.#dirtyChats.clear()
    const groups: GroupView[] = [...this.#groups.values()].map((group) => {
      const summary = this.#summaries.get(group.groupId)
      return { group, last: summary?.last, unread: summary?.unread ?? 0 }
    })
    groups.sort(
      (a, b) =>
        (b.last?.ts ?? 0) - (a.last?.ts ?? 0) ||
        a.group.name.localeCompare(b.group.name) ||
        (a.group.groupId < b.group.groupId ? -1 : 1),
    )
    const previous = this.#snapshot as SessionSnapshot | undefined
    return {
      connection: this.#connection,
      identity: this.#identity,
      status: this.#status,
      groups,
      peers: this.#peers,
      receipts: this.#receipts,
      catchingUp: this.#catchingUp,
      chats: chatsChanged || previous === undefined ? new Map(this.#chatSnapshots) : previous.chats,
    }
  }
}
