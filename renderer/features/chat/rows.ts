// The rows a chat shows, in order: day separators, the "new messages" line, messages and the
// person's own sends that the peer has not confirmed yet. Pure, so it is tested without a DOM.
import type { Message } from '../../../shared/api/index.ts'
import { localDay } from '../../i18n/format.ts'
import type { PendingSend } from '../../state/session.ts'

export type Row =
  | { kind: 'day'; key: string; ts: number }
  | { kind: 'unread'; key: string }
  | { kind: 'message'; key: string; message: Message; continued: boolean }
  | { kind: 'pending'; key: string; pending: PendingSend }

// Consecutive messages from one author within this long share one name header.
const CONTINUE_MS = 5 * 60_000

// A Message object stays the same until it changes, so its day is worked out once.
const days = new WeakMap<Message, number>()
function dayOf(message: Message): number {
  let day = days.get(message)
  if (day === undefined) {
    day = localDay(message.ts)
    days.set(message, day)
  }
  return day
}

export function buildRows(
  messages: readonly Message[],
  unreadFrom: string | null,
  pending: readonly PendingSend[],
  now: number,
): Row[] {
  const rows: Row[] = []
  let previous: Message | undefined
  for (const message of messages) {
    const day = dayOf(message)
    const newDay = previous === undefined || dayOf(previous) !== day
    if (newDay) rows.push({ kind: 'day', key: `day-${day}`, ts: message.ts })
    const isUnreadStart = message.id === unreadFrom
    if (isUnreadStart) rows.push({ kind: 'unread', key: 'unread' })
    const continued =
      !newDay &&
      !isUnreadStart &&
      previous !== undefined &&
      previous.author === message.author &&
      message.ts - previous.ts < CONTINUE_MS
    rows.push({ kind: 'message', key: message.id, message, continued })
    previous = message
  }
  if (pending.length > 0 && (previous === undefined || dayOf(previous) !== localDay(now))) {
    rows.push({ kind: 'day', key: `day-${localDay(now)}`, ts: now })
  }
  for (const p of pending) rows.push({ kind: 'pending', key: p.localId, pending: p })
  return rows
}
