// The first screen when the data folder is encrypted: one passphrase field. A wrong passphrase
// says so and puts the cursor back in the field with its text selected, ready for another try.
import { useEffect, useRef, useState } from 'react'
import type { ApiClient } from '../../../shared/rpc/index.ts'
import { useI18n } from '../../i18n/index.tsx'
import { ErrorText } from '../../ui/ErrorText.tsx'
import { Icon } from '../../ui/Icon.tsx'
import { useAction } from '../../ui/use-action.ts'
import { LanguagePicker } from '../settings/LanguagePicker.tsx'
import { ShowPassphrase } from './NewPassphraseFields.tsx'

export function UnlockScreen(props: { client: ApiClient; onUnlocked(): void }) {
  const { client, onUnlocked } = props
  const { t } = useI18n()
  const [passphrase, setPassphrase] = useState('')
  const [show, setShow] = useState(false)
  const field = useRef<HTMLInputElement>(null)
  const unlock = useAction(async (value: string) => {
    await client.call('vault.unlock', { passphrase: value })
    onUnlocked()
  })

  useEffect(() => {
    if (unlock.error === undefined) return
    field.current?.focus()
    field.current?.select()
  }, [unlock.error])

  // Someone else may unlock it meanwhile (another window, `hearth vault unlock`).
  useEffect(
    () =>
      client.on('vaultChanged', ({ state }) => {
        if (state !== 'locked') onUnlocked()
      }),
    [client, onUnlocked],
  )

  return (
    <main className="first-run">
      <form
        className="card"
        aria-labelledby="unlock-title"
        onSubmit={(event) => {
          event.preventDefault()
          void unlock.run(passphrase)
        }}
      >
        <Icon name="lock" className="welcome-logo" />
        <h1 id="unlock-title">{t.unlockTitle}</h1>
        <p>{t.unlockText}</p>
        <label htmlFor="unlock-passphrase">{t.passphrase}</label>
        <input
          ref={field}
          id="unlock-passphrase"
          type={show ? 'text' : 'password'}
          value={passphrase}
          onChange={(event) => {
            setPassphrase(event.target.value)
            unlock.clearError()
          }}
          autoComplete="current-password"
          autoFocus
          required
          maxLength={1024}
          aria-invalid={unlock.error !== undefined}
          aria-describedby="unlock-problem"
        />
        <ShowPassphrase show={show} onChange={setShow} />
        <div id="unlock-problem">
          <ErrorText error={unlock.error} />
        </div>
        <p className="hint" role="status">
          {unlock.busy ? t.unlocking : ''}
        </p>
        <button type="submit" className="primary" disabled={unlock.busy || passphrase === ''}>
          {t.unlock}
        </button>
        <LanguagePicker />
      </form>
    </main>
  )
}
