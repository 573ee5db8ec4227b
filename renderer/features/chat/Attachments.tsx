// Files in the chat: the ones attached to a message (a thumbnail for images held here, else the
// file's kind, its name and size, and a button to download or save it), and the ones waiting to
// go with the message being written.
import { createContext, useContext, useState } from 'react'
import type { ShelfFile } from '../../../shared/api/index.ts'
import { displayName, isExecutableName } from '../../../shared/api/names.ts'
import { useI18n } from '../../i18n/index.tsx'
import { useDesktop } from '../../platform/desktop-context.tsx'
import { useShelf, useShelves } from '../../state/shelves-context.tsx'
import { ConfirmDialog } from '../../ui/ConfirmDialog.tsx'
import { ErrorText } from '../../ui/ErrorText.tsx'
import { Icon } from '../../ui/Icon.tsx'
import { ToolButton } from '../../ui/ToolButton.tsx'
import { useAction } from '../../ui/use-action.ts'
import { saveFile } from '../shelf/save.ts'
import { Thumbnail } from '../shelf/Thumbnail.tsx'
import type { Attachments } from './attachments.ts'

/** The group whose chat is on screen, for rows that need it (message rows do not carry it). */
export const ChatGroupContext = createContext<string | null>(null)

export function AttachmentList(props: { fileIds: readonly string[] }) {
  const groupId = useContext(ChatGroupContext)
  if (groupId === null || props.fileIds.length === 0) return null
  return (
    <ul className="attachments" data-testid="attachments">
      {props.fileIds.map((fileId) => (
        <Attachment key={fileId} groupId={groupId} fileId={fileId} />
      ))}
    </ul>
  )
}

function Attachment(props: { groupId: string; fileId: string }) {
  const { t, fmt } = useI18n()
  const shelf = useShelf(props.groupId)
  const file = shelf.files.find((f) => f.fileId === props.fileId)
  if (file === undefined) {
    return (
      <li className="attachment missing" data-testid="attachment">
        <span className="hint">{shelf.loaded ? t.attachmentMissing : t.loading}</span>
      </li>
    )
  }
  const shown = displayName(file.name)
  return (
    <li className="attachment" data-testid="attachment" data-file-id={file.fileId}>
      <Thumbnail groupId={props.groupId} file={file} large />
      <span className="attachment-main">
        <bdi className="file-name" title={shown}>
          {shown}
        </bdi>
        <span className="hint">
          {fmt.bytes(file.size)}
          {file.removed && ` · ${t.removedFile}`}
        </span>
      </span>
      <AttachmentAction groupId={props.groupId} file={file} />
    </li>
  )
}

function AttachmentAction(props: { groupId: string; file: ShelfFile }) {
  const { t } = useI18n()
  const shelves = useShelves()
  const desktop = useDesktop()
  const { groupId, file } = props
  const [warn, setWarn] = useState(false)
  const act = useAction(async (work: () => Promise<unknown>) => work())
  const save = () => void act.run(() => saveFile(shelves.client, desktop, groupId, file, t.saveAs))
  const running = file.transfer !== null && file.transfer.state !== 'failed'
  return (
    <>
      {file.local ? (
        <button
          type="button"
          className="small"
          onClick={() => (isExecutableName(file.name) ? setWarn(true) : save())}
        >
          {t.saveAs}
        </button>
      ) : running ? (
        <span className="hint" role="status">
          {t.downloading}
        </span>
      ) : (
        <button
          type="button"
          className="small"
          onClick={() => void act.run(() => shelves.download(groupId, file.fileId))}
        >
          {t.download}
        </button>
      )}
      <ErrorText error={act.error} />
      {warn && (
        <ConfirmDialog
          title={t.executableTitle}
          confirmLabel={t.saveAnyway}
          danger
          onCancel={() => setWarn(false)}
          onConfirm={() => {
            setWarn(false)
            save()
          }}
        >
          <p>{t.executableText(displayName(file.name), file.addedByName || t.unknownAuthor)}</p>
        </ConfirmDialog>
      )}
    </>
  )
}

/** The files going with the message being written. */
export function PendingAttachments(props: { attachments: Attachments }) {
  const { t, fmt } = useI18n()
  const { items, remove, full } = props.attachments
  if (items.length === 0 && !full) return null
  return (
    <div className="pending-attachments">
      <ul>
        {items.map((a) => (
          <li
            key={a.id}
            className={`pending-attachment ${a.state}`}
            data-testid="pending-attachment"
          >
            <Icon name="paperclip" />
            <bdi className="file-name">{displayName(a.name)}</bdi>
            {a.state === 'uploading' ? (
              <progress max={Math.max(1, a.size)} value={a.sent} aria-label={t.uploading} />
            ) : a.state === 'failed' ? (
              <ErrorText error={a.error} />
            ) : (
              <span className="hint">{fmt.bytes(a.size)}</span>
            )}
            <ToolButton
              label={t.removeAttachment(displayName(a.name))}
              onClick={() => remove(a.id)}
            >
              ×
            </ToolButton>
          </li>
        ))}
      </ul>
      {full && <p className="hint">{t.tooManyAttachments}</p>}
    </div>
  )
}
