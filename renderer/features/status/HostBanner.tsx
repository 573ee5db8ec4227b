// The desktop app's background process stopped, is restarting, runs again, or gave up: said at
// the top of the window, in words, with a way to try again when it gave up.
import { useI18n } from '../../i18n/index.tsx'
import type { HostNotice } from '../../platform/host-status.ts'

export function HostBanner(props: { notice: HostNotice; onRetry(): void; onDismiss(): void }) {
  const { t } = useI18n()
  const { notice } = props
  const text =
    notice.kind === 'restarting'
      ? t.hostRestarting(notice.retryInMs === null ? null : Math.ceil(notice.retryInMs / 1000))
      : notice.kind === 'running-again'
        ? t.hostRunningAgain
        : notice.kind === 'failed'
          ? t.hostFailed
          : t.hostStopping
  const calm = notice.kind === 'running-again'
  return (
    <div
      className={`banner host-banner ${calm ? 'calm' : ''}`}
      role={calm ? 'status' : 'alert'}
      data-testid="host-banner"
    >
      <span>{text}</span>
      {notice.kind === 'failed' && (
        <button type="button" onClick={props.onRetry}>
          {t.tryAgain}
        </button>
      )}
      {calm && (
        <button type="button" onClick={props.onDismiss}>
          {t.dismiss}
        </button>
      )}
    </div>
  )
}
