// The chat's messages, virtualised: only the rows near the viewport are in the DOM, so a group
// with 100,000 messages scrolls like one with ten. The list is anchored to its end: it follows
// new messages while the person is at the bottom and keeps its place when earlier ones load.
// It tells the session which message is the latest on screen (what the person has read), and
// shows on the person's own messages whether they are saved and how many members have seen them.
import { useVirtualizer } from '@tanstack/react-virtual'
import { useEffect, useMemo, useRef, useState } from 'react'
import type { ReactNode } from 'react'
import type { Member, Message, Receipt } from '../../../shared/api/index.ts'
import { describeError, useI18n } from '../../i18n/index.tsx'
import type { ChatSnapshot, PendingSend } from '../../state/session.ts'
import { Icon } from '../../ui/Icon.tsx'
import { MessageItem, type MessageActions } from './MessageItem.tsx'
import { buildRows, type Row } from './rows.ts'
import { seenBy } from './seen.ts'

type ListRow = Row | { kind: 'more'; key: string }

// Distance from the bottom, in pixels, that still counts as "at the latest message".
const AT_END_PX = 48
// How much of a message must be inside the list to count as on screen (all of a short one).
const SEEN_PX = 40

export function MessageList(props: {
  chat: ChatSnapshot
  me: string
  /** The group's members, for "seen by N of M". */
  members: readonly Member[]
  /** This device is an admin of the group: it may delete anyone's message. */
  amAdmin: boolean
  receipts: readonly Receipt[]
  /** The latest message now on screen. */
  onSeen(message: Message): void
  actions: MessageActions
  /** Set by a click on a reply: scroll there, then tell the parent it is done. */
  jumpTarget: string | null
  onJumped(): void
  onLoadEarlier(): void
  onRetry(pending: PendingSend): void
  onDiscard(pending: PendingSend): void
  /** Shown instead of messages when the chat has none. */
  empty: ReactNode
}) {
  const { t, fmt } = useI18n()
  const { chat, jumpTarget, onJumped, onSeen } = props
  const scrollRef = useRef<HTMLDivElement>(null)
  const spaceRef = useRef<HTMLDivElement>(null)
  const [highlighted, setHighlighted] = useState<string | null>(null)
  const rows = useMemo<ListRow[]>(() => {
    const built = buildRows(chat.log.items, chat.unreadFrom, chat.pending, Date.now())
    return chat.hasMore ? [{ kind: 'more', key: 'more' }, ...built] : built
    // The log is mutated in place; the snapshot object changes whenever it does.
  }, [chat])

  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: (i) => (rows[i]?.kind === 'message' ? 64 : 36),
    getItemKey: (i) => rows[i]?.key ?? i,
    overscan: 6,
    anchorTo: 'end',
    followOnAppend: true,
    scrollEndThreshold: AT_END_PX,
  })

  // First paint of a loaded chat: start at the first unread message, or at the latest one.
  const placed = useRef(false)
  useEffect(() => {
    if (placed.current || chat.loading || rows.length === 0) return
    placed.current = true
    const unread = rows.findIndex((r) => r.kind === 'unread')
    if (unread >= 0) virtualizer.scrollToIndex(unread, { align: 'start' })
    else virtualizer.scrollToEnd()
  }, [chat.loading, rows, virtualizer])

  // A jump (a reply's quote, a notification) waits for the chat to load, then scrolls to the
  // message and marks it; a message that is not here is given up on.
  useEffect(() => {
    if (jumpTarget === null || chat.loading) return
    const index = rows.findIndex((r) => r.kind === 'message' && r.message.id === jumpTarget)
    if (index >= 0) {
      placed.current = true
      virtualizer.scrollToIndex(index, { align: 'center' })
      setHighlighted(jumpTarget)
    }
    onJumped()
  }, [jumpTarget, chat.loading, rows, virtualizer, onJumped])

  // After every render (scrolling renders too): the latest message on screen has been seen.
  useEffect(() => {
    const list = scrollRef.current
    if (list === null || !placed.current) return
    const top = list.scrollTop - (spaceRef.current?.offsetTop ?? 0)
    const bottom = top + list.clientHeight
    let latest: Message | undefined
    let latestIndex = -1
    for (const item of virtualizer.getVirtualItems()) {
      const row = rows[item.index]
      if (row?.kind !== 'message' || item.index < latestIndex) continue
      if (item.end > top && item.start + Math.min(item.size, SEEN_PX) <= bottom) {
        latest = row.message
        latestIndex = item.index
      }
    }
    if (latest !== undefined) onSeen(latest)
  })

  // "Seen by" for the person's own messages; the latest one also says it in words.
  const lastMine = useMemo(() => {
    for (let i = rows.length - 1; i >= 0; i--) {
      const row = rows[i]
      if (row?.kind === 'message' && row.message.author === props.me) return row.message.id
    }
    return null
  }, [rows, props.me])

  const unreadIndex = rows.findIndex((r) => r.kind === 'unread')
  const items = virtualizer.getVirtualItems()
  const firstShown = items[0]?.index ?? 0
  const unreadAbove = unreadIndex >= 0 && unreadIndex < firstShown
  const atEnd = rows.length === 0 || virtualizer.isAtEnd(AT_END_PX)
  const now = Date.now()

  const renderRow = (row: ListRow) => {
    switch (row.kind) {
      case 'more':
        return (
          <div className="load-earlier">
            <button type="button" onClick={props.onLoadEarlier} disabled={chat.loading}>
              {chat.loading ? t.loading : t.loadEarlier}
            </button>
          </div>
        )
      case 'day':
        return (
          <div className="day-separator" role="separator">
            <span>{fmt.day(row.ts, now)}</span>
          </div>
        )
      case 'unread':
        return (
          <div className="unread-separator" role="separator">
            <span>{t.newMessages}</span>
          </div>
        )
      case 'message': {
        const mine = row.message.author === props.me
        const seen = mine ? seenBy(row.message, props.receipts, props.members) : undefined
        return (
          <MessageItem
            message={row.message}
            continued={row.continued}
            me={props.me}
            replyTarget={replyTargetOf(chat, row.message)}
            actions={props.actions}
            seenBy={seen?.by ?? 0}
            seenOf={seen?.of ?? 0}
            deliveryInWords={row.message.id === lastMine}
            highlighted={row.message.id === highlighted}
            canDelete={mine || props.amAdmin}
          />
        )
      }
      case 'pending':
        return (
          <PendingItem pending={row.pending} onRetry={props.onRetry} onDiscard={props.onDiscard} />
        )
    }
  }

  return (
    <div className="message-list-wrap">
      <div
        ref={scrollRef}
        className="message-list"
        role="region"
        aria-label={t.messages}
        tabIndex={0}
        data-testid="message-list"
      >
        {chat.loading && chat.log.size === 0 && <p className="hint center">{t.loading}</p>}
        {!chat.loading && rows.length === 0 && chat.loadError === undefined && (
          <div className="chat-empty">{props.empty}</div>
        )}
        {chat.loadError !== undefined && (
          <p className="error" role="alert">
            {t.loadFailed} {describeError(t, chat.loadError)}
          </p>
        )}
        <div
          className="virtual-space"
          ref={(el) => {
            spaceRef.current = el
            el?.style.setProperty('height', `${virtualizer.getTotalSize()}px`)
          }}
        >
          {items.map((item) => {
            const row = rows[item.index]
            if (row === undefined) return null
            return (
              <div
                key={item.key}
                data-index={item.index}
                ref={(el) => {
                  if (el === null) return
                  el.style.transform = `translateY(${item.start}px)`
                  virtualizer.measureElement(el)
                }}
                className="virtual-row"
              >
                {renderRow(row)}
              </div>
            )
          })}
        </div>
      </div>
      <div className="jump-buttons">
        {unreadAbove && (
          <button
            type="button"
            onClick={() => virtualizer.scrollToIndex(unreadIndex, { align: 'start' })}
          >
            <Icon name="up" /> {t.jumpToUnread}
          </button>
        )}
        {!atEnd && (
          <button type="button" onClick={() => virtualizer.scrollToEnd()}>
            <Icon name="down" /> {t.jumpToLatest}
          </button>
        )}
      </div>
    </div>
  )
}

function replyTargetOf(chat: ChatSnapshot, message: Message): Message | null {
  return message.replyTo === null ? null : (chat.log.get(message.replyTo) ?? null)
}

function PendingItem(props: {
  pending: PendingSend
  onRetry(pending: PendingSend): void
  onDiscard(pending: PendingSend): void
}) {
  const { t } = useI18n()
  const { pending } = props
  return (
    <article className={`message mine pending ${pending.state}`} data-testid="pending-message">
      <div className="message-main">
        <div className="bubble-row">
          <div className="bubble">
            <div className="message-body">
              <span className="message-text" dir="auto">
                {pending.text}
              </span>
              <span className="message-meta">
                <span className="delivery">
                  {pending.state === 'sending' ? t.sending : t.notSent}
                </span>
              </span>
            </div>
          </div>
        </div>
        {pending.state === 'failed' && (
          <div className="pending-failed" role="alert">
            <span className="error">{describeError(t, pending.error)}</span>
            <button type="button" className="small" onClick={() => props.onRetry(pending)}>
              {t.retry}
            </button>
            <button type="button" className="small" onClick={() => props.onDiscard(pending)}>
              {t.discard}
            </button>
          </div>
        )}
      </div>
    </article>
  )
}
