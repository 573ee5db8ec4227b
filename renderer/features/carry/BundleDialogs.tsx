// A group's menu → "Save for carrying…" and "Import a carried bundle…": the group's messages
// and shelf files in a file a member carries to members on another network.
import { useId, useState } from 'react'
import type { Group } from '../../../shared/api/index.ts'
import { useI18n } from '../../i18n/index.tsx'
import { useSession, useSnapshot } from '../../state/session-context.tsx'
import { Dialog } from '../../ui/Dialog.tsx'
import { useAction } from '../../ui/use-action.ts'
import { formatBytes } from './bytes.ts'
import { CarryDone, CarryForm } from './CarryForm.tsx'
import { datedName, isAbsolutePath, PathField } from './PathField.tsx'

/** The size limits offered for shelf files; null is "every file this device holds". */
export const FILE_LIMITS = [null, 50 * 1024 * 1024, 10 * 1024 * 1024, 0] as const

interface Saved {
  path: string
  bytes: number
  files: number
  skipped: number
}

export function SaveBundleDialog(props: { group: Group; onClose(): void }) {
  const { t, fmt } = useI18n()
  const session = useSession()
  const [path, setPath] = useState('')
  const [replace, setReplace] = useState(false)
  const [limit, setLimit] = useState<number | null>(null)
  const [done, setDone] = useState<Saved | null>(null)
  const limitId = useId()
  const save = useAction(async () => {
    const r = await session.client.call('bundle.export', {
      group: props.group.groupId,
      path,
      replace,
      ...(limit !== null && { maxFileBytes: limit }),
    })
    setDone({ path: r.path, bytes: r.bytes, files: r.files, skipped: r.skippedFiles })
  })
  const limitLabel = (value: number | null) =>
    value === null
      ? t.carryAllFiles
      : value === 0
        ? t.carryNoFiles
        : t.carryFilesUpTo(formatBytes(fmt.locale, value))
  const title = t.carryTitle(props.group.name)
  return (
    <Dialog title={title} onClose={props.onClose} className="carry-dialog">
      {done !== null ? (
        <CarryDone onClose={props.onClose}>
          <p role="status">
            {t.carrySaved(done.path, done.files, formatBytes(fmt.locale, done.bytes))}
          </p>
          {done.skipped > 0 && <p className="hint">{t.carrySkipped(done.skipped)}</p>}
          <p className="hint">{t.carryWho}</p>
        </CarryDone>
      ) : (
        <CarryForm
          action={save}
          problem={path !== '' && !isAbsolutePath(path) ? t.pathMustBeFull : null}
          ready={path !== ''}
          submitLabel={t.save}
          onCancel={props.onClose}
        >
          <p>{t.carryText}</p>
          <p className="hint">{t.carryWho}</p>
          <PathField
            mode="save"
            value={path}
            defaultName={datedName(props.group.name, 'hearth-bundle')}
            dialogTitle={title}
            onChange={(chosen, confirmed) => {
              setPath(chosen)
              setReplace(confirmed)
            }}
          />
          <div className="field">
            <label htmlFor={limitId}>{t.carryFiles}</label>
            <select
              id={limitId}
              value={String(limit)}
              onChange={(event) =>
                setLimit(event.target.value === 'null' ? null : Number(event.target.value))
              }
            >
              {FILE_LIMITS.map((value) => (
                <option key={String(value)} value={String(value)}>
                  {limitLabel(value)}
                </option>
              ))}
            </select>
          </div>
        </CarryForm>
      )}
    </Dialog>
  )
}

export function ImportBundleDialog(props: { onClose(): void }) {
  const { t } = useI18n()
  const session = useSession()
  const { groups } = useSnapshot()
  const [path, setPath] = useState('')
  const [done, setDone] = useState<{ groupId: string; merged: number; files: number } | null>(null)
  const run = useAction(async () => {
    const r = await session.client.call('bundle.import', { path })
    setDone({ groupId: r.groupId, merged: r.updatesMerged, files: r.filesReceived })
  })
  const groupName =
    done === null ? '' : (groups.find((g) => g.group.groupId === done.groupId)?.group.name ?? '')
  return (
    <Dialog title={t.importTitle} onClose={props.onClose} className="carry-dialog">
      {done !== null ? (
        <CarryDone onClose={props.onClose}>
          <p role="status">
            {done.merged === 0 && done.files === 0
              ? t.importedNothing(groupName)
              : t.imported(groupName, done.files)}
          </p>
        </CarryDone>
      ) : (
        <CarryForm
          action={run}
          problem={path !== '' && !isAbsolutePath(path) ? t.pathMustBeFull : null}
          ready={path !== ''}
          submitLabel={t.importAction}
          onCancel={props.onClose}
        >
          <p>{t.importText}</p>
          <PathField
            mode="open"
            value={path}
            dialogTitle={t.importTitle}
            onChange={(chosen) => setPath(chosen)}
          />
        </CarryForm>
      )}
    </Dialog>
  )
}
