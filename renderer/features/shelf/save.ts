// Saving a shelf file out of Hearth, the honest way each platform allows. The desktop app asks
// where with its native dialog (the suggested name reduced to a safe one there) and the peer
// writes the file there, never overwriting. A browser tab cannot name a path: it gets a one-time
// address on its own server that downloads the file as an attachment into the browser's
// downloads, under a safe name. Neither ever opens the file.
import type { ShelfFile } from '../../../shared/api/index.ts'
import type { ApiClient } from '../../../shared/rpc/index.ts'
import type { DesktopApi } from '../../platform/desktop-api.ts'

export type Saved = { where: 'path'; path: string } | { where: 'browser' } | null

export async function saveFile(
  client: ApiClient,
  desktop: DesktopApi | undefined,
  groupId: string,
  file: ShelfFile,
  title: string,
): Promise<Saved> {
  if (desktop !== undefined) {
    const path = await desktop.saveFile({ title, defaultName: file.name })
    if (path === null) return null
    const saved = await client.call('shelf.get', { group: groupId, fileId: file.fileId, out: path })
    return { where: 'path', path: saved.path }
  }
  const link = await client.call('shelf.exportLink', { group: groupId, fileId: file.fileId })
  const anchor = document.createElement('a')
  anchor.href = link.path
  anchor.download = link.name
  anchor.rel = 'noopener'
  anchor.style.display = 'none'
  document.body.append(anchor)
  try {
    anchor.click()
  } finally {
    anchor.remove()
  }
  return { where: 'browser' }
}
