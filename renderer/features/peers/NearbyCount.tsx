// Hearth devices on this network that share no group with us: only how many, never who (their
// names and ids stay private until they join). The count comes from mDNS and has no event of its
// own, so it is asked for again now and then while it is on screen.
import { useEffect } from 'react'
import { useI18n } from '../../i18n/index.tsx'
import { useSession, useSnapshot } from '../../state/session-context.tsx'
import { Icon } from '../../ui/Icon.tsx'

const REFRESH_MS = 20_000

export function NearbyCount() {
  const { t } = useI18n()
  const session = useSession()
  const { status } = useSnapshot()
  useEffect(() => {
    const timer = setInterval(() => {
      session.refreshStatus().catch((err: unknown) => {
        console.warn('hearth ui: could not refresh the nearby count', err)
      })
    }, REFRESH_MS)
    return () => clearInterval(timer)
  }, [session])
  if (status === null) return null
  return (
    <p className="nearby" data-testid="nearby">
      <Icon name="nearby" />
      <span>{t.nearbyDevices(status.nearbyPeers)}</span>
    </p>
  )
}
