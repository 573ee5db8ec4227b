// The members of the open group: who is online, how we reach them, and (for admins) the
// membership actions.
import { useState } from 'react'
import type { Group, Member } from '../../../shared/api/index.ts'
import { useI18n } from '../../i18n/index.tsx'
import { useSession, useSnapshot } from '../../state/session-context.tsx'
import { ConfirmDialog } from '../../ui/ConfirmDialog.tsx'
import { ErrorText } from '../../ui/ErrorText.tsx'
import { useAction } from '../../ui/use-action.ts'
import { hostOf } from '../status/status-line.ts'

export function PeersPanel(props: { group: Group }) {
  const { t } = useI18n()
  const session = useSession()
  const { peers, identity } = useSnapshot()
  const { group } = props
  const [removing, setRemoving] = useState<Member | null>(null)
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
      <h2 id="peers-title">{t.members}</h2>
      <ul className="member-list">
        {members.map((member) => {
          const isMe = member.peerId === identity.peerId
          const info = peers.get(member.peerId)
          const online = isMe || info?.connected === true
          const addr = info?.addrs[0]
          return (
            <li key={member.peerId} className="member" data-testid="member">
              <span
                className={`presence ${online ? 'online' : 'offline'}`}
                role="img"
                aria-label={online ? t.online : t.offline}
              />
              <span className="member-main">
                <span className="member-name">
                  {isMe ? `${member.name || identity.name} (${t.you})` : member.name || info?.name}
                </span>
                <span className="member-role">{member.role === 'admin' ? t.admin : t.member}</span>
                {!isMe && online && addr !== undefined && (
                  <span className="hint">{t.connectedVia(hostOf(addr))}</span>
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
            </li>
          )
        })}
      </ul>
      <ErrorText error={promote.error ?? remove.error} />
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
