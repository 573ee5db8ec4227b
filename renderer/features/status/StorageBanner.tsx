// One sentence across the top while the peer cannot save (disk full, read-only, stick pulled
// out). Everything else stays usable: reading, and hearing from others. It goes away by itself
// when the peer can save again.
import { useI18n } from '../../i18n/index.tsx'
import { useSnapshot } from '../../state/session-context.tsx'

export function StorageBanner() {
  const { t } = useI18n()
  const storage = useSnapshot().status?.storage
  if (storage === undefined || storage.writable) return null
  return (
    <div className="banner" role="alert" data-testid="storage-banner">
      <span>{t.storageProblem[storage.problem ?? 'failed']}</span>
    </div>
  )
}
