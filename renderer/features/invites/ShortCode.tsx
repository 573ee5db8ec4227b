// The short code to read aloud, with the time it has left.
import type { CommandOutput } from '../../../shared/api/index.ts'
import { useI18n } from '../../i18n/index.tsx'

export function ShortCode(props: { code: CommandOutput<'groups.code'>; now: number }) {
  const { t, fmt } = useI18n()
  const remaining = props.code.expiresAt - props.now
  if (remaining <= 0) return <p className="hint">{t.codeExpired}</p>
  return (
    <div className="short-code-row">
      <p className="short-code" data-testid="short-code">
        {props.code.code}
      </p>
      <p className="countdown" aria-live="off">
        {t.expiresIn(fmt.countdown(remaining))}
      </p>
    </div>
  )
}
