// One message: author and time, the message it replies to, its text (or that it was deleted),
// reactions, and the actions a person may take on it.
import { memo, useState } from 'react'
import type { Message } from '../../../shared/api/index.ts'
import { useI18n } from '../../i18n/index.tsx'
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
}) {
  const { t, fmt } = useI18n()
  const { message, me, actions } = props
  const [picking, setPicking] = useState(false)
  const mine = message.author === me
  const author = mine ? t.you : message.authorName || t.unknownAuthor
  const reactions = Object.entries(message.reactions).filter(([, who]) => who.length > 0)
  const unverified = !message.verified && (
    <span className="unverified" title={t.unverifiedHint}>
      ⚠ {t.unverified}
    </span>
  )
  return (
    <article
      className={`message${mine ? ' mine' : ''}${props.continued ? ' continued' : ''}`}
      data-testid="message"
      data-message-id={message.id}
      aria-label={`${author}, ${fmt.dateTime(message.ts)}`}
    >
      {!props.continued && (
        <header className="message-header">
          <span className="author">{author}</span>
          <time dateTime={new Date(message.ts).toISOString()}>{fmt.time(message.ts)}</time>
          {unverified}
        </header>
      )}
      {message.replyTo !== null && (
        <button
          type="button"
          className="reply-quote"
          onClick={() => message.replyTo !== null && actions.jumpTo(message.replyTo)}
        >
          {props.replyTarget === null ? (
            t.originalMissing
          ) : (
            <>
              <span className="author">
                {props.replyTarget.author === me
                  ? t.you
                  : props.replyTarget.authorName || t.unknownAuthor}
              </span>{' '}
              <span className="reply-snippet">
                {props.replyTarget.deleted ? t.deletedMessage : props.replyTarget.text}
              </span>
            </>
          )}
        </button>
      )}
      <div className="message-body">
        {props.continued && unverified}
        {message.deleted ? (
          <em className="deleted">{t.deletedMessage}</em>
        ) : (
          <span className="message-text" data-testid="message-text">
            <LinkText text={message.text} onOpenLink={actions.openLink} />
          </span>
        )}
        {message.editedAt !== null && !message.deleted && (
          <span className="edited"> {t.edited}</span>
        )}
        {mine && (
          <span className="delivery" title={t.saved} aria-label={t.saved}>
            ✓
          </span>
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
                {emoji} {fmt.number(who.length)}
              </button>
            )
          })}
        </div>
      )}
      {!message.deleted && (
        <div className="message-actions" role="toolbar" aria-label={t.messageActions}>
          <button type="button" className="small" onClick={() => actions.reply(message)}>
            {t.reply}
          </button>
          <button
            type="button"
            className="small"
            aria-expanded={picking}
            onClick={() => setPicking((open) => !open)}
          >
            {t.react}
          </button>
          {mine && (
            <>
              <button type="button" className="small" onClick={() => actions.edit(message)}>
                {t.edit}
              </button>
              <button
                type="button"
                className="small danger"
                onClick={() => actions.delete(message)}
              >
                {t.delete}
              </button>
            </>
          )}
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
    </article>
  )
})
