// Two fields for a new passphrase (typed twice: a typo here would lock the person out for good),
// the rule it must meet, and the warning that a forgotten one cannot be recovered.
import { useId } from 'react'
import { MIN_PASSPHRASE_CHARS } from '../../../shared/api/index.ts'
import { useI18n } from '../../i18n/index.tsx'
import { newPassphraseProblem } from './new-passphrase.ts'

export interface NewPassphrase {
  first: string
  second: string
}

export function NewPassphraseFields(props: {
  value: NewPassphrase
  onChange(value: NewPassphrase): void
  /** Show what is wrong only once the person tried to go on. */
  checked: boolean
  show: boolean
}) {
  const { t } = useI18n()
  const id = useId()
  const { first, second } = props.value
  const problem = newPassphraseProblem(first, second)
  const type = props.show ? 'text' : 'password'
  return (
    <div className="passphrase-fields">
      <div className="field">
        <label htmlFor={`${id}-new`}>{t.newPassphrase}</label>
        <input
          id={`${id}-new`}
          type={type}
          value={first}
          onChange={(event) => props.onChange({ first: event.target.value, second })}
          autoComplete="new-password"
          maxLength={1024}
          aria-invalid={props.checked && problem === 'short'}
          aria-describedby={`${id}-hint ${id}-problem`}
        />
        <p id={`${id}-hint`} className="hint">
          {t.passphraseHint(MIN_PASSPHRASE_CHARS)}
        </p>
      </div>
      <div className="field">
        <label htmlFor={`${id}-again`}>{t.repeatPassphrase}</label>
        <input
          id={`${id}-again`}
          type={type}
          value={second}
          onChange={(event) => props.onChange({ first, second: event.target.value })}
          autoComplete="new-password"
          maxLength={1024}
          aria-invalid={props.checked && problem === 'differ'}
          aria-describedby={`${id}-problem`}
        />
      </div>
      <p id={`${id}-problem`} className="error" role="alert">
        {props.checked && problem === 'short' && t.passphraseTooShort(MIN_PASSPHRASE_CHARS)}
        {props.checked && problem === 'differ' && t.passphrasesDiffer}
      </p>
      <p className="hint warning">{t.forgetWarning}</p>
    </div>
  )
}

/** "Show what I type": passphrases are long, and seeing them is how people catch typos. */
export function ShowPassphrase(props: { show: boolean; onChange(show: boolean): void }) {
  const { t } = useI18n()
  return (
    <label className="check">
      <input
        type="checkbox"
        checked={props.show}
        onChange={(event) => props.onChange(event.target.checked)}
      />
      {t.showPassphrase}
    </label>
  )
}
