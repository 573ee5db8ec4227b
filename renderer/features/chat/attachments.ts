// Files attached to the message being written: each goes onto the group's shelf as soon as it is
// chosen (so a large one is on its way while the text is typed), and the message names the ones
// that made it when it is sent.
import { useCallback, useMemo, useRef, useState } from 'react'
import { MAX_ATTACHMENTS } from '../../../shared/api/index.ts'
import type { ApiClient } from '../../../shared/rpc/index.ts'
import { uploadFile, type UploadSource } from '../shelf/upload.ts'

export interface PendingAttachment {
  id: number
  name: string
  size: number
  sent: number
  state: 'uploading' | 'ready' | 'failed'
  fileId: string | null
  error: unknown
}

export interface Attachments {
  items: readonly PendingAttachment[]
  add(files: readonly UploadSource[]): void
  remove(id: number): void
  /** Forgets them all (after sending); the files stay on the shelf. */
  clear(): void
  /** The file ids of the attachments that are on the shelf. */
  fileIds: string[]
  /** Some are still uploading: sending waits. */
  busy: boolean
  /** Attachments beyond the limit were not added. */
  full: boolean
}

export function useAttachments(client: ApiClient, groupId: string): Attachments {
  const [items, setItems] = useState<PendingAttachment[]>([])
  const [full, setFull] = useState(false)
  // The list lives in a ref and is copied into state: uploads start outside any state updater
  // (React may run those twice).
  const current = useRef<PendingAttachment[]>([])
  const nextId = useRef(1)
  const aborts = useRef(new Map<number, AbortController>())
  const change = useCallback((next: (list: PendingAttachment[]) => PendingAttachment[]) => {
    current.current = next(current.current)
    setItems(current.current)
  }, [])
  const update = useCallback(
    (id: number, patch: Partial<PendingAttachment>) =>
      change((list) => list.map((a) => (a.id === id ? { ...a, ...patch } : a))),
    [change],
  )
  const add = useCallback(
    (files: readonly UploadSource[]) => {
      const room = Math.max(0, MAX_ATTACHMENTS - current.current.length)
      setFull(files.length > room)
      const added: PendingAttachment[] = []
      for (const file of files.slice(0, room)) {
        const id = nextId.current++
        const abort = new AbortController()
        aborts.current.set(id, abort)
        added.push({
          id,
          name: file.name,
          size: file.size,
          sent: 0,
          state: 'uploading',
          fileId: null,
          error: undefined,
        })
        uploadFile(client, groupId, '', file, (sent) => update(id, { sent }), abort.signal).then(
          ({ fileId }) => update(id, { state: 'ready', fileId, sent: file.size }),
          (error: unknown) => {
            if (!abort.signal.aborted) update(id, { state: 'failed', error })
          },
        )
      }
      change((list) => [...list, ...added])
    },
    [client, groupId, update, change],
  )
  const remove = useCallback(
    (id: number) => {
      aborts.current.get(id)?.abort()
      aborts.current.delete(id)
      setFull(false)
      change((list) => list.filter((a) => a.id !== id))
    },
    [change],
  )
  const clear = useCallback(() => {
    aborts.current.clear()
    setFull(false)
    change(() => [])
  }, [change])
  return useMemo(
    () => ({
      items,
      add,
      remove,
      clear,
      fileIds: items.flatMap((a) => (a.fileId === null ? [] : [a.fileId])),
      busy: items.some((a) => a.state === 'uploading'),
      full,
    }),
    [items, add, remove, clear, full],
  )
}
