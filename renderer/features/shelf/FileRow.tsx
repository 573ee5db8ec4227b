// One file on the shelf: its name (escaped: what is really there is what shows), size, who added
// it and when, where copies are, whether it is here (or how its download is going), and what the
// person may do with it.
import type { ShelfFile } from '../../../shared/api/index.ts'
import { displayName } from '../../../shared/api/names.ts'
import { useI18n } from '../../i18n/index.tsx'
import type { Messages } from '../../i18n/en.ts'
import type { Progress } from '../../state/shelves.ts'
import { Icon } from '../../ui/Icon.tsx'
import { ToolButton } from '../../ui/ToolButton.tsx'
import { availability, secondsLeft } from './availability.ts'
import { Thumbnail } from './Thumbnail.tsx'
import type { FileRowData } from './tree.ts'

export type FileAction =
  | 'download'
  | 'cancel'
  | 'save'
  | 'reveal'
  | 'keep'
  | 'unkeep'
  | 'versions'
  | 'move'
  | 'remove'
  | 'restore'

export interface FileRowProps {
  groupId: string
  row: FileRowData
  me: string
  /** Whoever added it, or an admin. */
  canEdit: boolean
  nameOf(peerId: string): string
  isConnected(peerId: string): boolean
  progress: Progress | undefined
  /** Where it was saved this session (desktop app), to show it there. */
  savedPath: string | undefined
  autoDownloadMaxBytes: number
  onAction(action: FileAction, file: ShelfFile): void
  /** Versions are listed in their own dialog; there the row is one version. */
  asVersion?: boolean
}

export function FileRow(props: FileRowProps) {
  const { t, fmt } = useI18n()
  const { row, onAction } = props
  const file = row.latest
  const shown = displayName(file.name)
  const adder = file.addedBy === props.me ? t.you : file.addedByName || t.unknownAuthor
  const count = row.versions.length
  return (
    <li
      className={`shelf-row file${file.removed ? ' is-removed' : ''}`}
      data-testid="shelf-file"
      data-file-id={file.fileId}
    >
      <Thumbnail groupId={props.groupId} file={file} />
      <div className="shelf-row-main">
        <div className="file-title">
          {/* A name is shown as plain text in its own isolate: HTML in it is text, and right-to-left
              characters inside cannot reorder what follows. */}
          <bdi className="file-name" data-testid="file-name" title={shown}>
            {shown}
          </bdi>
          {file.removed && <span className="tag">{t.removedFile}</span>}
          {!props.asVersion && count > 1 && (
            <button
              type="button"
              className="link-button"
              onClick={() => onAction('versions', file)}
            >
              {t.versions(count)}
            </button>
          )}
        </div>
        <p className="hint file-meta">
          {fmt.bytes(file.size)} · {t.addedByOn(adder, fmt.dateTime(file.addedAt))}
        </p>
        <p className="hint file-availability" data-testid="availability">
          {availabilityText(t, props, file)}
        </p>
        <LocalState {...props} file={file} />
      </div>
      <FileActions {...props} file={file} />
    </li>
  )
}

function availabilityText(t: Messages, props: FileRowProps, file: ShelfFile): string {
  const where = availability(file, props.me, props.nameOf, props.isConnected)
  switch (where.kind) {
    case 'nowhere':
      return t.availNowhere
    case 'only-here':
      return t.availOnlyHere
    case 'only':
      return t.availOnly(where.name || t.unknownAuthor, where.online)
    case 'many':
      return t.availMany(where.count, where.online, where.here)
  }
}

function LocalState(props: FileRowProps & { file: ShelfFile }) {
  const { t, fmt } = useI18n()
  const { file, progress } = props
  const transfer = file.transfer
  if (file.local) {
    return (
      <p className="local-state here" data-testid="local-state">
        <span aria-hidden="true">✓</span> <span>{t.onThisDevice}</span>
        {props.savedPath !== undefined && (
          <span className="saved-to">
            {' · '}
            {t.savedTo(props.savedPath)}
          </span>
        )}
      </p>
    )
  }
  if (transfer === null) {
    return (
      <p className="local-state" data-testid="local-state">
        {t.notOnThisDevice}
      </p>
    )
  }
  if (transfer.state === 'fetching') {
    const bytes = Math.max(progress?.bytes ?? 0, transfer.bytes)
    const total = progress?.total ?? file.size
    const rate = progress?.rate ?? 0
    const left = secondsLeft(bytes, total, rate)
    return (
      <div className="transfer" data-testid="transfer-progress">
        <progress max={Math.max(1, total)} value={bytes} aria-label={t.downloading} />
        <span className="hint">
          {t.progressLine(fmt.bytes(bytes), fmt.bytes(total))}
          {rate > 0 && ` · ${fmt.rate(rate)}`}
          {left !== null && ` · ${t.etaLeft(fmt.duration(left))}`}
        </span>
      </div>
    )
  }
  const names = transfer.waitingFor.map((p) => props.nameOf(p) || t.unknownAuthor)
  const text =
    transfer.state === 'queued'
      ? t.transferQueued
      : transfer.state === 'waiting'
        ? names.length > 0
          ? t.transferWaitingFor(names)
          : t.transferWaitingAnyone
        : t.transferFailed(transfer.error?.message ?? '')
  return (
    <p className={`local-state ${transfer.state}`} data-testid="local-state" role="status">
      {text}
    </p>
  )
}

function FileActions(props: FileRowProps & { file: ShelfFile }) {
  const { t, fmt } = useI18n()
  const { file, onAction, canEdit } = props
  const running = file.transfer !== null && file.transfer.state !== 'failed'
  return (
    <div className="shelf-row-actions">
      {file.local ? (
        <>
          <button type="button" className="primary small" onClick={() => onAction('save', file)}>
            {t.saveAs}
          </button>
          {props.savedPath !== undefined && (
            <button type="button" className="small" onClick={() => onAction('reveal', file)}>
              {t.showInFolder}
            </button>
          )}
        </>
      ) : running ? (
        <button type="button" className="small" onClick={() => onAction('cancel', file)}>
          {t.cancelDownload}
        </button>
      ) : (
        <button
          type="button"
          className="primary small with-icon"
          onClick={() => onAction('download', file)}
        >
          <Icon name="down" />
          {file.transfer?.state === 'failed' ? t.retry : t.download}
        </button>
      )}
      {!file.removed && (
        <label
          className="keep-toggle"
          title={keepHint(t, file, props.autoDownloadMaxBytes, fmt.bytes)}
        >
          <input
            type="checkbox"
            checked={file.keep}
            onChange={(event) => onAction(event.target.checked ? 'keep' : 'unkeep', file)}
          />
          {t.keepCopy}
        </label>
      )}
      {canEdit &&
        (file.removed ? (
          <button type="button" className="small" onClick={() => onAction('restore', file)}>
            {t.restoreFile}
          </button>
        ) : (
          <>
            <ToolButton label={t.renameMove} onClick={() => onAction('move', file)}>
              <Icon name="edit" />
            </ToolButton>
            <ToolButton label={t.remove} danger onClick={() => onAction('remove', file)}>
              <Icon name="trash" />
            </ToolButton>
          </>
        ))}
    </div>
  )
}

function keepHint(
  t: Messages,
  file: ShelfFile,
  limit: number,
  bytes: (n: number) => string,
): string {
  if (file.keepReason === 'folder') return t.keptWithFolder
  if (file.keepReason === 'file') return file.keep ? t.keptByYou : t.notKeptByYou
  return file.keep ? t.keptBySize(bytes(limit)) : t.notKeptBySize(bytes(limit))
}
