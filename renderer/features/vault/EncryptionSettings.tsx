// Settings → Encryption: turn it on (a new passphrase, typed twice), or change the passphrase
// (the current one, then a new one). Changing it is quick: only the key's wrapping changes.
import { useId, useState } from 'react'
import { useI18n } from '../../i18n/index.tsx'
import { useSession, useSnapshot } from '../../state/session-context.tsx'
import { ErrorText } from '../../ui/ErrorText.tsx'
import { useAction } from '../../ui/use-action.ts'
import { newPassphraseProblem } from './new-passphrase.ts'
import { NewPassphraseFields, ShowPassphrase, type NewPassphrase } from './NewPassphraseFields.tsx'

const EMPTY: NewPassphrase = { first: '', second: '' }

export function EncryptionSettings() {
  const { t } = useI18n()
  const session = useSession()
  const { status } = useSnapshot()
  const id = useId()
  const [open, setOpen] = useState(false)
  const [current, setCurrent] = useState('')
  const [next, setNext] = useState<NewPassphrase>(EMPTY)
  const [checked, setChecked] = useState(false)
  const [show, setShow] = useState(false)
  const [done, setDone] = useState<string>('')
  const encrypted = status?.encrypted === true
  const apply = useAction(async () => {
    if (encrypted) {
      await session.changePassphrase(current, next.first)
      setDone(t.passphraseChanged)
    } else {
      await session.enableEncryption(next.first)
      setDone(t.encryptionTurnedOn)
    }
    setOpen(false)
    setCurrent('')
    setNext(EMPTY)
    setChecked(false)
  })
  // An in-memory peer has nothing on disk to encrypt.
  if (status === null || status.dataDir === null) return null
  return (
    <section className="dialog-body" aria-labelledby={`${id}-title`}>
      <h3 id={`${id}-title`}>{t.encryption}</h3>
      <p className="hint" data-testid="encryption-state">
        {encrypted ? t.encryptionOn : t.encryptionOff}
      </p>
      <p className="hint" role="status">
        {apply.busy && !encrypted ? t.encrypting : done}
      </p>
      {!open ? (
        <button
          type="button"
          onClick={() => {
            setOpen(true)
            setDone('')
          }}
        >
          {encrypted ? t.changePassphrase : t.turnOnEncryption}
        </button>
      ) : (
        <form
          onSubmit={(event) => {
            event.preventDefault()
            setChecked(true)
            if (newPassphraseProblem(next.first, next.second) !== null) return
            if (encrypted && current === '') return
            void apply.run()
          }}
        >
          {encrypted && (
            <div className="field">
              <label htmlFor={`${id}-current`}>{t.currentPassphrase}</label>
              <input
                id={`${id}-current`}
                type={show ? 'text' : 'password'}
                value={current}
                onChange={(event) => setCurrent(event.target.value)}
                autoComplete="current-password"
                required
                maxLength={1024}
              />
            </div>
          )}
          <NewPassphraseFields value={next} onChange={setNext} checked={checked} show={show} />
          <ShowPassphrase show={show} onChange={setShow} />
          <ErrorText error={apply.error} />
          <div className="dialog-actions">
            <button type="button" onClick={() => setOpen(false)} disabled={apply.busy}>
              {t.cancel}
            </button>
            <button type="submit" className="primary" disabled={apply.busy}>
              {encrypted ? t.changePassphrase : t.turnOnEncryption}
            </button>
          </div>
        </form>
      )}
    </section>
  )
}
