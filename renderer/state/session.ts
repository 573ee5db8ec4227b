// What the UI knows about its peer: identity, groups with their last message and unread count,
// the chats that were opened, members' reachability. It is fed by commands and events of the
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
  Status,
} from '../../shared/api/index.ts'
import type { ApiClient } from '../../shared/rpc/index.ts'
import { compareMessages, MessageLog } from './message-log.ts'

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
}

export interface SessionOptions {
  prefs: Prefs
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

function readKey(peerId: string, groupId: string): string {
  return `hearth.read.${peerId}.${groupId}`
}

export class Session {
  readonly client: ApiClient
  readonly #prefs: Prefs
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
  readonly #lastRead = new Map<string, number>()
  // Written to prefs once per flush: localStorage is synchronous and a catch-up burst is large.
  readonly #unsavedRead = new Set<string>()
  /** Where reading stood when a chat was first viewed: its "new messages" line goes there. */
  readonly #readWhenOpened = new Map<string, number>()
  #viewing: string | null = null
  #nextLocalId = 1

  #snapshot: SessionSnapshot
  #flushQueued = false
  #peersRefresh: { running: boolean; again: boolean } = { running: false, again: false }
  readonly #offEvents: (() => void)[] = []

  private constructor(client: ApiClient, identity: Identity, options: SessionOptions) {
    this.client = client
    this.#prefs = options.prefs
    this.#schedule = options.schedule ?? frameSoon
    this.#identity = identity
    this.#snapshot = this.#buildSnapshot()
  }

  /** Loads what the first screen needs and starts following the peer's events. */
  static async open(client: ApiClient, options: SessionOptions): Promise<Session> {
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

  lastRead(groupId: string): number {
    let ts = this.#lastRead.get(groupId)
    if (ts === undefined) {
      const stored = Number(this.#prefs.get(readKey(this.me, groupId)) ?? '0')
      ts = Number.isFinite(stored) ? stored : 0
      this.#lastRead.set(groupId, ts)
    }
    return ts
  }

  /** Which chat the person is looking at; its new messages count as read while `visible`. */
  view(groupId: string | null, visible: boolean): void {
    this.#viewing = visible ? groupId : null
    if (groupId !== null) this.#rememberReadWhenOpened(groupId)
    if (this.#viewing !== null) this.#markRead(this.#viewing)
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
    const firstUnread = chat.log.items.find((m) => m.ts > readBefore && m.author !== this.me)
    chat.unreadFrom = firstUnread?.id ?? null
    if (this.#viewing === groupId) this.#markRead(groupId)
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
  async send(groupId: string, text: string, replyTo: string | null): Promise<void> {
    const chat = this.#chats.get(groupId)
    const pending: PendingSend = {
      localId: `local-${this.#nextLocalId++}`,
      text,
      replyTo,
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
    await this.send(groupId, failed.text, failed.replyTo)
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
    if (
      added &&
      message.author !== this.me &&
      !message.deleted &&
      message.ts > this.lastRead(groupId)
    ) {
      if (this.#viewing === groupId) this.#markRead(groupId)
      else summary.unread++
    }
    this.#changed()
  }

  #onReachability(peerId: string, connected: boolean): void {
    const known = this.#peers.get(peerId)
    if (known && known.connected !== connected) {
      const peers = new Map(this.#peers)
      peers.set(peerId, { ...known, connected })
      this.#peers = peers
      this.#changed()
    }
    // Addresses and names come only from peers.list; fetch it again for the details.
    this.#queuePeersRefresh()
  }

  // ---- loading -------------------------------------------------------------------------------

  async #loadSummary(groupId: string): Promise<void> {
    const messages = await this.client.call('messages.list', {
      group: groupId,
      limit: SUMMARY_LIMIT,
    })
    const read = this.lastRead(groupId)
    const unread = messages.filter((m) => m.author !== this.me && !m.deleted && m.ts > read)
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
    this.#changed()
  }

  // ---- bookkeeping ---------------------------------------------------------------------------

  #rememberReadWhenOpened(groupId: string): number {
    let ts = this.#readWhenOpened.get(groupId)
    if (ts === undefined) {
      ts = this.lastRead(groupId)
      this.#readWhenOpened.set(groupId, ts)
    }
    return ts
  }

  #markRead(groupId: string): void {
    const summary = this.#summaries.get(groupId)
    const newest = Math.max(summary?.last?.ts ?? 0, this.#chats.get(groupId)?.log.last()?.ts ?? 0)
    if (summary && summary.unread !== 0) {
      summary.unread = 0
      this.#changed()
    }
    if (newest > this.lastRead(groupId)) {
      this.#lastRead.set(groupId, newest)
      this.#unsavedRead.add(groupId)
      this.#changed()
    }
  }

  #forget(groupId: string): void {
    this.#groups.delete(groupId)
    this.#summaries.delete(groupId)
    this.#readWhenOpened.delete(groupId)
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
    for (const groupId of this.#unsavedRead) {
      this.#prefs.set(readKey(this.me, groupId), String(this.lastRead(groupId)))
    }
    this.#unsavedRead.clear()
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
      chats: chatsChanged || previous === undefined ? new Map(this.#chatSnapshots) : previous.chats,
    }
  }
}
