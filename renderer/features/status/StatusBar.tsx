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
  return (
    <footer className={`status-bar status-${line.kind}`} role="status" data-testid="status-bar">
      {text}
    </footer>
  )
}
