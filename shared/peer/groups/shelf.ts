// The shelf as every replica shows it. File entries are never changed; renames, removals and
// restores are entries that target one, folded in (ts, id) order, so replicas holding the same
// entries show the same shelf whatever order the entries arrived in. Each act counts only if its
// author was a member at its time, and only if that author added the file or was an admin then.
// Who holds a copy of a blob is folded the same way from each member's own statements: a `have`
// or `drop` entry, or a `file` entry (adding a file means holding it); an author's latest
// statement by (ts, id) counts, if the author was a member then and is one now.
import type { FileEntry, ShelfEntry } from './entries.ts'
import type { MembershipView } from './membership.ts'

export interface ShelfFileView {
  fileId: string
  blobId: string
  name: string
  folder: string
  size: number
  mediaType: string
  sha256: string
  addedBy: string
  addedAt: number
  removed: boolean
  /** Members holding a verified full copy of the blob, sorted. */
  holders: string[]
}

type ShelfAct = Extract<ShelfEntry, { kind: 'rename' | 'remove' | 'restore' }>

/** One author's latest word on whether it holds a blob. */
interface Holding {
  ts: number
  id: string
  have: boolean
}

interface ActRecord {
  id: string
  act: ShelfAct
}

function byKey(a: ActRecord, b: ActRecord): number {
  return a.act.ts - b.act.ts || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
}

export class ShelfIndex {
  readonly #files = new Map<string, FileEntry>()
  /** Acts by the file they target; a target may arrive after its acts. Each list is sorted. */
  readonly #acts = new Map<string, ActRecord[]>()
  /** How many file entries name each blob. */
  readonly #blobs = new Map<string, number>()
  /** blob id → author → that author's latest statement about holding it. */
  readonly #holdings = new Map<string, Map<string, Holding>>()

  /** Records an entry; returns the id of the file it concerns, or null for a holding statement. */
  add(id: string, entry: ShelfEntry): string | null {
    if (entry.kind === 'file') {
      if (!this.#files.has(id)) {
        this.#files.set(id, entry)
        this.#blobs.set(entry.blobId, (this.#blobs.get(entry.blobId) ?? 0) + 1)
        this.#hold(entry.blobId, entry.author, { ts: entry.ts, id, have: true })
      }
      return id
    }
    if (entry.kind === 'have' || entry.kind === 'drop') {
      this.#hold(entry.blobId, entry.author, { ts: entry.ts, id, have: entry.kind === 'have' })
      return null
    }
    let list = this.#acts.get(entry.target)
    if (list === undefined) this.#acts.set(entry.target, (list = []))
    if (!list.some((r) => r.id === id)) {
      list.push({ id, act: entry })
      list.sort(byKey)
    }
    return entry.target
  }

  has(fileId: string): boolean {
    return this.#files.has(fileId)
  }

  entry(fileId: string): FileEntry | undefined {
    return this.#files.get(fileId)
  }

  size(): number {
    return this.#files.size
  }

  /** Whether any file entry names this blob (removed ones too: they can still be restored). */
  holdsBlob(blobId: string): boolean {
    return this.#blobs.has(blobId)
  }

  /** Current members whose latest statement, made while a member, is that they hold the blob. */
  holders(blobId: string, membership: MembershipView): string[] {
    const out: string[] = []
    for (const [author, holding] of this.#holdings.get(blobId) ?? []) {
      if (!holding.have || !membership.members.has(author)) continue
      if (!membership.wasMemberAt(author, holding.ts)) continue
      out.push(author)
    }
    return out.sort(compare)
  }

  #hold(blobId: string, author: string, holding: Holding): void {
    let byAuthor = this.#holdings.get(blobId)
    if (byAuthor === undefined) this.#holdings.set(blobId, (byAuthor = new Map()))
    const known = byAuthor.get(author)
    if (
      known === undefined ||
      holding.ts - known.ts > 0 ||
      (holding.ts === known.ts && holding.id > known.id)
    ) {
      byAuthor.set(author, holding)
    }
  }

  view(fileId: string, membership: MembershipView): ShelfFileView | undefined {
    const file = this.#files.get(fileId)
    if (file === undefined || !membership.wasMemberAt(file.author, file.ts)) return undefined
    let name = file.name
    let folder = file.folder
    let removed = false
    for (const { act } of this.#acts.get(fileId) ?? []) {
      const role = membership.roleAt(act.author, act.ts)
      if (role === null) continue
      if (act.author !== file.author && role !== 'admin') continue
      switch (act.kind) {
        case 'rename':
          name = act.name
          folder = act.folder
          break
        case 'remove':
          removed = true
          break
        case 'restore':
          removed = false
          break
      }
    }
    return {
      fileId,
      blobId: file.blobId,
      name,
      folder,
      size: file.size,
      mediaType: file.mediaType,
      sha256: file.sha256,
      addedBy: file.author,
      addedAt: file.ts,
      removed,
      holders: this.holders(file.blobId, membership),
    }
  }

  /**
   * Every file, sorted by folder, then name, then when it was added: versions of one name stay
   * together, oldest first.
   */
  views(membership: MembershipView): ShelfFileView[] {
    const out: ShelfFileView[] = []
    for (const id of this.#files.keys()) {
      const view = this.view(id, membership)
      if (view !== undefined) out.push(view)
    }
    return out.sort(
      (a, b) =>
        compare(a.folder, b.folder) ||
        compare(a.name, b.name) ||
        a.addedAt - b.addedAt ||
        compare(a.fileId, b.fileId),
    )
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
