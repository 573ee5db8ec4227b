// Hearth devices on this network that share no group with us: only how many, never who (their
// names and ids stay private until they join). The count comes from mDNS and has no event of its
// own; the status bar asks for the peer's status again now and then, which carries it.
import { useI18n } from '../../i18n/index.tsx'
import { useSnapshot } from '../../state/session-context.tsx'
import { Icon } from '../../ui/Icon.tsx'

export function NearbyCount() {
  const { t } = useI18n()
  const { status } = useSnapshot()
  if (status === null) return null
  return (
    <p className="nearby" data-testid="nearby">
      <Icon name="nearby" />
      <span>{t.nearbyDevices(status.nearbyPeers)}</span>
    </p>
  )
}
