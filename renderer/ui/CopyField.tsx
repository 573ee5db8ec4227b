// Long text to hand on (an invite), with a copy button. If the clipboard is refused, the text is
// selected so the person can copy it with the keyboard.
import { useId, useRef, useState } from 'react'
import { useI18n } from '../i18n/index.tsx'

export function CopyField(props: { label: string; value: string; hint?: string }) {
  const { t } = useI18n()
  const id = useId()
  const hintId = useId()
  const area = useRef<HTMLTextAreaElement>(null)
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle')
  const copy = () => {
    navigator.clipboard.writeText(props.value).then(
      () => setState('copied'),
      (err: unknown) => {
        console.warn('hearth ui: the clipboard refused the invite', err)
        area.current?.select()
        setState('failed')
      },
    )
  }
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      <textarea
        id={id}
        ref={area}
        className="copy-text"
        value={props.value}
        readOnly
        rows={3}
        spellCheck={false}
        aria-describedby={props.hint !== undefined ? hintId : undefined}
        onFocus={(event) => event.currentTarget.select()}
      />
      {props.hint !== undefined && (
        <p id={hintId} className="hint">
          {props.hint}
        </p>
      )}
      <div className="inline-field">
        <button type="button" onClick={copy}>
          {t.copy}
        </button>
        <span role="status" className="hint">
          {state === 'copied' ? t.copied : state === 'failed' ? t.copyFailed : ''}
        </span>
      </div>
    </div>
  )
}
