// The main process's own client of the peer: it listens for new messages and raises a native
// notification (one per group, replaced as more arrive) for groups that are not in view, and keeps
// the unread total for the tray badge. A click brings the window forward on that message.
import { Notification } from 'electron'
import type { ApiClient } from '../shared/rpc/client.ts'
import type { MessageTarget } from '../renderer/platform/desktop-api.ts'
import { notificationText, type Attention } from './attention.ts'
import type { Strings } from './strings.ts'

export interface NotifierOptions {
  attention: Attention
  strings: Strings
  onUnreadChanged(total: number): void
  onOpen(target: MessageTarget): void
}

export class Notifier {
  readonly #o: NotifierOptions
  /** Kept referenced so a click still reaches us (a collected Notification loses its handlers). */
  readonly #shown = new Map<string, Notification>()
  readonly #groupNames = new Map<string, string>()

  constructor(options: NotifierOptions) {
    this.#o = options
  }

  /** Follows one connection to the peer until it closes (the peer restarts with a new one). */
  async watch(client: ApiClient): Promise<void> {
    // A locked peer knows nobody yet: start once the window's unlock screen has unlocked it.
    const unlocked = new Promise<void>((resolve) => {
      client.on('vaultChanged', ({ state }) => {
        if (state !== 'locked') resolve()
      })
    })
    if ((await client.call('vault.status', {})).state === 'locked') await unlocked
    const me = await client.call('identity.get', {})
    this.#o.attention.setSelf(me.peerId)
    for (const group of await client.call('groups.list', {})) {
      this.#groupNames.set(group.groupId, group.name)
    }
    client.on('groupChanged', ({ group }) => this.#groupNames.set(group.groupId, group.name))
    client.on('groupLeft', ({ groupId }) => {
      this.#groupNames.delete(groupId)
      this.#shown.get(groupId)?.close()
      this.#shown.delete(groupId)
      this.#o.attention.forgetGroup(groupId)
      this.#o.onUnreadChanged(this.#o.attention.unreadTotal)
    })
    client.on('messageAdded', ({ groupId, message }) => {
      if (message.deleted) return
      if (!this.#o.attention.messageAdded({ groupId, author: message.author })) return
      this.#o.onUnreadChanged(this.#o.attention.unreadTotal)
      this.#show(groupId, message.id, message.authorName, message.text)
    })
  }

  /** The person is looking: notifications for what they now see are stale. */
  clearRead(): void {
    for (const [groupId, notification] of this.#shown) {
      if (this.#o.attention.unreadIn(groupId) === 0) {
        notification.close()
        this.#shown.delete(groupId)
      }
    }
  }

  #show(groupId: string, messageId: string, author: string, text: string): void {
    if (!Notification.isSupported()) return
    const count = this.#o.attention.unreadIn(groupId)
    const line = `${notificationText(author)}: ${notificationText(text)}`
    const notification = new Notification({
      title: notificationText(this.#groupNames.get(groupId) ?? 'Hearth'),
      body: count > 1 ? `${this.#o.strings.newMessages(count)} · ${line}` : line,
      silent: false,
    })
    notification.on('click', () => {
      this.#shown.delete(groupId)
      this.#o.onOpen({ groupId, messageId })
    })
    notification.on('close', () => {
      if (this.#shown.get(groupId) === notification) this.#shown.delete(groupId)
    })
    this.#shown.get(groupId)?.close()
    this.#shown.set(groupId, notification)
    notification.show()
  }
}
