// One message as a bubble: others' on the left under their name and initial, the person's own on
// the right. Inside: the message it replies to, its text (or that it was deleted), whether it was
// edited, its time and delivery; below it, reactions; beside it, the actions a person may take.
import { memo, useState } from 'react'
import type { Message } from '../../../shared/api/index.ts'
import { useI18n } from '../../i18n/index.tsx'
import { Avatar } from '../../ui/Avatar.tsx'
import { Icon } from '../../ui/Icon.tsx'
import { AttachmentList } from './Attachments.tsx'
import { LinkText } from './LinkText.tsx'
import { quickReactions } from './reactions.ts'

export interface MessageActions {
  reply(message: Message): void
  edit(message: Message): void
  delete(message: Message): void
  react(message: Message, emoji: string, on: boolean): void
  openLink(url: string): void
  jumpTo(messageId: string): void
}

export const MessageItem = memo(function MessageItem(props: {
  message: Message
  continued: boolean
  me: string
  /** The message this one replies to; null when it is not loaded here. */
  replyTarget: Message | null
  actions: MessageActions
  /** For the person's own messages: how many of the other members have seen it, of how many. */
  seenBy?: number
  seenOf?: number
  /** Say the delivery state in words, not only as ticks (the latest own message). */
  deliveryInWords?: boolean
  /** Just jumped to (a notification or a reply quote was clicked). */
  highlighted?: boolean
  /** An admin may delete anyone's message (the peer enforces it); others only their own. */
  canDelete?: boolean
}) {
  const { t, fmt } = useI18n()
  const { message, me, actions, replyTarget } = props
  const [picking, setPicking] = useState(false)
  const mine = message.author === me
  const author = mine ? t.you : message.authorName || t.unknownAuthor
  const reactions = Object.entries(message.reactions).filter(([, who]) => who.length > 0)
  const showHeader = !mine && !props.continued
  const unverified = !message.verified && (
    <span className="unverified" title={t.unverifiedHint}>
      ⚠ {t.unverified}
    </span>
  )
  const classes = ['message', mine ? 'mine' : 'theirs']
  if (props.continued) classes.push('continued')
  if (message.deleted) classes.push('is-deleted')
  if (props.highlighted === true) classes.push('highlighted')
  return (
    <article
      className={classes.join(' ')}
      data-testid="message"
      data-message-id={message.id}
      aria-label={`${author}, ${fmt.dateTime(message.ts)}`}
    >
      {!mine &&
        (showHeader ? (
          <Avatar id={message.author} name={author} />
        ) : (
          <span className="avatar-space" />
        ))}
      <div className="message-main">
        {showHeader && (
          <header className="message-header">
            <bdi className="author" title={author}>
              {author}
            </bdi>
            {unverified}
          </header>
        )}
        <div className="bubble-row">
          <div className="bubble">
            {message.replyTo !== null && (
              <button
                type="button"
                className="reply-quote"
                onClick={() => message.replyTo !== null && actions.jumpTo(message.replyTo)}
              >
                {replyTarget === null ? (
                  t.originalMissing
                ) : (
                  <>
                    <bdi className="author">
                      {replyTarget.author === me
                        ? t.you
                        : replyTarget.authorName || t.unknownAuthor}
                    </bdi>{' '}
                    <bdi className="reply-snippet">
                      {replyTarget.deleted ? t.deletedMessage : replyTarget.text}
                    </bdi>
                  </>
                )}
              </button>
            )}
            <div className="message-body">
              {message.deleted ? (
                <em className="deleted">{t.deletedMessage}</em>
              ) : (
                <>
                  <AttachmentList fileIds={message.attachments} />
                  {message.text !== '' && (
                    <span className="message-text" data-testid="message-text" dir="auto">
                      <LinkText text={message.text} onOpenLink={actions.openLink} />
                    </span>
                  )}
                </>
              )}
              <span className="message-meta">
                {!showHeader && unverified}
                {message.editedAt !== null && !message.deleted && (
                  <span className="edited">{t.edited}</span>
                )}
                <time dateTime={new Date(message.ts).toISOString()}>{fmt.time(message.ts)}</time>
                {mine && (
                  <Delivery
                    seenBy={props.seenBy ?? 0}
                    seenOf={props.seenOf ?? 0}
                    inWords={props.deliveryInWords === true}
                  />
                )}
              </span>
            </div>
          </div>
          {!message.deleted && (
            <div className="message-actions" role="toolbar" aria-label={t.messageActions}>
              <button
                type="button"
                className="tool"
                aria-label={t.reply}
                title={t.reply}
                onClick={() => actions.reply(message)}
              >
                <Icon name="reply" />
              </button>
              <button
                type="button"
                className="tool"
                aria-label={t.react}
                title={t.react}
                aria-expanded={picking}
                onClick={() => setPicking((open) => !open)}
              >
                <Icon name="smile" />
              </button>
              {mine && (
                <button
                  type="button"
                  className="tool"
                  aria-label={t.edit}
                  title={t.edit}
                  onClick={() => actions.edit(message)}
                >
                  <Icon name="edit" />
                </button>
              )}
              {(mine || props.canDelete === true) && (
                <button
                  type="button"
                  className="tool danger"
                  aria-label={t.delete}
                  title={t.delete}
                  onClick={() => actions.delete(message)}
                >
                  <Icon name="trash" />
                </button>
              )}
            </div>
          )}
        </div>
        {reactions.length > 0 && !message.deleted && (
          <div className="reactions">
            {reactions.map(([emoji, who]) => {
              const reacted = who.includes(me)
              return (
                <button
                  key={emoji}
                  type="button"
                  className="reaction"
                  aria-pressed={reacted}
                  aria-label={t.reactionLabel(emoji, who.length, reacted)}
                  onClick={() => actions.react(message, emoji, !reacted)}
                >
                  <span className="reaction-emoji">{emoji}</span> {fmt.number(who.length)}
                </button>
              )
            })}
          </div>
        )}
        {picking && (
          <div
            className="reaction-picker"
            role="group"
            aria-label={t.react}
            onKeyDown={(event) => {
              if (event.key === 'Escape') setPicking(false)
            }}
          >
            {quickReactions.map((emoji) => (
              <button
                key={emoji}
                type="button"
                className="reaction-choice"
                onClick={() => {
                  setPicking(false)
                  actions.react(message, emoji, !(message.reactions[emoji] ?? []).includes(me))
                }}
              >
                {emoji}
              </button>
            ))}
          </div>
        )}
      </div>
    </article>
  )
})

/** Saved on this device (✓), or seen by some of the other members (✓✓, "Seen by N of M"). */
function Delivery(props: { seenBy: number; seenOf: number; inWords: boolean }) {
  const { t } = useI18n()
  const { seenBy, seenOf } = props
  const seen = seenBy > 0
  const label = seen ? t.seenBy(seenBy, seenOf) : t.saved
  const classes = ['delivery', seen ? 'seen' : 'saved']
  if (seen && seenBy === seenOf) classes.push('by-all')
  return (
    <span className={classes.join(' ')} data-testid="delivery">
      <span role="img" aria-label={label} title={label}>
        {seen ? '✓✓' : '✓'}
      </span>
      {props.inWords && (
        <span className="delivery-words" aria-hidden="true">
          {label}
        </span>
      )}
    </span>
  )
}
