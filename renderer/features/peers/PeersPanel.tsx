// The members of the open group: who is online, how we reach them, when the others were last
// seen, and (for admins) the membership actions; below them, how many other Hearth devices are
// nearby.
import { useState } from 'react'
import type { Group, Member } from '../../../shared/api/index.ts'
import { useI18n } from '../../i18n/index.tsx'
import { useSession, useSnapshot } from '../../state/session-context.tsx'
import { Avatar } from '../../ui/Avatar.tsx'
import { ConfirmDialog } from '../../ui/ConfirmDialog.tsx'
import { ErrorText } from '../../ui/ErrorText.tsx'
import { useAction } from '../../ui/use-action.ts'
import { useNow } from '../../ui/use-now.ts'
import { hostOf } from '../status/status-line.ts'
import { NearbyCount } from './NearbyCount.tsx'

export function PeersPanel(props: { group: Group }) {
  const { t, fmt } = useI18n()
  const session = useSession()
  const { peers, identity } = useSnapshot()
  const { group } = props
  const [removing, setRemoving] = useState<Member | null>(null)
  // "Last seen 5 minutes ago" moves on by itself.
  const now = useNow(30_000)
  const promote = useAction((peerId: string) =>
    session.client.call('groups.promote', { group: group.groupId, peerId }),
  )
  const remove = useAction((peerId: string) =>
    session.client.call('groups.remove', { group: group.groupId, peerId }),
  )
  const amAdmin = group.role === 'admin'
  const members = [...group.members].sort((a, b) =>
    a.peerId === identity.peerId
      ? -1
      : b.peerId === identity.peerId
        ? 1
        : a.name.localeCompare(b.name),
  )
  return (
    <aside className="peers-panel" aria-labelledby="peers-title">
      <h2 id="peers-title">
        {t.members} <span className="count">{fmt.number(members.length)}</span>
      </h2>
      <ul className="member-list">
        {members.map((member) => {
          const isMe = member.peerId === identity.peerId
          const info = peers.get(member.peerId)
          const online = isMe || info?.connected === true
          const addr = info?.addrs[0]
          const name = (isMe ? member.name || identity.name : member.name || info?.name) ?? ''
          const role = member.role === 'admin' ? t.admin : t.member
          return (
            <li key={member.peerId} className="member" data-testid="member">
              <span className="member-avatar">
                <Avatar id={member.peerId} name={name} />
                <span
                  className={`presence ${online ? 'online' : 'offline'}`}
                  role="img"
                  aria-label={online ? t.online : t.offline}
                />
              </span>
              <span className="member-main">
                <span className="member-name-row">
                  <bdi className="member-name" title={name}>
                    {name || t.unknownAuthor}
                  </bdi>
                  {isMe && <span className="member-you">({t.you})</span>}
                </span>
                <span className="member-detail">
                  {role}
                  {!isMe && (
                    <>
                      {' · '}
                      <span className="member-reach">
                        {online && addr !== undefined
                          ? t.connectedVia(hostOf(addr))
                          : online
                            ? t.online
                            : info?.lastSeen != null
                              ? t.lastSeen(fmt.ago(info.lastSeen, Math.max(now, info.lastSeen)))
                              : t.offline}
                      </span>
                    </>
                  )}
                </span>
                {amAdmin && !isMe && (
                  <span className="member-actions">
                    {member.role !== 'admin' && (
                      <button
                        type="button"
                        className="small"
                        disabled={promote.busy}
                        onClick={() => void promote.run(member.peerId)}
                      >
                        {t.makeAdmin}
                      </button>
                    )}
                    <button
                      type="button"
                      className="small danger"
                      onClick={() => setRemoving(member)}
                    >
                      {t.removeMember}
                    </button>
                  </span>
                )}
              </span>
            </li>
          )
        })}
      </ul>
      <ErrorText error={promote.error ?? remove.error} />
      <NearbyCount />
      {removing !== null && (
        <ConfirmDialog
          title={t.removeTitle(removing.name)}
          confirmLabel={t.removeMember}
          danger
          onCancel={() => setRemoving(null)}
          onConfirm={() => {
            setRemoving(null)
            void remove.run(removing.peerId)
          }}
        >
          <p>{t.removeText}</p>
        </ConfirmDialog>
      )}
    </aside>
  )
}
