// A group's shelf: folders to walk through (with the path as breadcrumbs), the files in the
// folder shown, uploads on their way, and the removed files (to restore). Files are added by
// dropping them anywhere on the view or with the Add files button.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react'
import type { ReactNode } from 'react'
import type { Group, ShelfFile } from '../../../shared/api/index.ts'
import { displayName, isExecutableName } from '../../../shared/api/names.ts'
import { useI18n } from '../../i18n/index.tsx'
import { useSession, useSnapshot } from '../../state/session-context.tsx'
import { useDesktop } from '../../platform/desktop-context.tsx'
import { useShelf, useShelves } from '../../state/shelves-context.tsx'
import { ConfirmDialog } from '../../ui/ConfirmDialog.tsx'
import { ErrorText } from '../../ui/ErrorText.tsx'
import { FilePicker } from '../../ui/FilePicker.tsx'
import { GroupTitle } from '../../ui/GroupTitle.tsx'
import { Icon } from '../../ui/Icon.tsx'
import { useAction } from '../../ui/use-action.ts'
import { carriesFiles } from './drag.ts'
import { FileRow, type FileAction } from './FileRow.tsx'
import { MoveDialog, NewFolderDialog } from './NameDialogs.tsx'
import { saveFile } from './save.ts'
import { StorageDialog } from './StorageDialog.tsx'
import { breadcrumbs, joinFolder, listFolder, type FileRowData } from './tree.ts'
import { VersionsDialog } from './VersionsDialog.tsx'

type Overlay =
  | { kind: 'move'; file: ShelfFile }
  | { kind: 'remove'; file: ShelfFile }
  | { kind: 'executable'; file: ShelfFile }
  | { kind: 'versions'; row: FileRowData }
  | { kind: 'new-folder' }
  | { kind: 'storage' }
  | null

export function ShelfView(props: { group: Group; tabs: ReactNode; initialFolder?: string }) {
  const { t } = useI18n()
  const session = useSession()
  const snapshot = useSnapshot()
  const shelves = useShelves()
  const desktop = useDesktop()
  const { group } = props
  const groupId = group.groupId
  const shelf = useShelf(groupId)
  const [folder, setFolder] = useState(props.initialFolder ?? '')
  const [madeFolders, setMadeFolders] = useState<string[]>([])
  const [showRemoved, setShowRemoved] = useState(false)
  const [dragDepth, setDragDepth] = useState(0)
  const [overlay, setOverlay] = useState<Overlay>(null)
  const [saved, setSaved] = useState<ReadonlyMap<string, string>>(new Map())
  const picker = useRef<HTMLInputElement>(null)
  const act = useAction(async (work: () => Promise<unknown>) => work())
  const run = act.run

  useEffect(() => shelves.load(groupId), [shelves, groupId])

  const listing = useMemo(
    () => listFolder(shelf.files, folder, madeFolders),
    [shelf.files, folder, madeFolders],
  )
  const me = session.me
  const names = useMemo(() => new Map(group.members.map((m) => [m.peerId, m.name])), [group])
  const nameOf = useCallback(
    (peerId: string) => (peerId === me ? t.you : (names.get(peerId) ?? '')),
    [names, me, t],
  )
  const isConnected = useCallback(
    (peerId: string) => peerId === me || snapshot.peers.get(peerId)?.connected === true,
    [snapshot.peers, me],
  )
  const folderPolicy = shelf.policy?.folders.find((f) => f.folder === folder)
  const autoMax = shelf.policy?.autoDownloadMaxBytes ?? 0

  const upload = (files: readonly File[]) => {
    if (files.length === 0) return
    void run(() => shelves.upload(groupId, folder, files))
  }

  const addFiles = () => {
    if (desktop === undefined) {
      picker.current?.click()
      return
    }
    void run(async () => {
      const paths = await desktop.openFiles({ title: t.addFiles, multiple: true })
      await shelves.addPaths(groupId, folder, paths)
    })
  }

  const save = (file: ShelfFile) =>
    run(async () => {
      const result = await saveFile(shelves.client, desktop, groupId, file, t.saveAs)
      if (result?.where === 'path') setSaved((m) => new Map(m).set(file.fileId, result.path))
    })

  const onAction = (action: FileAction, file: ShelfFile) => {
    switch (action) {
      case 'download':
        void run(() => shelves.download(groupId, file.fileId))
        break
      case 'cancel':
        void run(() => shelves.cancel(groupId, file.fileId))
        break
      case 'save':
        // Hearth never opens a file; saving a program is the step before someone does.
        if (isExecutableName(file.name)) setOverlay({ kind: 'executable', file })
        else void save(file)
        break
      case 'reveal': {
        const path = saved.get(file.fileId)
        if (path !== undefined && desktop !== undefined)
          void run(() => desktop.revealInFolder(path))
        break
      }
      case 'keep':
      case 'unkeep':
        void run(() => shelves.setKeep(groupId, { fileId: file.fileId }, action === 'keep'))
        break
      case 'versions': {
        const row = [...listing.files, ...listing.removed].find((r) =>
          r.versions.some((v) => v.fileId === file.fileId),
        )
        if (row !== undefined) setOverlay({ kind: 'versions', row })
        break
      }
      case 'move':
        setOverlay({ kind: 'move', file })
        break
      case 'remove':
        setOverlay({ kind: 'remove', file })
        break
      case 'restore':
        void run(() => shelves.restore(groupId, file.fileId))
        break
    }
  }

  const rowProps = (row: FileRowData) => ({
    groupId,
    row,
    me,
    canEdit: group.role === 'admin' || row.latest.addedBy === me,
    nameOf,
    isConnected,
    progress: shelf.progress.get(row.latest.fileId),
    savedPath: saved.get(row.latest.fileId),
    autoDownloadMaxBytes: autoMax,
    onAction,
  })

  const dragging = dragDepth > 0
  const crumbs = breadcrumbs(folder)
  const here = folder === '' ? t.shelfTop : displayName(crumbs.at(-1)?.name ?? '')
  const empty =
    listing.folders.length === 0 && listing.files.length === 0 && shelf.uploads.length === 0
  return (
    <section
      className={`shelf${dragging ? ' dragging' : ''}`}
      aria-labelledby="shelf-title"
      data-testid="shelf"
      onDragEnter={(event) => {
        if (!carriesFiles(event)) return
        event.preventDefault()
        setDragDepth((d) => d + 1)
      }}
      onDragOver={(event) => {
        if (!carriesFiles(event)) return
        event.preventDefault()
        event.dataTransfer.dropEffect = 'copy'
      }}
      onDragLeave={(event) => {
        if (carriesFiles(event)) setDragDepth((d) => Math.max(0, d - 1))
      }}
      onDrop={(event) => {
        if (!carriesFiles(event)) return
        event.preventDefault()
        setDragDepth(0)
        upload([...event.dataTransfer.files])
      }}
    >
      <header className="chat-header">
        <GroupTitle groupId={groupId} name={group.name} headingId="shelf-title">
          {props.tabs}
        </GroupTitle>
        <div className="chat-header-actions">
          <button type="button" className="primary with-icon" onClick={addFiles}>
            <Icon name="plus" />
            {t.addFiles}
          </button>
          <button
            type="button"
            className="ghost with-icon"
            onClick={() => setOverlay({ kind: 'new-folder' })}
          >
            <Icon name="folder" />
            {t.newFolder}
          </button>
          <button
            type="button"
            className="ghost with-icon"
            onClick={() => setOverlay({ kind: 'storage' })}
          >
            <Icon name="disk" />
            {t.storage}
          </button>
        </div>
        <FilePicker inputRef={picker} testId="shelf-file-input" onFiles={upload} />
      </header>
      <div className="shelf-toolbar">
        <nav className="breadcrumbs" aria-label={t.shelfPath}>
          <ol>
            {crumbs.map((crumb, i) => (
              <li key={crumb.path}>
                {i === crumbs.length - 1 ? (
                  <bdi aria-current="location">
                    {crumb.path === '' ? t.shelfTop : displayName(crumb.name)}
                  </bdi>
                ) : (
                  <button
                    type="button"
                    className="link-button"
                    onClick={() => setFolder(crumb.path)}
                  >
                    <bdi>{crumb.path === '' ? t.shelfTop : displayName(crumb.name)}</bdi>
                  </button>
                )}
              </li>
            ))}
          </ol>
        </nav>
        <label className="keep-toggle">
          <input
            type="checkbox"
            checked={folderPolicy?.keep === true}
            onChange={(event) =>
              void run(() =>
                shelves.setKeep(groupId, { folder }, event.target.checked ? true : null),
              )
            }
          />
          {t.keepFolder}
        </label>
      </div>
      <ErrorText error={act.error ?? shelf.error} />
      <div className="shelf-scroll">
        <ul className="shelf-list" data-testid="shelf-list">
          {shelf.uploads.map((u) => (
            <li key={u.id} className="shelf-row upload" data-testid="shelf-upload">
              <span className="file-visual">
                <span className="file-icon other" aria-hidden="true">
                  ↑
                </span>
              </span>
              <div className="shelf-row-main">
                <bdi className="file-name">{displayName(u.name)}</bdi>
                {u.state === 'failed' ? (
                  <ErrorText error={u.error} />
                ) : (
                  <progress max={Math.max(1, u.size)} value={u.sent} aria-label={t.uploading} />
                )}
              </div>
              <div className="shelf-row-actions">
                <button type="button" className="small" onClick={() => shelves.cancelUpload(u.id)}>
                  {u.state === 'failed' ? t.dismissUpload : t.cancel}
                </button>
              </div>
            </li>
          ))}
          {listing.folders.map((sub) => (
            <li key={sub.path} className="shelf-row folder" data-testid="shelf-folder">
              <button type="button" className="folder-button" onClick={() => setFolder(sub.path)}>
                <span className="file-visual">
                  <Icon name="folder" className="folder-icon" />
                </span>
                <span className="shelf-row-main">
                  <bdi className="file-name">{displayName(sub.name)}</bdi>
                  <span className="hint">{t.folderFiles(sub.files)}</span>
                </span>
              </button>
            </li>
          ))}
          {listing.files.map((row) => (
            <FileRow key={row.key} {...rowProps(row)} />
          ))}
          {showRemoved &&
            listing.removed.map((row) => <FileRow key={row.key} {...rowProps(row)} />)}
        </ul>
        {empty && shelf.loaded && (
          <div className="placeholder shelf-empty">
            <Icon name="folder" className="placeholder-icon" />
            <p>{folder === '' ? t.emptyShelf : t.emptyFolder}</p>
          </div>
        )}
        {listing.removed.length > 0 && (
          <button type="button" className="ghost small" onClick={() => setShowRemoved((v) => !v)}>
            {showRemoved ? t.hideRemoved : t.showRemoved(listing.removed.length)}
          </button>
        )}
      </div>
      {dragging && (
        <div className="drop-overlay" aria-hidden="true">
          <Icon name="down" className="placeholder-icon" />
          <p>{folder === '' ? t.dropHereTop : t.dropHere(here)}</p>
        </div>
      )}
      {overlay?.kind === 'move' && (
        <MoveDialog
          file={overlay.file}
          onCancel={() => setOverlay(null)}
          onMove={(to) => {
            setOverlay(null)
            void run(() => shelves.move(groupId, overlay.file.fileId, to))
          }}
        />
      )}
      {overlay?.kind === 'new-folder' && (
        <NewFolderDialog
          onCancel={() => setOverlay(null)}
          onCreate={(name) => {
            const path = joinFolder(folder, name)
            setOverlay(null)
            setMadeFolders((list) => [...list, path])
            setFolder(path)
          }}
        />
      )}
      {overlay?.kind === 'remove' && (
        <ConfirmDialog
          title={t.removeFileTitle(displayName(overlay.file.name))}
          confirmLabel={t.remove}
          danger
          onCancel={() => setOverlay(null)}
          onConfirm={() => {
            setOverlay(null)
            void run(() => shelves.remove(groupId, overlay.file.fileId))
          }}
        >
          <p>{t.removeFileText}</p>
        </ConfirmDialog>
      )}
      {overlay?.kind === 'executable' && (
        <ConfirmDialog
          title={t.executableTitle}
          confirmLabel={t.saveAnyway}
          danger
          onCancel={() => setOverlay(null)}
          onConfirm={() => {
            setOverlay(null)
            void save(overlay.file)
          }}
        >
          <p>
            {t.executableText(
              displayName(overlay.file.name),
              overlay.file.addedBy === me ? t.you : overlay.file.addedByName || t.unknownAuthor,
            )}
          </p>
        </ConfirmDialog>
      )}
      {overlay?.kind === 'versions' && (
        <VersionsDialog
          row={overlay.row}
          rowProps={(version) => ({
            ...rowProps({ ...overlay.row, latest: version }),
            asVersion: true,
          })}
          onClose={() => setOverlay(null)}
        />
      )}
      {overlay?.kind === 'storage' && (
        <StorageDialog group={group} onClose={() => setOverlay(null)} />
      )}
    </section>
  )
}
