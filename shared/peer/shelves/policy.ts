// What this device keeps of each group's shelf. Per group: a size limit (files up to it are
// fetched and kept on their own) and "keep a local copy" set on or off for single files and for
// folders. The nearest setting wins: the file's own, then its folder's, then the folder above,
// up to the top of the shelf (""), then the size limit. A kept file is fetched whatever its size;
// a file not kept may still be here (fetched on demand), and may then be freed.
// Kept per device in the store's settings: it is nobody else's business, so not in the group doc.
import { z } from 'zod'
import { EntryId, FolderPath, HearthError, type ShelfPolicy } from '../../api/index.ts'

/** Files up to this size are kept on every member's device without being asked for. */
export const DEFAULT_AUTO_DOWNLOAD_MAX_BYTES = 50 * 1024 * 1024
/** Bounds on what one group's settings may hold (a hostile UI cannot grow the settings row). */
export const MAX_KEEP_FILES = 100_000
export const MAX_KEEP_FOLDERS = 10_000

export type KeepReason = 'file' | 'folder' | 'size'

export interface KeepDecision {
  keep: boolean
  reason: KeepReason
}

export interface GroupPolicy {
  autoDownloadMaxBytes: number
  files: ReadonlyMap<string, boolean>
  folders: ReadonlyMap<string, boolean>
}

export const defaultPolicy: GroupPolicy = {
  autoDownloadMaxBytes: DEFAULT_AUTO_DOWNLOAD_MAX_BYTES,
  files: new Map(),
  folders: new Map(),
}

/** Whether a file is kept here, and which setting says so. */
export function keepOf(
  policy: GroupPolicy,
  file: { fileId: string; folder: string; size: number },
): KeepDecision {
  const own = policy.files.get(file.fileId)
  if (own !== undefined) return { keep: own, reason: 'file' }
  if (policy.folders.size > 0) {
    const parts = file.folder === '' ? [] : file.folder.split('/')
    for (let depth = parts.length; depth >= 0; depth--) {
      const set = policy.folders.get(parts.slice(0, depth).join('/'))
      if (set !== undefined) return { keep: set, reason: 'folder' }
    }
  }
  return { keep: file.size <= policy.autoDownloadMaxBytes, reason: 'size' }
}

/** The policy as the contract shows it. */
export function policyView(policy: GroupPolicy): ShelfPolicy {
  return {
    autoDownloadMaxBytes: policy.autoDownloadMaxBytes,
    folders: [...policy.folders]
      .map(([folder, keep]) => ({ folder, keep }))
      .sort((a, b) => (a.folder < b.folder ? -1 : a.folder > b.folder ? 1 : 0)),
  }
}

const Stored = z.object({
  v: z.literal(1),
  autoDownloadMaxBytes: z.number().int().nonnegative(),
  files: z.array(z.tuple([EntryId, z.boolean()])).max(MAX_KEEP_FILES),
  folders: z.array(z.tuple([FolderPath, z.boolean()])).max(MAX_KEEP_FOLDERS),
})

export function encodePolicy(policy: GroupPolicy): string {
  return JSON.stringify({
    v: 1,
    autoDownloadMaxBytes: policy.autoDownloadMaxBytes,
    files: [...policy.files],
    folders: [...policy.folders],
  } satisfies z.input<typeof Stored>)
}

/** The stored policy, or the default when there is none or it cannot be read (said once). */
export function decodePolicy(text: string | undefined): GroupPolicy {
  if (text === undefined || text === '') return defaultPolicy
  let parsed: z.ZodSafeParseResult<z.output<typeof Stored>>
  try {
    parsed = Stored.safeParse(JSON.parse(text))
  } catch (err) {
    console.warn(`hearth: a stored shelf policy is not JSON (${String(err)}); using the default`)
    return defaultPolicy
  }
  if (!parsed.success) {
    console.warn('hearth: a stored shelf policy is malformed; using the default')
    return defaultPolicy
  }
  return {
    autoDownloadMaxBytes: parsed.data.autoDownloadMaxBytes,
    files: new Map(parsed.data.files),
    folders: new Map(parsed.data.folders),
  }
}

/** A copy with one file's or one folder's setting changed (`keep` null: no setting). */
export function withKeep(
  policy: GroupPolicy,
  target: { fileId: string } | { folder: string },
  keep: boolean | null,
): GroupPolicy {
  const isFile = 'fileId' in target
  const key = isFile ? target.fileId : target.folder
  const map = new Map(isFile ? policy.files : policy.folders)
  if (keep === null) map.delete(key)
  else map.set(key, keep)
  const cap = isFile ? MAX_KEEP_FILES : MAX_KEEP_FOLDERS
  if (map.size > cap) {
    throw new HearthError(
      'TOO_LARGE',
      `At most ${cap} ${isFile ? 'files' : 'folders'} can have their own setting.`,
    )
  }
  return isFile ? { ...policy, files: map } : { ...policy, folders: map }
}

/** Where each group's policy is kept: the store's settings. */
export interface PolicySettings {
  getSetting(key: string): string | undefined
  setSetting(key: string, value: string): void
}

export class ShelfPolicies {
  readonly #settings: PolicySettings
  readonly #cache = new Map<string, GroupPolicy>()

  constructor(settings: PolicySettings) {
    this.#settings = settings
  }

  get(groupId: string): GroupPolicy {
    let policy = this.#cache.get(groupId)
    if (policy === undefined) {
      policy = decodePolicy(this.#settings.getSetting(settingKey(groupId)))
      this.#cache.set(groupId, policy)
    }
    return policy
  }

  set(groupId: string, policy: GroupPolicy): void {
    this.#settings.setSetting(settingKey(groupId), encodePolicy(policy))
    this.#cache.set(groupId, policy)
  }
}

function settingKey(groupId: string): string {
  return `shelfPolicy.${groupId}`
}
