// The group's "more" menu in the chat header: actions that are not needed every day.
import { useEffect, useId, useRef, useState } from 'react'
import { useI18n } from '../../i18n/index.tsx'
import { Icon } from '../../ui/Icon.tsx'

export interface MenuItem {
  label: string
  onSelect(): void
}

export function GroupMenu(props: { items: readonly MenuItem[] }) {
  const { t } = useI18n()
  const [open, setOpen] = useState(false)
  const menuId = useId()
  const root = useRef<HTMLDivElement>(null)
  useEffect(() => {
    if (!open) return
    const close = (event: Event) => {
      if (event instanceof KeyboardEvent && event.key !== 'Escape') return
      if (event instanceof MouseEvent && root.current?.contains(event.target as Node) === true) {
        return
      }
      setOpen(false)
    }
    document.addEventListener('keydown', close)
    document.addEventListener('mousedown', close)
    return () => {
      document.removeEventListener('keydown', close)
      document.removeEventListener('mousedown', close)
    }
  }, [open])
  return (
    <div className="menu" ref={root}>
      <button
        type="button"
        className="icon-button"
        aria-haspopup="menu"
        aria-expanded={open}
        aria-controls={menuId}
        aria-label={t.groupMenu}
        title={t.groupMenu}
        onClick={() => setOpen((v) => !v)}
      >
        <Icon name="more" />
      </button>
      {open && (
        <ul id={menuId} role="menu" className="menu-list">
          {props.items.map((item) => (
            <li key={item.label} role="none">
              <button
                type="button"
                role="menuitem"
                onClick={() => {
                  setOpen(false)
                  item.onSelect()
                }}
              >
                {item.label}
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  )
}
