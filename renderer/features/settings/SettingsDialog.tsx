// Settings: display name, language, and what this device is.
import { useId, useState } from 'react'
import { useI18n } from '../../i18n/index.tsx'
import { useSession, useSnapshot } from '../../state/session-context.tsx'
import { Dialog } from '../../ui/Dialog.tsx'
import { ErrorText } from '../../ui/ErrorText.tsx'
import { useAction } from '../../ui/use-action.ts'
import { LanguagePicker } from './LanguagePicker.tsx'

export function SettingsDialog(props: { onClose(): void }) {
  const { t } = useI18n()
  const session = useSession()
  const { identity } = useSnapshot()
  const [name, setName] = useState(identity.name)
  const [saved, setSaved] = useState(false)
  const nameId = useId()
  const save = useAction(async (value: string) => {
    await session.setName(value.trim())
    setSaved(true)
  })
  return (
    <Dialog title={t.settings} onClose={props.onClose}>
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
        <h3>{t.about}</h3>
        <p>{t.aboutText}</p>
        <p className="hint">
          {t.deviceId}: <code className="peer-id">{identity.peerId}</code>
        </p>
      </div>
      <div className="dialog-actions">
        <button type="button" onClick={props.onClose}>
          {t.close}
        </button>
      </div>
    </Dialog>
  )
}
