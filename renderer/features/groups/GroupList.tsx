// The person's groups, most recent first, each with its last message and unread count.
import { useI18n } from '../../i18n/index.tsx'
import type { GroupView } from '../../state/session.ts'
import { useSnapshot } from '../../state/session-context.tsx'
import { Avatar } from '../../ui/Avatar.tsx'

export function GroupList(props: {
  groups: readonly GroupView[]
  active: string | null
  onSelect(groupId: string): void
}) {
  const { t, fmt } = useI18n()
  const { identity } = useSnapshot()
  if (props.groups.length === 0) return <p className="empty">{t.noGroups}</p>
  const now = Date.now()
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
              className={`group-item${unread > 0 ? ' has-unread' : ''}`}
              aria-current={props.active === group.groupId ? 'true' : undefined}
              onClick={() => props.onSelect(group.groupId)}
            >
              <Avatar id={group.groupId} name={group.name} />
              <span className="group-item-text">
                <span className="group-item-top">
                  <bdi className="group-name">{group.name}</bdi>
                  {last !== undefined && (
                    <time className="group-time" dateTime={new Date(last.ts).toISOString()}>
                      {fmt.when(last.ts, now)}
                    </time>
                  )}
                </span>
                <span className="group-item-bottom">
                  <bdi className="group-preview">{preview}</bdi>
                  {unread > 0 && (
                    <span className="badge">
                      <span aria-hidden="true">{fmt.number(unread)}</span>
                      <span className="visually-hidden">{t.unreadCount(unread)}</span>
                    </span>
                  )}
                </span>
              </span>
            </button>
          </li>
        )
      })}
    </ul>
  )
}
