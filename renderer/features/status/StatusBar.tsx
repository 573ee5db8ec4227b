import type { Group } from '../../../shared/api/index.ts'
import { useI18n } from '../../i18n/index.tsx'
import { useSnapshot } from '../../state/session-context.tsx'
import { statusLine } from './status-line.ts'

export function StatusBar(props: { group: Group | undefined }) {
  const { t } = useI18n()
  const { status, peers } = useSnapshot()
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
      {text}
    </footer>
  )
}
