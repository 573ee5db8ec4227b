import type { ReactNode } from 'react'

/** A small round button that shows only an icon; its name is both its label and its tooltip. */
export function ToolButton(props: {
  label: string
  onClick(): void
  danger?: boolean
  className?: string
  children: ReactNode
}) {
  const classes = ['tool', props.danger === true ? 'danger' : '', props.className ?? '']
  return (
    <button
      type="button"
      className={classes.filter(Boolean).join(' ')}
      aria-label={props.label}
      title={props.label}
      onClick={props.onClick}
    >
      {props.children}
    </button>
  )
}
