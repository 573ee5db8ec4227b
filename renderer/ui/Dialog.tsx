// A modal built on <dialog>: the browser traps focus, closes it on Escape and returns focus to
// where it was. It is open while mounted.
import { useEffect, useId, useRef } from 'react'
import type { ReactNode } from 'react'

export function Dialog(props: {
  title: string
  onClose(): void
  children: ReactNode
  className?: string
}) {
  const ref = useRef<HTMLDialogElement>(null)
  const titleId = useId()
  useEffect(() => {
    const dialog = ref.current
    if (dialog && !dialog.open) dialog.showModal()
    return () => dialog?.close()
  }, [])
  return (
    <dialog
      ref={ref}
      className={`dialog ${props.className ?? ''}`}
      aria-labelledby={titleId}
      onClose={props.onClose}
    >
      <h2 id={titleId} className="dialog-title">
        {props.title}
      </h2>
      {props.children}
    </dialog>
  )
}
