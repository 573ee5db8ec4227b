// The person's groups, most recent first, each with its last message and unread count.
import { useI18n } from '../../i18n/index.tsx'
import type { GroupView } from '../../state/session.ts'
import { useSnapshot } from '../../state/session-context.tsx'

export function GroupList(props: {
  groups: readonly GroupView[]
  active: string | null
  onSelect(groupId: string): void
}) {
  const { t, fmt } = useI18n()
  const { identity } = useSnapshot()
  if (props.groups.length === 0) return <p className="empty">{t.noGroups}</p>
  return (
    <ul className="group-list">
      {props.groups.map(({ group, last, unread }) => {
        const author =
          last?.author === identity.peerId ? t.you : last?.authorName || t.unknownAuthor
        const preview =
          last === undefined
            ? t.noMessagesYet
            : t.lastMessage(author, last.deleted ? t.deletedMessage : last.text)
        return (
          <li key={group.groupId}>
            <button
              type="button"
              className="group-item"
              aria-current={props.active === group.groupId ? 'true' : undefined}
              onClick={() => props.onSelect(group.groupId)}
            >
              <span className="group-item-top">
                <span className="group-name">{group.name}</span>
                {last !== undefined && (
                  <time className="group-time" dateTime={new Date(last.ts).toISOString()}>
                    {fmt.when(last.ts, Date.now())}
                  </time>
                )}
              </span>
              <span className="group-item-bottom">
                <span className="group-preview">{preview}</span>
                {unread > 0 && (
                  <span className="badge" aria-label={t.unreadCount(unread)}>
                    {fmt.number(unread)}
                  </span>
                )}
              </span>
            </button>
          </li>
        )
      })}
    </ul>
  )
}
