// The frame every backup and bundle dialog shares: a form with its fields, the sentence for
// what is wrong (from the form, then from the peer), progress while the peer works, and Cancel
// and the action; then, once done, what happened and Close.
import type { ReactNode } from 'react'
import { useI18n } from '../../i18n/index.tsx'
import { ErrorText } from '../../ui/ErrorText.tsx'
import type { Action } from '../../ui/use-action.ts'

export function CarryForm(props: {
  action: Action<[]>
  /** What is wrong with the form as filled in, or null. */
  problem: string | null
  ready: boolean
  submitLabel: string
  busyText?: string
  onCancel(): void
  children: ReactNode
}) {
  const { t } = useI18n()
  const { action, problem, ready } = props
  return (
    <form
      onSubmit={(event) => {
        event.preventDefault()
        if (ready && problem === null) void action.run()
      }}
    >
      <div className="dialog-body">
        {props.children}
        {problem !== null && (
          <p className="error" role="alert">
            {problem}
          </p>
        )}
        <ErrorText error={action.error} />
        {action.busy && (
          <p className="hint" role="status">
            {props.busyText ?? t.working}
          </p>
        )}
      </div>
      <div className="dialog-actions">
        <button type="button" onClick={props.onCancel}>
          {t.cancel}
        </button>
        <button
          type="submit"
          className="primary"
          disabled={action.busy || !ready || problem !== null}
        >
          {props.submitLabel}
        </button>
      </div>
    </form>
  )
}

export function CarryDone(props: { onClose(): void; children: ReactNode }) {
  const { t } = useI18n()
  return (
    <>
      <div className="dialog-body">{props.children}</div>
      <div className="dialog-actions">
        <button type="button" className="primary" onClick={props.onClose}>
          {t.close}
        </button>
      </div>
    </>
  )
}
