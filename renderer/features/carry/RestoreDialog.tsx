// First run → "Restore from a backup". The peer is already running with a new, unused identity;
// restoring replaces it with the backed-up one (the peer restarts as that device), so the app
// then reconnects and shows the restored groups.
import { useId, useState } from 'react'
import { useI18n } from '../../i18n/index.tsx'
import { useSession } from '../../state/session-context.tsx'
import { Dialog } from '../../ui/Dialog.tsx'
import { useAction } from '../../ui/use-action.ts'
import { CarryForm } from './CarryForm.tsx'
import { isAbsolutePath, PathField } from './PathField.tsx'

export function RestoreDialog(props: { onClose(): void; onRestored(): void }) {
  const { t } = useI18n()
  const session = useSession()
  const [path, setPath] = useState('')
  const [passphrase, setPassphrase] = useState('')
  const passId = useId()
  const { onRestored } = props
  const restore = useAction(async () => {
    await session.client.call('backup.restore', { path, passphrase })
    onRestored()
  })
  return (
    <Dialog title={t.restoreTitle} onClose={props.onClose} className="carry-dialog">
      <CarryForm
        action={restore}
        problem={path !== '' && !isAbsolutePath(path) ? t.pathMustBeFull : null}
        ready={path !== '' && passphrase !== ''}
        submitLabel={t.restore}
        busyText={t.restoring}
        onCancel={props.onClose}
      >
        <p>{t.restoreText}</p>
        <PathField
          mode="open"
          value={path}
          dialogTitle={t.restoreTitle}
          onChange={(chosen) => setPath(chosen)}
        />
        <div className="field">
          <label htmlFor={passId}>{t.backupPassphrase}</label>
          <input
            id={passId}
            type="password"
            autoComplete="current-password"
            value={passphrase}
            onChange={(event) => setPassphrase(event.target.value)}
            required
          />
        </div>
      </CarryForm>
    </Dialog>
  )
}
