// Every version of one file name in its folder, newest first, each with its own actions: an
// older version can be saved, kept or restored like any file.
import type { ShelfFile } from '../../../shared/api/index.ts'
import { displayName } from '../../../shared/api/names.ts'
import { useI18n } from '../../i18n/index.tsx'
import { Dialog } from '../../ui/Dialog.tsx'
import { FileRow, type FileRowProps } from './FileRow.tsx'
import type { FileRowData } from './tree.ts'

export function VersionsDialog(props: {
  row: FileRowData
  rowProps(version: ShelfFile): FileRowProps
  onClose(): void
}) {
  const { t } = useI18n()
  const newestFirst = [...props.row.versions].reverse()
  return (
    <Dialog
      title={t.versionsTitle(displayName(props.row.latest.name))}
      onClose={props.onClose}
      className="wide"
    >
      <ul className="dialog-body shelf-list versions" data-testid="versions">
        {newestFirst.map((version) => (
          <FileRow key={version.fileId} {...props.rowProps(version)} />
        ))}
      </ul>
      <div className="dialog-actions">
        <button type="button" onClick={props.onClose} autoFocus>
          {t.close}
        </button>
      </div>
    </Dialog>
  )
}
