// Settings: display name, language, where the data is kept and whether it is encrypted, and what
// this device and app are.
import { useEffect, useId, useState } from 'react'
import { useI18n } from '../../i18n/index.tsx'
import { useSession, useSnapshot } from '../../state/session-context.tsx'
import { Dialog } from '../../ui/Dialog.tsx'
import { ErrorText } from '../../ui/ErrorText.tsx'
import { useAction } from '../../ui/use-action.ts'
import { EncryptionSettings } from '../vault/EncryptionSettings.tsx'
import { LanguagePicker } from './LanguagePicker.tsx'
import { BackupDialog } from '../carry/BackupDialog.tsx'

export function SettingsDialog(props: { onClose(): void }) {
  const { t } = useI18n()
  const session = useSession()
  const { identity, status } = useSnapshot()
  const [name, setName] = useState(identity.name)
  const [saved, setSaved] = useState(false)
  const [backingUp, setBackingUp] = useState(false)
  const nameId = useId()
  const dataDir = status?.dataDir
  const save = useAction(async (value: string) => {
    await session.setName(value.trim())
    setSaved(true)
  })
  useEffect(() => {
    session.refreshStatus().catch((err: unknown) => {
      console.warn('hearth ui: the peer did not say how it is', err)
    })
  }, [session])
  return (
    <Dialog title={t.settings} onClose={props.onClose} className="settings-dialog">
      <form
        className="dialog-body"
        onSubmit={(event) => {
          event.preventDefault()
          setSaved(false)
          void save.run(name)
        }}
      >
        <div className="field">
          <label htmlFor={nameId}>{t.displayName}</label>
          <div className="inline-field">
            <input
              id={nameId}
              value={name}
              onChange={(event) => {
                setName(event.target.value)
                setSaved(false)
              }}
              maxLength={64}
              required
              dir="auto"
            />
            <button type="submit" disabled={save.busy || name.trim() === ''}>
              {t.save}
            </button>
          </div>
          <p className="hint" role="status">
            {saved ? t.nameSaved : ''}
          </p>
          <ErrorText error={save.error} />
        </div>
      </form>
      <div className="dialog-body">
        <LanguagePicker />
      </div>
      <section className="dialog-body" aria-labelledby="settings-data-title">
        <h3 id="settings-data-title">{t.dataFolder}</h3>
        {dataDir !== null && dataDir !== undefined ? (
          <>
            <p className="path" dir="ltr" data-testid="data-dir">
              {dataDir}
            </p>
            <p className="hint">{t.dataFolderHint}</p>
          </>
        ) : status !== null ? (
          <p className="hint">{t.dataInMemory}</p>
        ) : null}
      </section>
      <EncryptionSettings />
      <section className="dialog-body" aria-labelledby="settings-backup-title">
        <h3 id="settings-backup-title">{t.backupSection}</h3>
        <p className="hint">{t.backupSectionHint}</p>
        <button type="button" onClick={() => setBackingUp(true)}>
          {t.backUp}
        </button>
        {backingUp && <BackupDialog onClose={() => setBackingUp(false)} />}
      </section>
      <section className="dialog-body about" aria-labelledby="settings-about-title">
        <h3 id="settings-about-title">{t.about}</h3>
        <p>
          <strong>{t.appName}</strong>{' '}
          {status !== null && <span data-testid="version">{t.version(status.version)}</span>}
        </p>
        <p className="hint">{t.aboutText}</p>
        <p className="hint">
          {t.deviceId}: <code className="peer-id">{identity.peerId}</code>
        </p>
      </section>
      <div className="dialog-actions">
        <button type="button" onClick={props.onClose}>
          {t.close}
        </button>
      </div>
    </Dialog>
  )
}
