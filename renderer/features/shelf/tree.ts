// A shelf is a flat list of file versions, each with a folder path. What one folder shows is
// derived here: the folders directly inside it, its files (one row per name, with every version
// of that name behind it, oldest first) and its removed files (which can be restored).
import type { ShelfFile } from '../../../shared/api/index.ts'

export interface FolderEntry {
  name: string
  path: string
  /** Files (latest versions, not removed) anywhere below it. */
  files: number
}

export interface FileRowData {
  /** Folder and name: what makes versions versions of one file. */
  key: string
  /** The newest version that is not removed (the newest of all when every one is removed). */
  latest: ShelfFile
  /** Every version of the name in this folder, oldest first. */
  versions: ShelfFile[]
}

export interface FolderListing {
  folders: FolderEntry[]
  files: FileRowData[]
  /** Removed versions in this folder whose name has no version left that is not removed. */
  removed: FileRowData[]
}

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' })

export function joinFolder(parent: string, name: string): string {
  return parent === '' ? name : `${parent}/${name}`
}

/** The folder and every folder above it, from the top of the shelf (path ""). */
export function breadcrumbs(folder: string): { name: string; path: string }[] {
  const out = [{ name: '', path: '' }]
  if (folder === '') return out
  let path = ''
  for (const name of folder.split('/')) {
    path = joinFolder(path, name)
    out.push({ name, path })
  }
  return out
}

/** What `folder` shows; `extraFolders` are folders made here that hold no file yet. */
export function listFolder(
  files: readonly ShelfFile[],
  folder: string,
  extraFolders: readonly string[] = [],
): FolderListing {
  const prefix = folder === '' ? '' : `${folder}/`
  const sub = new Map<string, number>()
  const byName = new Map<string, ShelfFile[]>()
  const noteFolder = (path: string, count: number) => {
    if (path === folder || !path.startsWith(prefix)) return
    const name = path.slice(prefix.length).split('/')[0] ?? ''
    if (name !== '') sub.set(name, (sub.get(name) ?? 0) + count)
  }
  for (const file of files) {
    if (file.folder === folder) {
      const versions = byName.get(file.name) ?? []
      versions.push(file)
      byName.set(file.name, versions)
    } else if (!file.removed) {
      noteFolder(file.folder, 1)
    }
  }
  for (const extra of extraFolders) noteFolder(extra, 0)
  const rows: FileRowData[] = []
  const removed: FileRowData[] = []
  for (const [name, versions] of byName) {
    versions.sort((a, b) => a.addedAt - b.addedAt || (a.fileId < b.fileId ? -1 : 1))
    const live = versions.filter((v) => !v.removed)
    const row = {
      key: `${folder}/${name}`,
      latest: live.at(-1) ?? (versions.at(-1) as ShelfFile),
      versions,
    }
    if (live.length > 0) rows.push(row)
    else removed.push(row)
  }
  const byRowName = (a: FileRowData, b: FileRowData) =>
    collator.compare(a.latest.name, b.latest.name)
  return {
    folders: [...sub]
      .map(([name, count]) => ({ name, path: joinFolder(folder, name), files: count }))
      .sort((a, b) => collator.compare(a.name, b.name)),
    files: rows.sort(byRowName),
    removed: removed.sort(byRowName),
  }
}
