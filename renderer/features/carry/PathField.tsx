// Where a backup or bundle is written or read. In the desktop app the system's file dialog picks
// it; in a browser tab the person types a full path, which names a file on the computer where
// Hearth runs (the page may be on another one), so the hint says so.
import { useId } from 'react'
import { useI18n } from '../../i18n/index.tsx'
import { useDesktop } from '../../platform/desktop-context.tsx'

export function PathField(props: {
  mode: 'save' | 'open'
  value: string
  onChange(path: string, confirmedByDialog: boolean): void
  /** Offered by the save dialog. */
  defaultName?: string
  dialogTitle: string
}) {
  const { t } = useI18n()
  const desktop = useDesktop()
  const id = useId()
  const { mode, onChange, defaultName, dialogTitle } = props
  if (desktop !== undefined) {
    const choose = async () => {
      if (mode === 'save') {
        const chosen = await desktop.saveFile({
          title: dialogTitle,
          ...(defaultName !== undefined && { defaultName }),
        })
        // The system dialog already asked before replacing a file.
        if (chosen !== null) onChange(chosen, true)
      } else {
        const [chosen] = await desktop.openFiles({ title: dialogTitle })
        if (chosen !== undefined) onChange(chosen, true)
      }
    }
    return (
      <div className="field">
        <span id={id}>{t.carryFile}</span>
        <div className="inline-field">
          <p className="path" dir="ltr" aria-labelledby={id} data-testid="chosen-path">
            {props.value === '' ? t.noFileChosen : props.value}
          </p>
          <button type="button" onClick={() => void choose()}>
            {t.chooseFile}
          </button>
        </div>
      </div>
    )
  }
  return (
    <div className="field">
      <label htmlFor={id}>{t.carryFile}</label>
      <input
        id={id}
        value={props.value}
        onChange={(event) => onChange(event.target.value, false)}
        placeholder={mode === 'save' ? t.pathExampleSave(defaultName ?? '') : t.pathExampleOpen}
        required
        dir="ltr"
        spellCheck={false}
        aria-describedby={`${id}-hint`}
      />
      <p id={`${id}-hint`} className="hint">
        {t.pathOnPeerHint}
      </p>
    </div>
  )
}

/** The contract takes absolute paths only: say so before asking the peer. */
export function isAbsolutePath(p: string): boolean {
  return p.startsWith('/') || /^[A-Za-z]:[\\/]/.test(p) || p.startsWith('\\\\')
}

/** A file name for today: "hearth-backup-2026-05-10.hearth-backup". */
export function datedName(stem: string, extension: string, now = new Date()): string {
  const day = [now.getFullYear(), now.getMonth() + 1, now.getDate()]
    .map((n, i) => String(n).padStart(i === 0 ? 4 : 2, '0'))
    .join('-')
  const safeStem = stem.replace(/[^\p{L}\p{N}_-]+/gu, '-').replace(/^-+|-+$/g, '') || 'hearth'
  return `${safeStem}-${day}.${extension}`
}
