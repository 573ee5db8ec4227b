// Which files the window may point the main process at. The page never names arbitrary paths:
// it may reveal a file only if a native dialog handed it that path this session, or if it lies in
// the data folder (received files live there). Suggested save names come from peers, so they are
// reduced to a bare, harmless file name first.
import path from 'node:path'

export class PathGrants {
  readonly #roots: string[]
  readonly #granted = new Set<string>()

  constructor(roots: readonly string[]) {
    this.#roots = roots.map((r) => path.resolve(r))
  }

  /** Paths the person chose in a native dialog. */
  grant(paths: readonly string[]): void {
    for (const p of paths) this.#granted.add(path.resolve(p))
  }

  allows(candidate: string): boolean {
    if (candidate.includes('\0') || !path.isAbsolute(candidate)) return false
    const resolved = path.resolve(candidate)
    if (this.#granted.has(resolved)) return true
    return this.#roots.some((root) => resolved.startsWith(root + path.sep))
  }
}

// Controls, bidi overrides and characters Windows forbids in names.
// eslint-disable-next-line no-control-regex
const UNSAFE_NAME_CHARS = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069<>:"/\\|?*]/g
const WINDOWS_RESERVED = /^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$/i
const MAX_NAME_CHARS = 200

/** A file name safe to suggest in a save dialog on any platform, or undefined if none is left. */
export function safeFileName(suggested: string): string | undefined {
  const bare = suggested.split(/[\\/]/).pop() ?? ''
  let name = bare
    .replace(UNSAFE_NAME_CHARS, '_')
    .trim()
    .replace(/[. ]+$/, '')
  name = name.replace(/^\.+/, '')
  if (name === '' || WINDOWS_RESERVED.test(name)) return undefined
  const chars = [...name]
  if (chars.length > MAX_NAME_CHARS) {
    const ext = path.extname(name).slice(0, 16)
    name = chars.slice(0, MAX_NAME_CHARS - ext.length).join('') + ext
  }
  return name
}
