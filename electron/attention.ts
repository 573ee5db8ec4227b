// What deserves the person's attention: unread counts per group for the tray badge, and whether a
// new message should raise a notification. A message is "in view" when the window has focus and
// shows its group; until the UI reports which group it shows, a focused window counts as seeing
// everything (better a missed notification than one for the chat being read).

export interface IncomingMessage {
  groupId: string
  author: string
}

export class Attention {
  #self: string | undefined
  #focused = false
  /** undefined until the window has said which group it shows; null for none. */
  #viewed: string | null | undefined
  readonly #unread = new Map<string, number>()

  /** This device's peer id: its own messages never count. Known once the peer answers. */
  setSelf(peerId: string): void {
    this.#self = peerId
  }

  get unreadTotal(): number {
    let total = 0
    for (const n of this.#unread.values()) total += n
    return total
  }

  unreadIn(groupId: string): number {
    return this.#unread.get(groupId) ?? 0
  }

  setFocused(focused: boolean): void {
    this.#focused = focused
    this.#clearInView()
  }

  setViewedGroup(groupId: string | null): void {
    this.#viewed = groupId
    this.#clearInView()
  }

  /** A message arrived; true when the person should be notified of it. */
  messageAdded(message: IncomingMessage): boolean {
    if (message.author === this.#self || this.#inView(message.groupId)) return false
    this.#unread.set(message.groupId, this.unreadIn(message.groupId) + 1)
    return true
  }

  /** The person left the group, or it is gone: its unread messages no longer count. */
  forgetGroup(groupId: string): void {
    this.#unread.delete(groupId)
  }

  #inView(groupId: string): boolean {
    if (!this.#focused) return false
    return this.#viewed === undefined || this.#viewed === groupId
  }

  #clearInView(): void {
    for (const groupId of [...this.#unread.keys()]) {
      if (this.#inView(groupId)) this.#unread.delete(groupId)
    }
  }
}

// C0/C1 controls and bidi overrides would let a message lie about itself in a system popup.
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g
const MAX_NOTIFICATION_CHARS = 160

/** Peer-written text made fit for a notification: one line, no control characters, short. */
export function notificationText(text: string): string {
  const flat = text.replace(UNSAFE, '').replace(/\s+/g, ' ').trim()
  const chars = [...flat]
  return chars.length <= MAX_NOTIFICATION_CHARS
    ? flat
    : `${chars.slice(0, MAX_NOTIFICATION_CHARS - 1).join('')}…`
}
