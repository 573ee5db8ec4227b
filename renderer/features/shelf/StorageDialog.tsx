// What the shelves take on this device's disk, group by group, what could be freed, and what
// this group's shelf fetches on its own.
import { useCallback, useEffect, useId, useState } from 'react'
import type { Group, ShelfStorage } from '../../../shared/api/index.ts'
import { useI18n } from '../../i18n/index.tsx'
import { useSnapshot } from '../../state/session-context.tsx'
import { useShelf, useShelves } from '../../state/shelves-context.tsx'
import { Dialog } from '../../ui/Dialog.tsx'
import { ErrorText } from '../../ui/ErrorText.tsx'
import { useAction } from '../../ui/use-action.ts'

const MB = 1024 * 1024
/** The choices offered; the peer takes any number of bytes. */
export const AUTO_DOWNLOAD_CHOICES = [0, 10 * MB, 50 * MB, 200 * MB, 1024 * MB, 256 * 1024 * MB]

export function StorageDialog(props: { group: Group; onClose(): void }) {
  const { t, fmt } = useI18n()
  const shelves = useShelves()
  const { groups } = useSnapshot()
  const shelf = useShelf(props.group.groupId)
  const [storage, setStorage] = useState<ShelfStorage | null>(null)
  const [freed, setFreed] = useState<number | null>(null)
  const limitId = useId()
  const measure = useAction(async () => setStorage(await shelves.storage()))
  const measureNow = measure.run
  const free = useAction(async () => {
    const result = await shelves.free()
    setFreed(result.freedBytes)
    await measureNow()
  })
  const setLimit = useAction((bytes: number) =>
    shelves.setAutoDownloadMax(props.group.groupId, bytes),
  )
  const refresh = useCallback(() => void measureNow(), [measureNow])
  useEffect(refresh, [refresh])
  const limit = shelf.policy?.autoDownloadMaxBytes ?? 50 * MB
  const choices = AUTO_DOWNLOAD_CHOICES.includes(limit)
    ? AUTO_DOWNLOAD_CHOICES
    : [...AUTO_DOWNLOAD_CHOICES, limit].sort((a, b) => a - b)
  const nameOf = (groupId: string) =>
    groups.find((g) => g.group.groupId === groupId)?.group.name ?? groupId
  return (
    <Dialog title={t.storageTitle} onClose={props.onClose}>
      <div className="dialog-body storage" data-testid="storage">
        <div className="field">
          <label htmlFor={limitId}>{t.autoDownload}</label>
          <select
            id={limitId}
            value={limit}
            onChange={(event) => void setLimit.run(Number(event.target.value))}
          >
            {choices.map((bytes) => (
              <option key={bytes} value={bytes}>
                {bytes === 0
                  ? t.autoNever
                  : bytes >= 256 * 1024 * MB
                    ? t.autoAll
                    : t.autoUpTo(fmt.bytes(bytes))}
              </option>
            ))}
          </select>
          <p className="hint">{t.autoDownloadHint}</p>
          <ErrorText error={setLimit.error} />
        </div>
        {storage === null ? (
          <p role="status">{t.loading}</p>
        ) : (
          <>
            <p data-testid="storage-total">{t.storageTotal(fmt.bytes(storage.totalBytes))}</p>
            <ul className="storage-groups">
              {storage.groups.map((g) => (
                <li key={g.groupId}>
                  <bdi>{nameOf(g.groupId)}</bdi>
                  <span className="hint">{t.storageGroup(g.files, fmt.bytes(g.bytes))}</span>
                </li>
              ))}
            </ul>
            <p>
              {storage.freeableBytes > 0
                ? t.storageFreeable(fmt.bytes(storage.freeableBytes))
                : t.nothingToFree}
            </p>
            {freed !== null && <p role="status">{t.freed(fmt.bytes(freed))}</p>}
          </>
        )}
        <ErrorText error={measure.error ?? free.error} />
      </div>
      <div className="dialog-actions">
        <button type="button" onClick={props.onClose}>
          {t.close}
        </button>
        <button
          type="button"
          className="primary"
          disabled={free.busy || storage === null || storage.freeableBytes === 0}
          onClick={() => void free.run()}
        >
          {t.freeUp}
        </button>
      </div>
    </Dialog>
  )
}
