// Naming things on a shelf: renaming or moving a file, and making a new folder. Names are checked
// here with the contract's own rules, so a name the peer would refuse is said before it is sent.
import { useId, useState } from 'react'
import { FileName, FolderPath, type ShelfFile } from '../../../shared/api/index.ts'
import { displayName } from '../../../shared/api/names.ts'
import { useI18n } from '../../i18n/index.tsx'
import { Dialog } from '../../ui/Dialog.tsx'

export function MoveDialog(props: {
  file: ShelfFile
  onCancel(): void
  onMove(to: { name?: string; folder?: string }): void
}) {
  const { t } = useI18n()
  const { file } = props
  const [name, setName] = useState(file.name)
  const [folder, setFolder] = useState(file.folder)
  const nameId = useId()
  const folderId = useId()
  const nameOk = FileName.safeParse(name).success
  const folderOk = FolderPath.safeParse(folder).success
  const changed = name !== file.name || folder !== file.folder
  return (
    <Dialog title={t.moveTitle(displayName(file.name))} onClose={props.onCancel}>
      <form
        onSubmit={(event) => {
          event.preventDefault()
          if (!nameOk || !folderOk || !changed) return
          props.onMove({
            ...(name !== file.name && { name }),
            ...(folder !== file.folder && { folder }),
          })
        }}
      >
        <div className="dialog-body field">
          <label htmlFor={nameId}>{t.fileNameLabel}</label>
          <input
            id={nameId}
            value={name}
            onChange={(event) => setName(event.target.value)}
            maxLength={255}
            aria-invalid={!nameOk}
            autoFocus
            dir="auto"
          />
          {!nameOk && <p className="error">{t.invalidFileName}</p>}
          <label htmlFor={folderId}>{t.folderLabel}</label>
          <input
            id={folderId}
            value={folder}
            onChange={(event) => setFolder(event.target.value)}
            maxLength={1024}
            aria-invalid={!folderOk}
            dir="auto"
          />
          <p className="hint">{t.folderHint}</p>
          {!folderOk && <p className="error">{t.invalidFolder}</p>}
        </div>
        <div className="dialog-actions">
          <button type="button" onClick={props.onCancel}>
            {t.cancel}
          </button>
          <button type="submit" className="primary" disabled={!nameOk || !folderOk || !changed}>
            {t.save}
          </button>
        </div>
      </form>
    </Dialog>
  )
}

export function NewFolderDialog(props: { onCancel(): void; onCreate(name: string): void }) {
  const { t } = useI18n()
  const [name, setName] = useState('')
  const nameId = useId()
  const ok = FileName.safeParse(name).success
  return (
    <Dialog title={t.newFolder} onClose={props.onCancel}>
      <form
        onSubmit={(event) => {
          event.preventDefault()
          if (ok) props.onCreate(name)
        }}
      >
        <div className="dialog-body field">
          <label htmlFor={nameId}>{t.folderName}</label>
          <input
            id={nameId}
            value={name}
            onChange={(event) => setName(event.target.value)}
            maxLength={255}
            autoFocus
            dir="auto"
          />
          {name !== '' && !ok && <p className="error">{t.invalidFileName}</p>}
          <p className="hint">{t.newFolderHint}</p>
        </div>
        <div className="dialog-actions">
          <button type="button" onClick={props.onCancel}>
            {t.cancel}
          </button>
          <button type="submit" className="primary" disabled={!ok}>
            {t.create}
          </button>
        </div>
      </form>
    </Dialog>
  )
}
