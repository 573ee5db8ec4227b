// Which files the window may point the main process at. The page never names arbitrary paths:
// it may reveal a file only if a native dialog handed it that path this session, or if it lies in
// the data folder (received files live there). Suggested save names come from peers: the save
// dialog reduces them with safeFileName (shared/api/names.ts) first.
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
