import type { ReactNode } from 'react'
import { useI18n } from '../i18n/index.tsx'
import { Dialog } from './Dialog.tsx'

/** Asks before something that cannot be undone or that leaves the app. */
export function ConfirmDialog(props: {
  title: string
  children: ReactNode
  confirmLabel: string
  danger?: boolean
  onConfirm(): void
  onCancel(): void
}) {
  const { t } = useI18n()
  return (
    <Dialog title={props.title} onClose={props.onCancel}>
      <div className="dialog-body">{props.children}</div>
      <div className="dialog-actions">
        <button type="button" onClick={props.onCancel} autoFocus>
          {t.cancel}
        </button>
        <button
          type="button"
          className={props.danger === true ? 'danger' : 'primary'}
          onClick={props.onConfirm}
        >
          {props.confirmLabel}
        </button>
      </div>
    </Dialog>
  )
}
