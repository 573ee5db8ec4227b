// The first screen on a new device: a name, prefilled from the peer. When Hearth runs from a
// portable drive that is not encrypted yet, a second step offers a passphrase: a stick gets lost,
// and encrypting before anything private is on it leaves no plaintext behind on it.
import { useState } from 'react'
import { useI18n } from '../../i18n/index.tsx'
import { useSession, useSnapshot } from '../../state/session-context.tsx'
import { ErrorText } from '../../ui/ErrorText.tsx'
import { Icon } from '../../ui/Icon.tsx'
import { useAction } from '../../ui/use-action.ts'
import { newPassphraseProblem } from '../vault/new-passphrase.ts'
import {
  NewPassphraseFields,
  ShowPassphrase,
  type NewPassphrase,
} from '../vault/NewPassphraseFields.tsx'
import { LanguagePicker } from './LanguagePicker.tsx'
import { RestoreDialog } from '../carry/RestoreDialog.tsx'

/** `onRestored`: a backup replaced this device; the app reconnects and loads it. */
export function FirstRun(props: { onDone(): void; onRestored(): void }) {
  const { status } = useSnapshot()
  const [step, setStep] = useState<'name' | 'passphrase'>('name')
  const offerPassphrase = status?.portable === true && !status.encrypted
  if (step === 'passphrase') return <PortablePassphrase onDone={props.onDone} />
  return (
    <NameStep
      onDone={() => (offerPassphrase ? setStep('passphrase') : props.onDone())}
      onRestored={props.onRestored}
    />
  )
}

function NameStep(props: { onDone(): void; onRestored(): void }) {
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

function PortablePassphrase(props: { onDone(): void }) {
  const { t } = useI18n()
  const session = useSession()
  const [value, setValue] = useState<NewPassphrase>({ first: '', second: '' })
  const [checked, setChecked] = useState(false)
  const [show, setShow] = useState(false)
  const enable = useAction(async (passphrase: string) => {
    await session.enableEncryption(passphrase)
    props.onDone()
  })
  return (
    <main className="first-run">
      <form
        className="card"
        aria-labelledby="portable-title"
        onSubmit={(event) => {
          event.preventDefault()
          setChecked(true)
          if (newPassphraseProblem(value.first, value.second) === null) {
            void enable.run(value.first)
          }
        }}
      >
        <Icon name="lock" className="welcome-logo" />
        <h1 id="portable-title">{t.portableTitle}</h1>
        <p>{t.portableText}</p>
        <NewPassphraseFields value={value} onChange={setValue} checked={checked} show={show} />
        <ShowPassphrase show={show} onChange={setShow} />
        <ErrorText error={enable.error} />
        <p className="hint" role="status">
          {enable.busy ? t.encrypting : ''}
        </p>
        <button type="submit" className="primary" disabled={enable.busy}>
          {t.turnOnEncryption}
        </button>
        <button type="button" onClick={props.onDone} disabled={enable.busy}>
          {t.notNow}
        </button>
      </form>
    </main>
  )
}
