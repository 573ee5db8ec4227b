// The first screen on a new device: a name, prefilled from the peer, and nothing else.
import { useState } from 'react'
import { useI18n } from '../../i18n/index.tsx'
import { useSession, useSnapshot } from '../../state/session-context.tsx'
import { ErrorText } from '../../ui/ErrorText.tsx'
import { Icon } from '../../ui/Icon.tsx'
import { useAction } from '../../ui/use-action.ts'
import { LanguagePicker } from './LanguagePicker.tsx'
import { RestoreDialog } from '../carry/RestoreDialog.tsx'

/** `onRestored`: a backup replaced this device; the app reconnects and loads it. */
export function FirstRun(props: { onDone(): void; onRestored(): void }) {
  const { t } = useI18n()
  const session = useSession()
  const { identity } = useSnapshot()
  const [name, setName] = useState(identity.name)
  const [restoring, setRestoring] = useState(false)
  const save = useAction(async (value: string) => {
    if (value.trim() !== identity.name) await session.setName(value.trim())
    props.onDone()
  })
  return (
    <main className="first-run">
      <form
        className="card"
        onSubmit={(event) => {
          event.preventDefault()
          void save.run(name)
        }}
      >
        <Icon name="flame" className="welcome-logo" />
        <h1>{t.welcomeTitle}</h1>
        <p>{t.welcomeText}</p>
        <label htmlFor="first-run-name">{t.yourName}</label>
        <input
          id="first-run-name"
          value={name}
          onChange={(event) => setName(event.target.value)}
          maxLength={64}
          required
          autoFocus
          dir="auto"
          aria-describedby="first-run-hint"
        />
        <p id="first-run-hint" className="hint">
          {t.yourNameHint}
        </p>
        <ErrorText error={save.error} />
        <button type="submit" className="primary" disabled={save.busy || name.trim() === ''}>
          {t.continueLabel}
        </button>
        <button type="button" className="ghost" onClick={() => setRestoring(true)}>
          {t.restoreFromBackup}
        </button>
        <LanguagePicker />
      </form>
      {restoring && (
        <RestoreDialog onClose={() => setRestoring(false)} onRestored={props.onRestored} />
      )}
    </main>
  )
}
