// Settings → "Back up…": one encrypted file with this device's identity, its groups and, if
// asked, the shelf files it holds. The passphrase is typed twice: a typo would lock the person
// out of their own backup.
import { useId, useState } from 'react'
import { useI18n } from '../../i18n/index.tsx'
import { useSession } from '../../state/session-context.tsx'
import { Dialog } from '../../ui/Dialog.tsx'
import { useAction } from '../../ui/use-action.ts'
import { formatBytes } from './bytes.ts'
import { CarryDone, CarryForm } from './CarryForm.tsx'
import { datedName, isAbsolutePath, PathField } from './PathField.tsx'

export const MIN_PASSPHRASE = 8

export function BackupDialog(props: { onClose(): void }) {
  const { t, fmt } = useI18n()
  const session = useSession()
  const [path, setPath] = useState('')
  const [replace, setReplace] = useState(false)
  const [passphrase, setPassphrase] = useState('')
  const [again, setAgain] = useState('')
  const [files, setFiles] = useState(true)
  const [done, setDone] = useState<{ path: string; bytes: number } | null>(null)
  const ids = { pass: useId(), again: useId(), files: useId() }
  const save = useAction(async () => {
    const r = await session.client.call('backup.create', { path, passphrase, files, replace })
    setDone({ path: r.path, bytes: r.bytes })
  })
  const problem =
    passphrase.length > 0 && passphrase.length < MIN_PASSPHRASE
      ? t.passphraseTooShort(MIN_PASSPHRASE)
      : again.length > 0 && again !== passphrase
        ? t.passphrasesDiffer
        : path !== '' && !isAbsolutePath(path)
          ? t.pathMustBeFull
          : null
  return (
    <Dialog title={t.backupTitle} onClose={props.onClose} className="carry-dialog">
      {done !== null ? (
        <CarryDone onClose={props.onClose}>
          <p role="status">{t.backupSaved(done.path, formatBytes(fmt.locale, done.bytes))}</p>
          <p className="hint">{t.backupKeepPassphrase}</p>
        </CarryDone>
      ) : (
        <CarryForm
          action={save}
          problem={problem}
          ready={path !== '' && passphrase !== '' && again === passphrase}
          submitLabel={t.backupSave}
          onCancel={props.onClose}
        >
          <p>{t.backupText}</p>
          <PathField
            mode="save"
            value={path}
            defaultName={datedName('hearth-backup', 'hearth-backup')}
            dialogTitle={t.backupTitle}
            onChange={(chosen, confirmed) => {
              setPath(chosen)
              setReplace(confirmed)
            }}
          />
          <div className="field">
            <label htmlFor={ids.pass}>{t.backupPassphrase}</label>
            <input
              id={ids.pass}
              type="password"
              autoComplete="new-password"
              value={passphrase}
              onChange={(event) => setPassphrase(event.target.value)}
              required
              aria-describedby={`${ids.pass}-hint`}
            />
            <p id={`${ids.pass}-hint`} className="hint">
              {t.backupPassphraseHint(MIN_PASSPHRASE)}
            </p>
          </div>
          <div className="field">
            <label htmlFor={ids.again}>{t.passphraseAgain}</label>
            <input
              id={ids.again}
              type="password"
              autoComplete="new-password"
              value={again}
              onChange={(event) => setAgain(event.target.value)}
              required
            />
          </div>
          <div className="field checkbox-field">
            <input
              id={ids.files}
              type="checkbox"
              checked={files}
              onChange={(event) => setFiles(event.target.checked)}
            />
            <label htmlFor={ids.files}>{t.backupIncludeFiles}</label>
          </div>
        </CarryForm>
      )}
    </Dialog>
  )
}
