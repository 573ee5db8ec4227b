// The line at the bottom: whether there is a network, how many members of the open group can be
// reached, and whether the peer is still catching up on what it received. The peer's status has no
// event for network changes, so it is asked for again now and then.
import { useEffect } from 'react'
import type { Group } from '../../../shared/api/index.ts'
import { useI18n } from '../../i18n/index.tsx'
import { useSession, useSnapshot } from '../../state/session-context.tsx'
import { statusLine } from './status-line.ts'

const REFRESH_MS = 20_000

export function StatusBar(props: { group: Group | undefined }) {
  const { t } = useI18n()
  const session = useSession()
  const { status, peers, catchingUp } = useSnapshot()
  useEffect(() => {
    const timer = setInterval(() => {
      session.refreshStatus().catch((err: unknown) => {
        console.warn('hearth ui: could not refresh the status', err)
      })
    }, REFRESH_MS)
    return () => clearInterval(timer)
  }, [session])
  const line = statusLine(status, props.group, peers)
  const text =
    line.kind === 'no-network'
      ? t.statusNoNetwork
      : line.kind === 'alone'
        ? t.statusAlone
        : line.kind === 'reachable'
          ? t.statusReachable(line.reachable, line.total)
          : line.kind === 'peers'
            ? t.statusPeers(line.count)
            : ''
  let pending = 0
  for (const updates of catchingUp.values()) pending += updates
  // Green when everyone can be reached, amber when only some can, red when nobody can.
  const health =
    line.kind === 'no-network' || (line.kind === 'reachable' && line.reachable === 0)
      ? 'bad'
      : line.kind === 'reachable' && line.reachable < line.total
        ? 'partial'
        : line.kind === 'unknown'
          ? 'unknown'
          : 'good'
  return (
    <footer className={`status-bar status-${line.kind}`} role="status" data-testid="status-bar">
      <span className={`status-dot ${health}`} aria-hidden="true" />
      <span>{text}</span>
      {catchingUp.size > 0 && (
        <span className="catching-up" data-testid="catching-up">
          {t.statusCatchingUp(pending)}
        </span>
      )}
    </footer>
  )
}
